from django import template
from django.utils.safestring import mark_safe

from articles.body import render_inline

register = template.Library()


@register.filter
def inline_markup(text):
    """Render an editor's **bold** and [links](…) safely; everything else is escaped."""
    return mark_safe(render_inline(text))  # noqa: S308 - escaped, then sanitized by nh3
