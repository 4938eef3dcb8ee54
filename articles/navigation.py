"""The masthead's column navigation, cached because every page shows it."""

from django.core.cache import cache

NAV_CACHE_KEY = "articles:nav-sections"
# Bounds how late a scheduled article's column appears in the navigation.
NAV_CACHE_SECONDS = 300


def nav_sections():
    """(name, url) of every column with published work."""
    from articles.models import Section

    sections = cache.get(NAV_CACHE_KEY)
    if sections is None:
        sections = [
            (section.name, section.get_absolute_url())
            for section in Section.objects.with_published_articles()
        ]
        cache.set(NAV_CACHE_KEY, sections, NAV_CACHE_SECONDS)
    return sections


def clear_navigation():
    cache.delete(NAV_CACHE_KEY)
