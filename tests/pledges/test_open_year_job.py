"""The job that opens a year: batches of villages, each in its own transaction, safe to run
twice, a failure keeping what earlier batches wrote; the same queries for every batch; and the
`open_year` command that runs it for several districts."""

import datetime
import io
import time
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from pledges import services
from pledges.models import OpenYearJob, PledgeList, Project
from pledges.signals import written_in_bulk
from tests.factories import (
    MembershipFactory,
    PledgeListFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    full_list,
)
from villages.models import Membership

LAST, THIS = 2025, 2026
Status = Project.Status


def village_with_last_year(township, statuses=None):
    """A village whose published list of LAST has 10 projects: 1 verified, 2 completed and
    waiting for verification, 3–10 planned (or as `statuses` says by number)."""
    village = VillageFactory(township=township)
    pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=LAST)
    statuses = statuses or {1: Status.VERIFIED, 2: Status.COMPLETED}
    for number, status in statuses.items():
        Project.objects.filter(pledge_list=pledge_list, number=number).update(status=status)
    return village


def new_job(district, *, by=None, carry_over=True) -> OpenYearJob:
    job, created = services.open_year_job_create(
        district=district, year=THIS, by=by, carry_over=carry_over
    )
    assert created
    return job


@contextmanager
def receivers_of_written_in_bulk(*receivers):
    """Only `receivers` hear written_in_bulk meanwhile: what the board's stamps and the
    figures do with it is theirs to count (their own tests and bench/open_year do)."""
    saved = written_in_bulk.receivers
    written_in_bulk.receivers = []
    written_in_bulk.sender_receivers_cache.clear()
    for receiver in receivers:
        written_in_bulk.connect(receiver, weak=False)
    try:
        yield
    finally:
        written_in_bulk.receivers = saved
        written_in_bulk.sender_receivers_cache.clear()


