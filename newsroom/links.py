"""reverse() at string-formatting speed, for the links public pages print by the dozen.

A column page prints twenty article links, the front page forty, every page the masthead's
and footer's ten; each reverse() walks the resolver (measured: about a tenth of an uncached
list page). `link()` asks reverse() once per URL name, argument names and script prefix for a
template, then fills it in. Only values reverse() would print unchanged take the fast path
(integers, and strings of ASCII letters, digits, "-" and "_", which every converter here
accepts and quote() leaves alone); anything else goes to reverse() itself, so the result is
always exactly what reverse() returns, errors included.
"""

import re

from django.urls import NoReverseMatch, get_script_prefix, reverse

_PLAIN = re.compile(r"[A-Za-z0-9_-]+")
# Placeholders that <int:…>, <slug:…> and <str:…> accept and no URL pattern of ours contains
# (a converter with a shape of its own, <isodate:…>, refuses them: reverse() for those).
_INT_MARK = "7346581029{}"
_STR_MARK = "zqxlinkmark{}zq"
_templates = {}
_UNKNOWN = object()


def link(name, **kwargs):
    """reverse(name, kwargs=kwargs), the same string, cached per URL name and argument names."""
    values = {}
    for key, value in kwargs.items():
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            values[key] = (str(value), _INT_MARK)
        elif isinstance(value, str) and _PLAIN.fullmatch(value):
            values[key] = (value, _STR_MARK)
        else:
            return reverse(name, kwargs=kwargs)
    shape = (name, get_script_prefix(), tuple((key, mark) for key, (_, mark) in values.items()))
    template = _templates.get(shape, _UNKNOWN)
    if template is _UNKNOWN:
        marks = {key: mark.format(index) for index, (key, (_, mark)) in enumerate(values.items())}
        try:
            template = reverse(name, kwargs=marks)
        except NoReverseMatch:  # a converter with its own shape (dates): reverse() always
            template = ""
        # Each placeholder exactly once, or the template cannot be trusted: reverse() always.
        if any(template.count(mark) != 1 for mark in marks.values()):
            template = None
        else:
            template = template.replace("{", "{{").replace("}", "}}")
            for key, mark in marks.items():
                template = template.replace(mark, "{" + key + "}")
        _templates[shape] = template
    if template is None:
        return reverse(name, kwargs=kwargs)
    return template.format_map({key: text for key, (text, _) in values.items()})
