"""The production stack, run the way it runs: bin/entrypoint (gunicorn, two workers) on
PostgreSQL with Redis, a task worker, and manage.py commands as separate processes.

Every promise is checked from another process than the one that made the change: an
article withdrawn through the admin of one worker is gone from both workers at once, one
withdrawn from a shell is gone too, a re-import leaves it withdrawn, and a second server
whose Redis does not answer still serves every page and says so on /healthz.

These tests make their own PostgreSQL database (newsroom_stack) and use Redis database 14,
whatever DATABASE_URL the rest of the suite runs on; PostgreSQL and Redis must be running
on 127.0.0.1 (they are on this machine kind; .ci/run starts PostgreSQL if it is not).
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import BytesIO
from pathlib import Path

import psycopg
import pytest
import redis

from tests.conftest import SEED, SEED_DATE
from tests.test_epaper import make_pdf

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parent.parent
DB = "newsroom_stack"
HEADLINE = "我市新建5G基站1207个"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(database, redis_db):
    """Production settings for processes of our own: a fresh database and Redis database."""
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {database}")
    redis.Redis.from_url(f"redis://127.0.0.1:6379/{redis_db}").flushdb()
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
    }
    return inherited | {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        # The tests' browsers play the TLS proxy: they set X-Forwarded-Proto themselves.
        "NEWSROOM_TRUSTED_PROXIES": "1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
    }


def stop_process(process, log, sig=signal.SIGTERM, timeout=30):
    """Stop a server the way an orchestrator does: the signal, then a kill if it hangs."""
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


class Receiver:
    """A local HTTP endpoint standing in for a CDN's purge API."""

    def __init__(self):
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/purge"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Stack:
    def __init__(self, tmp_path, receiver):
        self.env = (
            production_env(DB, 14)
            | {
                "MEDIA_ROOT": str(tmp_path / "media"),
                "NEWSROOM_PURGE_URL": receiver.url,
                "WEB_CONCURRENCY": "2",  # one thread each, as production runs (tests/test_two_servers.py runs threads)
            }
        )
        self.tmp_path = tmp_path
        self.processes = []

    def manage(self, *args, env=None):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env | (env or {}),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self, name, *args, env=None, port=None):
        """bin/entrypoint in the background; with a port, wait until /healthz answers."""
        log = open(self.tmp_path / f"{name}.log", "w+")  # noqa: SIM115 - closed in stop()
        extra = {"BIND": f"127.0.0.1:{port}"} if port else {}
        process = subprocess.Popen(
            ["bin/entrypoint", *args],
            cwd=ROOT,
            env=self.env | extra | (env or {}),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append((process, log))
        if port:
            for _ in range(120):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except OSError:  # refused, reset, or a worker still booting under load (timeout)
                    assert process.poll() is None, Path(log.name).read_text()
                    time.sleep(0.5)
            else:
                raise AssertionError(Path(log.name).read_text())
        return process, log

    def stop(self):
        for process, log in self.processes:
            stop_process(process, log)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    receiver = Receiver()
    stack = Stack(tmp_path_factory.mktemp("stack"), receiver)
    stack.receiver = receiver
    stack.port = free_port()
    try:
        stack.web, stack.web_log = stack.start(
            "web", env={"MIGRATE": "1", "COLLECTSTATIC": "1"}, port=stack.port
        )
        stack.start("worker", "worker", "--interval", "0.2")
        stack.manage("import_issue", str(SEED), "--date", SEED_DATE, "--publish", "-v0")
        stack.article_url = url_of(stack, HEADLINE)
        yield stack
    finally:
        stack.stop()
        receiver.server.shutdown()


def get(port, path, opener=None):
    """(status, body, headers) of one request on a fresh connection."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def many(port, path, count=40):
    """`count` requests at once, so both gunicorn workers serve some of them."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda _: get(port, path), range(count)))


def workers_that_served(stack, path, status):
    """The pids of the gunicorn workers whose access log lines show `path` answered `status`."""
    stack.web_log.flush()
    text = Path(stack.web_log.name).read_text()
    return set(re.findall(rf'"GET {re.escape(path)} HTTP/1\.\d" {status} .*pid=<(\d+)>', text))


class Browser:
    """An editor's browser behind the TLS proxy: HTTPS as the app sees it, cookies kept.

    The session and CSRF cookies are Secure, so they are handled here rather than by a cookie
    jar that would refuse to send them over the loopback's plain HTTP.
    """

    def __init__(self, port, through_tls=None):
        """`through_tls`: an SSL context to talk HTTPS to nginx, as a real browser does, instead
        of plain HTTP straight to an app server with the proxy's headers."""
        self.port = port
        self.cookies = {}
        self.tls = through_tls
        self.origin = f"https://{'localhost' if through_tls else '127.0.0.1'}:{port}"

    def request(self, path, fields=None, body=None, content_type=None):
        """GET `path`; POST `fields` as a form, or `body` bytes as `content_type`."""
        headers = {
            "Referer": f"{self.origin}{path}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if self.tls is None:
            headers["X-Forwarded-Proto"] = "https"
        data = None
        if fields is not None:
            headers["Origin"] = self.origin
            fields = fields | {"csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            data = urllib.parse.urlencode(fields, doseq=True).encode()
        elif body is not None:
            headers |= {
                "Origin": self.origin,
                "Content-Type": content_type,
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
            }
            data = body
        url = f"{self.origin if self.tls else f'http://127.0.0.1:{self.port}'}{path}"
        request = urllib.request.Request(url, data=data, headers=headers)
        handlers = [NoRedirect]
        if self.tls is not None:
            handlers.append(urllib.request.HTTPSHandler(context=self.tls))
        opener = urllib.request.build_opener(*handlers)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return response.status, response.read().decode(), response.headers

    def log_in(self, username, password):
        self.request("/admin/login/")
        status, _, headers = self.request(
            "/admin/login/?next=/admin/",
            {"username": username, "password": password, "next": "/admin/"},
        )
        assert status == 302 and headers["Location"] == "/admin/", status


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def article_pk(stack, headline):
    return stack.manage(
        "shell",
        "-v0",
        "-c",
        f"from articles.models import Article; print(Article.objects.get(headline='{headline}').pk)",
    ).strip()


def test_a_withdrawal_through_the_admin_is_true_on_both_workers_at_once(stack):
    url = stack.article_url
    # Warm both workers' view of the page (Redis holds it; each worker served some).
    results = many(stack.port, url)
    assert {status for status, _, _ in results} == {200}
    assert any(headers.get("X-Page-Cache") == "hit" for _, _, headers in results)
    assert len(workers_that_served(stack, url, 200)) == 2

    output = stack.manage("create_staff", "值班编辑", "--role", "编辑")
    password = re.search(r"密码[^:]*:(\S+)", output)[1]
    editor = Browser(stack.port)
    editor.log_in("值班编辑", password)
    status, page, _ = editor.request(
        "/admin/articles/article/",
        {
            "action": "withdraw_selected",
            "_selected_action": article_pk(stack, HEADLINE),
            "index": "0",
            "reason": "侵权投诉,撤稿",
        },
    )
    assert status == 302
    assert "已撤下 1 篇稿件" in editor.request("/admin/articles/article/")[1]

    after = many(stack.port, url)
    assert {status for status, _, _ in after} == {410}
    assert len(workers_that_served(stack, url, 410)) == 2
    assert all(HEADLINE not in body for _, body, _ in after)
    front = many(stack.port, "/", count=10)
    assert all(HEADLINE not in body for _, body, _ in front)

    # The worker sent the CDN the withdrawn page's URL.
    for _ in range(50):
        if any(url in payload["urls"] for payload in stack.receiver.received):
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"no purge of {url}: {stack.receiver.received}")


def test_a_withdrawal_from_a_shell_process_is_true_on_both_workers(stack):
    headline = "我市多措并举深入开展乡村振兴工作"
    url = url_of(stack, headline)
    assert {status for status, _, _ in many(stack.port, url)} == {200}
    stack.manage(
        "shell",
        "-v0",
        "-c",
        "from articles import workflow; from articles.models import Article; "
        f"workflow.withdraw(Article.objects.get(headline='{headline}'), None, '违规')",
    )
    assert {status for status, _, _ in many(stack.port, url)} == {410}


def test_a_reimport_leaves_withdrawn_articles_withdrawn(stack):
    output = stack.manage("import_issue", str(SEED), "--date", SEED_DATE, "--publish")
    assert f"保留编辑决定,未改动:{HEADLINE}(已撤稿)" in output
    assert {status for status, _, _ in many(stack.port, stack.article_url)} == {410}


def test_a_server_whose_redis_is_down_serves_every_page_and_says_degraded(stack):
    port = free_port()
    closed = free_port()
    stack.start("degraded", env={"REDIS_URL": f"redis://127.0.0.1:{closed}/0"}, port=port)
    for path in [
        "/",
        "/robots.txt",
        "/issues/",
        "/search/?q=%E5%9F%BA%E7%AB%99",
        "/feeds/rss/",
        "/sitemap.xml",
    ]:
        status, _, _ = get(port, path)
        assert status == 200, path
    article = next(path for path in re.findall(r'href="(/articles/[^"]+)"', get(port, "/")[1]))
    assert get(port, article)[0] == 200
    status, body, _ = get(port, "/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "degraded", "database": "ok", "cache": "degraded"}
    assert str(closed) not in body


def url_of(stack, headline):
    return stack.manage(
        "shell",
        "-v0",
        "-c",
        "from articles.models import Article; "
        f"print(Article.objects.get(headline='{headline}').get_absolute_url())",
    ).strip()


def test_an_edit_in_another_process_refreshes_its_page_and_leaves_unrelated_ones_cached(stack):
    edited = url_of(stack, "我市投资延续高增态势")
    # Another column, not its neighbour: nothing this page shows changes with the edit.
    unrelated = url_of(stack, "迟红蕾：心系社区 为民代言")
    for url in (edited, unrelated):
        many(stack.port, url)
        assert all(h.get("X-Page-Cache") == "hit" for _, _, h in many(stack.port, url))
    stack.manage(
        "shell",
        "-v0",
        "-c",
        "from articles.models import Article; "
        "a = Article.objects.get(headline='我市投资延续高增态势'); "
        "a.headline = '我市投资延续高增态势(更新)'; a.save()",
    )
    after = many(stack.port, edited)
    assert all("我市投资延续高增态势(更新)" in body for _, body, _ in after)
    assert len(workers_that_served(stack, edited, 200)) == 2
    untouched = many(stack.port, unrelated)
    assert all(h.get("X-Page-Cache") == "hit" for _, _, h in untouched)


def test_an_issue_imported_in_the_admin_is_run_by_the_worker_and_public_on_both_workers(stack):
    day = "2022-12-22"
    assert {status for status, _, _ in many(stack.port, f"/issues/{day}/")} == {404}
    output = stack.manage("create_staff", "夜班编辑", "--role", "编辑")
    password = re.search(r"密码[^:]*:(\S+)", output)[1]
    editor = Browser(stack.port)
    editor.log_in("夜班编辑", password)
    source = SEED.read_text(encoding="utf-8").replace("我市", "本市")  # another night's stories
    status, _, headers = editor.request(
        "/admin/articles/issue/import/",
        {"source_text": source, "date": day, "number": "", "publish": "on"},
    )
    assert status == 302, status
    review = headers["Location"]
    status, page, _ = editor.request(review)
    assert status == 200 and "8 篇稿件" in page
    status, _, headers = editor.request(review, {"confirm": "1"})
    assert status == 302 and headers["Location"].endswith("/progress/")
    # The task worker (another process) runs the import; the progress page ends on the summary.
    progress = headers["Location"]
    for _ in range(100):
        status, page, headers = editor.request(progress)
        if status == 302 and headers["Location"].endswith("/summary/"):
            break
        assert status == 200 and "导入失败" not in page, page
        time.sleep(0.2)
    else:
        raise AssertionError(page)
    status, summary, _ = editor.request(headers["Location"])
    assert status == 200 and "新建(8)" in summary
    results = many(stack.port, f"/issues/{day}/")
    assert {status for status, _, _ in results} == {200}
    assert all("本市多措并举深入开展乡村振兴工作" in body for _, body, _ in results)
    assert len(workers_that_served(stack, f"/issues/{day}/", 200)) == 2


def multipart(fields, files):
    """A multipart/form-data body and its content type: form fields, and files as
    {name: (filename, bytes, content type)}."""
    boundary = uuid.uuid4().hex
    body = BytesIO()
    for name, value in fields.items():
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        )
        body.write(f"{value}\r\n".encode())
    for name, (filename, content, kind) in files.items():
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
        )
        body.write(content + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def test_an_epaper_uploaded_in_the_admin_is_rendered_by_the_worker_and_zoned_on_both_workers(
    stack,
):
    # The lead was withdrawn by an earlier test: printed on the page, but never a link.
    withdrawn, withdrawn_pk = HEADLINE, article_pk(stack, HEADLINE)
    lead = "我市工业生产持续向好"
    lead_pk = article_pk(stack, lead)
    output = stack.manage("create_staff", "版面编辑", "--role", "编辑")
    password = re.search(r"密码[^:]*:(\S+)", output)[1]
    editor = Browser(stack.port)
    editor.log_in("版面编辑", password)
    issue_pk = stack.manage(
        "shell",
        "-v0",
        "-c",
        f"from articles.models import Issue; print(Issue.objects.get(date='{SEED_DATE}').pk)",
    ).strip()
    data = make_pdf(
        [("第01版:要闻", [(lead, 40, 100, 28), (withdrawn, 40, 600, 20)]), ("第02版:经济", [])]
    )
    editor.request("/admin/articles/printpage/upload-issue/")  # the CSRF cookie
    body, content_type = multipart(
        {"issue": issue_pk}, {"pdf_file": ("issue.pdf", data, "application/pdf")}
    )
    status, _, headers = editor.request(
        "/admin/articles/printpage/upload-issue/", body=body, content_type=content_type
    )
    assert status == 302, status
    # The task worker (another process) renders both 版 and proposes their zones.
    page_url = f"/epaper/{SEED_DATE}/1/"
    for _ in range(150):
        status, page, _ = get(stack.port, page_url)
        second = get(stack.port, f"/epaper/{SEED_DATE}/2/")[0]
        if status == 200 and f"zone-{lead_pk}" in page and second == 200:
            break
        time.sleep(0.2)
    else:
        raise AssertionError((status, page[:500]))
    results = many(stack.port, page_url)
    assert all(status == 200 and f'id="zone-{lead_pk}"' in body for status, body, _ in results)
    assert all(f"zone-{withdrawn_pk}" not in body for _, body, _ in results)
    assert all("第01版 要闻" in body and "要闻我市" not in body for _, body, _ in results)
    assert len(workers_that_served(stack, page_url, 200)) == 2

    # The editor takes the lead's zone off the page: both workers stop linking it at once.
    page_pk = re.search(
        r"/admin/articles/printpage/(\d+)/zones/", editor.request("/admin/articles/printpage/")[1]
    )[1]
    zones_url = f"/admin/articles/printpage/{page_pk}/zones/data/"
    current = json.loads(editor.request(zones_url)[1])
    kept = [zone for zone in current["zones"] if str(zone["article"]) != lead_pk]
    status, answer, _ = editor.request(
        zones_url,
        body=json.dumps({"version": current["version"], "zones": kept}).encode(),
        content_type="application/json",
    )
    assert status == 200, answer
    results = many(stack.port, page_url)
    assert all(f"zone-{lead_pk}" not in body for _, body, _ in results)
    assert all("在版面中查看" not in body for _, body, _ in many(stack.port, url_of(stack, lead)))
    # A second save from the old version is refused.
    status, answer, _ = editor.request(
        zones_url,
        body=json.dumps({"version": current["version"], "zones": []}).encode(),
        content_type="application/json",
    )
    assert status == 409 and "已被他人修改" in json.loads(answer)["error"]


# Drops the database under the running servers (the task worker exits, as it would under a
# supervisor that restarts it): keep this test last in the module.
def test_a_backup_restores_into_an_empty_database_and_serves_the_same_pages(stack, tmp_path):
    """The backup rehearsal: dump, drop the database, restore, and readers see the same site."""
    paths = ["/", "/issues/2022-12-20/", "/feeds/rss/", "/sitemap-articles.xml"]
    before = {path: get(stack.port, path)[1] for path in paths}
    backup = tmp_path / "backup"
    env = stack.env | {"MEDIA_ROOT": str(tmp_path / "media")}
    subprocess.run(["bin/backup", str(backup)], cwd=ROOT, env=env, check=True, timeout=120)
    assert (backup / "newsroom.dump").stat().st_size > 10_000

    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as connection:
        connection.execute(f"DROP DATABASE {DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DB}")
    # An empty database: no page is rendered from it, and none fails with a 500. The front
    # page the cache holds is served as it was (marked stale); the rest get a plain 503.
    status, _, headers = get(stack.port, "/")
    assert (status, headers.get("X-Page-Cache")) in {(200, "stale"), (503, None)}
    assert get(stack.port, "/issues/2022-12-21/")[0] == 503

    subprocess.run(["bin/restore", str(backup)], cwd=ROOT, env=env, check=True, timeout=120)
    redis.Redis.from_url("redis://127.0.0.1:6379/14").flushdb()  # nothing served from before
    time.sleep(0.1)
    for path in paths:
        status, body, headers = get(stack.port, path)
        assert status == 200 and headers.get("X-Page-Cache") != "hit", path
        assert body == before[path], path
