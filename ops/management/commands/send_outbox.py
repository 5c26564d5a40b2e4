from django.core.management.base import BaseCommand

from ops.services import send_outbox


class Command(BaseCommand):
    help = "Queue the background work kept while the broker was down (also runs every minute)."

    def handle(self, *args, **options):
        self.stdout.write(f"Sent {send_outbox()} queued tasks.")
