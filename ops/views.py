import logging
import time

from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("ops")


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    ping = getattr(cache, "ping", None)
    if ping is not None:  # the fail-soft Redis cache: ask Redis itself
        ping()
    else:  # in-process cache: a round trip is all there is to check
        cache.set("healthz", "1", 10)


def _broker() -> str:
    app = current_app
    if app.conf.task_always_eager or not app.conf.broker_url:
        return "not configured"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    return "ok"


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
@require_GET
def healthz(request):
    """Readiness for load balancers and monitoring: database, cache and broker reachability
    as JSON, 200 when all answer, 503 naming the ones that did not. No addresses, versions
    or error texts (they go to the log)."""
    results, started = {}, time.monotonic()
    for name, check in CHECKS.items():
        try:
            results[name] = check() or "ok"
        except Exception:
            logger.exception("health check %s failed", name)
            results[name] = "unreachable"
    healthy = all(value != "unreachable" for value in results.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": results,
        "seconds": round(time.monotonic() - started, 3),
    }
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
def live(request):
    """Liveness: the process answers. Touches nothing, so benchmarks measure against it."""
    return HttpResponse("ok", content_type="text/plain")
