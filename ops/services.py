"""The one way to queue background work, so that a broker outage never breaks a page.

    from ops.services import enqueue
    enqueue("residents.tasks.send_messages", ids)   # not .delay() nor .delay_on_commit()

The task is named, not imported, so a service never imports its own tasks module (the
tasks call the services). It is published when the current transaction commits (nothing is
sent for a rolled-back one). If the broker cannot be reached, the call is kept in the outbox
table and the sweeper publishes it later. Tasks must be safe to run twice (Celery delivers at
least once, and so does the outbox).
"""

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from .models import OutboxTask

logger = logging.getLogger("ops")

# Publishing to a broker that is down fails at once instead of after kombu's default retries
# (seconds per call): the outbox keeps the work and the sweeper sends it.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
BROKER_ERRORS = (OperationalError, RedisError, OSError)


def enqueue(task: str, *args, countdown: float | None = None, on_kept=None) -> None:
    """Queue the task named `task` ("app.tasks.name") with `args` once the transaction
    commits, `countdown` seconds later; when the broker cannot take it, keep it in the
    outbox and tell `on_kept(error)` (a page can then say the work waits)."""
    transaction.on_commit(lambda: publish(task, list(args), countdown=countdown, on_kept=on_kept))


def is_eager() -> bool:
    """No broker (a laptop, the tests): tasks run in-process, at once."""
    return bool(current_app.conf.task_always_eager)


def registered(name: str):
    """The task called `name`. Tasks modules are imported by Celery's autodiscovery, which a
    web process triggers here (once: later calls find them imported)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def _send_now(name: str, args: list, countdown: float | None = None) -> None:
    """Hand one call to the broker; with no broker (laptop, tests) run it here, errors and
    all. KeyError for a name no task has."""
    task = registered(name)
    if is_eager():
        task.apply(args=args, throw=True)
    else:
        task.apply_async(args, countdown=countdown, retry_policy=PUBLISH_RETRY)


def publish(name: str, args: list, *, countdown: float | None = None, on_kept=None) -> bool:
    """Send one task call to the broker now; keep it in the outbox if that fails."""
    try:
        _send_now(name, args, countdown)
    except BROKER_ERRORS as error:
        logger.warning("broker unreachable, %s kept in the outbox: %s", name, error)
        OutboxTask.objects.create(task=name, args=args, last_error=str(error)[:1000])
        if on_kept is not None:
            on_kept(error)
        return False
    return True


def send_outbox(limit: int = 1000) -> int:
    """Publish what the outbox holds, oldest first; stop at the first broker failure.
    Each row is claimed with a conditional UPDATE, so two sweepers never both send it."""
    sent = 0
    for row in OutboxTask.objects.pending()[:limit]:
        claimed = OutboxTask.objects.filter(pk=row.pk, sent__isnull=True).update(
            sent=timezone.now(), attempts=row.attempts + 1
        )
        if not claimed:
            continue
        try:
            _send_now(row.task, row.args)
        except BROKER_ERRORS as error:
            OutboxTask.objects.filter(pk=row.pk).update(sent=None, last_error=str(error)[:1000])
            logger.warning("broker still unreachable; %s left in the outbox", row.task)
            break
        except KeyError:
            OutboxTask.objects.filter(pk=row.pk).update(sent=None, last_error="unknown task")
            logger.error("outbox row %s names an unknown task %s", row.pk, row.task)
            continue
        sent += 1
    return sent