class OpenYearJobTests(TestCase):
    def setUp(self):
        self.township = TownshipFactory()
        self.district = self.township.district
        self.villages = [village_with_last_year(self.township) for _ in range(3)]
        self.user = UserFactory()

    def test_it_opens_every_village_in_batches_and_keeps_the_figures(self):
        job = new_job(self.district, by=self.user)
        seen = []
        services.open_year_job_run(
            job_pk=job.pk, batch_size=2, on_batch=lambda job: seen.append(job.done)
        )
        job.refresh_from_db()
        self.assertEqual(seen, [2, 3])
        self.assertEqual(
            (job.status, job.total, job.done, job.lists_created),
            (OpenYearJob.Status.DONE, 3, 3, 3),
        )
        self.assertEqual((job.projects_carried, job.awaiting_verification), (3 * 8, 3))
        self.assertIsNotNone(job.started_at)
        self.assertIsNotNone(job.finished_at)
        for village in self.villages:
            draft = PledgeList.objects.get(village=village, year=THIS)
            self.assertEqual(draft.status, PledgeList.Status.DRAFT)
            self.assertEqual(
                [(p.number, p.carried_from.number) for p in draft.projects.order_by("number")],
                [(n - 2, n) for n in range(3, 11)],
            )

    def test_each_new_row_has_its_creation_in_history_by_who_asked(self):
        job = new_job(self.district, by=self.user)
        services.open_year_job_run(job_pk=job.pk, batch_size=2)
        draft = PledgeList.objects.get(village=self.villages[0], year=THIS)
        [created] = draft.history.all()
        self.assertEqual((created.history_type, created.history_user), ("+", self.user))
        copy = draft.projects.get(number=1)
        [created] = copy.history.all()
        self.assertEqual((created.history_type, created.history_user), ("+", self.user))
        old = copy.carried_from
        self.assertEqual(
            (created.title, created.lead_name, created.target_quantity, created.carried_from_id),
            (old.title, old.lead_name, old.target_quantity, old.pk),
        )
        # What it promised, not how far it got; stamped now.
        self.assertEqual(
            (copy.status, copy.percent_done, copy.review_comment, copy.planned_finish),
            (Status.PLANNED, 0, "", None),
        )
        self.assertLess(timezone.now() - copy.created, datetime.timedelta(minutes=1))
        self.assertEqual(copy.created, copy.modified)
        self.assertEqual(Project.history.filter(pledge_list__year=THIS).count(), 3 * 8)
        # Each history row holds the row as it was written, as save() would have recorded it.
        for row in (draft, copy):
            [created] = row.history.all()
            for field in type(created).tracked_fields:
                self.assertEqual(
                    getattr(created, field.attname), getattr(row, field.attname), field.name
                )
            self.assertIsNone(created.history_change_reason)

    def test_a_job_delivered_twice_runs_once(self):
        job = new_job(self.district)
        services.open_year_job_run(job_pk=job.pk)
        with self.assertNumQueries(2):  # the job, the claim that finds it done
            services.open_year_job_run(job_pk=job.pk)
        self.assertEqual(PledgeList.objects.filter(year=THIS).count(), 3)

    def test_opening_again_creates_nothing_and_carries_nothing_twice(self):
        self.assertEqual(
            services.pledge_list_open_year(
                district=self.district, year=THIS, by=self.user, carry_over=True
            ),
            3,
        )
        again = new_job(self.district, by=self.user)
        self.assertEqual(again.total, 0)
        services.open_year_job_run(job_pk=again.pk)
        again.refresh_from_db()
        self.assertEqual(
            (again.status, again.lists_created, again.projects_carried), ("done", 0, 0)
        )
        self.assertEqual(PledgeList.objects.filter(year=THIS).count(), 3)
        self.assertEqual(Project.objects.filter(pledge_list__year=THIS).count(), 3 * 8)

    def test_a_village_that_started_its_own_list_meanwhile_is_left_as_it_is(self):
        own = PledgeListFactory(village=self.villages[1], year=THIS)
        job = new_job(self.district)
        services.open_year_job_run(job_pk=job.pk, batch_size=1)
        job.refresh_from_db()
        self.assertEqual((job.total, job.done, job.lists_created), (2, 2, 2))
        self.assertFalse(own.projects.exists())  # the committee carries over itself, if it wishes

    def test_a_failing_batch_keeps_the_batches_before_it_and_fails_the_job_with_a_message(self):
        batches = []

        def second_batch_breaks(sender, village_ids, **kwargs):
            batches.append(list(village_ids))
            if len(batches) == 2:
                raise RuntimeError("the summary table is locked")

        job = new_job(self.district, by=self.user)
        written_in_bulk.connect(second_batch_breaks, weak=False)
        try:
            with self.assertLogs("pledges.services", "ERROR"):
                services.open_year_job_run(job_pk=job.pk, batch_size=1)
        finally:
            written_in_bulk.disconnect(second_batch_breaks)
        job.refresh_from_db()
        self.assertEqual(job.status, OpenYearJob.Status.FAILED)
        self.assertEqual((job.done, job.lists_created, job.projects_carried), (1, 1, 8))
        self.assertIn("1个村", job.message)
        # The first batch is kept whole; the second left nothing behind.
        first, second = batches
        self.assertEqual(
            list(PledgeList.objects.filter(year=THIS).values_list("village", flat=True)), first
        )
        self.assertEqual(Project.objects.filter(pledge_list__year=THIS).count(), 8)
        self.assertEqual(Project.history.filter(pledge_list__year=THIS).count(), 8)
        # Opening again finishes the others, and carries nothing twice.
        retry = new_job(self.district, by=self.user)
        self.assertEqual(retry.total, 2)
        services.open_year_job_run(job_pk=retry.pk)
        self.assertEqual(PledgeList.objects.filter(year=THIS).count(), 3)
        self.assertEqual(Project.objects.filter(pledge_list__year=THIS).count(), 3 * 8)

    def test_every_batch_says_which_villages_it_wrote(self):
        heard = []

        def record(sender, village_ids, years=None, **kwargs):
            heard.append((sender, sorted(village_ids), years))

        with receivers_of_written_in_bulk(record):
            services.open_year_job_run(job_pk=new_job(self.district).pk, batch_size=2)
        ids = sorted(village.pk for village in self.villages)
        self.assertEqual(heard, [(PledgeList, ids[:2], [THIS]), (PledgeList, ids[2:], [THIS])])

    def test_a_running_job_is_claimed_once_and_again_only_once_it_has_stalled(self):
        job = new_job(self.district)
        self.assertTrue(job.claim())
        self.assertFalse(OpenYearJob.objects.get(pk=job.pk).claim())  # its worker is at it
        OpenYearJob.objects.filter(pk=job.pk).update(
            modified=timezone.now() - datetime.timedelta(minutes=10)
        )
        stalled = OpenYearJob.objects.get(pk=job.pk)
        self.assertTrue(stalled.is_stalled)
        self.assertTrue(stalled.claim())

    def test_only_one_job_waits_or_runs_per_district_and_year(self):
        job = new_job(self.district)
        same, created = services.open_year_job_create(
            district=self.district, year=THIS, by=None, carry_over=False
        )
        self.assertEqual((same, created), (job, False))
        # The constraint behind it, for two requests that both found none.
        with self.assertRaises(IntegrityError), transaction.atomic():
            OpenYearJob.objects.create(district=self.district, year=THIS)


