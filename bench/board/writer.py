"""The writer of bench/board's busy phase: RATE progress reports a second in one district.

Each report goes through pledges.services.progress_update_create, as the village's progress
form does, so it writes what a real one writes (the update, the project's figures, history)
and the board's caches react as they would in service. One report in five is on the measured
village, one on another village of the measured township, three on other villages of the
district: every measured page goes cold at least once a second.

    python bench/board/writer.py --district D --township T --village V --year Y [--rate 5]

Prints "ready" once it has its projects, then on SIGTERM (or after --seconds) one line:
    WRITER saved=… failed=… seconds=… rate=… mean_ms=… max_ms=…
It runs with the project's settings and the environment of bench/board/run.sh (DATABASE_URL,
REDIS_URL).
"""

import argparse
import itertools
import os
import random
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from pledges import services  # noqa: E402
from pledges.models import PledgeList, Project  # noqa: E402

stopping = False


def stop(signum, frame):
    global stopping
    stopping = True


def open_projects(year, **place):
    """Ids of the open projects of published lists this year in one place."""
    return list(
        Project.objects.filter(
            pledge_list__year=year,
            pledge_list__status=PledgeList.Status.PUBLISHED,
            status__in=Project.ACTIVE,
            **place,
        ).values_list("pk", flat=True)
    )


def pools(args):
    """Project ids to pick from in turn: the village, the township, three times the district."""
    place = "pledge_list__village__"
    village = open_projects(args.year, **{place + "code": args.village})
    township = open_projects(args.year, **{place + "township__code": args.township})
    district = open_projects(args.year, **{place + "township__district__code": args.district})
    township = [pk for pk in township if pk not in set(village)] or township
    rest = [pk for pk in district if pk not in set(township) | set(village)] or district
    if not (village and township and rest):
        sys.exit("writer: no open projects in the measured places")
    return [village, township, rest, rest, rest]


def main():
    parser = argparse.ArgumentParser()
    for name in ("district", "township", "village"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=3600.0)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    rounds = pools(args)
    rng = random.Random(17)
    print("ready", flush=True)
    saved = failed = 0
    times = []
    start = time.monotonic()
    tick = start
    for i in itertools.count():
        if stopping or time.monotonic() - start >= args.seconds:
            break
        t0 = time.monotonic()
        try:
            project = Project.objects.get(pk=rng.choice(rounds[i % len(rounds)]))
            services.progress_update_create(
                project=project, by=None, percent_done=saved % 99 + 1, note="bench"
            )
            saved += 1
        except Exception as error:  # a failed save is counted and reported, not fatal
            failed += 1
            print(f"writer: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        times.append(time.monotonic() - t0)
        # A fixed schedule, not a sleep after each save: RATE a second whatever a save costs.
        tick += 1 / args.rate
        delay = tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    seconds = time.monotonic() - start
    mean_ms = 1000 * sum(times) / len(times) if times else 0
    max_ms = 1000 * max(times) if times else 0
    print(
        f"WRITER saved={saved} failed={failed} seconds={seconds:.1f} "
        f"rate={saved / seconds if seconds else 0:.2f} mean_ms={mean_ms:.1f} max_ms={max_ms:.1f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
