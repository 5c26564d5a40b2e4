"""`python manage.py check_figures [--fix]`: count every village's figures from scratch and
compare them with the stored rows (figures/services.py), and the districts' sums with the sums
of their villages' rows. Lists the differences and exits 1 when there are any; `--fix`
rewrites the rows that differ (and recounts overdue where the daily recount has not been yet),
sums the districts again, and exits 0."""

import time

from django.core.management.base import BaseCommand, CommandError

from figures import services
from villages.models import District, Village


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
        districts = dict(
            District.objects.filter(pk__in={d.district_id for d in found}).values_list("pk", "code")
        )
        for difference in found:
            place = (
                codes.get(difference.village_id, difference.village_id)
                if difference.village_id is not None
                else f"district {districts.get(difference.district_id, difference.district_id)}"
            )
            self.stdout.write(
                f"{place} {difference.year} {difference.name}: "
                f"stored {difference.stored!r}, counted {difference.counted!r}"
            )
        places = len({(d.village_id, d.year) for d in found if d.village_id is not None})
        sums = len({(d.district_id, d.year) for d in found if d.village_id is None})
        checked = f"{len(found)} differences in {places} village-years"
        if sums:
            checked += f" and the sums of {sums} district-years"
        if fix:
            written = services.refresh(villages=None)
            services.rebuild_districts()
            self.stdout.write(
                f"{checked}; {written} rows rewritten in {time.monotonic() - started:.1f} s."
            )
            return
        if found:
            raise CommandError(f"{checked}; run check_figures --fix to rewrite them.")
        self.stdout.write(f"The figures agree with the count ({time.monotonic() - started:.1f} s).")
