"""The residents' lines of the work queue (待办): the township's rulings and reports, the
committee's challenged projects; a fixed number of queries at two sizes."""

import datetime
from unittest import mock

from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

import lib.work
from pledges.models import PledgeList, Project
from residents import services, work
from residents.models import Challenge, ViolationReport
from tests.factories import VillageFactory, full_list
from tests.residents.world import YEAR, build

TODAY = timezone.localdate()


def challenged_village(township):
    """A village with a verified project challenged twice and one report."""
    village = VillageFactory(township=township)
    pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=YEAR)
    project = pledge_list.projects.get(number=1)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.VERIFIED)
    Challenge.objects.create(project=project, text="没完成")
    Challenge.objects.create(project=project, text="也说没完成")
    ViolationReport.objects.create(prohibition=pledge_list.prohibitions.first(), text="违规")
    return village


@override_settings(TOWNSHIP_ANSWER_DAYS=10)
class TownshipWorkTests(TestCase):
    def setUp(self):
        build(self)
        self.first = Challenge.objects.create(project=self.project, text="路灯只装了一半")
        Challenge.objects.create(project=self.project, text="村东头还是黑的")
        self.report = ViolationReport.objects.create(prohibition=self.prohibition, text="违规")

    def test_one_line_per_challenged_project_and_one_per_report(self):
        challenge, report = work.township_work(self.township, TODAY)
        self.assertEqual(challenge.kind, "challenge")
        self.assertEqual(challenge.url, self.first.get_absolute_url())
        self.assertIn(f"龙江村 · 1. {self.project.title}", challenge.detail)
        self.assertIn("2 条质疑", challenge.detail)
        self.assertEqual(challenge.due, TODAY + datetime.timedelta(days=10))
        self.assertEqual(report.url, self.report.get_absolute_url())
        self.assertIn(self.prohibition.text[:10], report.detail)

    def test_a_ruling_takes_the_project_off_the_queue(self):
        services.challenge_rule(
            challenge=self.first, uphold=False, by=self.personas.cadre, answer="已完成"
        )
        self.assertEqual(
            [item.kind for item in work.township_work(self.township, TODAY)], ["report"]
        )

    def test_other_townships_work_is_not_here(self):
        self.assertEqual(work.township_work(self.other_township, TODAY), [])

    def test_the_queries_do_not_grow(self):
        with_work = 1  # 龙江村
        for villages in (1, 6):
            for _ in range(villages):
                challenged_village(self.township)
            with_work += villages
            # open challenges grouped by project; open reports with their villages
            with self.subTest(villages=villages), self.assertNumQueries(2):
                items = work.township_work(self.township, TODAY)
            self.assertEqual(len(items), 2 * with_work)  # a project and a report each


class VillageWorkTests(TestCase):
    def setUp(self):
        build(self)
        self.first = Challenge.objects.create(project=self.project, text="路灯只装了一半")
        Challenge.objects.create(project=self.project, text="村东头还是黑的")

    def test_the_committee_sees_its_challenged_project_once_and_can_open_it(self):
        (item,) = work.village_work(self.village, TODAY)
        self.assertEqual(item.url, self.first.get_absolute_url())
        self.client.force_login(self.personas.committee)
        self.assertEqual(self.client.get(item.url).status_code, 200)
        self.assertEqual(work.village_work(self.neighbour, TODAY), [])

    def test_the_query_does_not_grow(self):
        for projects in (1, 5):
            for number in range(2, 2 + projects):
                project = self.pledge_list.projects.get(number=number)
                Challenge.objects.create(project=project, text="没完成")
            with self.subTest(projects=projects), self.assertNumQueries(1):
                items = work.village_work(self.village, TODAY)
            self.assertEqual(len(items), 1 + projects)
            Challenge.objects.exclude(project=self.project).delete()


class CapTests(TestCase):
    def test_a_long_kind_ends_with_one_line_to_the_inbox(self):
        build(self)
        for number in (1, 2, 3):
            Challenge.objects.create(
                project=self.pledge_list.projects.get(number=number), text="没完成"
            )
        with mock.patch.object(lib.work, "SHOWN_PER_KIND", 2):
            items = work.township_work(self.township, TODAY)
        self.assertEqual(len(items), 2)
        self.assertEqual(
            items[-1].url, reverse("residents:township_inbox", args=[self.township.code])
        )
        self.assertIn("3", items[-1].title)
