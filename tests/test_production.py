"""Production settings, the health check and the container's definition."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "SECRET_KEY": "x" * 20 + "-production-test-key-with-enough-entropy-" + "y" * 20,
    "ALLOWED_HOSTS": "news.example.cn",
}


def manage(*args, **env):
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    environment.pop("SECRET_KEY", None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    environment.pop("ALLOWED_HOSTS", None)
    environment |= env
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_missing_required_settings_stop_start_up_with_one_clear_line(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"{missing} is not set" in result.stderr


def test_development_needs_nothing_set():
    assert manage("check", DEBUG="1").returncode == 0


@pytest.mark.django_db
def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_security_headers_on_public_pages(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "object-src 'none'" in policy


@pytest.mark.django_db
def test_benchmark_ceiling_view_is_off_unless_asked_for(client, settings):
    assert client.get("/bench/ceiling/").status_code == 404
    settings.ROOT_URLCONF = "bench.urls"  # what NEWSROOM_BENCH_VIEWS=1 selects
    response = client.get("/bench/ceiling/")
    assert response.status_code == 200 and 19_000 < len(response.content) < 21_000


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run(
        [hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_dockerfile_is_multi_stage_non_root_with_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("FROM python:3.12-slim") == 2
    assert "USER 10001:10001" in text
    assert "HEALTHCHECK" in text and "collectstatic" in text
    assert 'ENTRYPOINT ["/app/bin/entrypoint"]' in text


@pytest.mark.parametrize(("proxies", "secure"), [("0", False), ("1", True)])
def test_x_forwarded_proto_is_trusted_only_behind_a_declared_proxy(proxies, secure):
    """A client reaching the app directly cannot claim HTTPS; our own proxy can."""
    result = manage(
        "shell",
        "-c",
        "from django.test import RequestFactory; "
        "r = RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https'); print(r.is_secure())",
        **(PRODUCTION | {"NEWSROOM_TRUSTED_PROXIES": proxies}),
    )
    assert result.stdout.strip().splitlines()[-1] == str(secure), result.stderr


@pytest.mark.parametrize(("address", "trusted"), [("127.0.0.1", True), ("203.0.113.9", False)])
def test_forwarded_headers_count_only_from_the_proxys_address(address, trusted):
    """Around the proxy, straight at an app server, a client can claim neither HTTPS nor an
    address of its choosing."""
    result = manage(
        "shell",
        "-c",
        "from django.test import Client; from django.urls import path; "
        "from newsroom.middleware import ForwardedHeadersFromOurProxyOnlyMiddleware as M; "
        "from django.test import RequestFactory; from newsroom.client_ip import client_ip; "
        f"r = RequestFactory().get('/', REMOTE_ADDR='{address}', "
        "HTTP_X_FORWARDED_PROTO='https', HTTP_X_FORWARDED_FOR='198.51.100.7'); "
        "M(lambda req: None)(r); print(r.is_secure(), client_ip(r))",
        **(PRODUCTION | {"NEWSROOM_TRUSTED_PROXIES": "1"}),
    )
    secure, ip = result.stdout.strip().splitlines()[-1].split()
    assert secure == str(trusted), result.stderr
    assert ip == ("198.51.100.7" if trusted else address)


def test_photos_from_the_media_bucket_are_allowed_by_the_content_security_policy():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(' '.join(settings.SECURE_CSP['img-src']))",
        **(PRODUCTION | {"S3_BUCKET": "media", "S3_PUBLIC_URL": "https://img.tlrb.cn/photos"}),
    )
    assert result.stdout.strip().splitlines()[-1] == "'self' data: https://img.tlrb.cn"
