"""Submit admin forms the way a browser would: every field the page renders, as rendered."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.test import RequestFactory

from articles import preview


class _FormParser(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data = []
        self._textarea = None
        self._select = None
        self._select_multiple = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = name
            self._select_multiple = "multiple" in attrs
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            name, value = self._textarea
            # Browsers drop one leading newline after <textarea>.
            self.data.append((name, value[1:] if value.startswith("\n") else value))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.inside:
            self.inside = False


def form_fields(response, form_id):
    """{name: value or [values]} of the form with that id, as the browser would post it."""
    parser = _FormParser(form_id)
    parser.feed(response.content.decode())
    fields = {}
    for name, value in parser.data:
        if name in fields:
            existing = fields[name]
            fields[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            fields[name] = value
    return fields


def article_form(client, article=None):
    """The article add or change form's fields, fetched as `client` sees them."""
    url = (
        f"/admin/articles/article/{article.pk}/change/"
        if article is not None
        else "/admin/articles/article/add/"
    )
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return url, form_fields(response, "article_form")


def share_link(article):
    """The path of a fresh external preview link for `article`, as its editor would share it."""
    return urlsplit(preview.share_link(RequestFactory().get("/"), article)).path
