"""Django templates against Jinja2 for the article page, with the same context, in one run.

    .venv/bin/python bench/template_engines.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom .venv/bin/python bench/template_engines.py

In a throwaway test database with the seed imported, the article page's context is built
once by the real view; then templates/articles/article_detail.html (Django's engine, with
the context processors) and bench/jinja2/article_detail.html (the same page ported to
Jinja2: the same markup, the same helpers) are each rendered many times. Printed: the
median render time of each, their ratio, and the whole uncached request (page cache off)
for scale, so the template's share of a miss is plain.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")

import django  # noqa: E402

django.setup()

import jinja2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.templatetags.static import static  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils.timezone import localtime  # noqa: E402

from articles.context_processors import legal_footer, site_links  # noqa: E402
from articles.models import Article  # noqa: E402
from articles.navigation import nav_items  # noqa: E402
from articles.templatetags.articles import article_item  # noqa: E402
from articles.views import ArticleDetailView  # noqa: E402

SEED = ROOT / "fixtures" / "tongliao-daily-2022-12-20.txt"
ROUNDS, RENDERS = 5, 300


def jinja_environment():
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "bench" / "jinja2"),
        autoescape=True,
        auto_reload=False,
    )
    environment.globals.update(
        url=lambda name, *args: reverse(name, args=args),
        static=static,
        article_item=article_item,
    )
    environment.filters.update(
        iso=lambda value: localtime(value).isoformat() if value else "",
        day=lambda value: (
            f"{localtime(value).year}年{localtime(value).month}月{localtime(value).day}日"
        ),
    )
    return environment


def median_ms(render):
    rounds = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(RENDERS):
            render()
        rounds.append((time.perf_counter() - start) / RENDERS * 1000)
    return statistics.median(rounds)


def main():
    setup_test_environment()
    settings.NEWSROOM_PAGE_CACHE = False
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("import_issue", str(SEED), "--date", "2022-12-20", "--publish", verbosity=0)
        article = Article.objects.get(headline__startswith="开鲁县")
        article.tags.add("营商环境", "就业")
        request = RequestFactory().get(article.get_absolute_url())
        view = ArticleDetailView()
        view.setup(request, pk=article.pk, slug=article.slug)
        stored = Article.objects.stored_page(article.pk)
        context = view.get_context_data(article=stored, page=stored.page)

        template = jinja_environment().get_template("article_detail.html")
        jinja_context = {
            **context,
            "paper_name": settings.NEWSROOM_PAPER_NAME,
            "nav_items": nav_items(0),
            "site_links": site_links(),
            "legal": legal_footer(),
        }
        django_html = render_to_string("articles/article_detail.html", context, request)
        jinja_html = template.render(jinja_context)
        for text in [article.headline, "胡建华", "营商环境", "留工培训补助"]:
            assert text in django_html and text in jinja_html, text

        dtl = median_ms(lambda: render_to_string("articles/article_detail.html", context, request))
        jinja = median_ms(lambda: template.render(jinja_context))
        client = Client()
        url = article.get_absolute_url()
        whole = median_ms(lambda: client.get(url)) if RENDERS else 0
        print(
            f"database: {connection.vendor}; article page of the seed, median of {ROUNDS}×{RENDERS}"
        )
        print(f"Django templates: {dtl:6.2f} ms ({len(django_html):,} characters)")
        print(f"Jinja2:           {jinja:6.2f} ms ({len(jinja_html):,} characters)")
        print(f"Jinja2 / Django:  {jinja / dtl:6.2f}")
        print(
            f"whole uncached request (test client): {whole:6.2f} ms;"
            f" Django templates are {dtl / whole:.0%} of it, Jinja2 would save {(dtl - jinja) / whole:.0%}"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
