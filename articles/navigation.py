"""The masthead's column navigation, cached because every page shows it."""

from django.core.cache import cache

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
