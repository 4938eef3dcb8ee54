from django.conf import settings

from articles.models import Section


def site(request):
    """The masthead's paper name and the column navigation, on every page."""
    return {
        "paper_name": settings.NEWSROOM_PAPER_NAME,
        "nav_sections": Section.objects.all(),
    }
