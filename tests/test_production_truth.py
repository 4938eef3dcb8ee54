"""What the desk takes down stays down, and a failing cache server takes nothing down.

The same promises are checked across real processes (gunicorn workers, manage.py) in
tests/test_stack.py; these tests pin each rule down on both databases.
"""

import json
import logging
import socket
import subprocess
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.cache import cache, caches
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError, transaction
from django.test import Client
from django.utils import timezone

from articles import page_cache, workflow
from articles.models import Article, ArticleEvent, ContentState, Issue
from tests.browserless import article_form
from tests.conftest import SEED, SEED_DATE
from tests.factories import make_article, make_issue
from tests.test_production import PRODUCTION, manage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.NEWSROOM_PAGE_CACHE = True
    cache.clear()


def import_seed(*extra):
    call_command("import_issue", str(SEED), "--date", SEED_DATE, *extra, verbosity=0)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# One truth across processes -------------------------------------------------------------


def test_a_change_committed_by_another_process_is_seen_on_the_next_request(client, seed_issue):
    article = Article.objects.get(headline="我市新建5G基站1207个")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    # Another process withdraws it: its rows change and its commit hook records the change in
    # the shared log; this process's cache and its copy of the log do not change.
    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN)
    page_cache.record_change(page_cache.tags_for_articles([article.pk]))
    assert client.get(url).status_code == 410


def test_between_changes_a_process_answers_cached_pages_with_no_query(
    settings, client, seed_issue, django_assert_num_queries
):
    settings.NEWSROOM_GENERATION_WAIT = 60
    url = Article.objects.first().get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_a_writer_returns_only_when_every_process_copy_is_stale(
    settings, client, seed_issue, committed
):
    """Another process re-reads the generation once its copy is older than the wait, and a
    writer waits that long after committing: whatever follows the change sees it."""
    settings.NEWSROOM_GENERATION_WAIT = 0.3
    article = Article.objects.get(headline="我市新建5G基站1207个")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    started = time.monotonic()
    with committed():
        workflow.withdraw(article, None, "侵权")
    assert time.monotonic() - started >= 0.3
    assert client.get(url).status_code == 410

    # The same seen from a process that did not make the change: its copy ages out.
    other = Article.objects.get(headline="我市多措并举深入开展乡村振兴工作")
    other_url = other.get_absolute_url()
    client.get(other_url)
    assert client.get(other_url)["X-Page-Cache"] == "hit"
    Article.objects.filter(pk=other.pk).update(status=Article.Status.WITHDRAWN)
    page_cache.bump()  # what the other process's commit hook does, then it waits
    time.sleep(0.3)
    assert client.get(other_url).status_code == 410


def test_every_writer_records_one_change_per_transaction(committed, seed_issue, monkeypatch):
    bumps = []
    real_record = page_cache.record_change
    monkeypatch.setattr(
        page_cache, "record_change", lambda *a, **kw: bumps.append(a) or real_record(*a, **kw)
    )
    before = ContentState.objects.get().generation
    article = Article.objects.get(headline="我市新建5G基站1207个")
    with committed(), transaction.atomic():
        article.headline = "我市新建5G基站1270个"
        article.save()
        article.credits.first().delete()
        article.tags.add("通信")
    after = ContentState.objects.get().generation
    assert len(bumps) == 1 and after > before
    with committed():
        workflow.withdraw(article, None, "侵权")
    assert len(bumps) == 2 and ContentState.objects.get().generation > after


def test_a_generation_is_never_reused_even_after_a_restore_from_backup():
    """A restored database carries an old generation; the next change must not land on a
    number that pages were cached under after the backup."""
    page_cache.bump()
    backed_up = ContentState.objects.get().generation
    page_cache.bump()
    used_after_backup = ContentState.objects.get().generation
    ContentState.objects.update(generation=backed_up)  # the restore
    page_cache.bump()
    assert ContentState.objects.get().generation > used_after_backup


def test_changing_an_issue_in_the_admin_is_seen_at_once(client, admin_client, committed):
    with committed():
        import_seed("--publish")
    issue = Issue.objects.get()
    assert client.get("/issues/2022-12-20/").status_code == 200
    assert client.get("/issues/2022-12-20/")["X-Page-Cache"] == "hit"
    with committed():
        response = admin_client.post(
            f"/admin/articles/issue/{issue.pk}/change/", {"date": "2022-12-21", "number": ""}
        )
    assert response.status_code == 302
    assert client.get("/issues/2022-12-20/").status_code == 404
    assert "2022-12-21" in client.get("/issues/").content.decode()


# Tracking parameters and validators ----------------------------------------------------


