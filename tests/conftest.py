import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from articles import page_cache

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "tongliao-daily-2022-12-20.txt"
SEED_DATE = "2022-12-20"


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache and re-reads the content generation: a rolled-back
    test's generation is reused by the next test, with other data (in production a generation
    is never rolled back)."""
    cache.clear()
    page_cache.reset()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the block's transaction would run on commit, as it commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def make_staff(name, role):
    """An account made the way the desk makes them (create_staff), logged in on a client."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    call_command("create_staff", name, "--role", role, stdout=StringIO())
    user = get_user_model().objects.get(username=name)
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def reporter():
    return make_staff("王记者", "记者")


@pytest.fixture
def other_reporter():
    return make_staff("赵记者", "记者")


@pytest.fixture
def editor():
    return make_staff("张编辑", "编辑")


@pytest.fixture
def seed_text():
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def seed_issue(db):
    """The seed issue imported and published, as the README's run command does."""
    call_command("import_issue", str(SEED), "--date", SEED_DATE, "--publish", verbosity=0)
    from articles.models import Issue

    return Issue.objects.get(date=SEED_DATE)


# Debian's Chromium, driven by Playwright, for the browser walks.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # are still synchronous and safe. Only for these tests: deployment checks forbid it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    if not Path(CHROMIUM).exists() or not AXE.exists():
        pytest.fail("needs Debian's chromium and `npm ci` (bin/test installs both)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
