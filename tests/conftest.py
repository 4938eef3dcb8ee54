from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from articles import page_cache

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "tongliao-daily-2022-12-20.txt"
SEED_DATE = "2022-12-20"


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache and re-reads the content generation: a rolled-back
    test's generation is reused by the next test, with other data (in production a generation
    is never rolled back)."""
    cache.clear()
    page_cache.forget_copy()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def seed_text():
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def seed_issue(db):
    """The seed issue imported and published, as the README's run command does."""
    call_command("import_issue", str(SEED), "--date", SEED_DATE, "--publish", verbosity=0)
    from articles.models import Issue

    return Issue.objects.get(date=SEED_DATE)
