#!/usr/bin/env bash
# Load benchmark of the public pledge board against a bare Django view (bench/bare), warm and
# while a writer saves progress reports in the measured district.
#
#   bash bench/board/run.sh                 # both sizes (119 and 30000 villages), ~15 min
#   SIZES=119 bash bench/board/run.sh       # the demo size only, ~3 min
#   REUSE=1 bash bench/board/run.sh         # reuse (and keep) already seeded bench databases
#
# For each size: a fresh PostgreSQL database (bench_board_<N>), migrate, seed_demo --villages N,
# an empty Redis cache DB, gunicorn (sync workers) on 127.0.0.1 for the project and, with the same
# settings on a port of its own, for bench/bare (one middleware, HttpResponse("ok")), a check that
# each page answers 200 with the expected text, then wrk on 127.0.0.1 only: the bare view,
# /healthz/live/ and the pages warm, then the pages again while bench/board/writer.py saves
# WRITER_RATE progress reports a second in the measured district. Prints one table per size and
# exits 0: it is a report, not a gate. See bench/README.md for the settings and what it measures.

set -uo pipefail

# Everything is in main(), read whole before it runs: editing this file cannot disturb a run.
main() {

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 0

# --- Settings (all overridable from the environment) ---
SIZES=${SIZES:-"119 30000"}
DURATION=${DURATION:-10}          # seconds of measured load per page
WARMUP=${WARMUP:-2}               # seconds of unmeasured load per page just before
THREADS=${THREADS:-2}             # wrk threads
CONNECTIONS=${CONNECTIONS:-16}    # wrk connections
WORKERS=${WORKERS:-2}             # gunicorn sync workers (the machine has 2 cores)
REUSE=${REUSE:-0}                 # 1: use an existing seeded bench DB of the right size
KEEP_DB=${KEEP_DB:-$REUSE}        # 1: leave the bench DBs in place at the end
DB_PREFIX=${DB_PREFIX:-bench_board_}
LOCK_FILE=${LOCK_FILE:-/tmp/bench-board.lock}
LOCK_WAIT=${LOCK_WAIT:-1200}      # seconds to wait for another run of this script to finish
OTHER_MAX=${OTHER_MAX:-0.2}       # cores other processes may take during a measured run ...
RETRIES=${RETRIES:-1}             # ... else measure that page again (after QUIET_WAIT at most)
QUIET_WAIT=${QUIET_WAIT:-60}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/9}
SEED_TIMEOUT=${SEED_TIMEOUT:-1800}  # seconds allowed for seed_demo at one size
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
GUNICORN=${GUNICORN:-$ROOT/.venv/bin/gunicorn}
LUA="$HERE/report.lua"
# Targets (issue 17): requests/s of the page as a share of the bare view's in the same run.
TARGET_WARM=${TARGET_WARM:-0.8}      # warm district, township, village pages and the village API
TARGET_WRITER=${TARGET_WRITER:-0.5}  # the same while the writer runs
WRITER_RATE=${WRITER_RATE:-5}        # progress reports a second during the writer phase
EXPECT_TEXT="年度承诺"

WORK=$(mktemp -d /tmp/bench-board.XXXXXX)
GUNICORN_PID=""
BARE_PID=""
WRITER_PID=""
DBS_USED=()
START=$(date +%s)

# Progress goes to the script's own stderr (fd 3) even from a trap that runs while a command's
# output is redirected to a log file.
exec 3>&2 4>&1
log() { printf '[bench %s +%ds] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - START))" "$*" >&3; }
psql_() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -X -q -v ON_ERROR_STOP=1 "$@"; }
sql() { local db=$1; shift; psql_ -d "$db" -At -c "$*"; }

stop_pid() {  # TERM, up to 10 s, then KILL; only the process this script started
  local pid=$1
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
}
stop_writer() { stop_pid "$WRITER_PID"; WRITER_PID=""; }
stop_gunicorn() {
  stop_writer
  stop_pid "$GUNICORN_PID"; GUNICORN_PID=""
  stop_pid "$BARE_PID"; BARE_PID=""
}

