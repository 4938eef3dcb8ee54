"""The site's URLs plus the benchmark's ceiling view, used only when NEWSROOM_BENCH_VIEWS=1.

Benchmark code stays out of the production URLconf: with the variable unset this module is
never imported and /bench/ does not exist.
"""

from django.http import HttpResponse
from django.urls import path

from newsroom.urls import urlpatterns as site_urlpatterns

_CEILING_BODY = ("<p>" + "通辽日报" * 20 + "</p>\n") * 80  # about 20 KB


def ceiling(request):
    """A fixed 20 KB page with no database or template work: what this stack can serve at best
    (bench/serve_bench.sh measures every page against it in the same run)."""
    return HttpResponse(_CEILING_BODY)


urlpatterns = [path("bench/ceiling/", ceiling, name="bench_ceiling"), *site_urlpatterns]
