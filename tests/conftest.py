"""Test wiring: which tests need a real service, and how they skip where it is missing.

`.ci/run` provides PostgreSQL, Redis and Chromium and fails the build if any test skipped.
"""

import os
import shutil

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told it is safe (it is: tests are single-threaded).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the playwright package"
    if not shutil.which(CHROMIUM):
        return f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    reasons = {
        "celery_worker": None
        if os.environ.get("REDIS_URL")
        else "needs REDIS_URL to start a real Celery worker on Redis",
        "redis": None if os.environ.get("REDIS_URL") else "needs REDIS_URL (a real Redis)",
        "postgres": None
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else "needs DATABASE_URL=postgres://... to run on PostgreSQL",
        "browser": _browser_missing(),
        "replica": None
        if os.environ.get("TEST_REPLICA_URL")
        and os.environ.get("DATABASE_URL", "").startswith("postgres")
        else "needs TEST_REPLICA_URL (a streaming replica of DATABASE_URL's PostgreSQL:"
        " bash ops/replica/start)",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _eager_celery_unless_real_worker(request, settings):
    """Tasks run in-process unless the test starts a real worker."""
    from config.celery import app

    eager = request.node.get_closest_marker("celery_worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


def _close_worker_connections(**kwargs):
    # The in-process worker thread opens its own database connection; close it after each
    # task so the test database can be dropped at the end of the run.
    connections.close_all()


@pytest.fixture
def celery_worker():
    """A real Celery worker on the configured broker, in a thread of this process.

    Use with `@pytest.mark.celery_worker` and `@pytest.mark.django_db(transaction=True)`: the
    worker has its own connection and sees only committed rows.
    """
    from config.celery import app

    task_postrun.connect(_close_worker_connections)
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield app
    task_postrun.disconnect(_close_worker_connections)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, end sessions left by server threads so the test database can be dropped."""
    yield
    with django_db_blocker.unblock():
        connection = connections["default"]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