cleanup() {
  exec >&4 2>&3
  stop_gunicorn
  if [ "$KEEP_DB" != 1 ]; then
    for db in "${DBS_USED[@]}"; do
      psql_ -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" \
        && log "dropped database $db"
    done
  elif [ ${#DBS_USED[@]} -gt 0 ]; then
    log "kept database(s): ${DBS_USED[*]} (drop with: psql -h $PG_HOST -U $PG_USER -c 'DROP DATABASE <name>')"
  fi
  redis-cli -u "$BENCH_REDIS_URL" flushdb >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# One run at a time on a machine: two would share the CPU (and the Redis DB).
exec 9>"$LOCK_FILE"
if ! flock -n 9; then
  log "another run of bench/board holds $LOCK_FILE: waiting up to ${LOCK_WAIT}s"
  flock -w "$LOCK_WAIT" 9 || { echo "bench/board: another run is still going; nothing measured."; exit 0; }
fi
trap 'log "interrupted"; [ -n "$CHILD" ] && kill -TERM "$CHILD" 2>/dev/null; exit 0' INT TERM

# bounded SECONDS COMMAND...: COMMAND under timeout, in the background so that a signal to this
# script is handled at once (bash runs traps only between foreground commands).
CHILD=""
bounded() {
  local secs=$1; shift
  timeout "$secs" "$@" &
  CHILD=$!
  wait "$CHILD"
  local rc=$?
  CHILD=""
  return $rc
}

# --- Environment of the app (production-like, on loopback) ---
export DEBUG=False
export ALLOWED_HOSTS=127.0.0.1,localhost
export SECRET_KEY=bench-board-secret-key-not-used-anywhere-else-0123456789abcdef
export SECURE_SSL_REDIRECT=False SECURE_HSTS_SECONDS=0
export SESSION_COOKIE_SECURE=False CSRF_COOKIE_SECURE=False
export CONN_MAX_AGE=60
export REDIS_URL=$BENCH_REDIS_URL
export STATIC_ROOT=$WORK/static
export LOG_LEVEL=${LOG_LEVEL:-WARNING}

# --- Tools ---
if ! command -v wrk >/dev/null 2>&1; then
  log "wrk not found: installing the Debian package"
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq wrk) >"$WORK/apt.log" 2>&1 || tail -5 "$WORK/apt.log" >&2
  else
    (sudo -n apt-get update -qq && sudo -n apt-get install -y -qq wrk) >"$WORK/apt.log" 2>&1 || true
  fi
fi
for tool in wrk curl psql redis-cli timeout; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench/board: $tool is missing; nothing measured." ; exit 0
  fi
done
if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null && ! psql_ -d postgres -c "select 1" >/dev/null 2>&1; then
  echo "bench/board: PostgreSQL at $PG_HOST:$PG_PORT is not reachable; nothing measured."; exit 0
fi
if ! redis-cli -u "$BENCH_REDIS_URL" ping >/dev/null 2>&1; then
  echo "bench/board: Redis at $BENCH_REDIS_URL is not reachable; nothing measured."; exit 0
fi

log "collectstatic into $STATIC_ROOT"
if ! bounded 300 "$PYTHON" manage.py collectstatic --noinput -v0 >"$WORK/collectstatic.log" 2>&1; then
  tail -20 "$WORK/collectstatic.log" >&2
  echo "bench/board: collectstatic failed; nothing measured."; exit 0
fi

# Pledge year the board shows by default (timezone.localdate() in Asia/Shanghai).
YEAR=$(TZ=Asia/Shanghai date +%Y)

# prepare_db N DB: a migrated database seeded with N villages (reused when REUSE=1 and it fits).
prepare_db() {
  local n=$1 db=$2
  export DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$db"
  if [ "$REUSE" = 1 ] && [ -n "$(sql postgres "SELECT 1 FROM pg_database WHERE datname='$db'")" ]; then
    local villages published
    villages=$(sql "$db" "SELECT count(*) FROM villages_village" 2>/dev/null)
    published=$(sql "$db" "SELECT count(*) FROM pledges_pledgelist WHERE year=$YEAR AND status='published'" 2>/dev/null)
    if [ "${villages:-0}" = "$n" ] && [ "${published:-0}" -gt 0 ]; then
      log "REUSE=1: $db has $villages villages, $published published lists for $YEAR; migrating only"
      bounded 600 "$PYTHON" manage.py migrate --noinput -v0 >"$WORK/migrate-$n.log" 2>&1 \
        || { tail -20 "$WORK/migrate-$n.log" >&2; return 1; }
      analyze_db "$db"
      return 0
    fi
    log "REUSE=1 but $db does not hold $n villages with published $YEAR lists: rebuilding it"
  fi
  log "creating database $db"
  psql_ -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || return 1
  psql_ -d postgres -c "CREATE DATABASE \"$db\"" || return 1
  log "migrate"
  bounded 600 "$PYTHON" manage.py migrate --noinput -v0 >"$WORK/migrate-$n.log" 2>&1 \
    || { tail -20 "$WORK/migrate-$n.log" >&2; return 1; }
  log "seed_demo --villages $n (timeout ${SEED_TIMEOUT}s)"
  local t0=$(date +%s)
  bounded "$SEED_TIMEOUT" "$PYTHON" manage.py seed_demo --villages "$n" --no-reviews >"$WORK/seed-$n.log" 2>&1 \
    || { tail -20 "$WORK/seed-$n.log" >&2; return 1; }
  log "seeded $n villages in $(($(date +%s) - t0)) s"
  analyze_db "$db"
}

# The database as one in service would be: right after a bulk load autovacuum has neither
# analyzed the tables (stale estimates pick sequential scans) nor vacuumed them, and would do
# it during the measured runs, taking CPU from them. VACUUM ANALYZE does both now.
analyze_db() {
  log "VACUUM ANALYZE $1"
  bounded 1200 psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -X -q -d "$1" -c "VACUUM ANALYZE" \
    >/dev/null || log "VACUUM ANALYZE failed"
}

free_port() {
  "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_gunicorn() {
  local n=$1
  PORT=${BENCH_PORT:-$(free_port)}
  BASE="http://127.0.0.1:$PORT"
  "$GUNICORN" config.wsgi -w "$WORKERS" -k sync -b "127.0.0.1:$PORT" \
    --log-level warning --error-logfile "$WORK/gunicorn-$n.log" 9>&- &
  GUNICORN_PID=$!
  GUNICORN_STARTED=$(date +%s)
  wait_for_server "$BASE/healthz/live/" "$GUNICORN_PID" "$WORK/gunicorn-$n.log" gunicorn
}

# wait_for_server URL PID LOG NAME: until URL answers 200 (about 30 s), or the server has died.
wait_for_server() {
  for _ in $(seq 1 150); do
    if [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$1")" = 200 ]; then
      log "$4 (pid $2, $WORKERS sync workers) answers on $1"
      return 0
    fi
    kill -0 "$2" 2>/dev/null || break
    sleep 0.2
  done
  tail -30 "$3" >&2
  return 1
}

# The bare view (bench/bare) under the same gunicorn settings, on a port of its own.
start_bare() {
  local n=$1 port
  port=${BARE_PORT:-$(free_port)}
  BARE_URL="http://127.0.0.1:$port/"
  "$GUNICORN" bare.wsgi --chdir "$ROOT/bench" -w "$WORKERS" -k sync -b "127.0.0.1:$port" \
    --log-level warning --error-logfile "$WORK/bare-$n.log" 9>&- &
  BARE_PID=$!
  wait_for_server "$BARE_URL" "$BARE_PID" "$WORK/bare-$n.log" "bare view"
}

# start_writer N DISTRICT TOWNSHIP VILLAGE: bench/board/writer.py in the background, with the
# project's settings and the bench database; returns once it has its projects.
start_writer() {
  local n=$1
  timeout 3600 "$PYTHON" "$HERE/writer.py" --district "$2" --township "$3" --village "$4" \
    --year "$YEAR" --rate "$WRITER_RATE" >"$WORK/writer-$n.txt" 2>"$WORK/writer-$n.err" 9>&- &
  WRITER_PID=$!
  for _ in $(seq 1 300); do
    if grep -q '^ready' "$WORK/writer-$n.txt" 2>/dev/null; then
      log "writer (pid $WRITER_PID) saves $WRITER_RATE progress reports/s in district $2"
      return 0
    fi
    kill -0 "$WRITER_PID" 2>/dev/null || break
    sleep 0.2
  done
  log "writer did not start:"; tail -20 "$WORK/writer-$n.err" >&2
  stop_writer
  return 1
}

# check_page URL EXPECTED-TEXT...: 200 and every text in the body; prints the first-hit time.
check_page() {
  local url=$1; shift
  local out code secs
  out=$(curl -s -m 60 -o "$WORK/body" -D "$WORK/headers" -w '%{http_code} %{time_total}' "$url")
  code=${out%% *}; secs=${out#* }
  if [ "$code" != 200 ]; then
    log "CHECK FAILED: $url answered $code"; head -c 600 "$WORK/body" >&2; echo >&2; return 1
  fi
  for text in "$@"; do
    if ! grep -qF -- "$text" "$WORK/body"; then
      log "CHECK FAILED: $url has no \"$text\""; return 1
    fi
  done
  log "check ok: $url 200, $(wc -c <"$WORK/body") bytes, has: $*; first (cold cache) request $(awk -v s="$secs" 'BEGIN{printf "%.1f", s*1000}') ms"
}

# load NAME URL [HEADER]: warm-up, then the measured run; sets RESULT="rps p95 statuses errors".
# --- CPU taken by other processes during a measured run ---
# The machine may be shared: other processes' CPU during a run lowers its req/s. Measured as
# all busy CPU (/proc/stat) minus this benchmark's own: gunicorn and its workers, the
# PostgreSQL client backends of the bench DB (an autovacuum worker counts as other),
# redis-server, and this script's children (wrk). Ours
# are counted per process (a backend that Django replaces after CONN_MAX_AGE loses only its
# CPU within the window, a new one counts whole).
CLK_TCK=$(getconf CLK_TCK)
busy_jiffies() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
our_pids() {
  local p
  for p in $GUNICORN_PID $BARE_PID $WRITER_PID; do echo "$p" $(pgrep -P "$p"); done
  echo $(pgrep -x redis-server) \
    $(sql postgres "SELECT pid FROM pg_stat_activity WHERE datname = '$BENCH_DB'
                    AND backend_type = 'client backend'" 2>/dev/null)
}
snap_ours() {  # "pid utime+stime" per line of our processes (and of those listed in $2)
  local p
  for p in $(our_pids) $( [ -f "${2:-}" ] && cut -d' ' -f1 "$2"); do
    awk -v p="$p" '{ sub(/^.*\) /, ""); print p, $12 + $13 }' "/proc/$p/stat" 2>/dev/null
  done | sort -u -k1,1 >"$1"
}
kids_seconds() {  # user + system CPU of this script's finished children, into KIDS (bash `times`)
  times >"$WORK/times"  # not in a $(...) subshell: that would report the subshell's children
  KIDS=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } }
    END { printf "%.3f", s }' "$WORK/times")
}
cpu_window_start() {
  snap_ours "$WORK/ours0"; kids_seconds; W_KIDS0=$KIDS; W_BUSY0=$(busy_jiffies); W_T0=$(date +%s.%N)
}
cpu_window_end() {  # sets OTHER: cores used by other processes since cpu_window_start
  local busy1 t1
  busy1=$(busy_jiffies); t1=$(date +%s.%N)
  snap_ours "$WORK/ours1" "$WORK/ours0"; kids_seconds
  local ours
  ours=$(awk 'NR == FNR { j0[$1] = $2; next } { d = ($1 in j0) ? $2 - j0[$1] : $2; if (d > 0) s += d }
    END { print s + 0 }' "$WORK/ours0" "$WORK/ours1")
  OTHER=$(awk -v b0="$W_BUSY0" -v b1="$busy1" -v o="$ours" -v k0="$W_KIDS0" -v k1="$KIDS" \
    -v t0="$W_T0" -v t1="$t1" -v hz="$CLK_TCK" 'BEGIN {
      x = ((b1 - b0) - o) / hz - (k1 - k0); if (x < 0) x = 0
      printf "%.2f", (t1 > t0 ? x / (t1 - t0) : 0) }')
}
wait_quiet() {  # up to QUIET_WAIT seconds for other processes to use less than OTHER_MAX cores
  local deadline=$(($(date +%s) + QUIET_WAIT))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    cpu_window_start; sleep 2; cpu_window_end
    awk -v o="$OTHER" -v m="$OTHER_MAX" 'BEGIN { exit !(o + 0 <= m + 0) }' && return 0
  done
  log "machine still busy (other processes: $OTHER cores); measuring anyway"
}

# measure NAME URL [HEADER]: warm-up, then the measured run; sets RESULT and OTHER.
measure() {
  local name=$1 url=$2 header=${3:-}
  local args=(-t "$THREADS" -c "$CONNECTIONS" -s "$LUA")
  [ -n "$header" ] && args+=(-H "$header")
  bounded $((WARMUP + 30)) wrk "${args[@]}" -d "${WARMUP}s" "$url" >/dev/null 2>&1
  cpu_window_start
  bounded $((DURATION + 30)) wrk "${args[@]}" -d "${DURATION}s" --latency "$url" >"$WORK/wrk-$name.txt" 2>&1
  cpu_window_end
  local line
  line=$(grep '^BENCH ' "$WORK/wrk-$name.txt")
  if [ -z "$line" ]; then
    log "wrk gave no result for $url:"; tail -20 "$WORK/wrk-$name.txt" >&2
    RESULT="0 0 - - $OTHER"; return 1
  fi
  [ "${VERBOSE:-0}" = 1 ] && cat "$WORK/wrk-$name.txt" >&2
  local rps p95 statuses errors
  rps=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$line")
  p95=$(sed -E 's/.* p95_ms=([0-9.]+).*/\1/' <<<"$line")
  statuses=$(sed -E 's/.* statuses=([^ ]*).*/\1/' <<<"$line")
  errors=$(sed -E 's/.* errors=([^ ]*).*/\1/' <<<"$line")
  RESULT="$rps $p95 ${statuses:--} $errors $OTHER"
  log "$name: $line other_cpu_cores=$OTHER"
}

# load NAME URL [HEADER]: measure; when other processes took more than OTHER_MAX cores, wait
# for a quieter moment and measure again (RETRIES times at most), keeping the quietest run.
load() {
  local attempt best="" best_other=""
  for attempt in $(seq 0 "$RETRIES"); do
    [ "$attempt" -gt 0 ] && { log "$1: other processes took $OTHER cores: again"; wait_quiet; }
    measure "$@"
    if [ -z "$best" ] || awk -v a="$OTHER" -v b="$best_other" 'BEGIN { exit !(a + 0 < b + 0) }'; then
      best=$RESULT; best_other=$OTHER
    fi
    awk -v o="$OTHER" -v m="$OTHER_MAX" 'BEGIN { exit !(o + 0 <= m + 0) }' && break
  done
  RESULT=$best
}

bench_size() {
  # A name of this run's own, unless the database is meant to be reused or kept: another
  # process dropping or seeding bench_board_<N> at the same time cannot touch this run's.
  local n=$1 db="${DB_PREFIX}${n}"
  if [ "$REUSE" != 1 ] && [ "$KEEP_DB" != 1 ]; then db="${DB_PREFIX}${n}_$$"; fi
  DBS_USED+=("$db")
  BENCH_DB=$db
  prepare_db "$n" "$db" || { echo "size $n: database preparation failed; skipped."; return; }
  redis-cli -u "$BENCH_REDIS_URL" flushdb >/dev/null

  # Places from the middle of the data; the village one with a published list this year.
  local district township village
  district=$(sql "$db" "SELECT code || '|' || name FROM villages_district ORDER BY code
    OFFSET (SELECT count(*) / 2 FROM villages_district) LIMIT 1")
  township=$(sql "$db" "SELECT t.code || '|' || t.name FROM villages_township t
    JOIN villages_district d ON d.id = t.district_id WHERE d.code = '${district%%|*}' ORDER BY t.code
    OFFSET (SELECT count(*) / 2 FROM villages_township t2 JOIN villages_district d2
            ON d2.id = t2.district_id WHERE d2.code = '${district%%|*}') LIMIT 1")
  village=$(sql "$db" "SELECT v.code || '|' || v.name FROM villages_village v
    JOIN villages_township t ON t.id = v.township_id
    JOIN pledges_pledgelist p ON p.village_id = v.id AND p.year = $YEAR AND p.status = 'published'
    WHERE t.code = '${township%%|*}' ORDER BY v.code")
  local nvill; nvill=$(wc -l <<<"$village")
  village=$(sed -n "$((nvill / 2 + 1))p" <<<"$village")
  if [ -z "$district" ] || [ -z "$township" ] || [ -z "$village" ]; then
    echo "size $n: could not pick a district, township and village with a published $YEAR list; skipped."
    return
  fi
  local districts townships villages
  districts=$(sql "$db" "SELECT count(*) FROM villages_district")
  townships=$(sql "$db" "SELECT count(*) FROM villages_township")
  villages=$(sql "$db" "SELECT count(*) FROM villages_village")
  log "size $n: $districts districts, $townships townships, $villages villages; pages: district ${district/|/ } township ${township/|/ } village ${village/|/ }"

  start_gunicorn "$n" || { echo "size $n: gunicorn did not start; skipped."; stop_gunicorn; return; }
  start_bare "$n" || { echo "size $n: the bare view did not start; skipped."; stop_gunicorn; return; }

  local d_url="$BASE/board/${district%%|*}/" t_url="$BASE/board/${township%%|*}/" v_url="$BASE/board/${village%%|*}/"
  local a_url="$BASE/api/v1/villages/${village%%|*}/$YEAR/"
  local ok=1
  check_page "$BARE_URL" "ok" || ok=0
  check_page "$BASE/healthz/live/" "ok" || ok=0
  check_page "$a_url" "\"${village%%|*}\"" || ok=0
  check_page "$d_url" "$EXPECT_TEXT" "${district#*|}" || ok=0
  check_page "$t_url" "$EXPECT_TEXT" "${township#*|}" || ok=0
  check_page "$v_url" "$EXPECT_TEXT" "${village#*|}" "十件民生实事" || ok=0
  local etag
  etag=$(curl -s -m 30 -o /dev/null -D - "$v_url" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: *//p' | head -1)
  local code304
  code304=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$v_url")
  if [ -z "$etag" ] || [ "$code304" != 304 ]; then
    log "CHECK FAILED: village page with If-None-Match: $etag answered $code304 (expected 304)"; ok=0
  else
    log "check ok: village page with If-None-Match: $etag answers 304"
  fi
  if [ "$ok" != 1 ]; then
    echo "size $n: a page failed its check (see above); not measured."
    stop_gunicorn; return
  fi

  # The bare view and /healthz/live/ first and last: each baseline is the mean of its two runs,
  # and if they differ much, something else on the machine took CPU and the ratios are uncertain.
  local warm=() busy=()
  load "$n-bare" "$BARE_URL";                           warm+=("bare view (first)|-|200|$RESULT")
  load "$n-healthz" "$BASE/healthz/live/";              warm+=("/healthz/live/ (first)|-|200|$RESULT")
  load "$n-district" "$d_url";                          warm+=("district /board/${district%%|*}/|$TARGET_WARM|200|$RESULT")
  load "$n-township" "$t_url";                          warm+=("township /board/${township%%|*}/|$TARGET_WARM|200|$RESULT")
  load "$n-village" "$v_url";                           warm+=("village /board/${village%%|*}/|$TARGET_WARM|200|$RESULT")
  load "$n-village304" "$v_url" "If-None-Match: $etag"; warm+=("village 304 (If-None-Match)|-|304|$RESULT")
  load "$n-api" "$a_url";                               warm+=("API /api/v1/villages/<v>/$YEAR/|$TARGET_WARM|200|$RESULT")
  load "$n-healthz2" "$BASE/healthz/live/";             warm+=("/healthz/live/ (last)|-|200|$RESULT")
  load "$n-bare2" "$BARE_URL";                          warm+=("bare view (last)|-|200|$RESULT")

  # The same pages again while a writer saves WRITER_RATE progress reports a second in the district.
  local writer_line="writer did not start"
  if start_writer "$n" "${district%%|*}" "${township%%|*}" "${village%%|*}"; then
    load "$n-w-district" "$d_url";                      busy+=("district /board/${district%%|*}/|$TARGET_WRITER|200|$RESULT")
    load "$n-w-township" "$t_url";                      busy+=("township /board/${township%%|*}/|$TARGET_WRITER|200|$RESULT")
    load "$n-w-village" "$v_url";                       busy+=("village /board/${village%%|*}/|$TARGET_WRITER|200|$RESULT")
    load "$n-w-api" "$a_url";                           busy+=("API /api/v1/villages/<v>/$YEAR/|$TARGET_WRITER|200|$RESULT")
    stop_writer
    writer_line=$(grep '^WRITER ' "$WORK/writer-$n.txt" || echo "writer gave no summary")
    [ -s "$WORK/writer-$n.err" ] && { log "writer's errors (first 10 lines):"; head -10 "$WORK/writer-$n.err" >&2; }
  fi
  stop_gunicorn

  mean_of() {  # mean req/s of two rows, and their spread in %
    local a b
    a=$(cut -d'|' -f4 <<<"$1" | cut -d' ' -f1); b=$(cut -d'|' -f4 <<<"$2" | cut -d' ' -f1)
    awk -v a="$a" -v b="$b" 'BEGIN { m = (a + b) / 2; d = a - b; if (d < 0) d = -d
      printf "%.2f %.0f", m, (m > 0 ? 100 * d / m : 100) }'
  }
  local bare_rps bare_spread live_rps live_spread
  read -r bare_rps bare_spread <<<"$(mean_of "${warm[0]}" "${warm[8]}")"
  read -r live_rps live_spread <<<"$(mean_of "${warm[1]}" "${warm[7]}")"
  echo
  echo "== Board vs a bare Django view: $villages villages ($districts districts, $townships townships), year $YEAR =="
  echo "   gunicorn -w $WORKERS sync on 127.0.0.1 (the project and bench/bare alike), wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s after ${WARMUP}s warm-up, Redis cache"
  echo "   app: $APP_VERSION; gunicorn started $(date -d "@$GUNICORN_STARTED" +%H:%M:%S)"
  echo "   ÷bare = req/s / mean of the two bare-view runs ($bare_rps req/s; they differ by $bare_spread%)"
  echo "   ÷live = req/s / mean of the two /healthz/live/ runs ($live_rps req/s; they differ by $live_spread%), the old baseline"
  local spread
  for spread in "$bare_spread" "$live_spread"; do
    if [ "$spread" -gt "${NOISE_PERCENT:-15}" ]; then
      echo "   NOTE: a baseline moved by more than ${NOISE_PERCENT:-15}% during the run: other load on the machine; ratios are uncertain"
      break
    fi
  done
  MAX_OTHER=0
  print_header
  print_rows "$bare_rps" "$live_rps" "${warm[@]}"
  if [ ${#busy[@]} -gt 0 ]; then
    echo "-- while the writer saves $WRITER_RATE progress reports/s in district ${district%%|*} (1 in 5 in the village, 1 in the township) --"
    print_rows "$bare_rps" "$live_rps" "${busy[@]}"
  fi
  echo "   $writer_line"
  echo "   errors = responses other than 2xx/3xx plus socket errors and timeouts"
  echo "   other = CPU cores used by processes outside this benchmark during the run (of $(nproc))"
  if awk -v m="$MAX_OTHER" -v t="$OTHER_MAX" 'BEGIN { exit !(m + 0 > t + 0) }'; then
    echo "   NOTE: other processes used up to $MAX_OTHER cores during a run: those rows are low; rerun on a quiet machine"
  fi
  echo
}

print_header() {
  # "÷" is two bytes in UTF-8 and printf pads bytes: one more for each of those two columns.
  printf '%-36s %9s %7s %7s %8s %7s %7s %6s %6s  %s\n' \
    "page" "req/s" "÷bare" "÷live" "p95 ms" "target" "meets" "errors" "other" "responses"
}

# print_rows BARE_RPS LIVE_RPS ROW...: one line per row "name|target|expected status|result".
print_rows() {
  local bare_rps=$1 live_rps=$2; shift 2
  local row name target expect rest rps p95 statuses errors other ratio live meets note target_s nerr
  for row in "$@"; do
    IFS='|' read -r name target expect rest <<<"$row"
    read -r rps p95 statuses errors other <<<"$rest"
    MAX_OTHER=$(awk -v a="$MAX_OTHER" -v b="$other" 'BEGIN { print (b + 0 > a + 0 ? b : a) }')
    ratio=$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "-" }')
    live=$(awk -v a="$rps" -v b="$live_rps" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "-" }')
    # Responses outside 2xx/3xx, plus connect/read/write errors and timeouts (wrk's "status"
    # error is the same responses counted again, so it is left out).
    nerr=$(awk -v s="$statuses" -v e="$errors" 'BEGIN {
      n = split(s, p, ","); for (i = 1; i <= n; i++) { split(p[i], kv, ":"); if (kv[1] + 0 >= 400 || kv[1] + 0 < 200) x += kv[2] }
      n = split(e, p, ","); for (i = 1; i <= n; i++) { split(p[i], kv, ":"); if (kv[1] != "status") x += kv[2] }
      print x + 0 }')
    if [ "$target" = "-" ]; then
      meets="-"; target_s="-"
    else
      target_s="≥$target"
      meets=$(awk -v r="$ratio" -v t="$target" -v e="$nerr" 'BEGIN{ print ((r + 0 >= t + 0 && e == 0) ? "yes" : "NO") }')
    fi
    # Every response must have had the expected status, with no socket errors or timeouts.
    note="$statuses"
    if [[ "$statuses" != "$expect:"* ]] || [[ "$statuses" == *,* ]] || [[ "$errors" != "connect:0,read:0,write:0,status:0,timeout:0" ]]; then
      note="$statuses UNEXPECTED (errors $errors)"; [ "$meets" != "-" ] && meets="INVALID"
    fi
    printf '%-36s %9.1f %6s %6s %8.1f %7s %7s %6s %6s  %s\n' "$name" "$rps" "$ratio" "$live" "$p95" "$target_s" "$meets" "$nerr" "$other" "$note"
  done
}

log "sizes: $SIZES; REUSE=$REUSE KEEP_DB=$KEEP_DB; year $YEAR"
# Which code was measured (read-only git; uncommitted app changes are named).
APP_VERSION="commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
DIRTY=$(git status --porcelain --untracked-files=no 2>/dev/null | awk '{print $2}' | grep -v '^bench/' | tr '\n' ' ')
[ -n "$DIRTY" ] && APP_VERSION="$APP_VERSION + uncommitted changes in: $DIRTY"
log "app: $APP_VERSION"
for n in $SIZES; do
  bench_size "$n"
done
log "done in $(($(date +%s) - START)) s"
exit 0
}

main "$@"