def test_tracking_and_unknown_parameters_share_the_cached_page(client, seed_issue):
    url = Article.objects.first().get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    for query in [
        "?utm_source=weixin&utm_medium=social",
        "?from=singlemessage&isappinstalled=0",
        "?spm=a2c4g.11186623&x=1",
        "?anything=else",
    ]:
        assert client.get(url + query)["X-Page-Cache"] == "hit", query


def test_parameters_a_page_reads_still_make_their_own_pages(client, seed_issue):
    first = client.get("/search/?q=基站&utm_source=x")
    assert first["X-Page-Cache"] == "miss"
    assert client.get("/search/?utm_source=y&q=基站")["X-Page-Cache"] == "hit"
    other = client.get("/search/?q=乡村")
    assert other["X-Page-Cache"] == "miss" and other.content != first.content


def test_validators_change_when_a_neighbour_is_withdrawn(client, seed_issue, committed):
    articles = list(Article.objects.filter(issue=seed_issue).in_print_order())
    page, neighbour = articles[1], articles[2]
    url = page.get_absolute_url()
    first = client.get(url)
    assert neighbour.headline in first.content.decode()
    time.sleep(1.1)  # Last-Modified has whole seconds
    with committed():
        workflow.withdraw(neighbour, None, "侵权")
    again = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200 and neighbour.headline not in again.content.decode()
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304


# The purge hook ------------------------------------------------------------------------


@pytest.fixture
def purge_receiver():
    """A local HTTP endpoint standing in for a CDN's purge API; records what it is sent."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers.get("Authorization"), json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/purge", received
    server.shutdown()


def test_every_change_calls_the_purge_hook_with_the_changed_urls(
    settings, seed_issue, committed, purge_receiver
):
    endpoint, received = purge_receiver
    settings.NEWSROOM_PURGE_URL = endpoint
    settings.NEWSROOM_PURGE_TOKEN = "cdn-secret"
    settings.NEWSROOM_PUBLIC_URL = "https://www.tlrb.cn"
    article = Article.objects.get(headline="我市新建5G基站1207个")
    with committed():
        workflow.withdraw(article, None, "侵权")
    assert len(received) == 1
    authorization, payload = received[0]
    assert authorization == "Bearer cdn-secret"
    urls = payload["urls"]
    assert f"https://www.tlrb.cn{article.get_absolute_url()}" in urls
    assert "https://www.tlrb.cn/" in urls and "https://www.tlrb.cn/feeds/rss/" in urls
    assert f"https://www.tlrb.cn{seed_issue.get_absolute_url()}" in urls
    if article.section:
        assert f"https://www.tlrb.cn{article.section.get_absolute_url()}" in urls


def test_a_deleted_article_is_purged_by_its_old_url(settings, committed, purge_receiver):
    endpoint, received = purge_receiver
    settings.NEWSROOM_PURGE_URL = endpoint
    with committed():
        article = make_article(headline="将被删除的稿件")
    url = article.get_absolute_url()
    with committed():
        article.delete()
    assert url in received[-1][1]["urls"]


# A cache server that fails -------------------------------------------------------------


@pytest.fixture
def redis_server():
    """A Redis server of our own on a free port, so the test can stop and start it."""
    port = free_port()

    def start():
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                return process
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    state = {"process": start()}

    def stop():
        state["process"].terminate()
        state["process"].wait()

    def restart():
        state["process"] = start()

    yield port, stop, restart
    stop()


def use_redis(settings, port):
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    settings.NEWSROOM_CACHE_RETRY_SECONDS = 0.5
    return caches["default"]


def test_cache_calls_share_one_redis_client(settings, redis_server):
    """Building a redis.Redis per call was a quarter of a cached page's time."""
    port, _stop, _restart = redis_server
    cache = use_redis(settings, port)
    cache.set("版面", "头版")
    assert cache.get("版面") == "头版"
    client = cache._cache.get_client()  # noqa: SLF001 - Django's client object
    assert cache._cache.get_client(write=True) is client  # noqa: SLF001


def test_an_unreachable_cache_server_degrades_and_recovers(
    settings, client, admin_client, seed_issue, redis_server, caplog, committed
):
    port, stop, restart = redis_server
    use_redis(settings, port)
    article = Article.objects.get(headline="我市新建5G基站1207个")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    assert client.get("/healthz").json()["cache"] == "ok"

    stop()
    caplog.set_level(logging.WARNING, logger="newsroom.cache")
    for path in [url, "/", "/robots.txt", "/search/?q=基站", "/feeds/rss/", "/issues/"]:
        assert client.get(path).status_code == 200, path
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "database": "ok", "cache": "degraded"}
    form_url, data = article_form(admin_client, article)
    with committed():
        saved = admin_client.post(form_url, data | {"headline": "我市新建5G基站1208个"})
    assert saved.status_code == 302
    assert "基站1208个" in client.get(url).content.decode()
    assert len([r for r in caplog.records if r.name == "newsroom.cache"]) == 1

    restart()
    time.sleep(0.6)  # the back-off interval
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    assert client.get("/healthz").json()["cache"] == "ok"


