"""The reader's address as login throttling should see it, behind any trusted proxies."""

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or with N trusted proxies in front, the Nth address from the right of
    X-Forwarded-For (the one our own nearest proxy saw; anything left of it is client-supplied)."""
    proxies = settings.NEWSROOM_TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
