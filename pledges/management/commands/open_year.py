"""`manage.py open_year --year Y [--carry-over] [--district CODE ...]`: open a year for every
village of the given districts (all of them when none is given), as a province or a city
would, with the same job as the district's page (services.open_year_job_run), one district
after the other in this process, printing the progress after each batch."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lib.years import parse_year
from pledges import services
from pledges.models import OpenYearJob
from villages.models import District


class Command(BaseCommand):
    help = "Open a year for every village of some districts (all when none is given)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="the year to open")
        parser.add_argument(
            "--carry-over",
            action="store_true",
            help="start each new list with the village's unfinished projects of the year before",
        )
        parser.add_argument(
            "--district",
            dest="districts",
            nargs="+",
            action="extend",
            default=[],
            metavar="CODE",
            help="the districts' 6-digit codes (default: every district)",
        )
        parser.add_argument(
            "--user", help="the username the history records as who opened the year"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=services.OPEN_YEAR_BATCH,
            help=f"villages per transaction (default {services.OPEN_YEAR_BATCH})",
        )

    def handle(self, *args, year, carry_over, districts, user, batch_size, **options):
        if parse_year(str(year)) is None:
            raise CommandError("--year must be a year from 2000 to 2100.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        places = District.objects.order_by("code")
        if districts:
            places = places.filter(code__in=districts)
            missing = set(districts) - {district.code for district in places}
            if missing:
                raise CommandError(f"No district with the code {', '.join(sorted(missing))}.")
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"No user {user}.")
        self.verbose = options["verbosity"] >= 1
        places = list(places)
        self.total = services.villages_to_open(year, places).count()
        self.done_before = 0
        self.say(f"Opening {year} for {self.total:,} villages in {len(places):,} districts.")
        started = time.monotonic()
        jobs, failed = [], []
        for district in places:
            job, _created = services.open_year_job_create(
                district=district, year=year, by=by, carry_over=carry_over
            )
            job = services.open_year_job_run(
                job_pk=job.pk, batch_size=batch_size, on_batch=self.progress
            )
            if job.is_active:
                self.stderr.write(f"{district.code} {district.name}: already being opened.")
                continue
            jobs.append(job)
            self.done_before += job.done
            if job.status == OpenYearJob.Status.FAILED:
                failed.append(job)
                self.stderr.write(f"{district.code} {district.name}: {job.message}")
        self.summary(year, jobs, time.monotonic() - started)
        if failed:
            raise CommandError(f"{len(failed)} of {len(jobs)} districts stopped by an error.")

    def say(self, text: str) -> None:
        if self.verbose:
            self.stdout.write(text)

    def progress(self, job: OpenYearJob) -> None:
        done = self.done_before + job.done
        self.say(
            f"[{done:,} / {self.total:,}] {job.district.code} {job.district.name}: "
            f"{job.done:,} / {job.total:,} villages, {job.projects_carried:,} projects carried"
        )

    def summary(self, year: int, jobs: list, seconds: float) -> None:
        lists = sum(job.lists_created for job in jobs)
        carried = sum(job.projects_carried for job in jobs)
        awaiting = sum(job.awaiting_verification for job in jobs)
        rate = lists / seconds if seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Opened {year} in {len(jobs):,} districts: {lists:,} lists created, "
                f"{carried:,} projects carried over, {awaiting:,} completed projects left "
                f"for verification, in {seconds:.1f} s ({rate:,.0f} lists/s)."
            )
        )
