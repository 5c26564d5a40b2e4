"""Redis down: every page still answers (the cache fails soft), and work that would be queued
is kept in the outbox and sent by the sweeper once the broker is back. The broker "stops" by
pointing at a closed port; with REDIS_URL set, the same is run against the real Redis with a
real worker."""

import contextlib
import io
import threading
import time

import pytest
from celery import shared_task
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, TransactionTestCase, override_settings

from config.celery import app
from ops.models import OutboxTask
from ops.services import enqueue, send_outbox
from tests.audit import world
from tests.audit.test_scope_walk import walk_urls

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused
DONE: list = []
DONE_LOCK = threading.Lock()


@shared_task(name="tests.ops.note")
def note(value: str) -> str:
    """A task whose effect a test can see (the worker runs in a thread of this process)."""
    with DONE_LOCK:
        DONE.append(value)
    return value


@contextlib.contextmanager
def broker_at(url: str, *, eager: bool = False):
    """Point the Celery app at another broker for the block (its connection pools too)."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, eager
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._pool = None
        app.amqp._producer_pool = None


CACHE_DOWN = {
    "default": {
        "BACKEND": "ops.cache.FailSoftRedisCache",
        "LOCATION": CLOSED_PORT,
        "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
    }
}


@override_settings(CACHES=CACHE_DOWN)
class CacheDownPagesTests(TestCase):
    """The whole site with the cache unreachable, as a visitor and as a township cadre."""

    @classmethod
    def setUpTestData(cls):
        cls.world = world.build()

    def tearDown(self):
        caches["default"].close()

    def test_every_page_answers_without_the_cache(self):
        urls, problems = walk_urls(self.world["fillers"])
        self.assertEqual(problems, [])
        failures, answered = [], 0
        for role in ("anonymous", "township_cadre"):
            self.client.logout()
            if self.world["users"][role]:
                self.client.force_login(self.world["users"][role])
            for name, url in urls:
                try:
                    status = self.client.get(url).status_code
                except Exception as error:
                    failures.append(f"{role} {url}: {type(error).__name__}: {error}")
                    continue
                answered += 1
                if name == "healthz":  # the one page that must say the cache is down
                    self.assertEqual(status, 503)
                elif status >= 500:
                    failures.append(f"{role} {url} ({name}): {status}")
        self.assertEqual(failures, [], "\n".join(failures))
        self.assertGreater(answered, 400)

    def test_a_cache_that_is_down_is_skipped_for_a_few_seconds_after_a_failure(self):
        cache = caches["default"]
        cache.get("warm-up")  # fails and marks the cache down
        started = time.monotonic()
        for n in range(200):
            self.assertIsNone(cache.get(f"key{n}"))
            cache.set(f"key{n}", n)
        self.assertLess(time.monotonic() - started, 0.5)


class OutboxTests(TestCase):
    def setUp(self):
        DONE.clear()

    def test_work_asked_for_while_the_broker_is_down_waits_in_the_outbox(self):
        with broker_at(CLOSED_PORT), self.captureOnCommitCallbacks(execute=True):
            started = time.monotonic()
            with transaction.atomic():
                enqueue(note.name, "while down")
        self.assertLess(time.monotonic() - started, 3)  # the page that asked is not held up
        row = OutboxTask.objects.get()
        self.assertEqual((row.task, row.args, row.sent), ("tests.ops.note", ["while down"], None))
        self.assertIn("127.0.0.1:1", row.last_error)
        self.assertEqual(DONE, [])
        # Still down: the sweeper tries, keeps it, and says so.
        with broker_at(CLOSED_PORT):
            self.assertEqual(send_outbox(), 0)
        self.assertIsNone(OutboxTask.objects.get().sent)
        # Back (here: in-process): the sweeper sends it once.
        out = io.StringIO()
        call_command("send_outbox", stdout=out)
        self.assertIn("Sent 1", out.getvalue())
        self.assertEqual(DONE, ["while down"])
        self.assertIsNotNone(OutboxTask.objects.get().sent)
        self.assertEqual(send_outbox(), 0)  # twice is harmless
        self.assertEqual(DONE, ["while down"])

    def test_nothing_is_queued_for_a_rolled_back_transaction(self):
        with (
            broker_at(CLOSED_PORT),
            self.captureOnCommitCallbacks(execute=True),
            contextlib.suppress(RuntimeError),
            transaction.atomic(),
        ):
            enqueue(note.name, "never")
            raise RuntimeError
        self.assertFalse(OutboxTask.objects.exists())

    def test_with_a_broker_nothing_is_kept(self):
        with self.captureOnCommitCallbacks(execute=True):
            enqueue(note.name, "now")
        self.assertEqual(DONE, ["now"])
        self.assertFalse(OutboxTask.objects.exists())

    def test_an_unknown_task_stays_in_the_outbox_with_the_reason(self):
        OutboxTask.objects.create(task="nowhere.task", args=[1])
        self.assertEqual(send_outbox(), 0)
        self.assertEqual(OutboxTask.objects.get().last_error, "unknown task")


@pytest.mark.celery_worker
@pytest.mark.usefixtures("celery_worker")
class RealRedisOutageTests(TransactionTestCase):
    """The real broker: sent straight away while it answers, kept while it does not, sent
    by the sweeper when it is back."""

    def setUp(self):
        DONE.clear()

    def wait_for(self, value: str) -> None:
        deadline = time.monotonic() + 20
        while value not in DONE and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn(value, DONE)

    def test_the_broker_going_away_and_coming_back(self):
        with transaction.atomic():
            enqueue(note.name, "up")
        self.wait_for("up")
        with broker_at(CLOSED_PORT), transaction.atomic():
            enqueue(note.name, "down")
        self.assertEqual(OutboxTask.objects.filter(sent__isnull=True).count(), 1)
        self.assertEqual(send_outbox(), 1)
        self.wait_for("down")
        self.assertEqual(DONE.count("down"), 1)
