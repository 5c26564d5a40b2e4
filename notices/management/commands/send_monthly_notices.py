"""`send_monthly_notices --period YYYY-MM [--township CODE] [--dry-run]`: what the monthly
schedule does, by hand. The run is recorded first, so if the queue is down the command still
answers and the sweeper sends everything once it is back."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notices import services
from notices.content import drafts_for_township
from notices.models import Notice, period_of, validate_period
from villages.models import Township


class Command(BaseCommand):
    help = "Write and send the month's progress notice to every village (or one township's)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM (default: this month)")
        parser.add_argument("--township", help="9-digit code: only this township's villages")
        parser.add_argument(
            "--dry-run", action="store_true", help="Write nothing: count and show one notice."
        )

    def handle(self, *args, period, township, dry_run, **options):
        period = period or period_of(timezone.localdate())
        try:
            validate_period(period)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        township_obj = None
        if township:
            township_obj = Township.objects.filter(code=township).first()
            if township_obj is None:
                raise CommandError(f"No township with the code {township}.")
        if dry_run:
            return self._dry_run(period, township_obj)
        run = services.notice_run_create(period=period, township=township_obj)
        if run.queue_error is not None:
            self.stderr.write(
                f"The queue is not available ({run.queue_error}). Run #{run.pk} is saved: "
                "the sweeper sends the notices once the broker is back."
            )
            return
        villages = run.villages().count()
        written = Notice.objects.filter(period=period, village__in=run.villages()).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Run #{run.pk} queued for {period}: {villages} villages, "
                f"{written} of them have their notice so far."
            )
        )

    def _dry_run(self, period: str, township: Township | None) -> None:
        townships = [township] if township else Township.objects.order_by("code")
        total, sample = 0, None
        for place in townships:
            drafts = drafts_for_township(place, period)
            total += len(drafts)
            if sample is None and drafts:
                sample = drafts[0]
        self.stdout.write(f"Dry run for {period}: {total} notices would be written; nothing saved.")
        if sample is not None:
            channels = ", ".join(channel for channel, _target in sample.channels) or "none"
            self.stdout.write(f"\n--- {sample.village} (channels: {channels}) ---\n{sample.body}")
