"""`seed_notices`: last month's notices for the demo district (built by `demo.notices`).
Called by `seed_demo`; does nothing when the district already has notices for that month."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from demo import notices
from notices.models import period_of, previous_period


class Command(BaseCommand):
    help = "Write last month's notices for the demo district (in-app inbox only)."

    def add_arguments(self, parser):
        parser.add_argument("--district", default=notices.DEMO_DISTRICT)
        parser.add_argument("--period", help="YYYY-MM (default: last month)")

    def handle(self, *args, district: str, period: str | None, **options):
        period = period or previous_period(period_of(timezone.localdate()))
        self.stdout.write(notices.seed(district=district, period=period))
