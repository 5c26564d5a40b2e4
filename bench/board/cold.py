"""Cold board pages in-process: each request finds nothing in the cache (no stamp, no page),
as the first visitor after a write does, and goes through the whole WSGI stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_board_30000 \
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/board/cold.py [ROUNDS]

Every city, every district (and as many townships) of the database, ROUNDS times (default
2), with the Redis DB emptied before each request. Prints min / median / p90 in ms and the
queries per request (and the time in them), then the same pages again without Django's query
log (see `get`). A report, not a gate (issue 17: a cold district page ≤ 15 ms at 30,000
villages; issue 18: a cold city page over 100 districts ≤ 20 ms). A city of 100 districts:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_city .venv/bin/python manage.py \
        seed_demo --villages 1940 --villages-per-district 20 --districts-per-city 97
    (97 districts of 20 villages in 遵义市 5203, with the demo's 3 real sibling districts)
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SECRET_KEY", "bench-board-cold-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "False")
os.environ.setdefault("CONN_MAX_AGE", "60")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from board.middleware import _NEAR_ANSWERS  # noqa: E402
from board.stamps import NEAR  # noqa: E402
from villages.models import City, District, Township  # noqa: E402


def get(path: str, log_queries: bool = True) -> tuple[float, int, str, float]:
    """One request: (ms, queries, status, ms in the queries). With `log_queries` (what every
    figure above measures) Django's debug cursor records each query's SQL, which costs
    psycopg a mogrify per query; without it (the extra "no query log" line) the request runs
    as in production, and the queries are neither counted nor timed."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT_LANGUAGE": "zh-CN",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    status = []
    if not log_queries:
        started = time.perf_counter()
        b"".join(application(environ, lambda s, h, e=None: status.append(s)))
        return (time.perf_counter() - started) * 1000, 0, status[0], 0.0
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        b"".join(application(environ, lambda s, h, e=None: status.append(s)))
        elapsed = (time.perf_counter() - started) * 1000
    in_queries = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    return elapsed, len(queries), status[0], in_queries


def _forget_in_process() -> None:
    """What this process keeps of the cache (ops/near.py): Redis reports the flush, but the
    report may arrive after the next request has read its old copy (a repeated path would
    then be answered warm)."""
    with NEAR._lock:
        NEAR._values.clear()
    with _NEAR_ANSWERS._lock:
        _NEAR_ANSWERS._answers.clear()


def main(rounds: int) -> None:
    year = timezone.localdate().year
    districts = [f"/board/{code}/" for code in District.objects.values_list("code", flat=True)]
    townships = Township.objects.order_by("code").values_list("code", flat=True)
    townships = [f"/board/{code}/" for code in townships[:: max(1, len(townships) // 250)]]
    cities = City.objects.annotate(n=Count("districts")).filter(n__gt=0).order_by("-n", "code")
    sizes = dict(cities.values_list("code", "n"))
    cities = [f"/board/{code}/" for code in sizes]
    cities *= max(1, 20 // len(cities))  # a few cities: enough requests for a p90
    get(districts[0])  # imports, templates, the connection: not what a cold page costs
    get(cities[0])
    print("load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"{len(cities)} cities (districts: {sorted(sizes.values(), reverse=True)}), "
        f"{len(districts)} districts, {len(townships)} townships measured, year {year}"
    )
    for label, paths in (("city", cities), ("district", districts), ("township", townships)):
        times, counts, in_queries = [], set(), []
        for _ in range(rounds):
            for path in paths:
                cache.clear()
                _forget_in_process()
                elapsed, count, status, spent = get(path)
                assert status.startswith("200"), (path, status)
                times.append(elapsed)
                counts.add(count)
                in_queries.append(spent)
        times.sort()
        print(
            f"cold {label:9s} n={len(times):4d}  min {times[0]:6.1f}  "
            f"median {statistics.median(times):6.1f}  p90 {times[int(len(times) * 0.9)]:6.1f} ms"
            f"  queries {sorted(counts)} (median {statistics.median(in_queries):.1f} ms in them)"
        )
        bare = []
        for _ in range(rounds):
            for path in paths:
                cache.clear()
                _forget_in_process()
                elapsed, _count, status, _spent = get(path, log_queries=False)
                assert status.startswith("200"), (path, status)
                bare.append(elapsed)
        bare.sort()
        print(
            f"  no query log  n={len(bare):4d}  min {bare[0]:6.1f}  "
            f"median {statistics.median(bare):6.1f}  p90 {bare[int(len(bare) * 0.9)]:6.1f} ms"
        )
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
