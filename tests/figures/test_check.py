"""`manage.py check_figures`, filling the rows of an existing database, and the daily
recount of overdue projects."""

import datetime
from io import StringIO

from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from figures import services, tasks
from figures.models import Outcome, ReplyWait, VillageYear
from figures.signals import overdue_recounted
from pledges.models import PledgeList, Project
from suggestions.models import Suggestion
from tests.factories import VillageFactory, full_list

TODAY = timezone.localdate()
YEAR = TODAY.year
DAY = datetime.timedelta(days=1)


class CheckCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.pledge_list = full_list(
            status=PledgeList.Status.PUBLISHED, village=cls.village, year=YEAR
        )
        project = cls.pledge_list.projects.get(number=1)
        project.status = Project.Status.VERIFIED
        project.save()
        Suggestion.objects.create(
            village=cls.village,
            year=YEAR,
            text="修路",
            status=Suggestion.Status.NOT_ADOPTED,
            reply="明年安排",
            replied_at=timezone.now(),
            received=TODAY - 3 * DAY,
        )

    def check(self, *args) -> str:
        out = StringIO()
        call_command("check_figures", *args, stdout=out)
        return out.getvalue()


class CheckFiguresTests(CheckCase):
    def test_it_says_when_the_figures_agree(self):
        self.assertIn("The figures agree with the count", self.check())

    def test_it_lists_the_differences_and_fails_then_fixes_them(self):
        Project.objects.filter(pledge_list=self.pledge_list, number=2).update(
            status=Project.Status.VERIFIED
        )  # bypasses the models, says nothing
        Suggestion.objects.update(replied_at=None)
        with self.assertRaises(CommandError) as failed:
            self.check()
        self.assertIn("differences in 1 village-years", str(failed.exception))
        out = self.check("--fix")
        self.assertIn(f"{self.village.code} {YEAR} verified_count: stored 1, counted 2", out)
        self.assertIn(f"{self.village.code} {YEAR} answered: stored 1, counted 0", out)
        self.assertIn("1 rows rewritten", out)
        self.assertIn("The figures agree with the count", self.check())
        self.assertFalse(ReplyWait.objects.exists())


class FillTests(CheckCase):
    def test_migrate_fills_an_empty_table_and_only_an_empty_one(self):
        VillageYear.objects.all().delete()  # a database from before the figures app
        self.assertEqual(services.fill_after_migrate(verbosity=0), 1)
        self.assertEqual(VillageYear.objects.get().verified_count, 1)
        self.assertEqual(Outcome.objects.get().total, 30)
        self.assertEqual(services.differences(), [])
        self.assertEqual(services.fill_after_migrate(verbosity=0), 0)

    def test_migrate_fills_them(self):
        VillageYear.objects.all().delete()
        call_command("migrate", "figures", verbosity=0)
        self.assertEqual(services.differences(), [])
        self.assertTrue(VillageYear.objects.exists())


class RecountTests(CheckCase):
    def test_the_daily_recount_is_scheduled(self):
        names = [entry["task"] for entry in settings.PERIODIC_TASKS]
        self.assertIn("figures.tasks.recount_overdue", names)
        self.assertTrue(PeriodicTask.objects.filter(task="figures.tasks.recount_overdue").exists())

    def test_it_recounts_only_what_the_date_changed_and_twice_is_harmless(self):
        Project.objects.filter(pledge_list=self.pledge_list).update(planned_finish=None)
        Project.objects.filter(pledge_list=self.pledge_list, number=5).update(
            planned_start=None, planned_finish=TODAY + 2 * DAY
        )
        services.refresh(villages=[self.village.pk])
        row = VillageYear.objects.get()
        self.assertEqual((row.overdue_count, row.overdue_until), (0, TODAY + 3 * DAY))
        self.assertEqual(services.recount_overdue(TODAY + 2 * DAY), 0)  # still due
        self.assertEqual(services.recount_overdue(TODAY + 3 * DAY), 1)
        row.refresh_from_db()
        self.assertEqual((row.overdue_count, row.overdue_until), (1, None))
        self.assertEqual(services.recount_overdue(TODAY + 3 * DAY), 0)
        self.assertEqual(services.recount_overdue(TODAY + 400 * DAY), 0)

    def test_it_says_whose_counts_it_changed_once_committed(self):
        Project.objects.filter(pledge_list=self.pledge_list, number=5).update(
            planned_start=None, planned_finish=TODAY
        )
        services.refresh(villages=[self.village.pk])
        told = []

        def receiver(sender, village_ids, **kwargs):
            told.append(village_ids)

        overdue_recounted.connect(receiver)
        self.addCleanup(overdue_recounted.disconnect, receiver)
        with self.captureOnCommitCallbacks(execute=True):
            services.recount_overdue(TODAY + DAY)
            self.assertEqual(told, [])
        self.assertEqual(told, [[self.village.pk]])

    def test_no_date_makes_it_crash(self):
        Project.objects.filter(pledge_list=self.pledge_list, number=5).update(
            planned_start=None, planned_finish=datetime.date.max
        )
        services.refresh(villages=[self.village.pk])
        for day in (datetime.date.min, datetime.date(2100, 1, 1), datetime.date.max):
            with self.subTest(day=day):
                services.recount_overdue(day)
        self.assertIsInstance(tasks.recount_overdue.delay().get(), int)
