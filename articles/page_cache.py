"""Whole-page caching for readers, correct in every process.

Anonymous GET requests for public pages are served from the application cache
(local memory per process, or Redis when REDIS_URL is set). What is current is
decided by one row in the database, `ContentState`: every change made in any
process (an admin request in any worker, `import_issue`, a shell) bumps its
generation when it commits, and a cached page is stored under the generation
it was rendered in. The row also holds when the next scheduled article is due;
reaching it bumps the generation too.

Reading that row on every request would cost a loopback round trip per cached
page (measured: a third of the cached page's throughput). Instead each process
re-reads it when its copy is older than GENERATION_WAIT seconds, and every writer
waits that long after its commit before it returns (articles/changes.py). So any
request that starts after a change has returned (the admin's response, the end
of `import_issue`) is answered from a copy read after the commit, in every
process on every machine: correct for everything that follows a change, with no
setting a deployer could forget, at the price of a pause too short for an editor
to notice.

Cache keys drop tracking parameters (utm_*, WeChat's from/isappinstalled, …)
and every parameter a page does not read, so shared links do not bypass the
cache or fill it. Staff (anyone with a session) and previews are never served
from or stored in the cache. If the cache server fails, pages are rendered and
served uncached (newsroom/cache.py).
"""

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Subquery, Value
from django.db.models.functions import Greatest
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

from articles.models import Article, ContentState

STATE_PK = 1
UNCACHED_PREFIXES = ("/admin/", "/preview/", "/static/", "/media/", "/healthz", "/bench/")
# Pagination: the only parameters a page reads unless its view lists more (cache_query_params).
DEFAULT_QUERY_PARAMS = frozenset({"page", "p"})


@dataclass(frozen=True)
class State:
    generation: int
    changed_at: datetime


def _next_due():
    """The time the earliest scheduled article goes public, as a subquery (None if none)."""
    return Subquery(
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values("published_at")[:1]
    )


def bump(only_if_due=None):
    """Every cached page is stale from now on. With `only_if_due`, only if nobody bumped since."""
    rows = ContentState.objects.filter(pk=STATE_PK)
    if only_if_due is not None:
        rows = rows.filter(next_due=only_if_due)
    # Never a number used before, even after a database restored from a backup: pages cached
    # under the generations that followed the backup must never be served again.
    updated = rows.update(
        generation=Greatest(F("generation") + 1, Value(time.time_ns() // 1000)),
        changed_at=timezone.now(),
        next_due=_next_due(),
    )
    if not updated and only_if_due is None:
        # A new row (a new or flushed database) starts from the clock, never at a generation
        # that entries cached from an earlier row may still be stored under.
        ContentState.objects.get_or_create(
            pk=STATE_PK, defaults={"generation": time.time_ns() // 1000}
        )
        bump()


# This process's copy of the row: (monotonic time before it was read, values).
_copy = {"read_at": float("-inf"), "values": None}


def _read_row():
    read_at = time.monotonic()  # before the query: the copy is at least this fresh
    row = ContentState.objects.filter(pk=STATE_PK).values_list(
        "generation", "changed_at", "next_due"
    )
    values = row.first()
    if values is None:
        bump()
        values = row.first()
    _copy.update(read_at=read_at, values=values)
    return values


def forget_copy():
    """This process made a change: its next request reads the row again."""
    _copy.update(read_at=float("-inf"), values=None)


def current_state():
    """The shared generation, as of at most GENERATION_WAIT seconds ago (see the docstring)."""
    values = _copy["values"]
    if values is None or time.monotonic() - _copy["read_at"] >= settings.NEWSROOM_GENERATION_WAIT:
        values = _read_row()
    generation, changed_at, next_due = values
    if next_due is not None and next_due <= timezone.now():
        bump(only_if_due=next_due)
        generation, changed_at, next_due = _read_row()
    return State(generation, changed_at)


def state_for(request):
    """current_state(), read once per request."""
    state = getattr(request, "content_state", None)
    if state is None:
        state = request.content_state = current_state()
    return state


def allowed_query_params(path):
    try:
        match = resolve(path)
    except Resolver404:
        return DEFAULT_QUERY_PARAMS
    view = getattr(match.func, "view_class", match.func)
    return DEFAULT_QUERY_PARAMS | frozenset(getattr(view, "cache_query_params", ()))


def cache_key(request, generation):
    """The page's key: host, path and only the parameters the page reads, in a fixed order."""
    allowed = allowed_query_params(request.path_info)
    params = sorted(
        (key, value) for key, values in request.GET.lists() if key in allowed for value in values
    )
    query = "&".join(f"{key}={value}" for key, value in params)
    raw = f"{request.get_host()}{request.path}?{query}"
    return f"page:{generation}:{hashlib.sha256(raw.encode()).hexdigest()}"


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.public_request(request):
            response = self.get_response(request)
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                patch_cache_control(response, private=True)
            return response
        state = state_for(request)
        use_cache = settings.NEWSROOM_PAGE_CACHE
        key = cache_key(request, state.generation) if use_cache else None
        cached = cache.get(key) if use_cache else None
        if cached is not None:
            content, status, headers = cached
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self.cacheable_response(response):
            self.add_caching_headers(response, state)
            if use_cache:
                headers = list(response.items())
                cache.set(
                    key,
                    (response.content, response.status_code, headers),
                    settings.NEWSROOM_PAGE_CACHE_SECONDS,
                )
                response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def add_caching_headers(response, state):
        """For browsers and CDNs: short shared lifetimes, validators that follow every change."""
        patch_cache_control(
            response,
            public=True,
            max_age=settings.NEWSROOM_BROWSER_MAX_AGE,
            s_maxage=settings.NEWSROOM_SHARED_MAX_AGE,
            stale_while_revalidate=settings.NEWSROOM_STALE_WHILE_REVALIDATE,
        )
        # Any change anywhere may change what this page shows (navigation, neighbours, lists),
        # and every change moves changed_at: a validator that misses none of them.
        response["Last-Modified"] = http_date(state.changed_at.timestamp())
        digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
        response["ETag"] = f'"{state.generation}-{digest}"'

    @staticmethod
    def public_request(request):
        return (
            request.method in {"GET", "HEAD"}
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
