"""A newsroom's traffic in one run: readers, a crawler and the desk at work, as production runs.

    .venv/bin/python bench/traffic_mix.py                 # 100,000 articles, 30 s, 10,000 warmed
    .venv/bin/python bench/traffic_mix.py --articles 10000 --duration 10
    .venv/bin/python bench/traffic_mix.py --warm 0          # from a cold cache, no warm_cache

On PostgreSQL (database newsroom_bench, seeded by bench/seed_data.py when short) with Redis
as the shared cache (db 13, emptied first), gunicorn with two workers through bin/entrypoint,
and a task worker (page warming). wrk plays the readers with a Lua script over a prepared
list of requests:

- 65% article pages drawn Zipf-distributed (s = 1.1) over the archive, newest first;
- 20% front, column and issue pages;
- 5% searches, from a list of realistic Chinese queries;
- 10% a crawler reading the archive in order, which no cache holds.

Meanwhile the desk, a separate `manage.py shell` process, saves an article every 10 s and
publishes one every 60 s through the workflow functions the admin calls. Printed: total
requests/second as a share of the ceiling view measured in the same run (plain wrk, same
server), the page-cache hit ratio, p50/p99 latency and the non-2xx count.
"""

import argparse
import bisect
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATABASE = "newsroom_bench"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/13"
CONNECTIONS = 64

SEARCHES = [
    "乡村振兴",
    "基站",
    "营商环境",
    "疫情防控",
    "人大代表",
    "供暖",
    "冬季",
    "招聘",
    "高速公路",
    "科尔沁区",
    "开鲁县",
    "通辽",
    "党的二十大",
    "稳就业",
    "医保",
    "学校",
    "交通",
    "天气",
    "农牧业",
    "养老",
    "消费",
    "投资",
    "工业",
    "旅游",
    "文化",
    "环保",
    "民生",
    "社区",
    "志愿者",
    "李娜",
]

MIX_LUA = r"""
local paths = {}
for line in io.lines(os.getenv("MIX_FILE")) do paths[#paths + 1] = line end
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("offset", math.floor((counter - 1) * #paths / 2))
  table.insert(threads, thread)
end
function init(args)
  position = tonumber(offset) or 0
  hits, misses, other = 0, 0, 0
end
function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end
function response(status, headers, body)
  local state = headers["X-Page-Cache"] or headers["x-page-cache"]
  if state == "hit" then hits = hits + 1
  elseif state == "miss" then misses = misses + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local h, m, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    h = h + thread:get("hits"); m = m + thread:get("misses"); o = o + thread:get("other")
  end
  io.write(string.format("MIX hits=%d misses=%d other=%d p50=%.2f p90=%.2f p99=%.2f p999=%.2f\n",
    h, m, o, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end
"""

DESK = """
import os
import time
from django.contrib.auth import get_user_model
from articles import workflow
from articles.models import Article
user, _ = get_user_model().objects.get_or_create(username="bench-desk", defaults={{"is_staff": True}})
published = list(Article.objects.published().order_by("-published_at").values_list("pk", flat=True)[:200])
drafts = list(Article.objects.filter(status=Article.Status.DRAFT).values_list("pk", flat=True)[:100])
print("ready", flush=True)
while not os.path.exists({go!r}):  # the readers start with the desk, not with its start-up
    time.sleep(0.05)
end = time.monotonic() + {duration}
tick, saves, publishes = 0, 0, 0
while time.monotonic() < end:
    article = Article.objects.get(pk=published[tick % len(published)])
    article.body = article.body + [{{"type": "paragraph", "text": f"编辑补充第{{tick}}段。"}}]
    workflow.save_edit(article, user)
    saves += 1
    if tick % 6 == 5 and drafts:
        workflow.publish(Article.objects.get(pk=drafts.pop()), user)
        publishes += 1
    tick += 1
    time.sleep(10)
print(f"desk: {{saves}} saves, {{publishes}} publications", flush=True)
"""


