from celery import shared_task

from . import services


@shared_task(acks_late=True)
def send_messages(ids: list[int]) -> int:
    """Send these messages if they are still pending. A failed one is left for the sweeper,
    which retries it with a growing delay."""
    return services.send_pending(ids)


@shared_task
def sweep_messages() -> int:
    """Periodic (every 5 minutes): what is left pending or failed, and due again."""
    return services.sweep()
