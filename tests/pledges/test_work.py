"""What waits in pledges for each role: the lines of the work queue, their links and due dates,
and their query counts at two sizes."""

import datetime

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from pledges.models import ChangeRequest, Escalation, PledgeList, ProgressUpdate, Project
from pledges.work import district_work, open_year_figures, township_work, village_work, year_to_open
from tests.factories import (
    PledgeListFactory,
    ProjectFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)

Status = PledgeList.Status
TODAY = datetime.date(2026, 12, 1)


def kinds(items) -> list[str]:
    return sorted(item.kind for item in items)


class VillageWorkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()

    def test_a_new_draft_of_next_year_waits_for_the_committee(self):
        draft = PledgeListFactory(village=self.village, year=2027)
        [line] = village_work(self.village, TODAY)
        self.assertEqual(line.kind, "draft")
        self.assertIn("2027", line.title)
        self.assertEqual(line.url, reverse("pledges:pledge_list_edit", args=[draft.pk]))

    def test_a_returned_list_carries_the_townships_comments(self):
        returned = PledgeListFactory(
            village=self.village,
            year=2027,
            status=Status.RETURNED,
            review_comment="第3项资金来源不明",
            reviewed_at=timezone.make_aware(datetime.datetime(2026, 11, 28, 9)),
        )
        ProjectFactory(pledge_list=returned, review_comment="预算偏高")
        [line] = village_work(self.village, TODAY)
        self.assertEqual(line.kind, "resubmit")
        self.assertIn("第3项资金来源不明", line.detail)
        self.assertIn("1", line.detail)
        self.assertEqual(line.due, datetime.date(2026, 12, 8))

    def test_a_published_list_waits_for_nothing_but_its_reports(self):
        published = PledgeListFactory(village=self.village, status=Status.PUBLISHED)
        finishing = ProjectFactory(
            pledge_list=published,
            status=Project.Status.IN_PROGRESS,
            planned_finish=datetime.date(2026, 12, 5),
        )
        reported = ProjectFactory(
            pledge_list=published,
            status=Project.Status.IN_PROGRESS,
            planned_finish=datetime.date(2027, 6, 30),
        )
        ProgressUpdate.objects.create(project=reported, date=datetime.date(2026, 11, 20))
        stale = ProjectFactory(pledge_list=published, planned_finish=datetime.date(2027, 6, 30))
        ProgressUpdate.objects.create(project=stale, date=datetime.date(2026, 10, 1))
        ProjectFactory(pledge_list=published, status=Project.Status.VERIFIED)
        lines = {line.url: line for line in village_work(self.village, TODAY)}

        def form(project):
            return reverse("pledges:project_progress", args=[project.pk])

        self.assertEqual(lines[form(finishing)].kind, "finish")
        self.assertEqual(lines[form(finishing)].due, datetime.date(2026, 12, 5))
        self.assertEqual(lines[form(stale)].kind, "report")
        self.assertEqual(lines[form(stale)].due, datetime.date(2026, 10, 31))
        self.assertNotIn(form(reported), lines)
        self.assertEqual(len(lines), 2)

    def test_two_queries_whatever_the_number_of_projects(self):
        for size in (2, 12):
            with self.subTest(size=size):
                pledge_list = PledgeListFactory(status=Status.PUBLISHED, year=2020 + size)
                for number in range(1, size + 1):
                    project = ProjectFactory(pledge_list=pledge_list, number=number)
                    ProgressUpdate.objects.create(project=project, date=TODAY)
                with self.assertNumQueries(2):
                    village_work(pledge_list.village, TODAY)


class TownshipWorkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory()
        cls.village = VillageFactory(township=cls.township, name="石桥村")
        cls.cadre = UserFactory()

    def test_every_kind_of_waiting_work_is_a_line_with_its_page(self):
        submitted = PledgeListFactory(
            village=self.village,
            year=2027,
            status=Status.SUBMITTED,
            submitted_at=timezone.make_aware(datetime.datetime(2026, 11, 30, 10)),
        )
        published = PledgeListFactory(village=self.village, status=Status.PUBLISHED)
        done = ProjectFactory(
            pledge_list=published,
            status=Project.Status.COMPLETED,
            completed_at=timezone.make_aware(datetime.datetime(2026, 11, 25, 10)),
        )
        late = ProjectFactory(pledge_list=published, planned_finish=datetime.date(2026, 11, 1))
        change = ChangeRequest.objects.create(project=late, planned_finish=TODAY, reason="雨季")
        escalation = Escalation.objects.create(village=self.village, problem="缺少资金")
        lines = {line.kind: line for line in township_work(self.township, TODAY)}
        self.assertEqual(sorted(lines), ["change", "escalation", "overdue", "review", "verify"])
        self.assertEqual(
            lines["review"].url, reverse("pledges:pledge_list_review", args=[submitted.pk])
        )
        self.assertIn("2027", lines["review"].title)
        self.assertEqual(lines["review"].due, datetime.date(2026, 12, 10))
        self.assertEqual(lines["verify"].url, reverse("pledges:project_verify", args=[done.pk]))
        self.assertEqual(
            lines["change"].url, reverse("pledges:change_request_decide", args=[change.pk])
        )
        self.assertEqual(
            lines["escalation"].url, reverse("pledges:escalation_answer", args=[escalation.pk])
        )
        self.assertIn("village=" + self.village.code, lines["overdue"].url)
        self.assertEqual(lines["overdue"].detail, "石桥村")

    def test_another_townships_work_is_not_listed(self):
        PledgeListFactory(status=Status.SUBMITTED)
        self.assertEqual(township_work(self.township, TODAY), [])

    def test_a_long_kind_ends_with_one_line_to_the_full_list(self):
        published = PledgeListFactory(village=self.village, status=Status.PUBLISHED)
        for number in range(1, 26):
            ProjectFactory(pledge_list=published, number=number, status=Project.Status.COMPLETED)
        verify = [line for line in township_work(self.township, TODAY) if line.kind == "verify"]
        self.assertEqual(len(verify), 20)
        self.assertIn("25", verify[-1].title)
        self.assertIn("state=completed", verify[-1].url)

    def test_five_queries_at_two_sizes(self):
        for size in (1, 6):
            with self.subTest(size=size):
                township = TownshipFactory()
                for _ in range(size):
                    pledge_list = PledgeListFactory(
                        village=VillageFactory(township=township), status=Status.PUBLISHED
                    )
                    project = ProjectFactory(
                        pledge_list=pledge_list, status=Project.Status.COMPLETED
                    )
                    ChangeRequest.objects.create(project=project, reason="变更")
                    Escalation.objects.create(village=pledge_list.village, problem="问题")
                    PledgeListFactory(village=pledge_list.village, year=2027, status="submitted")
                with self.assertNumQueries(5):
                    lines = township_work(township, TODAY)
                self.assertEqual(len(lines), 4 * size)


class DistrictWorkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.district = cls.village.township.district

    def test_in_december_with_this_year_open_it_offers_the_coming_year(self):
        PledgeListFactory(village=self.village, year=2026, status=Status.PUBLISHED)
        self.assertEqual(year_to_open(self.district, TODAY), 2027)
        [line] = district_work(self.district, TODAY)
        self.assertEqual(line.kind, "open_year")
        self.assertIn("2027", line.title)
        self.assertNotIn("2026", line.title)

    def test_with_both_years_open_nothing_is_offered(self):
        PledgeListFactory(village=self.village, year=2026)
        PledgeListFactory(village=self.village, year=2027)
        self.assertIsNone(year_to_open(self.district, TODAY))
        self.assertEqual(district_work(self.district, TODAY), [])

    def test_a_year_not_yet_open_is_offered_first(self):
        self.assertEqual(year_to_open(self.district, TODAY), 2026)

    def test_a_problem_passed_to_the_district_is_a_line(self):
        PledgeListFactory(village=self.village, year=2026)
        PledgeListFactory(village=self.village, year=2027)
        escalation = Escalation.objects.create(
            village=self.village, problem="跨村水渠", level=Escalation.Level.DISTRICT
        )
        [line] = district_work(self.district, TODAY)
        self.assertEqual(line.url, reverse("pledges:escalation_answer", args=[escalation.pk]))

    def test_the_figures_of_opening_a_year(self):
        other = VillageFactory(township=self.village.township)
        last = PledgeListFactory(village=self.village, year=2026, status=Status.PUBLISHED)
        ProjectFactory(pledge_list=last, status=Project.Status.IN_PROGRESS)
        ProjectFactory(pledge_list=last, status=Project.Status.PLANNED)
        ProjectFactory(pledge_list=last, status=Project.Status.COMPLETED)
        ProjectFactory(pledge_list=last, status=Project.Status.VERIFIED)
        PledgeListFactory(village=other, year=2027)
        with self.assertNumQueries(3):
            figures = open_year_figures(self.district, 2027)
        self.assertEqual(
            figures,
            {
                "year": 2027,
                "villages": 2,
                "new_lists": 1,
                "carried": 2,
                "awaiting_verification": 1,
            },
        )