def run(*args, env=None, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=env, check=True, text=True, **kwargs)


def manage_output(env, code):
    return run(PYTHON, "manage.py", "shell", "-v0", "-c", code, env=env, capture_output=True).stdout


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(base):
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


def zipf_sampler(count, s, rng):
    cumulative, total = [], 0.0
    for rank in range(1, count + 1):
        total += 1 / rank**s
        cumulative.append(total)
    return lambda: bisect.bisect_left(cumulative, rng.random() * total)


def request_list(env, size, rng):
    data = json.loads(
        manage_output(
            env,
            "import json\n"
            "from articles.models import Article, Issue, Section\n"
            "articles = [a.get_absolute_url() for a in Article.objects.published()"
            ".only('pk', 'slug').order_by('-published_at')]\n"
            "crawl = [a.get_absolute_url() for a in Article.objects.published()"
            ".only('pk', 'slug').order_by('pk')]\n"
            "columns = [s.get_absolute_url() for s in Section.objects.with_published_articles()]\n"
            "issues = [i.get_absolute_url() for i in Issue.objects.with_published_articles()"
            ".order_by('-date')[:60]]\n"
            "print(json.dumps([articles, crawl, columns, issues]))",
        )
    )
    articles, crawl, columns, issues = data
    article_rank = zipf_sampler(len(articles), 1.1, rng)
    issue_rank = zipf_sampler(len(issues), 1.1, rng)
    crawler = rng.randrange(len(crawl))
    paths = []
    for _ in range(size):
        roll = rng.random()
        if roll < 0.65:
            paths.append(articles[article_rank()])
        elif roll < 0.73:
            paths.append("/")
        elif roll < 0.79:
            paths.append(rng.choice(columns))
        elif roll < 0.85:
            paths.append(issues[issue_rank()])
        elif roll < 0.90:
            paths.append("/search/?q=" + urllib.parse.quote(rng.choice(SEARCHES)))
        else:
            crawler = (crawler + 1) % len(crawl)
            paths.append(crawl[crawler])
    return paths


