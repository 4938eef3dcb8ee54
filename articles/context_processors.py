import re

from django.conf import settings

from articles.navigation import nav_sections
from articles.page_cache import navigation_version, state_for


def site(request):
    """The paper's name and the column navigation, on every page (the latter only if rendered)."""
    return {
        "paper_name": settings.NEWSROOM_PAPER_NAME,
        "nav_sections": lambda: columns(request),
        "legal": legal_footer(),
    }


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
