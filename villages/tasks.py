from celery import shared_task

from .models import Village


@shared_task
def ping() -> dict:
    """Answer from the worker with a figure read from the database.

    Proves a worker is alive, consumes from the broker and reaches the same database as the web
    process. Operators: `celery -A config call villages.tasks.ping`.
    """
    return {"pong": True, "villages": Village.objects.count()}
