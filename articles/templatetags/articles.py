from django import template
from django.utils.safestring import mark_safe

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
