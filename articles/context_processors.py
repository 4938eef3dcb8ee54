from django.conf import settings

from articles.navigation import nav_sections


def site(request):
    """The paper's name and the column navigation, on every page (the latter only if rendered)."""
    return {"paper_name": settings.NEWSROOM_PAPER_NAME, "nav_sections": nav_sections}
