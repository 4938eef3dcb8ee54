"""The deployment files: the compose file against the Compose Specification's JSON schema
(vendored from docker-compose 1.29.2, deploy/compose-spec.schema.json), the shape it promises,
the Dockerfiles against hadolint, and the nginx configuration against nginx itself."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_compose_file_follows_the_compose_specification(compose):
    schema = json.loads((DEPLOY / "compose-spec.schema.json").read_text())
    jsonschema.Draft201909Validator(schema).validate(compose)


def test_the_compose_file_runs_the_shape_the_readme_describes(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "nginx"}
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    redis = " ".join(services["redis"]["command"])
    assert "--maxmemory 256mb" in redis and "allkeys-lru" in redis
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["migrate"]["command"] == ["migrate"]
    assert services["worker"]["command"] == ["worker"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert "MIGRATE" not in services[name].get("environment", {})  # never on ordinary start
    assert services["web"].get("ports") is None  # reachable through nginx only
    assert "media:/srv/media:ro" in services["nginx"]["volumes"]
    # Each deploy's migrate run writes that release's static files where nginx reads them.
    assert "static:/app/staticfiles" in services["migrate"]["volumes"]
    assert services["migrate"]["environment"]["COLLECTSTATIC"] == "1"
    assert "static:/srv/static:ro" in services["nginx"]["volumes"]


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "deploy/nginx.Dockerfile"])
def test_dockerfiles_pass_hadolint(dockerfile):
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run(
        [hadolint, dockerfile], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_nginx_configuration_is_accepted_by_nginx(tmp_path):
    env = os.environ | {
        "NGINX_RUN_DIR": str(tmp_path / "nginx"),
        "APP_SERVERS": "127.0.0.1:8001,127.0.0.1:8002",
        "HTTP_PORT": "8080",
        "HTTPS_PORT": "8443",
    }
    result = subprocess.run(
        ["bin/nginx-config"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    conf = (tmp_path / "nginx" / "nginx.conf").read_text()
    assert "server 127.0.0.1:8001" in conf and "server 127.0.0.1:8002" in conf
    params = (tmp_path / "nginx" / "proxy_params.conf").read_text()
    # Overwritten, never appended: $proxy_add_x_forwarded_for would pass a client's claim on.
    assert "X-Forwarded-For $remote_addr" in params and "proxy_add_x_forwarded_for" not in params
    assert "X-Forwarded-Proto $scheme" in params
