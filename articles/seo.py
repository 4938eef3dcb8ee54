"""Search-engine and social metadata: schema.org NewsArticle as JSON-LD."""

import json

from django.conf import settings
from django.utils.safestring import mark_safe

from articles.models import Role
from newsroom.dates import machine_time

# Escape what could close the <script> element or start a comment, as json_script does.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _person(credit, absolute):
    return {
        "@type": "Person",
        "name": credit.person.name,
        "url": absolute(credit.person.get_absolute_url()),
    }


def news_article_json_ld(article, absolute):
    """NewsArticle for one article: writers as authors, photographers as contributors.

    Reads the article's `display` (articles/display.py) for its people and tags, and its
    `photo_list`. `absolute(url)` makes a site URL absolute (articles/article_page.py)."""
    url = absolute(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": url,
        "url": url,
        "headline": article.headline[:110],
        "description": article.summary,
        "inLanguage": "zh-Hans",
        "datePublished": machine_time(article.published_at or article.updated_at),
        "dateModified": machine_time(article.modified_at),
        "author": [
            _person(credit, absolute)
            for credit in article.display.credits
            if credit.role != Role.EDITOR
        ],
        "publisher": {"@type": "Organization", "name": settings.NEWSROOM_PAPER_NAME},
    }
    editors = [_person(c, absolute) for c in article.display.credits if c.role == Role.EDITOR]
    if editors:
        data["editor"] = editors
    photographers = [
        _person(credit, absolute)
        for photo in article.photo_list
        for credit in article.display.photo_credits(photo)
    ]
    if photographers:
        data["contributor"] = photographers
    # A rendition at most 1600 px wide, not the original of up to 20 MB.
    images = [absolute(p.share_url()) for p in article.photo_list if p.image]
    if images:
        data["image"] = images
    if article.section:
        data["articleSection"] = article.section.name
    if article.issue:
        data["printEdition"] = str(article.issue)
    if article.page_number:
        data["printPage"] = str(article.page_number)
    if article.page_name:
        data["printSection"] = article.page_name
    keywords = [tag.name for tag in article.display.tags]
    if keywords:
        data["keywords"] = keywords
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return mark_safe(text)  # noqa: S308 - escaped above for a <script> element
