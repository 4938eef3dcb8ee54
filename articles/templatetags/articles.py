from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from articles.body import render_inline
from newsroom.dates import machine_time

register = template.Library()


@register.filter
def inline_markup(text):
    """Render an editor's **bold** and [links](…) safely; everything else is escaped."""
    return mark_safe(render_inline(text))  # noqa: S308 - escaped, then sanitized by nh3


register.filter("machine_time", machine_time)


@register.simple_tag(takes_context=True)
def absolute_uri(context, url):
    """`url` with the request's scheme and host, unless it has its own (object storage)."""
    return context["request"].build_absolute_uri(url)


@register.simple_tag
def article_item(article, hide_section=False, hide_date=False):
    """One article in a list: headline link, column, date (Beijing time).

    A tag rather than an included template, and plain string formatting rather than
    format_html(): lists render tens of these per page (measured: an include cost a template
    context per item, and format_html's per-argument escaping a fifth of the front page).
    Every value is escaped here.
    """
    section = ""
    if not hide_section and article.section_id and article.section:
        section = f'<span class="article-section">{escape(article.section.name)}</span> '
    published = ""
    if article.published_at and not hide_date:  # an issue's page: its date is in the heading
        local = localtime(article.published_at)
        published = (
            f'<time datetime="{machine_time(local)}">'
            f"{local.year}年{local.month}月{local.day}日</time>"
        )
    url, headline = escape(article.get_absolute_url()), escape(article.headline)
    return mark_safe(  # noqa: S308 - every value escaped above
        f'<li class="article-item">\n  <a href="{url}">{headline}</a>\n'
        f'  <span class="article-meta">{section}{published}</span>\n</li>'
    )


@register.simple_tag
def search_result(article):
    """One search result: highlighted headline and excerpt (escaped by search.highlight), column,
    date. A tag for the same reason as article_item: twenty per page."""
    section = ""
    if article.section_id and article.section:
        section = f'<span class="article-section">{escape(article.section.name)}</span> '
    local = localtime(article.published_at)
    url = escape(article.get_absolute_url())
    return mark_safe(  # noqa: S308 - escaped above; headline_html and excerpt_html by highlight()
        f'<li>\n      <h2><a href="{url}">{article.headline_html}</a></h2>\n'
        f'      <p class="excerpt">{article.excerpt_html}</p>\n'
        f'      <p class="article-meta">{section}<time datetime="{machine_time(local)}">'
        f"{local.year}年{local.month}月{local.day}日</time></p>\n    </li>"
    )


@register.simple_tag
def column_options(nav_sections, chosen):
    """The search form's column <option>s from the masthead's (name, url) list, one selected."""
    options = []
    for name, url in nav_sections:
        slug = url.rstrip("/").rsplit("/", 1)[-1]
        selected = " selected" if slug == chosen else ""
        options.append(f'<option value="{escape(slug)}"{selected}>{escape(name)}</option>')
    return mark_safe("".join(options))  # noqa: S308 - escaped above
