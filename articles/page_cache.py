"""Whole-page caching for readers, correct in every process, invalidated page by page.

Anonymous GET requests for public pages are served from the application cache
(local memory per process, or Redis when REDIS_URL is set).

What a page shows is named by cache tags, declared by its view while it renders
(`depends_on`, `shows`): "a:12" for article 12's own content, "h:12" for what a list
shows of it (its headline, link and date, and that it is listed at all), "i:3", "s:5",
"p:7", "t:9" for which articles an issue, column, person or tag has (and their
names), "pn:7", "tn:9" for a person's or tag's name as other pages print it (a
byline, a tag link), "lists" for the site-wide lists (front page, feeds,
sitemaps, archive), "text" for any article's text (search results). A page that
declares nothing depends on everything.

Every change, made in any process (an admin request in any worker,
`import_issue`, a shell saving models), is recorded when its transaction commits
as a ContentChange row (writes that bypass models, such as QuerySet.update() or
SQL, record nothing: run `manage.py invalidate_pages` after them): the next generation and the tags it touched
(articles/changes.py says which). A cached page keeps the generation it was
rendered in and its tags; it is served only while none of its tags has changed
since. Navigation-wide changes (a column added, renamed or removed) carry "*"
and retire every page cached before them. Generations are taken under a lock
on the ContentState row, so changes commit in generation order and a process
that has read change N has read every change before it.

Reading the change log on every request would cost a round trip per cached page
(measured: a third of the cached page's throughput). Instead each process reads
the changes since its last look when that look is older than GENERATION_WAIT
seconds, and every writer waits that long after its commit before it returns. So
any request that starts after a change has returned (the admin's response, the
end of `import_issue`) is answered with that change known, in every process on
every machine. A scheduled article coming due is a change like any other,
recorded by the first process that notices.

Cache keys drop tracking parameters (utm_*, WeChat's from/isappinstalled, …)
and every parameter a page does not read, so shared links do not bypass the
cache or fill it. Staff (anyone with a session) and previews are never served
from or stored in the cache. If the cache server fails, pages are rendered and
served uncached (newsroom/cache.py).
"""

import hashlib
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import Subquery
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import http_date

from articles.models import (
    Article,
    ContentChange,
    ContentState,
    Credit,
    PhotoCredit,
    Section,
    db_value,
)
from newsroom import prepared

logger = logging.getLogger(__name__)

STATE_PK = 1
UNCACHED_PREFIXES = ("/admin/", "/preview/", "/static/", "/media/", "/healthz", "/bench/")
# Pagination: the only parameters a page reads unless its view lists more (cache_query_params).
DEFAULT_QUERY_PARAMS = frozenset({"page", "p"})

EVERYTHING = "*"
LISTS = "lists"
TEXT = "text"
INDEX = "index"  # the search index changed wholesale (a rename, a rebuild): rankings are redone
PEOPLE = "people"  # who is credited on what: the people index
TAGS = "tags"  # which tags exist and are used: the tag index
EPAPER = "epaper"  # which issues have 版 and what they are: /epaper/, the front page, dates
# Changes are kept this long: longer than any page stays cached, so a process that starts
# (a deploy) learns what changed since the pages in a shared cache were rendered.
CHANGE_RETENTION = timedelta(hours=1)
PRUNE_EVERY = 64


def article_tag(pk):
    return f"a:{pk}"


def listing_tag(pk):
    """What a list shows of article `pk`: that it is listed (published, where), its headline."""
    return f"h:{pk}"


def issue_tag(pk):
    return f"i:{pk}"


def section_tag(pk):
    return f"s:{pk}"


def person_tag(pk):
    """Person `pk`'s own pages: their name and the articles they are credited on."""
    return f"p:{pk}"


def person_name_tag(pk):
    """Person `pk` as other pages print them (a byline: name and link). Not which articles they
    have: a reporter's new story must not re-render every page carrying their byline (a
    publication emptied thousands of cached article pages at once, slowing every reader for
    ten seconds in bench/traffic_mix.py)."""
    return f"pn:{pk}"


