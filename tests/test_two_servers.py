"""Two app servers behind nginx, the way several machines run it, on loopback without Docker.

PostgreSQL, Redis, an S3-compatible server (moto's server mode), the task worker, two
gunicorn servers (bin/entrypoint) with media directories of their own, so only the shared
bucket can work, and Debian's nginx in front of both (bin/nginx-config, TLS with a
self-signed pair). What one server does must be true on the other; a server restarting
under load must cost readers nothing; a worker killed mid-task must finish it once back.
"""

import json
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from io import BytesIO
from pathlib import Path

import boto3
import psycopg
import pytest
from PIL import Image

from tests.conftest import SEED, SEED_DATE
from tests.test_epaper import make_pdf
from tests.test_stack import (
    Browser,
    free_port,
    get,
    multipart,
    production_env,
    stop_process,
)

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parent.parent
DB = "newsroom_two"
BUCKET = "newsroom-media"
HEADLINE = "我市新建5G基站1207个"


def wait_for(url, process, log, timeout=120, context=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2, context=context)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, ConnectionError, OSError):
            assert process.poll() is None, Path(log.name).read_text()[-3000:]
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer: {Path(log.name).read_text()[-3000:]}")


class Cluster:
    def __init__(self, tmp):
        self.tmp = tmp
        self.processes = {}
        self.s3_port = free_port()
        s3_url = f"http://127.0.0.1:{self.s3_port}"
        self.env = production_env(DB, 12) | {
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": s3_url,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "test",
            "S3_SECRET_ACCESS_KEY": "test",
            "S3_PUBLIC_URL": f"{s3_url}/{BUCKET}",
            "S3_DEFAULT_ACL": "public-read",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "2",
        }

    def start(self, name, command, env=None):
        log = open(self.tmp / f"{name}.log", "a")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env | (env or {}), stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[name] = (process, log)
        return process, log

    def start_server(self, name):
        port = self.ports[name]
        media = self.tmp / f"media-{name}"  # its own: only the bucket is shared
        env = {"BIND": f"127.0.0.1:{port}", "MEDIA_ROOT": str(media)}
        if name == "b":
            env["DATABASE_POOL"] = "1"  # one server on psycopg's pool, the other without
        process, log = self.start(name, ["bin/entrypoint"], env)
        wait_for(f"http://127.0.0.1:{port}/healthz", process, log)

    def start_worker(self):
        self.start("worker", ["bin/entrypoint", "worker", "--interval", "0.2"], {"WORKER_ID": "w1"})

    def stop(self, name, sig=signal.SIGTERM):
        stop_process(*self.processes.pop(name), sig)

    def manage(self, *args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def sql(self, query, *params):
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{DB}") as connection:
            return connection.execute(query, params).fetchall()


TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE


def through_nginx(cluster, path):
    """(status, body) of a reader's HTTPS request through nginx."""
    request = urllib.request.Request(f"https://localhost:{cluster.https_port}{path}")
    try:
        with urllib.request.urlopen(request, timeout=30, context=TLS) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = Cluster(tmp_path_factory.mktemp("two-servers"))
    try:
        s3, s3_log = cluster.start(
            "s3", [str(Path(sys.executable).parent / "moto_server"), "-p", str(cluster.s3_port)]
        )
        wait_for(f"http://127.0.0.1:{cluster.s3_port}/", s3, s3_log)
        boto3.client(
            "s3",
            endpoint_url=cluster.env["S3_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        ).create_bucket(Bucket=BUCKET)
        cluster.manage("migrate", "--no-input", "-v0")
        cluster.manage("collectstatic", "--no-input", "-v0")
        cluster.ports = {"a": free_port(), "b": free_port()}
        cluster.start_server("a")
        cluster.start_server("b")
        cluster.start_worker()
        cluster.http_port, cluster.https_port = free_port(), free_port()
        nginx_dir = cluster.tmp / "nginx"
        subprocess.run(
            ["bin/nginx-config"],
            cwd=ROOT,
            env=cluster.env
            | {
                "NGINX_RUN_DIR": str(nginx_dir),
                "APP_SERVERS": ",".join(f"127.0.0.1:{p}" for p in cluster.ports.values()),
                "HTTP_PORT": str(cluster.http_port),
                "HTTPS_PORT": str(cluster.https_port),
                "STATIC_ROOT": str(ROOT / "staticfiles"),
                "MEDIA_ROOT": str(cluster.tmp / "no-media-volume"),
            },
            check=True,
            capture_output=True,
        )
        nginx, nginx_log = cluster.start(
            "nginx", ["nginx", "-c", str(nginx_dir / "nginx.conf"), "-p", str(nginx_dir)]
        )
        wait_for(f"https://localhost:{cluster.https_port}/healthz", nginx, nginx_log, context=TLS)
        cluster.manage("import_issue", str(SEED), "--date", SEED_DATE, "--publish", "-v0")
        output = cluster.manage("create_staff", "值班编辑", "--role", "编辑")
        password = cluster.password = re.search(r"密码[^:]*:(\S+)", output)[1]
        cluster.editors = {}
        for name, port in cluster.ports.items():
            cluster.editors[name] = Browser(port)
            cluster.editors[name].log_in("值班编辑", password)
        yield cluster
    finally:
        for name in list(cluster.processes):
            cluster.stop(name)


def upload_photo(browser, article_pk, image_bytes):
    browser.request("/admin/articles/photo/add/")  # the CSRF cookie
    fields = {
        "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        "article": article_pk,
        "position": 0,
        "caption": "图为通信公司工作人员调试5G基站。",
        "credits-TOTAL_FORMS": 0,
        "credits-INITIAL_FORMS": 0,
    }
    body, kind = multipart(fields, {"image": ("tower.jpg", image_bytes, "image/jpeg")})
    request = urllib.request.Request(
        f"http://127.0.0.1:{browser.port}/admin/articles/photo/add/",
        data=body,
        headers={
            "Content-Type": kind,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{browser.port}/admin/articles/photo/add/",
            "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
        },
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(request, timeout=60)
    except urllib.error.HTTPError as error:
        response = error
    return response.status


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def jpeg(size):
    buffer = BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def article(cluster, headline):
    pk, url = cluster.manage(
        "shell",
        "-v0",
        "-c",
        "from articles.models import Article; "
        f"a = Article.objects.get(headline='{headline}'); print(a.pk, a.get_absolute_url())",
    ).split()
    return int(pk), url


def page_once(cluster, url, ready, seconds=60):
    """Server b's page at `url` once `ready(page)`: what the task worker makes takes a moment."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, page, _ = get(cluster.ports["b"], url)
        if status == 200 and ready(page):
            return page
        time.sleep(0.5)
    raise AssertionError(f"{url} never showed what the task worker makes")


def bucket_urls(page):
    return set(re.findall(r'(http://127\.0\.0\.1:\d+/newsroom-media/[^"\s,]+)', page))


def test_a_photo_uploaded_through_one_server_is_served_with_its_renditions_by_the_other(cluster):
    pk, url = article(cluster, HEADLINE)
    assert upload_photo(cluster.editors["a"], pk, jpeg((2400, 1600))) == 302
    page = page_once(cluster, url, lambda page: "-480" in page and ".webp" in page)
    images = bucket_urls(page)
    assert any(".webp" in image for image in images) and any(".jpg" in image for image in images)
    for image in images:
        with urllib.request.urlopen(image, timeout=10) as response:
            assert response.status == 200
            assert Image.open(BytesIO(response.read())).width <= 2400
    # Neither server kept the file on its own disk: the bucket is the only copy.
    for name in ("a", "b"):
        assert not any((cluster.tmp / f"media-{name}").rglob("*.jpg"))


def test_an_epaper_page_uploaded_through_one_server_is_served_from_the_bucket_by_the_other(
    cluster,
):
    pk, _ = article(cluster, HEADLINE)
    issue = cluster.manage(
        "shell",
        "-v0",
        "-c",
        f"from articles.models import Issue; print(Issue.objects.get(date='{SEED_DATE}').pk)",
    ).strip()
    editor = cluster.editors["a"]
    editor.request("/admin/articles/printpage/add/")  # the CSRF cookie
    body, kind = multipart(
        {"issue": issue, "number": 3, "name": "科技"},
        {"pdf": ("page.pdf", make_pdf([("第03版", [(HEADLINE, 40, 100, 28)])]), "application/pdf")},
    )
    status, _, _ = editor.request("/admin/articles/printpage/add/", body=body, content_type=kind)
    assert status == 302, status
    url = f"/epaper/{SEED_DATE}/3/"
    page = page_once(cluster, url, lambda page: f'id="zone-{pk}"' in page)
    images = bucket_urls(page)
    assert any(".webp" in image for image in images) and any(".pdf" in image for image in images)
    for image in images:
        with urllib.request.urlopen(image, timeout=10) as response:
            assert response.status == 200
            if image.endswith((".jpg", ".webp")):
                assert Image.open(BytesIO(response.read())).width in {240, 480, 800, 1200, 2000}
    for name in ("a", "b"):
        assert not any((cluster.tmp / f"media-{name}").rglob("*.pdf"))


def test_an_editor_signs_in_and_works_through_nginx_like_a_browser(cluster):
    """HTTPS to nginx on its own port, Origin and Referer as a browser sends them: the CSRF
    check, the secure cookies and the redirects must all hold behind the proxy."""
    editor = Browser(cluster.https_port, through_tls=TLS)
    editor.log_in("值班编辑", cluster.password)
    status, page, _ = editor.request("/admin/articles/article/")
    assert status == 200 and HEADLINE in page
    # Plain HTTP moves to HTTPS under our own name, whatever Host a client sends.
    request = urllib.request.Request(
        f"http://127.0.0.1:{cluster.http_port}/admin/", headers={"Host": "evil.example"}
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 301 and error.headers["Location"].startswith("https://localhost:")
    assert (
        json.loads(
            urllib.request.urlopen(
                f"http://127.0.0.1:{cluster.http_port}/healthz", timeout=10
            ).read()
        )["database"]
        == "ok"
    )


def test_published_on_one_server_withdrawn_on_the_other(cluster):
    pk = int(
        cluster.manage(
            "shell",
            "-v0",
            "-c",
            "from articles.models import Article, Credit; from people.models import Person; "
            "a = Article.objects.create(headline='两台服务器之间的新闻', body=[{'type': 'paragraph', "
            "'text': '正文。'}]); Credit.objects.create(article=a, person=Person.objects.first(), "
            "role='记者'); print(a.pk)",
        ).strip()
    )
    status, _, _ = cluster.editors["a"].request(
        "/admin/articles/article/", {"action": "publish_selected", "_selected_action": pk}
    )
    assert status == 302
    _, url = article(cluster, "两台服务器之间的新闻")
    assert get(cluster.ports["b"], url)[0] == 200
    assert through_nginx(cluster, url)[0] == 200

    status, _, _ = cluster.editors["b"].request(
        "/admin/articles/article/",
        {"action": "withdraw_selected", "_selected_action": pk, "reason": "核实有误"},
    )
    assert status == 302
    started = time.monotonic()
    assert get(cluster.ports["a"], url)[0] == 410
    assert all(through_nginx(cluster, url)[0] == 410 for _ in range(10))
    elapsed = time.monotonic() - started
    print(f"withdrawal on B gone from A and nginx after {elapsed * 1000:.0f} ms")


def test_restarting_a_server_under_load_fails_no_request(cluster):
    _, url = article(cluster, "我市多措并举深入开展乡村振兴工作")
    results = []
    stop = threading.Event()

    def readers():
        paths = [url, "/", "/issues/2022-12-20/", "/feeds/rss/"]
        n = 0
        while not stop.is_set() and n < 2000:
            results.append(through_nginx(cluster, paths[n % len(paths)])[0])
            n += 1

    threads = [threading.Thread(target=readers) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    cluster.stop("a", signal.SIGTERM)
    time.sleep(1)
    cluster.start_server("a")
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    failures = [status for status in results if status != 200]
    print(f"restart under load: {len(results)} requests, {len(failures)} failed")
    assert len(results) > 50
    assert failures == []


def test_a_worker_killed_mid_task_finishes_it_after_it_restarts(cluster):
    pk, url = article(cluster, "我市工业生产持续向好")
    # A large photo: its renditions take long enough to be killed in the middle of.
    assert upload_photo(cluster.editors["b"], pk, jpeg((7000, 5000))) == 302
    deadline = time.monotonic() + 60
    running = []
    while time.monotonic() < deadline and not running:
        running = cluster.sql(
            "SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' "
            "AND task_path LIKE '%%make_photo_renditions'"
        )
        time.sleep(0.05)
    assert running, "the renditions task never started"
    cluster.stop("worker", signal.SIGKILL)
    (task_id,) = running[0]
    assert cluster.sql(
        "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s", task_id
    )[0] == ("RUNNING",)

    cluster.start_worker()
    deadline = time.monotonic() + 90
    status = None
    while time.monotonic() < deadline:
        (status,) = cluster.sql(
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s", task_id
        )[0]
        if status in {"SUCCESSFUL", "FAILED"}:
            break
        time.sleep(0.3)
    assert status == "SUCCESSFUL"
    renditions = cluster.sql(
        "SELECT renditions FROM articles_photo WHERE article_id = %s ORDER BY id DESC", pk
    )[0][0]
    renditions = renditions if isinstance(renditions, dict) else json.loads(renditions)
    assert "1600" in renditions["sizes"]
