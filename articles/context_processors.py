import re

from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse

from articles.navigation import nav_items, nav_sections
from articles.page_cache import navigation_version, state_for


def site(request):
    """The paper's name and the column navigation, on every page (the latter only if rendered)."""
    return {
        "paper_name": settings.NEWSROOM_PAPER_NAME,
        "nav_sections": lambda: columns(request),
        "nav_items": lambda: column_links(request),
        "legal": legal_footer(),
        "site_links": site_links(),
    }


# What the masthead and footer link to, on every page.
SITE_LINKS = {
    "home": "articles:home",
    "epaper": "articles:epaper",
    "search": "articles:search",
    "issues": "articles:issue_archive",
    "people": "people:index",
    "tags": "articles:tag_index",
    "rss": "articles:rss",
    "atom": "articles:atom",
}
# The stylesheets and icon every page links to (hashed names in production).
SITE_STATIC = {"favicon": "favicon.svg", "css": "css/site.css", "print_css": "css/print.css"}
_site_links = {}


def site_links():
    """SITE_LINKS and SITE_STATIC as URLs: made once per process (and URLconf, script prefix
    and static URL), not a dozen times on every page."""
    key = (get_script_prefix(), settings.ROOT_URLCONF, get_urlconf(), settings.STATIC_URL)
    key += (repr(settings.STORAGES.get("staticfiles")),)
    links = _site_links.get(key)
    if links is None:
        links = {name: reverse(view) for name, view in SITE_LINKS.items()}
        links.update({name: static(path) for name, path in SITE_STATIC.items()})
        _site_links[key] = links
    return links


def legal_footer():
    """The footer's filing numbers and copyright line, each only when its setting is set."""
    psb = settings.NEWSROOM_PSB_NUMBER
    return {
        "icp": settings.NEWSROOM_ICP_NUMBER,
        "psb": psb,
        # The public security filing's own page is found by the record number's digits.
        "psb_code": "".join(re.findall(r"\d", psb)),
        "news_license": settings.NEWSROOM_NEWS_LICENSE,
        "copyright": settings.NEWSROOM_COPYRIGHT,
    }


def columns(request):
    state_for(request)  # this process is up to date with the change log before it asks
    return nav_sections(navigation_version())


def column_links(request):
    state_for(request)
    return nav_items(navigation_version())
