"""The desk's admin at newspaper scale: time and queries of its busiest pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench .venv/bin/python bench/admin_bench.py

Run after bench/seed_data.py 100000. Requests go through Django's test client
in this process (no network), logged in as a superuser; each page is fetched
REPEAT times and the median printed, with the admin's index page (a handful of
queries, no article rows) measured in the same run as the baseline. Last, the
biggest column is saved through its admin form twice, once unchanged in name and
once renamed (then named back): the rename's response time, and how much later
the search index has caught up in its background thread.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.tasks import default_task_backend  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from articles.models import Article, Section  # noqa: E402

DUMMY_TASKS = "django.tasks.backends.dummy.DummyBackend"

REPEAT = 7


def measure(client, url):
    times = []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, len(queries)


def main():
    setup_test_environment()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    article = Article.objects.order_by("-pk").first()
    total = Article.objects.count()
    pages = {
        "admin index (baseline)": "/admin/",
        "article list": "/admin/articles/article/",
        "article list, page 100": "/admin/articles/article/?p=100",
        "article list, status filter": "/admin/articles/article/?status__exact=published",
        "article list, column filter": "/admin/articles/article/?section__id__exact=1",
        "search 基站": "/admin/articles/article/?q=基站",
        "search a person": "/admin/articles/article/?q=" + article.credits.first().person.name,
        "article change page": f"/admin/articles/article/{article.pk}/change/",
    }
    print(f"{connection.vendor}, {total:,} articles, median of {REPEAT}")
    baseline = None
    for name, url in pages.items():
        ms, queries = measure(client, url)
        baseline = baseline or ms
        print(f"{name:32s} {ms:8.1f} ms  {ms / baseline:5.1f}x baseline  {queries:3d} queries")
    save_the_biggest_column(client, baseline)


def save_the_biggest_column(client, baseline):
    """Saving a column through the admin, without and with a rename (which re-indexes it all).

    Once each, not a median: a rename's index work is the point, and it is put back after.
    """
    section = Section.objects.annotate(n=Count("articles")).order_by("-n").first()
    url = f"/admin/articles/section/{section.pk}/change/"
    original = {"name": section.name, "slug": section.slug, "position": section.position}

    def save(**changes):
        # Tasks are queued, not run, during the request (as with the production worker), then
        # run here to time the index catching up.
        with override_settings(TASKS={"default": {"BACKEND": DUMMY_TASKS}}):
            start = time.perf_counter()
            response = client.post(url, {**original, "description": section.description, **changes})
            saved = (time.perf_counter() - start) * 1000
            assert response.status_code == 302, response.content[:500]
            queued = list(default_task_backend.results)
        for result in queued:
            result.task.call(*result.args, **result.kwargs)
        return saved, (time.perf_counter() - start) * 1000

    saved, _ = save(description=section.description + " ")
    name = f"column save ({section.n:,} articles)"
    print(f"{name:32s} {saved:8.1f} ms  {saved / baseline:5.1f}x baseline")
    saved, indexed = save(name=section.name + "栏目")
    name = f"column rename ({section.n:,} articles)"
    print(
        f"{name:32s} {saved:8.1f} ms  {saved / baseline:5.1f}x baseline"
        f"  (search index caught up {indexed / 1000:.1f} s later, by tasks)"
    )
    save(**original)


if __name__ == "__main__":
    main()
