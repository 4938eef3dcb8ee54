import unicodedata

from django.http import Http404


def has_bad_characters(text):
    """NUL and other control characters: never part of a real URL, and PostgreSQL refuses NUL."""
    return any(unicodedata.category(char) == "Cc" for char in text)


class RejectBadCharactersMiddleware:
    """404 for a path or query parameter carrying a control character, before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_bad_characters(request.path) or any(
            has_bad_characters(key) or any(has_bad_characters(v) for v in values)
            for key, values in request.GET.lists()
        ):
            raise Http404("网址含有无效字符")
        return self.get_response(request)
