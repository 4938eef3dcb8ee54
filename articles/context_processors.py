from django.conf import settings

from articles.navigation import nav_sections
from articles.page_cache import state_for


def site(request):
    """The paper's name and the column navigation, on every page (the latter only if rendered)."""
    return {
        "paper_name": settings.NEWSROOM_PAPER_NAME,
        "nav_sections": lambda: nav_sections(state_for(request).generation),
    }
