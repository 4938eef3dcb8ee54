from django.conf import settings

from articles.navigation import nav_sections
from articles.page_cache import navigation_version, state_for


def site(request):
    """The paper's name and the column navigation, on every page (the latter only if rendered)."""
    return {
        "paper_name": settings.NEWSROOM_PAPER_NAME,
        "nav_sections": lambda: columns(request),
    }


def columns(request):
    state_for(request)  # this process is up to date with the change log before it asks
    return nav_sections(navigation_version())