def wrk(base, path, duration, script=None, env=None):
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency"]
    if script:
        args += ["-s", script]
    result = subprocess.run(
        [*args, base + path], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout


def requests_per_second(output):
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument(
        "--warm",
        type=int,
        default=10000,
        metavar="N",
        help="after emptying the cache, run warm_cache --articles N as a deploy does (0: cold; "
        "10,000 takes about 50 s at 100,000 articles on two cores)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (default 1, as production and bench/serve_bench.sh; 4 measured "
        "slower here: the threads of a worker share one core's GIL)",
    )
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk: apt-get install wrk (bench/serve_bench.sh installs it)")

    rng = random.Random(20221220)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}},
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "NEWSROOM_BENCH_VIEWS": "1",
        "NEWSROOM_PUBLIC_URL": base,
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": str(options.threads),
        "BIND": f"127.0.0.1:{port}",
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    created = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tc",
            f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not created:
        run("psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {DATABASE}")
    # What a deploy runs first: migrations, then the stored article pages an earlier release's
    # templates made are made again (otherwise every miss measures the live fallback).
    run("bin/entrypoint", "migrate", env=env)
    have = int(
        manage_output(env, "from articles.models import Article; print(Article.objects.count())")
    )
    if have < options.articles:
        run(PYTHON, "bench/seed_data.py", str(options.articles - have), env=env | {"DEBUG": "1"})
    run("redis-cli", "-n", "13", "flushdb", capture_output=True)

    folder = Path(tempfile.mkdtemp(prefix="traffic-mix-"))
    mix_file = folder / "paths.txt"
    mix_file.write_text("\n".join(request_list(env, 200_000, rng)) + "\n", encoding="utf-8")
    script = folder / "mix.lua"
    script.write_text(MIX_LUA, encoding="utf-8")

    logs = {name: open(folder / f"{name}.log", "w") for name in ("web", "worker", "desk")}  # noqa: SIM115
    web = subprocess.Popen(
        ["bin/entrypoint"],
        cwd=ROOT,
        env=env | {"COLLECTSTATIC": "1"},
        stdout=logs["web"],
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        ["bin/entrypoint", "worker", "--interval", "0.5"],
        cwd=ROOT,
        env=env,
        stdout=logs["worker"],
        stderr=subprocess.STDOUT,
    )
    desk = None
    try:
        wait_until_up(base)
        ceiling = requests_per_second(wrk(base, "/bench/ceiling/", options.duration))
        run("redis-cli", "-n", "13", "flushdb", capture_output=True)  # every page starts cold
        warmed = time.monotonic()
        if options.warm:
            # What a deploy runs once its servers are up (README, Production).
            run(PYTHON, "manage.py", "warm_cache", "--articles", str(options.warm), env=env)
        warmed = time.monotonic() - warmed
        # The desk is a long-running process in a newsroom (the admin's workers); its
        # start-up (a second of imports on a shared core) is kept out of the measured window.
        go = folder / "go"
        desk = subprocess.Popen(
            [
                PYTHON,
                "manage.py",
                "shell",
                "-v0",
                "-c",
                DESK.format(duration=options.duration, go=str(go)),
            ],
            cwd=ROOT,
            env=env,
            stdout=logs["desk"],
            stderr=subprocess.STDOUT,
        )
        while "ready" not in (folder / "desk.log").read_text():
            if desk.poll() is not None:
                raise SystemExit(f"the desk did not start: {folder / 'desk.log'}")
            time.sleep(0.1)
        go.touch()
        output = wrk(
            base,
            "/",
            options.duration,
            script=str(script),
            env=os.environ | {"MIX_FILE": str(mix_file)},
        )
        (folder / "wrk.txt").write_text(output, encoding="utf-8")
        desk.wait(timeout=options.duration + 60)
    finally:
        for process in (desk, worker, web):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
        for log in logs.values():
            log.close()

    total = requests_per_second(output)
    mix = dict(re.findall(r"(\w+)=([\d.]+)", re.search(r"^MIX .*$", output, re.M)[0]))
    hits, misses = int(mix["hits"]), int(mix["misses"])
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    desk_line = (folder / "desk.log").read_text().strip().splitlines()
    server_errors = sum(
        1
        for line in (folder / "web.log").read_text().splitlines()
        if re.search(r"Traceback|ERROR|Exception", line)
    )
    print(
        f"{options.articles:,} articles on PostgreSQL, Redis shared cache, 2 gunicorn workers "
        f"({options.threads} threads each), "
        f"{CONNECTIONS} connections, {options.duration} s each"
    )
    print(
        f"before the run:       warm_cache --articles {options.warm} ({warmed:.0f} s)"
        if options.warm
        else "before the run:       nothing (a cold cache; --warm 0)"
    )
    print(f"ceiling view:         {ceiling:8.1f} req/s")
    print(f"traffic mix:          {total:8.1f} req/s = {total / ceiling:.1%} of the ceiling")
    print(
        f"page-cache hit ratio: {hits / max(hits + misses, 1):.1%} ({hits:,} hits, {misses:,} misses, "
        f"{int(mix['other']):,} uncacheable)"
    )
    print(
        f"latency:              p50 {float(mix['p50']):.1f} ms, p90 {float(mix['p90']):.1f} ms, "
        f"p99 {float(mix['p99']):.1f} ms, p99.9 {float(mix['p999']):.1f} ms"
    )
    print(
        f"non-2xx:              {int(non2xx[1]) if non2xx else 0}; socket errors: "
        f"{sum(map(int, errors.groups())) if errors else 0}; server error lines: {server_errors}"
    )
    print(desk_line[-1] if desk_line else "desk: no output")
    print(f"logs: {folder}")


if __name__ == "__main__":
    main()
