from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from articles.body import render_inline

register = template.Library()


@register.filter
def inline_markup(text):
    """Render an editor's **bold** and [links](…) safely; everything else is escaped."""
    return mark_safe(render_inline(text))  # noqa: S308 - escaped, then sanitized by nh3


@register.simple_tag(takes_context=True)
def absolute_uri(context, url):
    """`url` with the request's scheme and host, unless it has its own (object storage)."""
    return context["request"].build_absolute_uri(url)


@register.simple_tag
def article_item(article, hide_section=False, hide_date=False):
    """One article in a list: headline link, column, date (Beijing time).

    A tag rather than an included template: lists render tens of these, and an include costs
    a template context per item (measured: most of a list page's rendering).
    """
    section = ""
    if not hide_section and article.section_id and article.section:
        section = format_html('<span class="article-section">{}</span> ', article.section.name)
    published = ""
    if article.published_at and not hide_date:  # an issue's page: its date is in the heading
        local = localtime(article.published_at)
        published = format_html(
            '<time datetime="{}">{}年{}月{}日</time>',
            local.isoformat(),
            local.year,
            local.month,
            local.day,
        )
    return format_html(
        '<li class="article-item">\n  <a href="{}">{}</a>\n'
        '  <span class="article-meta">{}{}</span>\n</li>',
        article.get_absolute_url(),
        article.headline,
        section,
        published,
    )