def tag_tag(pk):
    """Tag `pk`'s own pages: its name and the articles that carry it."""
    return f"t:{pk}"


def tag_name_tag(pk):
    """Tag `pk` as articles print it (name and link), for the same reason as person_name_tag."""
    return f"tn:{pk}"


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


def navigation_digest():
    """What the masthead's column navigation shows, as a digest (articles/navigation.py)."""
    columns = Section.objects.with_published_articles().values_list("pk", "name", "slug")
    return hashlib.sha256(repr(list(columns)).encode()).hexdigest()


def record_change(tags, only_if_due=None, navigation=False):
    """Take the next generation for a change to `tags` (committed already by the writer).

    With `navigation`, the change may have given a column its first published article or
    taken its last: if the masthead's columns differ, every page changes. With
    `only_if_due`, only if the next scheduled article is still that one (another process
    may have recorded it first). Returns the generation, or None.
    """
    with transaction.atomic():
        # The row lock orders changes: generation N commits before N+1 can be taken.
        state = ContentState.objects.select_for_update().filter(pk=STATE_PK).first()
        if state is None:
            # A new row (a new or flushed database) starts from the clock, never at a
            # generation that pages cached from an earlier row may still be stored under.
            state, _ = ContentState.objects.get_or_create(
                pk=STATE_PK, defaults={"generation": time.time_ns() // 1000}
            )
        if only_if_due is not None and state.next_due != only_if_due:
            return None
        # Never a number used before, even after a database restored from a backup: pages
        # cached under the generations that followed the backup must never be served again.
        generation = max(state.generation + 1, time.time_ns() // 1000)
        now = timezone.now()
        fields = {"generation": generation, "changed_at": now, "next_due": _next_due()}
        if navigation:
            digest = navigation_digest()
            if digest != state.navigation:
                fields["navigation"] = digest
                tags = [*tags, EVERYTHING]
        if generation % PRUNE_EVERY == 0:
            old = ContentChange.objects.filter(at__lt=now - CHANGE_RETENTION)
            newest_old = old.order_by("-generation").values_list("generation", flat=True).first()
            if newest_old is not None:
                old.delete()
                fields["pruned_through"] = newest_old
        ContentState.objects.filter(pk=STATE_PK).update(**fields)
        ContentChange.objects.create(generation=generation, tags=sorted(set(tags)), at=now)
    return generation


def bump():
    """Every cached page is stale from now on."""
    return record_change([EVERYTHING])


def tags_for_articles(pks, listed=True):
    """The tags a change to these articles touches, read as they are now (after the commit).

    An edit in place touches the article's own pages and the text search reads; a change
    to which articles a list shows (new, published, withdrawn, moved, deleted) touches the
    lists of its issue, column, people and tags and the site-wide ones too. Pages that
    showed the article before it moved depend on its own tag, so they follow as well.
    """
    pks = [pk for pk in set(pks) if pk is not None]
    tags = {article_tag(pk) for pk in pks} | {TEXT}
    if not listed or not pks:
        return tags
    tags |= {listing_tag(pk) for pk in pks}
    tags.add(LISTS)
    for issue_id, section_id in Article.objects.filter(pk__in=pks).values_list(
        "issue_id", "section_id"
    ):
        if issue_id:
            tags.add(issue_tag(issue_id))
        if section_id:
            tags.add(section_tag(section_id))
    people = Credit.objects.filter(article__in=pks).values_list("person_id", flat=True)
    photo_people = PhotoCredit.objects.filter(photo__article__in=pks).values_list(
        "person_id", flat=True
    )
    tags |= {person_tag(pk) for pk in [*people, *photo_people]}
    tag_ids = Article.tags.through.objects.filter(object_id__in=pks).values_list(
        "tag_id", flat=True
    )
    tags |= {tag_tag(pk) for pk in tag_ids}
    return tags


# What this process knows of the change log.
_known = {
    "read_at": float("-inf"),  # monotonic time before the last look
    "generation": None,  # the newest change seen
    "floor": 0,  # pages rendered before this generation are not served
    "versions": {},  # tag → generation of its latest change
    "state": None,  # (generation, changed_at, next_due)
}


def forget_copy():
    """This process made a change: its next request reads the log again, whatever its age."""
    _known["read_at"] = float("-inf")


def reset():
    """Forget everything learnt from the log (a test's database was rolled back under it)."""
    _known.update(read_at=float("-inf"), generation=None, floor=0, versions={}, state=None)


def _log_since(seen):
    """The state row and every change after `seen`, in one statement (one snapshot)."""
    state, change = ContentState._meta.db_table, ContentChange._meta.db_table
    with connection.cursor() as cursor:
        prepared.execute(
            cursor,
            f"SELECT s.generation, s.changed_at, s.next_due, s.pruned_through,"  # noqa: S608
            f" c.generation, c.tags FROM {state} s"
            f" LEFT JOIN {change} c ON c.generation > %s WHERE s.id = %s ORDER BY c.generation",
            [seen, STATE_PK],
        )
        rows = cursor.fetchall()
    if not rows:
        return None, []
    first = rows[0]
    state_values = [
        db_value(ContentState._meta.get_field(name), value)
        for name, value in zip(
            ["generation", "changed_at", "next_due", "pruned_through"], first[:4], strict=True
        )
    ]
    tags_field = ContentChange._meta.get_field("tags")
    changes = [
        (generation, tags_field.from_db_value(tags, None, connection))
        for *_, generation, tags in rows
        if generation is not None
    ]
    return state_values, changes


def _read_changes():
    read_at = time.monotonic()  # before the query: what it returns is at least this fresh
    seen = _known["generation"]
    state_values, changes = _log_since(seen if seen is not None else -1)
    if state_values is None:
        bump()
        return _read_changes()
    generation, changed_at, next_due, pruned_through = state_values
    if seen is None or seen < pruned_through:
        # New, or away longer than the log is kept: what came before it is unknown.
        _known.update(versions={}, floor=max(pruned_through, _known["floor"]))
    versions = _known["versions"]
    for change_generation, tags in changes:
        if change_generation <= pruned_through and seen is None:
            continue
        if EVERYTHING in tags:
            _known["floor"] = change_generation
            versions.clear()
        else:
            for tag in tags:
                versions[tag] = change_generation
        generation = max(generation, change_generation)
    _known.update(read_at=read_at, generation=generation, state=(generation, changed_at, next_due))
    return _known["state"]


def current_state():
    """The newest generation this process knows, as of at most GENERATION_WAIT seconds ago."""
    state = _known["state"]
    if state is None or time.monotonic() - _known["read_at"] >= settings.NEWSROOM_GENERATION_WAIT:
        state = _read_changes()
    generation, changed_at, next_due = state
    if next_due is not None and next_due <= timezone.now():
        due = Article.objects.filter(
            status=Article.Status.PUBLISHED,
            published_at__gte=next_due,
            published_at__lte=timezone.now(),
        ).values_list("pk", flat=True)
        tags = tags_for_articles(list(due))
        if record_change(tags, only_if_due=next_due, navigation=True) is None:
            # Someone else recorded it; make sure this process reads their change.
            _known["read_at"] = float("-inf")
        generation, changed_at, next_due = _read_changes()
    return State(generation, changed_at)


def tag_version(tag):
    """The generation of the last change to `tag` this process knows (at least the floor)."""
    return max(_known["versions"].get(tag, 0), _known["floor"])


def navigation_version():
    """Changes to the masthead's columns are changes to everything: the last one's generation."""
    return _known["floor"]


def still_fresh(rendered_generation, tags):
    """Whether a page rendered in that generation, showing `tags`, is still what readers see."""
    if rendered_generation < _known["floor"]:
        return False
    if tags is None:
        return rendered_generation >= _known["generation"]
    versions = _known["versions"]
    return all(versions.get(tag, 0) <= rendered_generation for tag in tags)


def state_for(request):
    """current_state(), read once per request."""
    state = getattr(request, "content_state", None)
    if state is None:
        state = request.content_state = current_state()
    return state


_outage = {"logged_at": float("-inf")}

# The tags of the page being rendered in this thread or task (None: not collecting).
_page_tags = ContextVar("page_tags", default=None)


def depends_on(*tags):
    """Declare, while rendering, what the page shows: it is re-rendered when any of these change."""
    collected = _page_tags.get()
    if collected is not None:
        collected.update(tags)


def shows(articles, bylines=False, text=False):
    """The page lists these articles: their headlines, links and dates, which change when
    they are retitled, published, withdrawn, moved or deleted (listing_tag). An edit to their
    text alone leaves the page as it is: a list of twenty need not re-render at every save.

    With `text`, it shows their text too (a feed's summaries, search excerpts): any change to
    them re-renders it. With `bylines`, it prints their credited names (prefetched with
    `with_credits()`), so renaming one of those people re-renders it as well.
    """
    depends_on(*((article_tag if text else listing_tag)(article.pk) for article in articles))
    if bylines:
        depends_on(
            *(person_name_tag(c.person_id) for article in articles for c in article.credits.all())
        )


def allowed_query_params(path):
    try:
        match = resolve(path)
    except Resolver404:
        return DEFAULT_QUERY_PARAMS
    view = getattr(match.func, "view_class", match.func)
    return DEFAULT_QUERY_PARAMS | frozenset(getattr(view, "cache_query_params", ()))


def cache_key(request):
    """The page's key: host, path and only the parameters the page reads, in a fixed order."""
    allowed = allowed_query_params(request.path_info)
    params = sorted(
        (key, value) for key, values in request.GET.lists() if key in allowed for value in values
    )
    # Encoded, so a value holding "&" or "=" cannot spell another request's key; the scheme
    # too, since pages print absolute URLs (canonical, og:url) made from it.
    query = urlencode(params)
    raw = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return f"page:{hashlib.sha256(raw.encode()).hexdigest()}"


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.public_request(request):
            response = self.get_response(request)
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                patch_cache_control(response, private=True)
            return response
        try:
            state = state_for(request)
        except DatabaseError:
            if time.monotonic() - _outage["logged_at"] > 60:  # once a minute, not per request
                _outage["logged_at"] = time.monotonic()
                logger.exception("the database did not answer: serving cached pages as they are")
            return self.without_database(request)
        use_cache = settings.NEWSROOM_PAGE_CACHE
        key = cache_key(request) if use_cache else None
        cached = cache.get(key) if use_cache else None
        if cached is not None:
            generation, tags, content, status, headers = cached
            if still_fresh(generation, tags):
                response = HttpResponse(content, status=status)
                for name, value in headers:
                    response[name] = value
                response["X-Page-Cache"] = "hit"
                return response
        collected = set()
        token = _page_tags.set(collected)
        try:
            response = self.get_response(request)
        finally:
            _page_tags.reset(token)
        if self.cacheable_response(response):
            self.add_caching_headers(response, state)
            if use_cache:
                headers = list(response.items())
                entry = (state.generation, frozenset(collected) or None)
                cache.set(
                    key,
                    (*entry, response.content, response.status_code, headers),
                    settings.NEWSROOM_PAGE_CACHE_SECONDS,
                )
                response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def without_database(request):
        """The database is down: a cached page as it was, or a plain 503, never a traceback.

        Nothing can change while the database is down (every write needs it), so a page cached
        before is what readers would have seen; it is marked stale and not kept by browsers or
        CDNs, so the first request after recovery renders afresh.
        """
        cached = cache.get(cache_key(request)) if settings.NEWSROOM_PAGE_CACHE else None
        if cached is not None:
            _generation, _tags, content, status, headers = cached
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "stale"
        else:
            response = HttpResponse(
                render_to_string("503.html"), status=503, content_type="text/html; charset=utf-8"
            )
            response["Retry-After"] = "30"
        add_never_cache_headers(response)
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
        # The last change anywhere: never earlier than a change this page shows.
        response["Last-Modified"] = http_date(state.changed_at.timestamp())
        digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
        response["ETag"] = f'"{digest}"'

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
