"""`seed_villages`: the ground floor of `seed_demo`, the demo district and one user per role
(built by `demo.places`)."""

import time

from django.core.management.base import BaseCommand, CommandError

from demo import places


class Command(BaseCommand):
    help = "Create the demo district, townships, villages and one demo user per role."

    def add_arguments(self, parser):
        parser.add_argument("--villages", type=int, default=places.VILLAGES_PER_DISTRICT)
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="Pledge year for the demo lists (default: this year).",
        )
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--villages-per-district", type=int, default=places.VILLAGES_PER_DISTRICT
        )
        parser.add_argument(
            "--districts-per-city",
            type=int,
            default=places.DISTRICTS_PER_CITY,
            help=f"At most {places.MAX_DISTRICTS_PER_CITY} (two digits of a district's code).",
        )

    def handle(self, *args, villages: int, year: int | None, seed: int, **options):
        per_district = options["villages_per_district"]
        per_city = options["districts_per_city"]
        if villages < 1 or per_district < 1:
            raise CommandError("--villages and --villages-per-district must be at least 1.")
        if not 1 <= per_city <= places.MAX_DISTRICTS_PER_CITY:
            raise CommandError(
                f"--districts-per-city must be 1 to {places.MAX_DISTRICTS_PER_CITY}."
            )
        if places.is_loaded():
            self.stdout.write("The demo district is already loaded; nothing to do.")
        else:
            started = time.monotonic()
            counts = places.seed(
                villages=villages, seed=seed, per_district=per_district, per_city=per_city
            )
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo loaded: {cities} cities, {districts} districts, {townships} townships, "
                    "{villages} "
                    "villages in {seconds:.1f} s.".format(
                        seconds=time.monotonic() - started, **counts
                    )
                )
            )
        self.stdout.write(places.LOG_INS)
