#!/usr/bin/env bash
# Opening a year at scale: `manage.py open_year --year <next year> --carry-over` for every
# village of a seeded database, timed, on PostgreSQL (the same job code as the district's
# page: batches of villages, history rows, the written_in_bulk receivers).
#
#   bash bench/open_year/run.sh                    # 3,000 then 30,000 villages (seeding 30,000 ~10 min)
#   SIZES=3000 bash bench/open_year/run.sh         # a quick look, ~2 minutes
#   REUSE=1 SIZES=30000 bash bench/open_year/run.sh   # keep (and reuse) the seeded database
#
# For each size N: a seeded database bench_open_year_seed_N (migrate, seed_demo --villages N
# --no-reviews; kept and reused with REUSE=1), copied to bench_open_year (CREATE DATABASE …
# TEMPLATE, migrate, VACUUM ANALYZE), then open_year for next year with carry-over, timed by
# measure.py, and once more (nothing left to open: the idempotent rerun). Prints villages,
# lists created, projects carried, history rows, seconds, lists/s and the CPU that other
# processes took meanwhile. Exits 0: a report, not a gate. See bench/README.md.

set -uo pipefail

# Everything is in main(), read whole before it runs: editing this file cannot disturb a run.
main() {

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 0

# --- Settings (all overridable from the environment) ---
SIZES=${SIZES:-3000 30000}
REUSE=${REUSE:-0}                  # 1: keep the seeded databases and reuse them next time
KEEP_DB=${KEEP_DB:-0}              # 1: leave bench_open_year (after the run) in place
DB=${DB:-bench_open_year}
SEED_PREFIX=${SEED_PREFIX:-bench_open_year_seed_}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/13}
BATCH=${BATCH:-}                   # villages per transaction (default: the command's)
SEED_TIMEOUT=${SEED_TIMEOUT:-1800}
RUN_TIMEOUT=${RUN_TIMEOUT:-1200}
TARGET_SECONDS=${TARGET_SECONDS:-60}
TARGET_VILLAGES=${TARGET_VILLAGES:-30000}
OTHER_MAX=${OTHER_MAX:-0.2}        # cores taken by other processes above which a run is flagged
LOCK_FILE=${LOCK_FILE:-/tmp/bench-open-year.lock}
LOCK_WAIT=${LOCK_WAIT:-1200}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}

WORK=$(mktemp -d /tmp/bench-open-year.XXXXXX)
SEEDS=()
START=$(date +%s)

exec 3>&2
log() { printf '[bench-open-year %s +%ds] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - START))" "$*" >&3; }
psql_() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -X -q -v ON_ERROR_STOP=1 "$@"; }
sql() { local db=$1; shift; psql_ -d "$db" -At -c "$*"; }
url() { echo "postgres://$PG_USER@$PG_HOST:$PG_PORT/$1"; }
# in_db SECONDS DB COMMAND...: production-like settings (DEBUG off: no query log kept), the
# bench database, Redis as the cache (the board's stamps), no broker (nothing is queued:
# the command runs the jobs itself).
in_db() {
  local seconds=$1 db=$2; shift 2
  timeout --kill-after=10 "$seconds" env DATABASE_URL="$(url "$db")" DEBUG=False \
    SECRET_KEY=bench-open-year-secret-key-not-used-anywhere-else-0123456789 \
    ALLOWED_HOSTS=localhost REDIS_URL="$BENCH_REDIS_URL" CELERY_BROKER_URL= \
    CELERY_RESULT_BACKEND= LOG_LEVEL=WARNING "$@"
}

