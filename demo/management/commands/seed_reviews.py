"""`seed_reviews`: the year-end review (年度评议) layer of `seed_demo`, for a past year (built
by `demo.reviews`)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from demo import reviews


class Command(BaseCommand):
    help = "Add published pledge lists (if missing) and year-end reviews for a past year."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, default=None, help="The reviewed year (default: last year)."
        )
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, year: int | None, seed: int, **options):
        year = year or timezone.localdate().year - 1
        if reviews.is_loaded(year):
            self.stdout.write(f"Reviews of {year} are already loaded; nothing to do.")
            return
        started = time.monotonic()
        counts = reviews.seed(year=year, seed=seed)
        self.stdout.write(
            self.style.SUCCESS(
                "Year-end reviews of {year}: {lists} lists added, {reviews} reviews "
                "({published} published), {invitations} invitations, {ballots} ballots "
                "in {seconds:.1f} s.".format(
                    year=year, seconds=time.monotonic() - started, **counts
                )
            )
        )
