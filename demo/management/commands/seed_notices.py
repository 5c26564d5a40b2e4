"""`seed_notices`: last month's notices for the demo district, delivered to the in-app inbox,
so the demo `village` user has notices to read. Called by `seed_demo`; does nothing when the
district already has notices for that month."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from notices import services
from notices.models import Delivery, Notice, NoticeRun, period_of, previous_period
from villages.models import District

DEMO_DISTRICT = "520302"


class Command(BaseCommand):
    help = "Write last month's notices for the demo district (in-app inbox only)."

    def add_arguments(self, parser):
        parser.add_argument("--district", default=DEMO_DISTRICT)
        parser.add_argument("--period", help="YYYY-MM (default: last month)")

    def handle(self, *args, district, period, **options):
        period = period or previous_period(period_of(timezone.localdate()))
        place = District.objects.filter(code=district).first()
        if place is None:
            self.stdout.write(f"No district {district}; no notices seeded.")
            return
        if Notice.objects.filter(period=period, township__district=place).exists():
            self.stdout.write(f"Notices for {period} are already there; nothing to do.")
            return
        written = 0
        for township in place.townships.order_by("code"):
            run = NoticeRun.objects.create(period=period, township=township)
            ids = services.notices_generate(run=run, township=township)
            # Only the inbox: a demo must not send e-mail or post to a robot, not even later.
            Delivery.objects.filter(notice_id__in=ids).exclude(
                channel=Delivery.Channel.INBOX
            ).delete()
            services.deliver_inbox(notice_ids=ids)
            NoticeRun.objects.filter(pk=run.pk).update(completed_at=timezone.now())
            written += len(ids)
        self.stdout.write(f"Notices for {period}: {written} villages of {place}.")
