"""Search latency: p50/p95 of 50 realistic Chinese queries, per database.

    .venv/bin/python bench/search_bench.py postgres://postgres@127.0.0.1:5432/newsroom_bench_10k \\
                                           postgres://postgres@127.0.0.1:5432/newsroom_bench

Each URL is a database filled by bench/seed_data.py (10,000 and 100,000 articles). Each
query is what a search page does for its first page: segment, count the matches, fetch 20
ranked results with their bylines. Every query runs REPEAT times; the first (cold) run of
each is reported apart from the rest. Matching a trivial primary-key lookup in the same run
gives the baseline.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings_test")

from vocabulary import PLACES, TOPICS  # noqa: E402

QUERIES = (
    TOPICS
    + PLACES
    + [
        "5G基站建设",
        "乡村振兴示范县",
        "就业创业政策",
        "优化营商环境",
        "电力营销",
        "排污管道",
        "驻村工作队",
        "学习宣传贯彻",
        "二十大精神",
        "固定资产投资",
        "工业增加值",
        "产业智能化",
        "政策宣传",
        "为民服务",
        "志愿者",
        "安全生产",
        "交通",
        "民生",
        "经济",
        "文化",
        "环保",
        "霍林郭勒市委党校",
        "留工补助",
        "智能制造",
        "数字化车间",
        "露天煤矿",
    ]
)
REPEAT = 5


def measure():
    """In a process of its own per database, so settings are read once, as a server reads them."""
    import django

    django.setup()
    from django.db import connections

    from articles import search
    from articles.models import Article

    total = Article.objects.count()
    search.query_words("预热")  # load the segmenter and its dictionary once, as a server does

    def one(query):
        start = time.perf_counter()
        queryset, _ = search.search(Article.objects.published().with_credits(), query)
        queryset.count()
        list(queryset[:20])
        return (time.perf_counter() - start) * 1000

    cold = [one(q) for q in QUERIES]
    warm = [one(q) for q in QUERIES for _ in range(REPEAT - 1)]
    start = time.perf_counter()
    for _ in range(200):
        Article.objects.filter(pk=1).exists()
    baseline = (time.perf_counter() - start) / 200 * 1000
    p50 = statistics.median(warm)
    p95 = statistics.quantiles(warm, n=20)[-1]
    print(
        f"{connections['default'].vendor} {total:>8,} articles: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
        f"  (cold p95 {statistics.quantiles(cold, n=20)[-1]:6.1f} ms;"
        f" baseline pk lookup {baseline:.2f} ms, p95 = {p95 / baseline:.0f}x)"
    )


def main():
    if sys.argv[1:2] == ["--here"]:
        measure()
        return
    import subprocess

    for url in sys.argv[1:] or [os.environ.get("DATABASE_URL", "")]:
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([sys.executable, __file__, "--here"], env=env, check=True)


if __name__ == "__main__":
    main()
