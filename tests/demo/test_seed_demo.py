from collections import defaultdict
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from pledges.models import PledgeList, ProgressUpdate, Prohibition, Project
from villages.models import Membership, Village


def seed(**options) -> str:
    out = StringIO()
    # Without the reviews layer, which adds last year's lists (tests/reviews covers it).
    options.setdefault("reviews", False)
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def numbers_by_list(model) -> dict:
    numbers = defaultdict(list)
    for list_id, number in model.objects.order_by("number").values_list("pledge_list", "number"):
        numbers[list_id].append(number)
    return numbers


def titles(**filters) -> list:
    return list(
        Project.objects.filter(**filters)
        .order_by("pledge_list__village__code", "number")
        .values_list("pledge_list__village__code", "number", "title", "status")
    )


class SeedDemoTests(TestCase):
    """One default run, read by every test."""

    @classmethod
    def setUpTestData(cls):
        cls.output = seed()

    def test_it_gives_every_village_one_full_list(self):
        year = timezone.localdate().year
        self.assertEqual(PledgeList.objects.filter(year=year).count(), Village.objects.count())
        # the seed-000 district's 119, and the 12 villages of its three sibling districts
        self.assertEqual(
            PledgeList.objects.filter(village__township__district__code="520302").count(), 119
        )
        self.assertEqual(PledgeList.objects.count(), 131)
        projects = numbers_by_list(Project)
        prohibitions = numbers_by_list(Prohibition)
        for list_id in PledgeList.objects.values_list("id", flat=True):
            self.assertEqual(projects[list_id], list(range(1, settings.PLEDGE_PROJECT_COUNT + 1)))
            self.assertEqual(
                prohibitions[list_id], list(range(1, settings.PLEDGE_PROHIBITION_COUNT + 1))
            )
        for pledge_list in PledgeList.objects.all()[:20]:
            self.assertEqual(pledge_list.submission_problems(), [])

    def test_it_mixes_statuses_as_a_year_in_progress(self):
        list_statuses = set(PledgeList.objects.values_list("status", flat=True))
        self.assertEqual(list_statuses, set(PledgeList.Status.values))
        published = PledgeList.objects.filter(status=PledgeList.Status.PUBLISHED)
        self.assertGreater(published.count(), PledgeList.objects.count() / 2)
        self.assertFalse(published.filter(published_at=None).exists())
        self.assertFalse(
            PledgeList.objects.filter(status=PledgeList.Status.RETURNED, review_comment="").exists()
        )
        in_published = Project.objects.filter(pledge_list__status=PledgeList.Status.PUBLISHED)
        self.assertEqual(
            set(in_published.values_list("status", flat=True)),
            {"planned", "in_progress", "completed", "verified"},
        )
        self.assertFalse(
            Project.objects.exclude(pledge_list__status=PledgeList.Status.PUBLISHED)
            .exclude(status=Project.Status.PLANNED)
            .exists()
        )
        in_progress = Project.objects.filter(status=Project.Status.IN_PROGRESS)
        for project in in_progress:
            self.assertTrue(10 <= project.percent_done <= 90)
            if project.target_quantity is not None:
                self.assertLess(project.quantity_done, project.target_quantity)
        self.assertFalse(Project.objects.filter(status="completed", completed_at=None).exists())
        self.assertFalse(Project.objects.filter(status="verified", verified_at=None).exists())
        if timezone.localdate().timetuple().tm_yday > 61:  # room for a finish date gone by
            self.assertTrue(Project.objects.overdue().filter(status="in_progress").exists())

    def test_it_keeps_dates_inside_the_year(self):
        year = timezone.localdate().year
        for start, finish in Project.objects.values_list("planned_start", "planned_finish"):
            self.assertEqual((start.year, finish.year), (year, year))
            self.assertLessEqual(start, finish)

    def test_it_publishes_longjiang_with_a_project_waiting_for_verification(self):
        village_user = Membership.objects.get(user__username="village").user
        pledge_list = PledgeList.objects.get(village__name="龙江村")
        self.assertEqual(pledge_list.status, PledgeList.Status.PUBLISHED)
        statuses = set(pledge_list.projects.values_list("status", flat=True))
        self.assertIn(Project.Status.COMPLETED, statuses)
        self.assertGreaterEqual(len(statuses), 3)
        updates = ProgressUpdate.objects.filter(project__pledge_list=pledge_list)
        self.assertTrue(updates.exists())
        self.assertEqual(set(updates.values_list("author", flat=True)), {village_user.pk})

    def test_it_leaves_a_list_to_review_for_the_demo_cadre(self):
        township = Membership.objects.get(user__username="township").township
        self.assertEqual(township.name, "海龙镇")
        self.assertTrue(
            PledgeList.objects.in_township(township)
            .filter(status=PledgeList.Status.SUBMITTED)
            .exists()
        )

    def test_it_reports_progress_for_started_projects_only(self):
        started = Project.objects.filter(status__in=["in_progress", "completed", "verified"])
        self.assertTrue(ProgressUpdate.objects.exists())
        self.assertFalse(ProgressUpdate.objects.exclude(project__in=started).exists())
        for project in started.prefetch_related("updates")[:200]:
            updates = sorted(
                project.updates.all(), key=lambda update: (update.date, update.percent_done)
            )
            self.assertTrue(1 <= len(updates) <= 3)
            self.assertEqual(updates[-1].percent_done, project.percent_done)

    def test_it_records_history_for_what_it_creates(self):
        for model in [PledgeList, Project, Prohibition, ProgressUpdate]:
            history = model.history.filter(history_type="+")
            self.assertEqual(history.count(), model.objects.count())
        project = Project.objects.filter(status="verified").first()
        self.assertEqual(project.history.get().status, "verified")

    def test_it_prints_a_summary(self):
        self.assertIn("131 lists, 1310 projects, 655 prohibitions", self.output)


class SeedDemoRunTwiceTests(TestCase):
    def test_it_is_deterministic_for_a_seed(self):
        seed(seed=7)
        first = titles()
        PledgeList.objects.all().delete()
        seed(seed=7)
        self.assertEqual(titles(), first)
        PledgeList.objects.all().delete()
        seed(seed=8)
        self.assertNotEqual(titles(), first)

    def test_it_adds_nothing_on_a_second_run(self):
        seed()
        counts = [model.objects.count() for model in (PledgeList, Project, ProgressUpdate)]
        output = seed()
        self.assertIn("already loaded", output)
        self.assertEqual(
            [model.objects.count() for model in (PledgeList, Project, ProgressUpdate)], counts
        )

    def test_it_adds_another_year_to_the_same_villages(self):
        year = timezone.localdate().year
        seed()
        seed(year=year - 1)
        self.assertEqual(PledgeList.objects.filter(year=year - 1).count(), 131)
        self.assertEqual(PledgeList.objects.filter(year=year).count(), 131)
        # The draws do not depend on the date, so the tests above hold on any day.
        self.assertEqual(titles(pledge_list__year=year - 1), titles(pledge_list__year=year))
