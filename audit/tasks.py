from celery import shared_task

from .models import SecurityEvent


@shared_task
def purge_security_events() -> int:
    """Daily: remove events older than SECURITY_EVENT_RETENTION_DAYS."""
    return SecurityEvent.objects.purge()
