"""Cold board pages in-process: each request finds nothing in the cache (no stamp, no page),
as the first visitor after a write does, and goes through the whole WSGI stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_board_30000 \
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/board/cold.py [ROUNDS]

Every district (and as many townships) of the database, ROUNDS times (default 2), with the
Redis DB emptied before each request. Prints min / median / p90 in ms and the queries per
request. A report, not a gate (issue 17: a cold district page ≤ 15 ms at 30,000 villages).
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
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from villages.models import District, Township  # noqa: E402


def get(path: str) -> tuple[float, int, str]:
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
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        b"".join(application(environ, lambda s, h, e=None: status.append(s)))
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(queries), status[0]


def main(rounds: int) -> None:
    year = timezone.localdate().year
    districts = [f"/board/{code}/" for code in District.objects.values_list("code", flat=True)]
    townships = Township.objects.order_by("code").values_list("code", flat=True)
    townships = [f"/board/{code}/" for code in townships[:: max(1, len(townships) // 250)]]
    get(districts[0])  # imports, templates, the connection: not what a cold page costs
    print(f"{len(districts)} districts, {len(townships)} townships measured, year {year}")
    for label, paths in (("district", districts), ("township", townships)):
        times, counts = [], set()
        for _ in range(rounds):
            for path in paths:
                cache.clear()
                elapsed, count, status = get(path)
                assert status.startswith("200"), (path, status)
                times.append(elapsed)
                counts.add(count)
        times.sort()
        print(
            f"cold {label:9s} n={len(times):4d}  min {times[0]:6.1f}  "
            f"median {statistics.median(times):6.1f}  p90 {times[int(len(times) * 0.9)]:6.1f} ms"
            f"  queries {sorted(counts)}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
