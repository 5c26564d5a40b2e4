"""Queueing background work so that a broker outage never breaks a page.

    from ops.services import enqueue
    enqueue(send_messages_task, ids)   # instead of send_messages_task.delay_on_commit(ids)

The task is published when the current transaction commits (nothing is sent for a
rolled-back one). If the broker cannot be reached, the call is kept in the outbox table and
the sweeper publishes it later. Tasks must be safe to run twice (Celery delivers at least
once, and so does the outbox).
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
BROKER_ERRORS = (OperationalError, RedisError, ConnectionError, TimeoutError)


def enqueue(task, *args) -> None:
    """`task.delay_on_commit(*args)` that falls back to the outbox when the broker is down."""
    transaction.on_commit(lambda: publish(task.name, list(args)))


def publish(name: str, args: list) -> bool:
    """Send one task call to the broker now; keep it in the outbox if that fails."""
    app = current_app
    if app.conf.task_always_eager:  # no broker (laptop, tests): run it here, errors and all
        app.tasks[name].apply(args=args, throw=True)
        return True
    try:
        app.tasks[name].apply_async(args, retry_policy=PUBLISH_RETRY)
    except BROKER_ERRORS as error:
        logger.warning("broker unreachable, %s kept in the outbox: %s", name, error)
        OutboxTask.objects.create(task=name, args=args, last_error=str(error)[:1000])
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
            task = current_app.tasks[row.task]
            if current_app.conf.task_always_eager:
                task.apply(args=row.args, throw=True)
            else:
                task.apply_async(row.args, retry_policy=PUBLISH_RETRY)
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
