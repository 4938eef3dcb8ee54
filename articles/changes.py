"""The one path every change to public content takes.

Admin saves, workflow steps, the importer, tasks and model signals all call
`content_changed()`. At once, inside the writer's transaction (so neither
disagrees with what was committed, even if the process dies right after the
commit), the changed articles' stored display data (articles/display.py), their
stored pages (articles/article_page.py) and their search index entries
(articles/search.py) are brought up to date. When the transaction commits, once per transaction
however many rows it touched:

- the change is recorded with the cache tags it touches (articles/page_cache.py):
  the pages that show the changed articles are re-rendered on their next
  request in every process, and every other cached page is left alone;
- if NEWSROOM_PURGE_URL is set, a background task tells the CDN which URLs
  changed (`purge_cdn`);
- when articles joined the lists (published), a background task renders their
  pages, the front page and their columns into the shared cache
  (articles/warming.py).
"""

import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import connection, transaction
from django.tasks import task

from articles import article_page, display, page_cache, search, warming
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
        self.edited = set()  # articles whose own content changed
        self.listed = set()  # articles that joined, left or moved in lists
        self.tags = set()
        self.paths = set()

    def flush(self):
        tags = set(self.tags)
        tags |= page_cache.tags_for_articles(self.listed, listed=True) if self.listed else set()
        tags |= page_cache.tags_for_articles(self.edited - self.listed, listed=False)
        if tags:
            page_cache.record_change(tags, navigation=bool(self.listed))
        page_cache.forget_copy()
        if settings.NEWSROOM_PURGE_URL:
            try:
                purge_cdn.enqueue(changed_urls(self.edited | self.listed, self.paths))
            except Exception:  # noqa: BLE001 - the change is committed; the CDN expires it soon
                logger.exception("could not queue the CDN purge")
        if self.listed and warming.enabled():
            try:
                warming.warm_after_publishing.enqueue(sorted(self.listed))
            except Exception:  # noqa: BLE001 - warming only saves a reader a slow first request
                logger.exception("could not queue the page warming")
        # Every process re-reads the change log at least this often: once this returns, no
        # process answers a new request without knowing of the change (page_cache).
        time.sleep(settings.NEWSROOM_GENERATION_WAIT)


# Per database connection (so per thread): the batch waiting for its transaction to commit.
_pending = {}


def content_changed(
    articles=(),
    *,
    listed=True,
    reindex=True,
    tags=(),
    everything=False,
    paths=(),
    documents=(),
    display_data=None,
):
    """Call after any change readers could see.

    `articles`: Article instances or ids whose content changed. `listed`: whether the change
    may alter which articles a list shows or their order (a new, deleted, published,
    withdrawn or moved article); False for an edit in place (text, a credit, a photo).
    `reindex`: whether their search documents must follow; `documents`: search documents
    the writer already made for some of them (the importer, from what it parsed), written
    as they are instead of read back and made again; `display_data`, likewise, {pk: data}
    for the stored display data (articles/display.py). `tags`: further cache tags
    touched (a person's or a tag's name); `everything`: navigation-wide (a column added,
    renamed or removed), every cached page goes.

    Every call registers a commit hook, but the first hook to run flushes everything pending
    and the rest find nothing: one change and one purge per transaction. (A batch left by a
    rolled-back transaction is flushed with the next commit: more re-rendering, never less.)
    """
    key = id(connection)
    batch = _pending.setdefault(key, _Batch())
    ids = set()
    for article in articles:
        pk = article.pk if isinstance(article, Article) else article
        if pk is None:
            continue
        ids.add(pk)
        if isinstance(article, Article) and settings.NEWSROOM_PURGE_URL:
            # A deleted article's page cannot be looked up later: take its URLs now (only
            # for the purge: it may cost a query for the column and the issue).
            batch.paths.update(article_paths(article))
    (batch.listed if listed else batch.edited).update(ids)
    if ids:
        given = display_data or {}
        display.store(given)
        display.refresh(ids - given.keys())
        article_page.refresh(ids)  # from the display data just stored
    if reindex and ids:
        made = {document.pk: document for document in documents}
        search.write_documents(list(made.values()))
        search.index_articles(ids - made.keys())
    batch.tags.update(tags)
    if everything:
        batch.tags.add(page_cache.EVERYTHING)
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
