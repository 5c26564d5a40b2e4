#!/usr/bin/env bash
# Monthly notices at scale: generate and deliver (in-app inbox + e-mail to the locmem backend)
# the month's notice of every village with one Celery worker; report notices per second and
# queries per notice.
#
#   bash bench/notices/run.sh                     # 30,000 villages (seeding takes ~5-8 min)
#   VILLAGES=500 bash bench/notices/run.sh        # a quick check, ~1 min
#   REUSE=1 bash bench/notices/run.sh             # reuse (and keep) an already seeded bench DB
#
# A fresh PostgreSQL database (bench_notices_<N>), migrate, seed_demo --villages N, VACUUM
# ANALYZE, an e-mail address on every village, an empty Redis DB for the broker, one worker
# (`celery -A config worker`, prefork, CONCURRENCY processes) with bench/notices/count_queries.py
# loaded, then bench/notices/measure.py queues the month and waits for the last delivery.
# Exits 0: it is a report, not a gate. See bench/README.md.

set -uo pipefail

# Everything is in main(), read whole before it runs: editing this file cannot disturb a run.
main() {

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 0

# --- Settings (all overridable from the environment) ---
VILLAGES=${VILLAGES:-30000}
CONCURRENCY=${CONCURRENCY:-2}      # worker processes (the machine has 2 cores)
REUSE=${REUSE:-0}                  # 1: use an existing bench DB with VILLAGES villages
KEEP_DB=${KEEP_DB:-$REUSE}         # 1: leave the bench DB in place at the end
DB_PREFIX=${DB_PREFIX:-bench_notices_}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/10}
PERIOD=${PERIOD:-$(date +%Y-%m)}
SEED_TIMEOUT=${SEED_TIMEOUT:-1800}
RUN_TIMEOUT=${RUN_TIMEOUT:-3600}
LOCK_FILE=${LOCK_FILE:-/tmp/bench-notices.lock}
LOCK_WAIT=${LOCK_WAIT:-1200}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}

WORK=$(mktemp -d /tmp/bench-notices.XXXXXX)
WORKER_PID=""
DB="${DB_PREFIX}${VILLAGES}"
if [ "$REUSE" != 1 ] && [ "$KEEP_DB" != 1 ]; then DB="${DB}_$$"; fi
START=$(date +%s)

exec 3>&2
log() { printf '[bench %s +%ds] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - START))" "$*" >&3; }
psql_() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -X -q -v ON_ERROR_STOP=1 "$@"; }
sql() { psql_ -d "$DB" -At -c "$*"; }

stop_worker() {
  [ -n "$WORKER_PID" ] || return 0
  if kill -0 "$WORKER_PID" 2>/dev/null; then
    kill -TERM "$WORKER_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$WORKER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$WORKER_PID" 2>/dev/null
  fi
  wait "$WORKER_PID" 2>/dev/null
  WORKER_PID=""
}

cleanup() {
  stop_worker
  if [ "$KEEP_DB" != 1 ]; then
    psql_ -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" && log "dropped database $DB"
  else
    log "kept database $DB"
  fi
  redis-cli -u "$BENCH_REDIS_URL" flushdb >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

exec 9>"$LOCK_FILE"
if ! flock -n 9; then
  log "another run of bench/notices holds $LOCK_FILE: waiting up to ${LOCK_WAIT}s"
  flock -w "$LOCK_WAIT" 9 || { echo "bench/notices: another run is still going; nothing measured."; exit 0; }
fi
trap 'log "interrupted"; exit 0' INT TERM

for tool in psql redis-cli timeout flock; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench/notices: $tool is missing; nothing measured."; exit 0; }
done

# --- Environment of the app and the worker (production-like, on loopback) ---
export DEBUG=False ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=False
export SECRET_KEY=bench-notices-secret-key-not-used-anywhere-else-0123456789abcdef
export DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$DB"
export REDIS_URL=$BENCH_REDIS_URL BENCH_REDIS_URL PERIOD CONCURRENCY RUN_TIMEOUT
export EMAIL_URL=memorymail://      # Django's locmem backend
export CONN_MAX_AGE=60 LOG_LEVEL=${LOG_LEVEL:-WARNING}

# --- Database ---
reuse_ok=0
if [ "$REUSE" = 1 ] && [ "$(sql "SELECT count(*) FROM villages_village" 2>/dev/null)" = "$VILLAGES" ]; then
  reuse_ok=1
  log "REUSE=1: $DB has $VILLAGES villages; migrating only"
fi
if [ "$reuse_ok" != 1 ]; then
  log "creating database $DB"
  psql_ -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" || exit 0
  psql_ -d postgres -c "CREATE DATABASE \"$DB\"" || exit 0
fi
timeout 600 "$PYTHON" manage.py migrate --noinput -v0 >"$WORK/migrate.log" 2>&1 \
  || { tail -20 "$WORK/migrate.log"; echo "bench/notices: migrate failed; nothing measured."; exit 0; }
if [ "$reuse_ok" != 1 ]; then
  log "seed_demo --villages $VILLAGES (timeout ${SEED_TIMEOUT}s)"
  t0=$(date +%s)
  timeout "$SEED_TIMEOUT" "$PYTHON" manage.py seed_demo --villages "$VILLAGES" --no-reviews >"$WORK/seed.log" 2>&1 \
    || { tail -20 "$WORK/seed.log"; echo "bench/notices: seeding failed; nothing measured."; exit 0; }
  log "seeded in $(($(date +%s) - t0)) s"
fi
# Every village gets e-mail too (no settings row: the inbox, plus e-mail to the village's
# address); this month's notices from an earlier run are removed so they are written again.
sql "UPDATE villages_village SET email = 'cun' || code || '@example.org' WHERE email = ''" >/dev/null
sql "DELETE FROM notices_notice WHERE period = '$PERIOD'; DELETE FROM notices_noticerun" >/dev/null
log "VACUUM ANALYZE"
timeout 1200 psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -X -q -d "$DB" -c "VACUUM ANALYZE" >/dev/null
redis-cli -u "$BENCH_REDIS_URL" flushdb >/dev/null

# --- One worker ---
PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" -m celery -A config worker \
  --pool prefork --concurrency "$CONCURRENCY" -I count_queries \
  --without-gossip --without-mingle --without-heartbeat --loglevel WARNING \
  >"$WORK/worker.log" 2>&1 9>&- &
WORKER_PID=$!
for _ in $(seq 1 150); do
  "$PYTHON" -m celery -A config inspect ping --timeout 1 >/dev/null 2>&1 && break
  kill -0 "$WORKER_PID" 2>/dev/null || { tail -30 "$WORK/worker.log"; echo "bench/notices: the worker died."; exit 0; }
done
log "worker up (pid $WORKER_PID, prefork -c $CONCURRENCY); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- Measure ---
APP_VERSION="commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
DIRTY=$(git status --porcelain --untracked-files=no 2>/dev/null | awk '{print $2}' | grep -v '^bench/' | tr '\n' ' ')
[ -n "$DIRTY" ] && APP_VERSION="$APP_VERSION + uncommitted changes in: $DIRTY"
log "app: $APP_VERSION"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
timeout "$((RUN_TIMEOUT + 60))" "$PYTHON" "$HERE/measure.py" 9>&-
echo "   load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg) (of $(nproc) cores)"
grep -E "Traceback|ERROR" "$WORK/worker.log" | head -5
stop_worker
log "done in $(($(date +%s) - START)) s"
exit 0
}

main "$@"
