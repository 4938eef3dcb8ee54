from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """For the container's HEALTHCHECK and load balancers: is the database answering?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        return JsonResponse({"status": "error", "database": str(error)[:200]}, status=503)
    return JsonResponse({"status": "ok"})


_CEILING_BODY = ("<p>" + "通辽日报" * 20 + "</p>\n") * 80  # about 20 KB


def ceiling(request):
    """A fixed 20 KB page with no database or template work: what this stack can serve at best.

    Only for bench/serve_bench.sh, and only when NEWSROOM_BENCH_VIEWS=1.
    """
    if not settings.NEWSROOM_BENCH_VIEWS:
        raise Http404
    return HttpResponse(_CEILING_BODY)
