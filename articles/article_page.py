"""The article page's own content, rendered when the article changes and stored with it.

An uncached article page used to build its article, its people, photos and tags from the
ORM and render them through a dozen templates on every request; most of a miss was that
(bench/article_breakdown.py). Instead, whenever an article changes, content_changed()
(articles/changes.py) renders what its page shows of it, inside the writer's transaction,
and stores it in `Article.page`:

- "article": the <article> element: column, kicker, headline, byline, dates, issue and 版,
  在版面中查看, photos with their credits and srcsets, the body, corrections, tags;
- "teaser": the front page's lead story: its photo, column, kicker, headline, byline, summary;
- "head": the page's metadata (canonical link, Open Graph, NewsArticle JSON-LD), split where
  the site's origin goes (it comes from the request: one stored page serves every host);
- "title", "description", "section" (the 更多 heading): plain text, escaped when shown;
- "people", "tags": whose names it prints, for the page cache (page_cache.depends_on);
- "v": the stamp of the templates and settings it was rendered with.

A reader's request then reads one row and what stands around the article (neighbours and
the column's latest, ArticleQuerySet.around) and renders a small template. Everything the
stored page shows follows the one change path: the article's own fields, its column's or
issue's name (a rename re-renders their articles), credits, photos and their renditions,
people and tag renames, corrections and e-paper zones (tests/test_article_page.py).

A page stored under other templates or settings (a deploy that changed them) is not shown:
the request renders the article live, as a preview does, until `manage.py warm_cache` (run
after every deploy) or `refresh_article_display` stores it anew.
"""

import hashlib
import secrets

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe

from articles import display
from articles.models import Article, Photo
from articles.seo import news_article_json_ld

# What the stored parts are rendered from: a change to any of these changes the stamp.
TEMPLATES = (
    "articles/article_head.html",
    "articles/article_main.html",
    "articles/article_teaser.html",
    "includes/byline.html",
    "includes/photo_figure.html",
)
# Bump when the Python that shapes the parts (this module, seo.py, display.py) changes.
FORMAT = 1

_stamps = {}


def stamp():
    """The stamp of the templates and settings stored pages must have been rendered with."""
    shaping = repr(
        (
            settings.NEWSROOM_PAPER_NAME,
            settings.TIME_ZONE,
            settings.MEDIA_URL,  # where photos are served from
            settings.STORAGES["default"],  # … or the bucket
        )
    )
    known = _stamps.get(shaping)
    if known is None or settings.DEBUG:  # templates edited under runserver count too
        digest = hashlib.sha256(f"{FORMAT}{shaping}".encode())
        for name in TEMPLATES:
            digest.update(get_template(name).template.source.encode())
        known = _stamps[shaping] = digest.hexdigest()[:24]
    return known


def is_current(page):
    return bool(page) and page.get("v") == stamp()


def render(article):
    """The stored parts of `article`, as loaded by load() (or the article page's own load)."""
    # Where the origin goes: a marker no stored text can contain (hex survives HTML and JSON
    # escaping unchanged; it is random per render, so no headline can guess it).
    marker = f"origin{secrets.token_hex(12)}"

    def absolute(url):
        return marker + url if url.startswith("/") and not url.startswith("//") else url

    head = render_to_string(
        "articles/article_head.html",
        {
            "article": article,
            "origin": mark_safe(marker),  # noqa: S308 - hex letters and digits
            "paper_name": settings.NEWSROOM_PAPER_NAME,
            "share_images": [absolute(p.share_url()) for p in article.photo_list if p.image],
            "json_ld": news_article_json_ld(article, absolute),
        },
    )
    main = render_to_string(
        "articles/article_main.html",
        {
            "article": article,
            "photos": article.display.photos_with_credits(article.photo_list),
        },
    )
    lead_photo = next((photo for photo in article.photo_list if photo.image), None)
    teaser = render_to_string(
        "articles/article_teaser.html",
        {
            "article": article,
            "photo": lead_photo,
            "photo_credits": article.display.photo_credits(lead_photo) if lead_photo else [],
        },
    )
    return {
        "v": stamp(),
        "title": article.headline,
        "description": article.summary,
        "section": article.section.name if article.section else "",
        "head": head.split(marker),
        "article": main,
        "teaser": teaser.strip(),
        "people": sorted({person.pk for person in article.display.people()}),
        "tags": [tag.pk for tag in article.display.tags],
    }


def teaser(pk):
    """What the front page shows of its lead story `pk`: (HTML, pks of the people it names)."""
    page = Article.objects.stored_pages([pk]).get(pk)
    if not is_current(page):
        found = load([pk])
        if not found:  # deleted since the front page listed it
            return "", []
        page = render(found[0])
    return mark_safe(page["teaser"]), page["people"]  # noqa: S308 - rendered escaped when stored


def head_html(page, origin):
    """The stored metadata with this request's origin (scheme://host) put back."""
    return mark_safe(origin.join(page["head"]))  # noqa: S308 - rendered escaped; origin is a checked host


def load(pks, articles=None):
    """The articles with everything their stored page shows, ready for render(); from the
    queryset `articles` (all articles by default)."""
    articles = list(
        (Article.objects.all() if articles is None else articles)
        .filter(pk__in=pks)
        .defer(None)
        .defer("search_vector", "page")
        .select_related("section", "issue")
        .prefetch_related(
            Prefetch("photos", queryset=Photo.objects.all(), to_attr="photo_list"),
            Prefetch("corrections", to_attr="correction_list"),
        )
    )
    for article in articles:
        article.display = display.Display(article)
    return articles


def refresh(pks):
    """Render and store the pages of these articles as they are now (missing ones skipped)."""
    pks = sorted({pk for pk in pks if pk is not None})
    if pks:
        display.store({article.pk: render(article) for article in load(pks)}, field="page")
