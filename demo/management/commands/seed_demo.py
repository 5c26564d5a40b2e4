"""`seed_demo`: the demo district (villages, users; `seed_villages`) plus a year of pledge
lists for every demo village and the opinion collection around them (`demo.pledge_lists`),
then last month's notices, the residents' layer and the year before reviewed.

A seed always gives the same rows (see `demo.pledge_lists` and `demo.suggestions`); rows are
written a few hundred villages at a time (`demo.bulk`), so `--villages 30000` stays within
minutes and bounded memory.
"""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from demo import pledge_lists
from demo.places import DISTRICTS_PER_CITY, VILLAGES_PER_DISTRICT
from pledges.models import PledgeList
from pledges.signals import written_in_bulk
from villages.models import Village


class Command(BaseCommand):
    help = "Create the demo district, its users and a year of pledge lists."

    def add_arguments(self, parser):
        parser.add_argument("--villages", type=int, default=VILLAGES_PER_DISTRICT)
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="Pledge year for the demo lists (default: this year).",
        )
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--villages-per-district", type=int, default=VILLAGES_PER_DISTRICT)
        parser.add_argument("--districts-per-city", type=int, default=DISTRICTS_PER_CITY)
        parser.add_argument(
            "--no-reviews",
            dest="reviews",
            action="store_false",
            help="Skip the year-end reviews of the year before (reviews' seed_reviews).",
        )

    def handle(self, *args, villages: int, year: int | None, seed: int, reviews: bool, **options):
        year = year or timezone.localdate().year
        out = {"stdout": self.stdout, "stderr": self.stderr}
        with transaction.atomic():
            call_command(
                "seed_villages",
                villages=villages,
                year=year,
                seed=seed,
                villages_per_district=options["villages_per_district"],
                districts_per_city=options["districts_per_city"],
                **out,
            )
            if pledge_lists.is_loaded(year):
                self.stdout.write(f"Pledge lists for {year} are already loaded; nothing to do.")
                return
            started = time.monotonic()
            counts = pledge_lists.seed(year=year, seed=seed)
            # Last month's notices in the demo villages' inboxes; the residents' flows in 龙江村.
            call_command("seed_notices", **out)
            call_command("seed_residents", year=year, **out)
            if reviews:
                # The year before, reviewed (年度评议): its lists too, where missing.
                call_command("seed_reviews", year=year - 1, seed=seed, **out)
            # Written in bulk, without model signals: the board's stamps and figures recount.
            written_in_bulk.send(
                sender=PledgeList, village_ids=Village.objects.values_list("pk", flat=True)
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Pledge lists for {year}: {lists} lists, {projects} projects, {prohibitions} "
                "prohibitions, {updates} progress updates, {meetings} meetings, "
                "{suggestions} suggestions in {seconds:.1f} s.".format(
                    year=year, seconds=time.monotonic() - started, **counts
                )
            )
        )
