"""How long the desk waits at each step of a nightly import.

    .venv/bin/python bench/import_steps.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom .venv/bin/python bench/import_steps.py

Two measurements, each against a baseline taken in the same run:

1. The admin import of the seed, through Django's test client in a throwaway
   test database: upload, review page, a correction re-parsed, confirm (the
   task runs in the request here, so this step includes the import itself),
   progress and summary. Baseline: the admin's list of issues.
2. Re-importing the unchanged seed with `manage.py import_issue` as a new
   process, against `manage.py check` (Django's start-up alone), on a
   throwaway SQLite file.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from articles.models import IssueImport  # noqa: E402

SEED = ROOT / "fixtures" / "tongliao-daily-2022-12-20.txt"
RUNS = 5


def timed(request, *args):
    start = time.perf_counter()
    response = request(*args)
    elapsed = time.perf_counter() - start
    assert response.status_code in (200, 302), response.status_code
    return elapsed


def admin_steps():
    call_command("create_staff", "张编辑", "--role", "编辑", stdout=StringIO())
    client = Client()
    client.force_login(get_user_model().objects.get(username="张编辑"))
    times = {name: [] for name in ["baseline", "upload", "review", "correct", "confirm", "summary"]}
    for run in range(RUNS):
        times["baseline"].append(timed(client.get, "/admin/articles/issue/"))
        with SEED.open("rb") as source:
            form = {"date": f"2022-12-{10 + run}", "source_file": source, "publish": "on"}
            times["upload"].append(timed(client.post, "/admin/articles/issue/import/", form))
        url = f"/admin/articles/issue/import/{IssueImport.objects.latest('pk').pk}/"
        times["review"].append(timed(client.get, url))
        times["correct"].append(
            timed(client.post, url, {"line-51": "note", "reparse": "1"}) + timed(client.get, url)
        )
        times["confirm"].append(timed(client.post, url, {"confirm": "1"}))
        times["summary"].append(
            timed(client.get, url + "progress/") + timed(client.get, url + "summary/")
        )
    baseline = statistics.median(times.pop("baseline"))
    print(f"database: {connection.vendor}; median of {RUNS} runs")
    print(f"baseline (admin list of issues): {baseline * 1000:7.1f} ms")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:8s} {median * 1000:7.1f} ms  ({median / baseline:4.1f}x baseline;"
            f" slowest {max(values) * 1000:.1f} ms)"
        )


def command_startup():
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        }
        env.pop("NEWSROOM_BENCH_VIEWS", None)

        def run(*args):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            return time.perf_counter() - start

        run("migrate", "-v0")
        run("import_issue", str(SEED), "--date", "2022-12-20", "-v0")
        check = statistics.median(run("check") for _ in range(RUNS))
        again = statistics.median(
            run("import_issue", str(SEED), "--date", "2022-12-20", "-v0") for _ in range(RUNS)
        )
    print(f"manage.py check:               {check:.3f} s")
    print(f"re-import of the unchanged seed: {again:.3f} s  (+{again - check:.3f} s over check)")


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        admin_steps()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    command_startup()


if __name__ == "__main__":
    main()
