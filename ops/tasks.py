from celery import shared_task

from . import services


@shared_task
def send_outbox() -> int:
    """Every minute (Celery beat): queue the work kept while the broker was down."""
    return services.send_outbox()