cleanup() {
  if [ "$KEEP_DB" != 1 ]; then
    psql_ -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" && log "dropped $DB"
  else
    log "kept $DB"
  fi
  if [ "$REUSE" != 1 ]; then
    for db in "${SEEDS[@]}"; do
      psql_ -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" && log "dropped $db"
    done
  fi
  redis-cli -u "$BENCH_REDIS_URL" flushdb >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

exec 9>"$LOCK_FILE"
if ! flock -n 9; then
  log "another run holds $LOCK_FILE: waiting up to ${LOCK_WAIT}s"
  flock -w "$LOCK_WAIT" 9 || { echo "bench/open_year: another run is still going; nothing measured."; exit 0; }
fi
trap 'log "interrupted"; exit 0' INT TERM
for tool in psql timeout flock; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench/open_year: $tool is missing; nothing measured."; exit 0; }
done

THIS_YEAR=$(date +%Y)
YEAR=$((THIS_YEAR + 1))   # seed_demo fills this year: the bench opens the next
BATCH_ARG=()
[ -n "$BATCH" ] && BATCH_ARG=(--batch-size "$BATCH")
ROWS=()

for N in $SIZES; do
  SEED_DB="${SEED_PREFIX}${N}"
  SEEDS+=("$SEED_DB")
  # --- The seeded database (reused with REUSE=1 when it holds N villages) ---
  if [ "$REUSE" = 1 ] && [ "$(sql "$SEED_DB" "SELECT count(*) FROM villages_village" 2>/dev/null)" = "$N" ] \
      && [ "$(sql "$SEED_DB" "SELECT count(*) FROM pledges_pledgelist WHERE year = $THIS_YEAR" 2>/dev/null)" = "$N" ]; then
    log "REUSE=1: $SEED_DB holds $N villages with their $THIS_YEAR lists"
  else
    log "creating $SEED_DB: migrate, seed_demo --villages $N --no-reviews (timeout ${SEED_TIMEOUT}s)"
    psql_ -d postgres -c "DROP DATABASE IF EXISTS \"$SEED_DB\" WITH (FORCE)" || exit 0
    psql_ -d postgres -c "CREATE DATABASE \"$SEED_DB\"" || exit 0
    in_db 600 "$SEED_DB" "$PYTHON" manage.py migrate --noinput -v0 >"$WORK/migrate.log" 2>&1 \
      || { tail -20 "$WORK/migrate.log"; echo "bench/open_year: migrate failed"; exit 0; }
    t0=$(date +%s)
    in_db "$SEED_TIMEOUT" "$SEED_DB" "$PYTHON" manage.py seed_demo --villages "$N" --no-reviews \
      >"$WORK/seed.log" 2>&1 || { tail -20 "$WORK/seed.log"; echo "bench/open_year: seeding failed"; exit 0; }
    log "seeded in $(($(date +%s) - t0)) s"
  fi
  # --- A fresh copy to open the year in ---
  psql_ -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" || exit 0
  psql_ -d postgres -c "CREATE DATABASE \"$DB\" TEMPLATE \"$SEED_DB\"" || exit 0
  in_db 600 "$DB" "$PYTHON" manage.py migrate --noinput -v0 >"$WORK/migrate.log" 2>&1 \
    || { tail -20 "$WORK/migrate.log"; echo "bench/open_year: migrate failed"; exit 0; }
  psql_ -d "$DB" -c "VACUUM ANALYZE" >/dev/null
  redis-cli -u "$BENCH_REDIS_URL" flushdb >/dev/null 2>&1
  villages=$(sql "$DB" "SELECT count(*) FROM villages_village")
  districts=$(sql "$DB" "SELECT count(*) FROM villages_district")
  left=$(sql "$DB" "SELECT count(*) FROM pledges_project p JOIN pledges_pledgelist l ON l.id = p.pledge_list_id
                    WHERE l.year = $THIS_YEAR AND l.status = 'published' AND p.status IN ('planned', 'in_progress')")
  # --- The measured runs: opening the year, then again (nothing left to open) ---
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  log "N=$N: open_year --year $YEAR --carry-over ($villages villages in $districts districts, $left projects to carry)"
  in_db "$RUN_TIMEOUT" "$DB" "$PYTHON" "$HERE/measure.py" "$DB" -- \
    "$PYTHON" manage.py open_year --year "$YEAR" --carry-over "${BATCH_ARG[@]}" >"$WORK/first.json"
  log "first: $(head -c 400 "$WORK/first.json")"
  in_db "$RUN_TIMEOUT" "$DB" "$PYTHON" "$HERE/measure.py" "$DB" -- \
    "$PYTHON" manage.py open_year --year "$YEAR" --carry-over "${BATCH_ARG[@]}" >"$WORK/again.json"
  log "again: $(head -c 400 "$WORK/again.json")"
  load1=$(cut -d' ' -f1-3 /proc/loadavg)
  lists=$(sql "$DB" "SELECT count(*) FROM pledges_pledgelist WHERE year = $YEAR")
  carried=$(sql "$DB" "SELECT count(*) FROM pledges_project p JOIN pledges_pledgelist l ON l.id = p.pledge_list_id
                       WHERE l.year = $YEAR AND p.carried_from_id IS NOT NULL")
  history=$(sql "$DB" "SELECT (SELECT count(*) FROM pledges_historicalpledgelist WHERE year = $YEAR AND history_type = '+')
                       || ' + ' || (SELECT count(*) FROM pledges_historicalproject h JOIN pledges_pledgelist l
                       ON l.id = h.pledge_list_id WHERE l.year = $YEAR AND h.history_type = '+')")
  ROWS+=("$N|$villages|$districts|$lists|$carried|$left|$history|$load0|$load1|$(cat "$WORK/first.json")|$(cat "$WORK/again.json")")
done

# --- The table ---
printf '%s\n' "${ROWS[@]}" >"$WORK/rows"
"$PYTHON" - "$WORK/rows" "$YEAR" "$TARGET_SECONDS" "$TARGET_VILLAGES" "$OTHER_MAX" \
  "$(git rev-parse --short HEAD 2>/dev/null)" "$(git status --porcelain -- pledges templates/pledges 2>/dev/null | wc -l)" <<'EOF'
import json, re, sys
rows, year, target, target_villages, other_max, commit, dirty = sys.argv[1:]
print()
print(f"== Opening {year} with carry-over, PostgreSQL, `manage.py open_year` (commit {commit}"
      f"{f', {dirty} uncommitted files in pledges/' if int(dirty) else ''}) ==")
print(f"{'villages':>9} {'districts':>9} {'lists':>7} {'carried':>8} {'history rows':>16} "
      f"{'seconds':>8} {'lists/s':>8} {'job s':>6} {'again s':>8} {'cmd':>5} {'db':>5} {'other':>5}  load before → after")
flags = []
for line in open(rows):
    n, villages, districts, lists, carried, left, history, load0, load1, first, again = line.rstrip("\n").split("|", 10)
    first, again = json.loads(first), json.loads(again)
    seconds = first["seconds"]
    job = re.search(r"in ([0-9.]+) s", first["summary"])
    job = float(job.group(1)) if job else float("nan")
    print(f"{int(villages):>9,} {int(districts):>9,} {int(lists):>7,} {int(carried):>8,} {history:>16} "
          f"{seconds:>8.1f} {int(lists) / seconds:>8.0f} {job:>6.1f} {again['seconds']:>8.1f} "
          f"{first['command_cores']:>5.2f} {first['database_cores']:>5.2f} {first['other_cores']:>5.2f}"
          f"  {load0} → {load1}")
    print(f"          {first['summary']}")
    if not first["ok"] or not again["ok"]:
        flags.append(f"N={n}: the command failed: {first['stderr'] or again['stderr']}")
    if int(carried) != int(left):
        flags.append(f"N={n}: {carried} projects carried, {left} were planned or in progress")
    if int(lists) != int(villages):
        flags.append(f"N={n}: {lists} lists for {villages} villages")
    if "0 lists created" not in again["summary"]:
        flags.append(f"N={n}: the second run created something: {again['summary']}")
    if first["other_cores"] > float(other_max):
        flags.append(f"N={n}: other processes took {first['other_cores']} cores during the run: "
                     "the timing is disturbed, run it again on a quiet machine")
    if int(villages) >= int(target_villages):
        flags.append(f"N={n}: {seconds:.1f} s, target ≤ {target} s: {'yes' if seconds <= float(target) else 'NO'}")
print("   seconds: the whole command, Django's start included; job s: the opening itself (the command's own "
      "figure); again s: the rerun, nothing left to open")
print("   cmd / db / other: CPU cores used during the first run by the command, by its "
      "PostgreSQL backends, and by everything else on the machine")
for flag in flags:
    print("   " + flag)
print()
EOF
log "done in $(($(date +%s) - START)) s"
exit 0
}

main "$@"
