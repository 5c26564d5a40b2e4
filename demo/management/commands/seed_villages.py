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

    def handle(self, *args, villages: int, year: int | None, seed: int, **options):
        if villages < 1:
            raise CommandError("--villages must be at least 1.")
        if places.is_loaded():
            self.stdout.write("The demo district is already loaded; nothing to do.")
        else:
            started = time.monotonic()
            counts = places.seed(villages=villages, seed=seed)
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo loaded: {districts} districts, {townships} townships, {villages} "
                    "villages in {seconds:.1f} s.".format(
                        seconds=time.monotonic() - started, **counts
                    )
                )
            )
        self.stdout.write(places.LOG_INS)
