"""The masthead's column navigation, cached because every page shows it."""

from django.core.cache import cache
from django.utils.html import format_html_join

from articles.models import Section

# Stored under the generation of the last change to the columns (page_cache.navigation_version),
# so a change made in any process shows at once.
NAV_CACHE_SECONDS = 300


def nav_sections(version):
    """(name, url) of every column with published work."""
    key = f"articles:nav-sections:{version}"
    sections = cache.get(key)
    if sections is None:
        sections = [
            (section.name, section.get_absolute_url())
            for section in Section.objects.with_published_articles()
        ]
        cache.set(key, sections, NAV_CACHE_SECONDS)
    return sections


_rendered = {}


def nav_items(version):
    """The masthead's column links as HTML, rendered once per process for each list of
    columns (every page shows them; a template loop over twenty columns was a tenth of a
    page)."""
    sections = tuple(nav_sections(version))
    items = _rendered.get(sections)
    if items is None:
        items = format_html_join("", '<li><a href="{1}">{0}</a></li>', sections)
        _rendered.clear()  # only the current columns are asked for again
        _rendered[sections] = items
    return items