class OpenYearQueryBudgetTests(TestCase):
    """The same queries for every batch, whatever its size: no query per village."""

    def setUp(self):
        self.user = UserFactory()

    def run_job(self, villages: int, batch_size: int, carry_over: bool, queries: int) -> None:
        township = TownshipFactory()
        for _ in range(villages):
            village_with_last_year(township)
        job = new_job(township.district, by=self.user, carry_over=carry_over)
        quiet = receivers_of_written_in_bulk(lambda **kwargs: None)
        with quiet, self.assertNumQueries(queries):
            services.open_year_job_run(job_pk=job.pk, batch_size=batch_size)
        job.refresh_from_db()
        self.assertEqual((job.status, job.lists_created), ("done", villages))

    def test_a_batch_with_carry_over(self):
        # the job and its claim (2); per batch: a savepoint, the next villages, the lists,
        # their history, the copies of last year's unfinished projects, their history, the
        # count of completed ones left for verification, the job's figures, the release (9);
        # after a full batch, one more look (a savepoint, no village left, the release: 3);
        # the job done (1).
        for villages, batch_size in ((2, 1), (6, 3)):
            with self.subTest(villages=villages, batch_size=batch_size):
                self.run_job(villages, batch_size, carry_over=True, queries=2 + 2 * 9 + 3 + 1)
        with self.subTest("the last batch not full: no look beyond it"):
            self.run_job(5, 2, carry_over=True, queries=2 + 3 * 9 + 1)

    def test_a_batch_without_carry_over(self):
        # as above, less the copies, their history and the count (6 per batch)
        for villages, batch_size in ((2, 1), (6, 3)):
            with self.subTest(villages=villages, batch_size=batch_size):
                self.run_job(villages, batch_size, carry_over=False, queries=2 + 2 * 6 + 3 + 1)


class OpenYearCommandTests(TestCase):
    def setUp(self):
        self.first = village_with_last_year(TownshipFactory())
        self.second = village_with_last_year(TownshipFactory())

    def command(self, *args) -> str:
        out = io.StringIO()
        call_command("open_year", "--year", str(THIS), *args, stdout=out, stderr=io.StringIO())
        return out.getvalue()

    def test_it_opens_the_districts_named_and_prints_the_progress(self):
        district = self.first.township.district
        out = self.command("--carry-over", "--district", district.code)
        self.assertIn(f"[1 / 1] {district.code} {district.name}: 1 / 1 villages", out)
        self.assertIn("Opened 2026 in 1 districts: 1 lists created, 8 projects carried over", out)
        self.assertTrue(PledgeList.objects.filter(village=self.first, year=THIS).exists())
        self.assertFalse(PledgeList.objects.filter(village=self.second, year=THIS).exists())
        job = OpenYearJob.objects.get()
        self.assertEqual((job.district, job.status, job.created_by), (district, "done", None))

    def test_without_districts_it_opens_every_one_and_again_it_opens_nothing(self):
        out = self.command("--carry-over", "--user", UserFactory(username="sheng").username)
        self.assertIn("2 lists created, 16 projects carried over", out)
        self.assertEqual(
            set(OpenYearJob.objects.values_list("created_by__username", flat=True)), {"sheng"}
        )
        self.assertIn("0 lists created, 0 projects carried over", self.command("--carry-over"))
        self.assertEqual(Project.objects.filter(pledge_list__year=THIS).count(), 16)

    def test_an_unknown_district_or_user_is_refused_before_anything_is_written(self):
        with self.assertRaisesMessage(CommandError, "999999"):
            self.command("--district", self.first.township.district.code, "999999")
        with self.assertRaisesMessage(CommandError, "nobody"):
            self.command("--user", "nobody")
        self.assertFalse(OpenYearJob.objects.exists())


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_opens_the_year_while_the_page_follows_it(client, celery_worker):
    village = village_with_last_year(TownshipFactory())
    district = village.township.district
    admin = MembershipFactory(role=Membership.Role.DISTRICT_ADMIN, district=district).user
    client.force_login(admin)
    url = reverse("pledges:open_year", args=[district.code])
    year = timezone.localdate().year
    response = client.post(f"{url}?year={year}", {"confirmed": "1"})
    job = OpenYearJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    deadline = timezone.now() + datetime.timedelta(seconds=30)
    while job.is_active and timezone.now() < deadline:
        time.sleep(0.1)
        job.refresh_from_db()
    assert job.status == OpenYearJob.Status.DONE, job.message
    assert PledgeList.objects.filter(village=village, year=year).exists()
    assert "已开启" in client.get(job.get_absolute_url()).content.decode()
