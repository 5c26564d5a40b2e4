"""The measured part of bench/notices/run.sh: queue the month's notices for every village
(as `send_monthly_notices` does), wait until every notice is written and every delivery
sent, then report notices per second and queries per notice. Needs the worker started by
run.sh (one worker, `count_queries` loaded)."""

import os
import sys
import time

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import redis  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402

from notices import services  # noqa: E402
from notices.models import Delivery, Notice  # noqa: E402
from villages.models import Township, Village  # noqa: E402

PERIOD = os.environ["PERIOD"]
TIMEOUT = float(os.environ.get("RUN_TIMEOUT", "3600"))


def progress() -> tuple[int, int, int]:
    notices = Notice.objects.filter(period=PERIOD).count()
    open_ = Delivery.objects.filter(notice__period=PERIOD).exclude(status="sent")
    return notices, open_.filter(status="pending").count(), open_.filter(status="failed").count()


def main() -> int:
    villages = Village.objects.count()
    townships = Township.objects.count()
    started = time.monotonic()
    run = services.notice_run_create(period=PERIOD)
    if run.queue_error is not None:
        print(f"could not queue: {run.queue_error}")
        return 1
    last = None
    while True:
        notices, pending, failed = progress()
        if (notices, pending) != last:
            print(
                f"  +{time.monotonic() - started:5.0f}s notices {notices}/{villages}, "
                f"deliveries pending {pending}, failed {failed}",
                flush=True,
            )
            last = (notices, pending)
        if notices == villages and pending == 0:
            break
        if time.monotonic() - started > TIMEOUT:
            print(f"gave up after {TIMEOUT:.0f}s")
            return 1
        time.sleep(2)
    # Exact span from the database: the run's creation to the last delivery.
    span = Delivery.objects.filter(notice__period=PERIOD).aggregate(last=Max("delivered_at"))
    seconds = (span["last"] - run.created).total_seconds()
    channels = dict(
        Delivery.objects.filter(notice__period=PERIOD, status="sent")
        .values_list("channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_township = (
        Notice.objects.filter(period=PERIOD)
        .values("township")
        .annotate(n=Count("id"))
        .aggregate(low=Min("n"), high=Max("n"))
    )

    store = redis.Redis.from_url(os.environ["BENCH_REDIS_URL"], decode_responses=True)
    queries = {k: int(v) for k, v in store.hgetall("bench:queries").items()}
    tasks = {k: int(v) for k, v in store.hgetall("bench:tasks").items()}
    total = sum(queries.values())
    print()
    print(f"== Monthly notices: {villages} villages in {townships} townships, period {PERIOD} ==")
    print(
        f"   one worker: celery prefork -c {os.environ.get('CONCURRENCY', '?')}, "
        f"PostgreSQL, Redis broker, e-mail to the locmem backend"
    )
    print(f"   notices written          {notices}")
    print(f"   deliveries sent          {channels}  failed {failed}")
    print(f"   queue to last delivery   {seconds:.1f} s")
    print(f"   notices per second       {notices / seconds:.1f}")
    print(f"   queries per notice       {total / notices:.2f}  ({total} queries in the worker)")
    print(f"   villages per township    {per_township['low']}–{per_township['high']}")
    print()
    print(f"   {'task':28} {'runs':>6} {'queries':>9} {'per run':>8}  queries per run (histogram)")
    for name in sorted(tasks):
        histogram = store.hgetall(f"bench:histogram:{name}")
        shape = ", ".join(
            f"{q}×{n}" for q, n in sorted(histogram.items(), key=lambda item: int(item[0]))
        )
        print(
            f"   {name:28} {tasks[name]:>6} {queries.get(name, 0):>9} "
            f"{queries.get(name, 0) / tasks[name]:>8.1f}  {shape[:120]}"
        )
    fixed = store.hgetall("bench:histogram:batch-fixed")
    shape = ", ".join(f"{q}×{n}" for q, n in sorted(fixed.items(), key=lambda i: int(i[0])))
    print(f"   a township batch, less one UPDATE per e-mail sent: {shape} (queries×batches)")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
