"""Import throughput: a generated 2,000-article issue in the seed's style.

    .venv/bin/python bench/import_bench.py [N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom .venv/bin/python bench/import_bench.py

Runs in a throwaway test database on the configured server, so real data is
never touched. Prints articles/second for a first import and a re-import, and
as a baseline measured in the same run, a bare bulk insert of the same
number of article rows (what the database alone costs).
"""

import os
import random
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from vocabulary import COLUMNS, person_name  # noqa: E402

from articles.importing import import_parsed_issue  # noqa: E402
from articles.models import Article  # noqa: E402
from articles.parsing import parse_issue  # noqa: E402

SEED = ROOT / "fixtures" / "tongliao-daily-2022-12-20.txt"


def generate_source(count, rng):
    paragraphs = [
        line
        for line in SEED.read_text(encoding="utf-8").split("\n")
        if line and line[0] not in "#*"
    ][:40]
    parts = []
    for n in range(count):
        if rng.random() < 0.4:
            parts.append(f"## {rng.choice(COLUMNS)}")
        parts.append(f"# 我市第{n}项重点工作取得新进展")
        if rng.random() < 0.5:
            parts.append(
                f"**本报讯(记者 {person_name(rng)} 通讯员 {person_name(rng)} {person_name(rng)})** {rng.choice(paragraphs)}"
            )
        else:
            parts.append(f"本报记者 {person_name(rng)}")
        for index in range(rng.randint(3, 8)):
            if index == 2 and rng.random() < 0.3:
                parts.append("### 聚焦主责主业 高效开展工作")
            parts.append(rng.choice(paragraphs))
        if rng.random() < 0.2:
            parts.append(f"图为工作人员正在现场检查设备。本报特约通讯员 {person_name(rng)} 摄。")
    return "\n\n".join(parts) + "\n"


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    # Throughput, not a real issue: lift the per-issue cap (500 by default) for this run only.
    settings.NEWSROOM_IMPORT_MAX_ARTICLES = max(count, settings.NEWSROOM_IMPORT_MAX_ARTICLES)
    rng = random.Random(20221220)
    source = generate_source(count, rng)
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        parse_seconds, parsed = timed(lambda: parse_issue(source))
        assert len(parsed.articles) == count, len(parsed.articles)

        baseline_seconds, _ = timed(
            lambda: Article.objects.bulk_create(
                [Article(headline=f"基线{n}", slug=f"baseline-{n}", body=[]) for n in range(count)]
            )
        )
        Article.objects.all().delete()

        def run(day):
            return import_parsed_issue(parsed, paper="通辽日报", date=day, publish=True)

        first_seconds, report = timed(lambda: run(date(2022, 12, 20)))
        assert len(report.created) == count
        again_seconds, report = timed(lambda: run(date(2022, 12, 20)))
        assert len(report.unchanged) == count

        vendor = connection.vendor
        print(f"database: {vendor}; articles: {count}; source: {len(source):,} characters")
        print(f"parse only:        {count / parse_seconds:8.0f} articles/s ({parse_seconds:.2f} s)")
        print(
            f"first import:      {count / first_seconds:8.0f} articles/s ({first_seconds:.2f} s, parse included: no)"
        )
        print(f"re-import (same):  {count / again_seconds:8.0f} articles/s ({again_seconds:.2f} s)")
        print(
            f"baseline bulk insert of bare rows: {count / baseline_seconds:8.0f} rows/s ({baseline_seconds:.2f} s)"
        )
        print(
            f"first import / baseline: {baseline_seconds / first_seconds:.2f}x the bare-insert rate"
        )
        print(
            f"end to end (parse + first import): {count / (parse_seconds + first_seconds):.0f} articles/s"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