def test_a_cache_address_that_answers_nothing_does_not_stall_pages(settings, client, seed_issue):
    use_redis(settings, free_port())
    started = time.monotonic()
    for _ in range(20):
        assert client.get("/").status_code == 200
    assert time.monotonic() - started < 10


def test_healthz_hides_the_database_error_and_says_503():
    closed = free_port()
    result = manage(
        "shell",
        "-c",
        "from django.test import Client; r = Client().get('/healthz'); "
        "print(r.status_code, r.content.decode())",
        **(
            PRODUCTION
            | {
                "ALLOWED_HOSTS": "testserver",
                "SECURE_SSL_REDIRECT": "0",
                "DATABASE_URL": f"postgres://nobody@127.0.0.1:{closed}/none",
            }
        ),
    )
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "error", "database": "error"}
    assert str(closed) not in body and "127.0.0.1" not in body


# The importer never undoes the desk ----------------------------------------------------


def test_reimport_leaves_withdrawn_returned_and_deleted_articles_as_the_desk_left_them(
    admin_user, capsys
):
    import_seed("--publish")
    withdrawn = Article.objects.get(headline="我市新建5G基站1207个")
    workflow.withdraw(withdrawn, admin_user, "侵权投诉")
    returned = Article.objects.get(headline__startswith="开鲁县")
    returned.status = Article.Status.DRAFT
    returned.save()
    workflow.record(returned, ArticleEvent.Action.RETURNED, admin_user)
    deleted = Article.objects.get(headline="我市多措并举深入开展乡村振兴工作")
    deleted.delete()
    total = Article.objects.count()
    capsys.readouterr()

    call_command("import_issue", str(SEED), "--date", SEED_DATE, "--publish")
    out = capsys.readouterr().out

    withdrawn.refresh_from_db()
    returned.refresh_from_db()
    assert withdrawn.status == Article.Status.WITHDRAWN
    assert withdrawn.withdrawn_reason == "侵权投诉"
    assert returned.status == Article.Status.DRAFT
    assert not Article.objects.filter(headline="我市多措并举深入开展乡村振兴工作").exists()
    assert Article.objects.count() == total
    assert "保留编辑决定 3" in out
    for line in [
        "保留编辑决定,未改动:我市新建5G基站1207个(已撤稿)",
        f"保留编辑决定,未改动:{returned.headline}(草稿)",
        "保留编辑决定,未改动:我市多措并举深入开展乡村振兴工作(已删除)",
    ]:
        assert line in out


def test_an_article_retitled_then_deleted_stays_deleted(admin_client):
    import_seed("--publish")
    article = Article.objects.get(headline="我市新建5G基站1207个")
    url, data = article_form(admin_client, article)
    admin_client.post(url, data | {"headline": "我市新建5G基站1207个(编辑改题)"})
    admin_client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert not Article.objects.filter(pk=article.pk).exists()
    import_seed("--publish")
    assert not Article.objects.filter(headline__startswith="我市新建5G基站").exists()


def test_publish_records_the_step_and_only_for_articles_never_in_the_workflow(admin_user):
    import_seed()  # drafts
    assert not ArticleEvent.objects.exists()
    submitted = Article.objects.get(headline="我市新建5G基站1207个")
    submitted.status = Article.Status.SUBMITTED
    submitted.save()
    workflow.record(submitted, ArticleEvent.Action.SUBMITTED, admin_user)

    import_seed("--publish")

    submitted.refresh_from_db()
    assert submitted.status == Article.Status.SUBMITTED
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    assert published.count() == Article.objects.count() - 1
    events = ArticleEvent.objects.filter(action=ArticleEvent.Action.PUBLISHED)
    assert set(events.values_list("article", flat=True)) == set(
        published.values_list("pk", flat=True)
    )
    assert all(event.user is None and event.note == "导入时发布" for event in events)


def test_returning_a_published_article_to_draft_is_a_workflow_step(admin_client):
    article = make_article(headline="退回草稿")
    url, data = article_form(admin_client, article)
    admin_client.post(url, data | {"status": "draft"})
    assert article.events.filter(action=ArticleEvent.Action.RETURNED).exists()


