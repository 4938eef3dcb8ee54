#!/usr/bin/env bash
# Serving speed under load: gunicorn (2 workers) on 127.0.0.1 against PostgreSQL, loaded by wrk.
#
#   bench/serve_bench.sh [N]          # N articles in the bench database (default 10000)
#   DURATION=30 CONNECTIONS=64 bench/serve_bench.sh 100000
#
# Pages: front, article, column, issue, search, and a fixed 20 KB Django view (the ceiling of
# this stack on this machine). Two runs of the same server: without the application page cache
# (every request renders) and with it warm. Prints requests/second, p50/p99 latency, non-2xx
# and socket errors, each page's ratio to the ceiling measured in the same run, and the number of
# error lines in the server log. Traffic goes to 127.0.0.1 only and stops by itself.
set -euo pipefail
source "$(dirname "$0")/../bin/setup"

N=${1:-10000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${BENCH_PORT:-8799}
DB_NAME=${BENCH_DB:-newsroom_bench}

command -v wrk >/dev/null 2>&1 || install_debian_packages wrk

psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $DB_NAME"
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB_NAME
have=$(DEBUG=1 python manage.py shell -v0 -c "
from django.core.management import call_command; call_command('migrate', verbosity=0)
from articles.models import Article; print(Article.objects.count())")
if [ "$have" -lt "$N" ]; then
  python bench/seed_data.py $((N - have))
fi

export SECRET_KEY=bench-$(python -c 'import secrets; print(secrets.token_urlsafe(40))')
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 NEWSROOM_BENCH_VIEWS=1 COLLECTSTATIC=1
export WEB_CONCURRENCY=2 GUNICORN_THREADS=${GUNICORN_THREADS:-1} BIND=127.0.0.1:$PORT
unset DEBUG DJANGO_SETTINGS_MODULE
base=http://127.0.0.1:$PORT
# What a deploy runs first: migrations, and the article pages stored by an earlier release's
# templates made again (otherwise the article page measures the live fallback).
bin/entrypoint migrate

urls=$(python manage.py shell -v0 -c "
from articles.models import Article, Issue
a = Article.objects.published().exclude(section=None).order_by('-published_at').first()
i = Issue.objects.with_published_articles().order_by('-date').first()
print('front /')
print('article', a.get_absolute_url())
print('column', a.section.get_absolute_url())
print('issue', i.get_absolute_url())
print('search /search/?q=%E5%9F%BA%E7%AB%99')
print('ceiling /bench/ceiling/')")

run_wrk() {  # name url -> "rps p50 p99 non2xx socket_errors"
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$base$2" 2>&1)
  python - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def ms(label):
    m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
    if not m:
        return float("nan")
    return float(m[1]) * {"us": 0.001, "ms": 1, "s": 1000}[m[2]]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
errors = sum(map(int, sock.groups())) if sock else 0
print(f"{rps:.1f} {ms(50):.2f} {ms(99):.2f} {non2xx[1] if non2xx else 0} {errors}")
PY
}

bench_run() {  # label page_cache
  local label=$1 log
  log=$(mktemp)
  NEWSROOM_PAGE_CACHE=$2 bin/entrypoint >"$log" 2>&1 &
  local server=$!
  for _ in $(seq 60); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 1; done
  echo
  echo "== $label: $CONNECTIONS connections, ${DURATION}s per page, $(python -c "print(f'{int(\"$N\"):,}')") articles =="
  printf "%-8s %10s %9s %9s %8s %7s %9s\n" page "req/s" "p50 ms" "p99 ms" non-2xx errors "ceiling"
  declare -A result
  while read -r name path; do
    for _ in 1 2 3; do curl -fsS -o /dev/null "$base$path"; done  # warm caches and workers
    result[$name]=$(run_wrk "$name" "$path")
  done <<<"$urls"
  ceiling=$(cut -d' ' -f1 <<<"${result[ceiling]}")
  while read -r name path; do
    read -r rps p50 p99 non2xx errors <<<"${result[$name]}"
    ratio=$(python -c "print(f'{$rps / $ceiling:.0%}')")
    printf "%-8s %10s %9s %9s %8s %7s %9s\n" "$name" "$rps" "$p50" "$p99" "$non2xx" "$errors" "$ratio"
  done <<<"$urls"
  kill "$server"; wait "$server" 2>/dev/null || true
  echo "server log: $(grep -ciE 'error|traceback|exception' "$log" || true) error lines"
  rm -f "$log"
}

bench_run "no application cache (every request renders)" 0
bench_run "application page cache warm" 1
