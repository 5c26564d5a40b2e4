#!/usr/bin/env bash
# Excel import benchmark: our import against a plain django-import-export ModelResource with
# default settings, on the same generated file, in the same run, on PostgreSQL.
#
#   bash bench/import/run.sh                 # 1,000 villages, 15,000 rows, ~3 minutes
#   VILLAGES=100 bash bench/import/run.sh    # a quick look
#   KEEP_DB=1 bash bench/import/run.sh       # leave the databases for a look afterwards
#
# Steps: a fresh database seeded with seed_demo (VILLAGES villages), the file generated from
# its first VILLAGES villages (10 projects and 5 prohibitions each, a title row above the
# header), two copies of that database, then each import in a process of its own: ours as a
# preview (dry run), ours for real, ours again (every row unchanged), and the plain resource on
# the other copy. Prints a table with seconds, rows/s and peak memory, and the ratio. Exits 0:
# it is a report, not a gate. See bench/README.md.

set -uo pipefail

main() {

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 0

# --- Settings (all overridable from the environment) ---
VILLAGES=${VILLAGES:-1000}
YEAR=${YEAR:-2031}                 # a year seed_demo leaves empty: every row is new
KEEP_DB=${KEEP_DB:-0}
DB_PREFIX=${DB_PREFIX:-bench_import_}
LOCK_FILE=${LOCK_FILE:-/tmp/bench-import.lock}
LOCK_WAIT=${LOCK_WAIT:-1200}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
SEED_TIMEOUT=${SEED_TIMEOUT:-1200}
IMPORT_TIMEOUT=${IMPORT_TIMEOUT:-1200}
TARGET_RATIO=${TARGET_RATIO:-5}    # ours at least this many times faster than the plain one
TARGET_SECONDS=${TARGET_SECONDS:-60}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}

WORK=$(mktemp -d /tmp/bench-import.XXXXXX)
DBS=()
START=$(date +%s)
log() { printf '[bench-import %s +%ds] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - START))" "$*" >&2; }
psql_() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -X -q -v ON_ERROR_STOP=1 "$@"; }
url() { echo "postgres://$PG_USER@$PG_HOST:$PG_PORT/$1"; }
# in_db SECONDS DB COMMAND...: run with the bench database, production-like: DEBUG off (Django
# keeps no query log), no Redis (the cache is in-process), limited in time.
in_db() {
  local seconds=$1 db=$2; shift 2
  timeout --kill-after=10 "$seconds" env DATABASE_URL="$(url "$db")" DEBUG=False \
    SECRET_KEY=bench-import ALLOWED_HOSTS=localhost REDIS_URL= CELERY_BROKER_URL= \
    LOG_LEVEL=WARNING "$@"
}