# Dates in range, and bad characters ----------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "1949-09-30", "2101-01-01", "9999-12-31"])
def test_import_refuses_dates_out_of_range_in_one_line(day):
    with pytest.raises(CommandError, match=r"^日期超出范围:.*1949-10-01 至 2100-12-31"):
        call_command("import_issue", str(SEED), "--date", day, "--publish", verbosity=0)
    assert not Issue.objects.exists()


def test_the_admin_refuses_a_year_one_publication_time(admin_client):
    article = make_article(headline="年份测试")
    url, data = article_form(admin_client, article)
    response = admin_client.post(
        url, data | {"published_at_0": "0001-01-01", "published_at_1": "00:00:00"}
    )
    assert response.status_code == 200
    assert "日期超出范围" in response.content.decode()
    article.refresh_from_db()
    assert article.published_at.year > 1949
    assert Client().get("/").status_code == 200


def test_the_admin_refuses_an_issue_date_out_of_range(admin_client):
    response = admin_client.post("/admin/articles/issue/add/", {"date": "0001-01-01", "number": ""})
    assert response.status_code == 200 and "日期超出范围" in response.content.decode()
    assert not Issue.objects.exists()


def test_the_database_refuses_a_bc_timestamp_whatever_the_writer():
    article = make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(
            published_at=timezone.now().replace(year=1) + timedelta(days=1)
        )


@pytest.mark.parametrize(
    "url",
    [
        "/tags/%00/",
        "/sections/%00/",
        "/people/a%00b/",
        "/search/?q=%00",
        "/search/?q=%E5%9F%BA%00",
        "/?page=%00",
        "/issues/2022-12-20/?x=%01",
        "/admin/articles/article/?status__exact=%00",
        "/admin/articles/article/?q=%00",
    ],
)
def test_nul_and_control_characters_in_urls_are_404(admin_client, client, seed_issue, url):
    reader = admin_client if url.startswith("/admin/") else client
    assert reader.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/admin/articles/article/?issue__date__year=99999999999",
        "/admin/articles/article/?tags__id__exact=abc",
        "/admin/articles/issue/?date__year=99999999999",
    ],
)
def test_admin_filters_the_database_cannot_take_are_not_a_500(admin_client, url):
    assert admin_client.get(url).status_code in {200, 302}


@pytest.mark.parametrize("suffix", ["preview/", "history/compare/?a=1&b=2", "history/1/"])
def test_malformed_article_ids_in_admin_urls_are_404(admin_client, suffix):
    assert admin_client.get(f"/admin/articles/article/abc/{suffix}").status_code in {302, 404}


# One paper per site --------------------------------------------------------------------


def test_another_paper_is_refused_by_the_importer_in_one_line():
    with pytest.raises(CommandError, match="^本站出版的是 通辽日报"):
        call_command(
            "import_issue", str(SEED), "--date", SEED_DATE, "--paper", "兴安日报", verbosity=0
        )
    assert not Issue.objects.exists()


def test_one_issue_per_date():
    make_issue(date=timezone.localdate())
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(paper="兴安日报", date=timezone.localdate())


def test_a_missing_counter_is_not_mistaken_for_a_cache_outage(settings, redis_server, caplog):
    """incr() on a missing key raises ValueError by contract: the search dictionary's version
    is then created, and the cache is not marked down."""
    from articles import search

    port, _, _ = redis_server
    redis_cache = use_redis(settings, port)
    redis_cache.delete(search.DICTIONARY_VERSION_KEY)
    caplog.set_level(logging.WARNING, logger="newsroom.cache")
    search.add_words(["额尔敦巴特尔"])
    assert redis_cache.get(search.DICTIONARY_VERSION_KEY) == 1
    assert redis_cache.available and not caplog.records


def test_with_the_database_down_cached_pages_are_served_and_others_get_a_plain_503(
    client, seed_issue, monkeypatch
):
    article = Article.objects.get(headline="我市新建5G基站1207个")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    def database_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(page_cache, "_log_since", database_down)
    page_cache.forget_copy()
    stale = client.get(url)
    assert stale.status_code == 200 and stale["X-Page-Cache"] == "stale"
    assert "我市新建5G基站1207个" in stale.content.decode()
    assert "no-cache" in stale["Cache-Control"] or "max-age=0" in stale["Cache-Control"]
    never_cached = client.get("/issues/")
    assert never_cached.status_code == 503 and never_cached["Retry-After"] == "30"
    assert "网站暂时无法访问" in never_cached.content.decode()
    assert "Traceback" not in never_cached.content.decode()
