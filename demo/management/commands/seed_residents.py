"""`seed_residents`: the residents' layer of the demo (built by `demo.residents`), called by
`seed_demo`."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from demo import residents


class Command(BaseCommand):
    help = "Demo data for challenges, reports, follows and standard replies."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, year: int | None, **options):
        line = residents.seed(year=year or timezone.localdate().year)
        if line:
            self.stdout.write(line)
