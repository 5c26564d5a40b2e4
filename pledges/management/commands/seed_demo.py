"""`seed_demo`: the demo district (villages, users; see `seed_villages`) plus a year of
pledge lists for every demo village."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from villages.management.commands.seed_villages import VILLAGES_PER_DISTRICT


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

    def handle(self, *args, villages: int, year: int | None, seed: int, **options):
        call_command(
            "seed_villages",
            villages=villages,
            year=year,
            seed=seed,
            stdout=self.stdout,
            stderr=self.stderr,
        )