cleanup() {
  if [ "$KEEP_DB" != 1 ]; then
    for db in "${DBS[@]}"; do
      psql_ -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" && log "dropped $db"
    done
  elif [ ${#DBS[@]} -gt 0 ]; then
    log "kept database(s): ${DBS[*]}"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

exec 9>"$LOCK_FILE"
if ! flock -w "$LOCK_WAIT" 9; then
  echo "another bench/import run holds $LOCK_FILE; gave up after ${LOCK_WAIT}s"
  exit 0
fi

# --- The seeded database, the file, two copies ---
SEED_DB="${DB_PREFIX}seed_$$"
DBS+=("$SEED_DB")
log "creating $SEED_DB, migrate, seed_demo --villages $VILLAGES"
psql_ -d postgres -c "CREATE DATABASE \"$SEED_DB\"" || exit 0
in_db 600 "$SEED_DB" "$PYTHON" manage.py migrate --noinput -v0 >"$WORK/migrate.log" 2>&1 \
  || { tail -20 "$WORK/migrate.log"; exit 0; }
in_db "$SEED_TIMEOUT" "$SEED_DB" "$PYTHON" manage.py seed_demo --villages "$VILLAGES" --no-reviews \
  >"$WORK/seed.log" 2>&1 || { tail -20 "$WORK/seed.log"; exit 0; }
log "generating the file ($VILLAGES villages × 15 rows, year $YEAR)"
FILE="$WORK/lists-$YEAR.xlsx"
in_db 600 "$SEED_DB" "$PYTHON" "$HERE/bench.py" generate "$FILE" --villages "$VILLAGES" --year "$YEAR" \
  || exit 0
psql_ -d "$SEED_DB" -c "VACUUM ANALYZE" >/dev/null
OURS_DB="${DB_PREFIX}ours_$$"; PLAIN_DB="${DB_PREFIX}plain_$$"
for db in "$OURS_DB" "$PLAIN_DB"; do
  DBS+=("$db")
  psql_ -d postgres -c "CREATE DATABASE \"$db\" TEMPLATE \"$SEED_DB\"" || exit 0
done

# --- The imports, each in its own process ---
measure() {  # NAME DB ARGS...
  local name=$1 db=$2; shift 2
  log "$name"
  if in_db "$IMPORT_TIMEOUT" "$db" "$PYTHON" "$HERE/bench.py" "$@" \
      --year "$YEAR" >"$WORK/$name.json" 2>"$WORK/$name.err"; then
    log "$name: $(cat "$WORK/$name.json")"
  else
    log "$name FAILED:"; tail -20 "$WORK/$name.err" >&2; echo '{}' >"$WORK/$name.json"
  fi
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
measure ours-preview "$OURS_DB" ours "$FILE" --dry-run
measure ours "$OURS_DB" ours "$FILE"
measure ours-again "$OURS_DB" ours "$FILE"
measure plain "$PLAIN_DB" plain "$FILE"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- The table ---
"$PYTHON" - "$WORK" "$TARGET_RATIO" "$TARGET_SECONDS" "$VILLAGES" "$YEAR" "$(stat -c %s "$FILE")" \
  "$LOAD_BEFORE" "$LOAD_AFTER" "$(nproc)" <<'EOF'
import json, sys
work, ratio_target, seconds_target, villages, year, size, load0, load1, cores = sys.argv[1:]
rows = {name: json.load(open(f"{work}/{name}.json")) for name in ("ours-preview", "ours", "ours-again", "plain")}
print()
print(f"== Excel import: {villages} villages, year {year}, file {int(size) / 1024:.0f} KB, PostgreSQL ==")
print(f"   load average before: {load0}; after: {load1} ({cores} cores)")
print(f"{'import':<34} {'rows':>6} {'seconds':>8} {'rows/s':>7} {'peak MB':>8}  written / outcome")
labels = {
    "ours-preview": "ours, preview (dry run)",
    "ours": "ours, import",
    "ours-again": "ours, same file again (unchanged)",
    "plain": "plain ModelResource, defaults",
}
for name, label in labels.items():
    r = rows[name]
    if not r:
        print(f"{label:<34} FAILED"); continue
    print(f"{label:<34} {r['rows']:>6} {r['seconds']:>8.2f} {r['rows_per_second']:>7} {r['peak_rss_mb']:>8.1f}  {r['counts']} {r['written']}")
if rows["ours"] and rows["plain"]:
    ratio = rows["plain"]["seconds"] / rows["ours"]["seconds"]
    ok_ratio = ratio >= float(ratio_target)
    ok_time = rows["ours"]["seconds"] < float(seconds_target)
    print(f"   ratio (plain seconds / ours): {ratio:.1f}x, target >= {ratio_target}x: {'yes' if ok_ratio else 'NO'}")
    print(f"   ours under {seconds_target} s: {'yes' if ok_time else 'NO'}")
    print(f"   peak memory: ours {rows['ours']['peak_rss_mb']:.0f} MB, plain {rows['plain']['peak_rss_mb']:.0f} MB"
          f" (each process; Django and the app alone take ~{rows['ours']['rss_before_mb']:.0f} MB)")
print()
EOF
log "done in $(($(date +%s) - START)) s"
exit 0
}

main "$@"
