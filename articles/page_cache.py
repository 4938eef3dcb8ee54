"""Whole-page caching for readers, invalidated the moment anything they see changes.

Anonymous GET requests for public pages are served from the application cache
(local memory, or Redis when REDIS_URL is set). Every cached page is stored
under the current *generation*; any change to an article, its credits, photos,
corrections, column or people, an import, or a scheduled article reaching its
time, bumps the generation, so the next request renders afresh. Staff (anyone
with a session) and previews are never served from or stored in the cache.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.cache import patch_cache_control

GENERATION_KEY = "pages:generation"
NEXT_DUE_KEY = "pages:next-due"
UNCACHED_PREFIXES = ("/admin/", "/preview/", "/static/", "/media/", "/healthz", "/bench/")
_NOTHING_DUE = "none"


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = 1
        cache.add(GENERATION_KEY, value, None)
    return value


def invalidate():
    """Every cached page is stale from now on; recompute when the next scheduled article is due."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)
    cache.delete(NEXT_DUE_KEY)


def invalidate_on_commit():
    transaction.on_commit(invalidate)


def _scheduled_publication_passed():
    """True (once) when a scheduled article's time has come since the pages were cached."""
    from articles.models import Article

    now = timezone.now()
    due = cache.get(NEXT_DUE_KEY)
    if due is None:
        due = (
            (
                Article.objects.filter(
                    status=Article.Status.PUBLISHED, published_at__gt=now
                ).aggregate(next=Min("published_at"))["next"]
            )
            or _NOTHING_DUE
        )
        cache.set(NEXT_DUE_KEY, due, None)
    if due != _NOTHING_DUE and due <= now:
        invalidate()
        return True
    return False


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.cacheable_request(request):
            response = self.get_response(request)
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                patch_cache_control(response, private=True)
            return response
        _scheduled_publication_passed()
        key = f"page:{generation()}:{request.get_host()}:{request.get_full_path()}"
        cached = cache.get(key)
        if cached is not None:
            content, status, headers = cached
            response = self.rebuild(content, status, headers)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self.cacheable_response(response):
            patch_cache_control(
                response,
                public=True,
                max_age=settings.NEWSROOM_BROWSER_MAX_AGE,
                s_maxage=settings.NEWSROOM_PAGE_CACHE_SECONDS,
            )
            headers = [(k, v) for k, v in response.items()]
            cache.set(
                key,
                (response.content, response.status_code, headers),
                settings.NEWSROOM_PAGE_CACHE_SECONDS,
            )
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def cacheable_request(request):
        return (
            settings.NEWSROOM_PAGE_CACHE
            and request.method in {"GET", "HEAD"}
            and not request.path.startswith(UNCACHED_PREFIXES)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        )

    @staticmethod
    def cacheable_response(response):
        control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not any(word in control for word in ("private", "no-cache", "no-store"))
        )

    @staticmethod
    def rebuild(content, status, headers):
        from django.http import HttpResponse

        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        return response
