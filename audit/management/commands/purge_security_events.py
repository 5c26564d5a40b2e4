from django.conf import settings
from django.core.management.base import BaseCommand

from audit.models import SecurityEvent


class Command(BaseCommand):
    help = (
        "Remove security events older than SECURITY_EVENT_RETENTION_DAYS (default 180). "
        "Runs daily from Celery beat (audit.tasks.purge_security_events); safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="keep this many days instead of the setting",
        )

    def handle(self, *args, days=None, **options):
        days = settings.SECURITY_EVENT_RETENTION_DAYS if days is None else days
        removed = SecurityEvent.objects.purge(days=days)
        self.stdout.write(f"Removed {removed} security events older than {days} days.")
