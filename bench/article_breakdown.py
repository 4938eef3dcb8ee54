"""Where an uncached article page spends its time, next to the ceiling view, in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench .venv/bin/python bench/article_breakdown.py

Run after bench/seed_data.py. Requests go straight into Django's WSGI handler (no server, no
network), with the page cache off, so the figures are Django's own cost per request. It prints
the median of REPEAT rounds for:

- the ceiling view (a fixed 20 KB response through every middleware), the baseline;
- the article page, whole;
- its SQL replayed through a raw cursor: what the database and driver cost, with no ORM;
- the view: the ORM building those queries and making objects from the rows (less the replay),
  plus the context (JSON-LD, canonical URL);
- the template rendered from a context whose queries have already run;
- the rest (URL routing, middleware, response).

The serve benchmark's target asks the article page for 40% of the ceiling's requests/second,
that is 2.5 times the ceiling's time per request. Printed last: that budget in-process. Behind
gunicorn each request also pays the server's fixed cost (about 0.5 ms here: 2 workers serving
the ceiling at about 2,800/s is 0.7 ms of a core each), which loosens the budget to about
2.5 × 0.7 − 0.5 ≈ 1.3 ms of Django and database time per article page.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")
os.environ["NEWSROOM_BENCH_VIEWS"] = "1"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.template.loader import get_template  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from articles.models import Article  # noqa: E402
from articles.views import ArticleDetailView  # noqa: E402

REPEAT = 7
ROUNDS = 100

# As served in production: no static-file finders or autorefresh, which only the tests use.
settings.WHITENOISE_USE_FINDERS = False
settings.WHITENOISE_AUTOREFRESH = False
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def median_ms(function):
    """Median over REPEAT rounds of the mean time of one call, in milliseconds."""
    for _ in range(10):
        function()
    rounds = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        for _ in range(ROUNDS):
            function()
        rounds.append((time.perf_counter() - start) / ROUNDS * 1000)
    return statistics.median(rounds)


def main():
    handler = WSGIHandler()
    factory = RequestFactory()

    def request(url):
        def call():
            environ = factory.get(url, HTTP_HOST="127.0.0.1").environ
            statuses = []
            body = b"".join(handler(environ, lambda status, headers: statuses.append(status)))
            assert statuses[0].startswith("200"), (url, statuses)
            return body

        return call

    article = Article.objects.published().exclude(section=None).order_by("-published_at").first()
    url = article.get_absolute_url()
    ceiling = median_ms(request("/bench/ceiling/"))
    whole = median_ms(request(url))

    with CaptureQueriesContext(connection) as captured:
        request(url)()
    statements = [query["sql"] for query in captured.captured_queries]

    def replay():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    database = median_ms(replay)

    view = ArticleDetailView()
    page_request = factory.get(url, HTTP_HOST="127.0.0.1")
    page_request.user = AnonymousUser()
    view.setup(page_request, pk=article.pk, slug=article.slug)

    def fetch():
        context = view.get_context_data(article=view.get_article())
        context["more_from_section"] = list(context["more_from_section"])
        return context

    view_time = median_ms(fetch) - database
    template = get_template(view.template_name)
    context = fetch()
    rendering = median_ms(lambda: template.render(context, page_request))

    print(f"{Article.objects.count():,} articles, {connection.vendor}, {len(statements)} queries")
    rows = [
        ("ceiling view, whole request (baseline)", ceiling),
        ("article page, whole request", whole),
        ("  its SQL through a raw cursor", database),
        ("  view: ORM and context, less the SQL", view_time),
        ("  template rendering", rendering),
        ("  the rest: routing, middleware, response", whole - database - view_time - rendering),
        ("budget for 40% of the ceiling, in-process", ceiling * 2.5),
    ]
    for label, ms in rows:
        print(f"{label:<48} {ms:7.2f} ms  {ms / ceiling:6.1f}× baseline")


if __name__ == "__main__":
    main()
