import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from newsroom.cache import cache_status

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """For the container's HEALTHCHECK and load balancers: can this server serve pages?

    200 while it can ({"database": "ok", "cache": "ok" or "degraded"}: without the cache pages
    are served uncached), 503 when the database does not answer. Never the error itself: its
    text names hosts and ports.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        logger.exception("healthz: database check failed")
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    cache = cache_status()
    status = "ok" if cache == "ok" else "degraded"
    return JsonResponse({"status": status, "database": "ok", "cache": cache})
