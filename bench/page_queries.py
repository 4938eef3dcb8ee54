"""Queries per public page type, per database: they must not grow with the archive.

    .venv/bin/python bench/page_queries.py postgres://…/newsroom_bench_10k postgres://…/newsroom_bench

Each page is rendered twice in-process (the second, measured, with the navigation cache warm
and the page cache off) and its queries counted.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")


def measure():
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from articles.models import Article, Credit, Issue

    setup_test_environment()
    settings.NEWSROOM_PAGE_CACHE = False
    article = Article.objects.published().exclude(section=None).order_by("-published_at").first()
    person = Credit.objects.filter(article=article).first().person
    issue = Issue.objects.with_published_articles().order_by("-date").first()
    tag = article.tags.first()
    pages = {
        "front": "/",
        "article": article.get_absolute_url(),
        "column": article.section.get_absolute_url(),
        "person": person.get_absolute_url(),
        "tag": f"/tags/{tag.slug}/",
        "issue": issue.get_absolute_url(),
        "archive": "/issues/",
        "search": "/search/?q=基站",
        "rss": "/feeds/rss/",
        "sitemap": "/sitemap-articles.xml",
    }
    client = Client()
    counts = []
    for name, url in pages.items():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counts.append(f"{name} {len(queries)}")
    print(f"{Article.objects.count():>8,} articles: " + ", ".join(counts))


def main():
    if sys.argv[1:2] == ["--here"]:
        measure()
        return
    for url in sys.argv[1:] or [os.environ.get("DATABASE_URL", "")]:
        subprocess.run(
            [sys.executable, __file__, "--here"],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
        )


if __name__ == "__main__":
    main()
