"""The one path every change to public content takes.

Admin saves, workflow steps, the importer and model signals all call
`content_changed()`. When the writer's transaction commits, once per
transaction however many rows it touched:

- the shared content generation is bumped (articles/page_cache.py), so every
  process serves fresh pages from its next request on;
- if NEWSROOM_PURGE_URL is set, a background task tells the CDN which URLs
  changed (`purge_cdn`).

Search indexing keeps its own schedule (articles/search.py).
"""

import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import connection, transaction
from django.tasks import task

from articles import page_cache
from articles.models import Article

logger = logging.getLogger(__name__)

# Pages that list or count articles: any change may show on them.
SITE_WIDE_PATHS = [
    "/",
    "/issues/",
    "/feeds/rss/",
    "/feeds/atom/",
    "/sitemap.xml",
    "/sitemap-news.xml",
    "/sitemap-articles.xml",
]


class _Batch:
    """What the writer changed since the last flush."""

    def __init__(self):
        self.article_ids = set()
        self.paths = set()

    def flush(self):
        page_cache.bump()
        page_cache.forget_copy()
        if settings.NEWSROOM_PURGE_URL:
            try:
                purge_cdn.enqueue(changed_urls(self.article_ids, self.paths))
            except Exception:  # noqa: BLE001 - the change is committed; the CDN expires it soon
                logger.exception("could not queue the CDN purge")
        # Every process re-reads the generation at least this often: once this returns, no
        # process answers a new request from a copy older than the change (page_cache).
        time.sleep(settings.NEWSROOM_GENERATION_WAIT)


# Per database connection (so per thread): the batch waiting for its transaction to commit.
_pending = {}


def content_changed(articles=(), paths=()):
    """Call after any change readers could see. `articles`: Article instances or ids.

    Every call registers a commit hook, but the first hook to run flushes everything pending
    and the rest find nothing: one bump and one purge per transaction. (A batch left by a
    rolled-back transaction is flushed with the next commit: one bump too many, never too few.)
    """
    key = id(connection)
    batch = _pending.setdefault(key, _Batch())
    for article in articles:
        if isinstance(article, Article):
            batch.article_ids.add(article.pk)
            if settings.NEWSROOM_PURGE_URL:
                # A deleted article's page cannot be looked up later: take its URLs now (only
                # for the purge: it may cost a query for the column and the issue).
                batch.paths.update(article_paths(article))
        elif article is not None:
            batch.article_ids.add(article)
    batch.paths.update(paths)
    transaction.on_commit(lambda: _flush(key))


def _flush(key):
    batch = _pending.pop(key, None)
    if batch is not None:
        batch.flush()


def article_paths(article):
    paths = [article.get_absolute_url()]
    if article.section_id and article.section:
        paths.append(article.section.get_absolute_url())
    if article.issue_id and article.issue:
        paths.append(article.issue.get_absolute_url())
    return paths


def changed_urls(article_ids, paths):
    """Absolute URLs (with NEWSROOM_PUBLIC_URL) of the pages a change may have altered."""
    paths = set(paths) | set(SITE_WIDE_PATHS)
    for article in Article.objects.filter(pk__in=article_ids).select_related("section", "issue"):
        paths.update(article_paths(article))
    return [f"{settings.NEWSROOM_PUBLIC_URL}{path}" for path in sorted(paths)]


@task()
def purge_cdn(urls):
    """POST {"urls": [...]} to NEWSROOM_PURGE_URL (with NEWSROOM_PURGE_TOKEN as a bearer token)."""
    if not settings.NEWSROOM_PURGE_URL:
        return 0
    request = urllib.request.Request(  # noqa: S310 - the operator's own endpoint
        settings.NEWSROOM_PURGE_URL,
        data=json.dumps({"urls": urls}, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    if settings.NEWSROOM_PURGE_TOKEN:
        request.add_header("Authorization", f"Bearer {settings.NEWSROOM_PURGE_TOKEN}")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status
