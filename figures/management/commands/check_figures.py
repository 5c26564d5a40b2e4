"""`python manage.py check_figures [--fix]`: count every village's figures from scratch and
compare them with the stored rows (figures/services.py). Lists the differences and exits 1
when there are any; `--fix` rewrites the rows that differ (and recounts overdue where the
daily recount has not been yet) and exits 0."""

import time

from django.core.management.base import BaseCommand, CommandError

from figures import services
from villages.models import Village


class Command(BaseCommand):
    help = "Compare the board's per-village figures with a count from scratch."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="rewrite the rows that differ from the count"
        )

    def handle(self, *args, fix: bool, **options):
        started = time.monotonic()
        found = services.differences()
        codes = dict(
            Village.objects.filter(pk__in={d.village_id for d in found}).values_list("pk", "code")
        )
        for difference in found:
            self.stdout.write(
                f"{codes.get(difference.village_id, difference.village_id)} {difference.year} "
                f"{difference.name}: stored {difference.stored!r}, counted {difference.counted!r}"
            )
        places = len({(d.village_id, d.year) for d in found})
        checked = f"{len(found)} differences in {places} village-years"
        if fix:
            written = services.refresh(villages=None)
            self.stdout.write(
                f"{checked}; {written} rows rewritten in {time.monotonic() - started:.1f} s."
            )
            return
        if found:
            raise CommandError(f"{checked}; run check_figures --fix to rewrite them.")
        self.stdout.write(f"The figures agree with the count ({time.monotonic() - started:.1f} s).")
