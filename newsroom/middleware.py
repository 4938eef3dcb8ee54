import ipaddress
import unicodedata

from django.conf import settings
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


FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")


def from_our_proxy(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.NEWSROOM_PROXY_NETWORKS)


class ForwardedHeadersFromOurProxyOnlyMiddleware:
    """X-Forwarded-* count only when they come from our proxy's address.

    NEWSROOM_TRUSTED_PROXIES tells the app to believe the proxy's X-Forwarded-For and
    X-Forwarded-Proto; a client that reaches an app server directly (around the proxy) must
    not be believed: its headers are dropped before anything reads them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.NEWSROOM_TRUSTED_PROXIES and not from_our_proxy(
            request.META.get("REMOTE_ADDR")
        ):
            for header in FORWARDED:
                request.META.pop(header, None)
        return self.get_response(request)
