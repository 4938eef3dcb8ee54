"""Pages rendered into the shared page cache before a reader asks for them.

After a publication the worker renders the new article, the front page and the
article's column (articles/tasks.py, `warm_pages`); after a deploy `manage.py
warm_cache` renders the front page, the latest issue and the most recent
articles. Pages are rendered in-process through Django's own request handler,
as an anonymous reader on the public host (NEWSROOM_PUBLIC_URL), so they are
stored under the keys readers' requests look up.

Only a cache shared by every process (Redis, REDIS_URL) makes this worth doing:
with a per-process cache, a page warmed in the worker is seen by the worker
alone, so nothing is warmed (`enabled()` says so).
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.tasks import task
from django.test import Client

from articles.models import Article, Issue, Section

logger = logging.getLogger(__name__)


def enabled():
    return bool(
        settings.NEWSROOM_PUBLIC_URL and settings.REDIS_URL and settings.NEWSROOM_PAGE_CACHE
    )


def warm(paths):
    """Render each path as a reader would; returns {path: status}. Never raises for a page."""
    public = urlsplit(settings.NEWSROOM_PUBLIC_URL)
    client = Client(HTTP_HOST=public.netloc, secure=public.scheme == "https")
    statuses = {}
    for path in dict.fromkeys(paths):
        try:
            statuses[path] = client.get(path).status_code
        except Exception:  # noqa: BLE001 - one broken page must not stop the others
            logger.exception("could not warm %s", path)
            statuses[path] = None
    return statuses


def pages_after_publishing(article_ids):
    """The new articles' pages, the front page and their columns."""
    articles = Article.objects.published().filter(pk__in=article_ids).select_related("section")
    paths = ["/"]
    for article in articles:
        paths.append(article.get_absolute_url())
        if article.section:
            paths.append(article.section.get_absolute_url())
    return paths


def pages_after_deploy(recent):
    """The front page, the latest issue, every column and the `recent` newest articles."""
    paths = ["/"]
    issue = Issue.objects.with_published_articles().order_by("-date").first()
    if issue is not None:
        paths.append(issue.get_absolute_url())
    paths += [section.get_absolute_url() for section in Section.objects.with_published_articles()]
    articles = Article.objects.published().only("pk", "slug").order_by("-published_at")[:recent]
    paths += [article.get_absolute_url() for article in articles]
    return paths


@task()
def warm_after_publishing(article_ids):
    """Queued by content_changed() when articles join the lists: render what readers go to."""
    statuses = warm(pages_after_publishing(article_ids))
    return sum(status == 200 for status in statuses.values())
