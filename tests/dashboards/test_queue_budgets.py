"""Exact query counts of each role's landing page (the work queue), at two sizes: the queue
reads every app once per kind of work, whatever the number of villages or lines."""

import datetime

from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone

from pledges.models import ChangeRequest, Escalation, PledgeList, Project
from residents.models import Challenge
from suggestions.models import Suggestion
from tests.factories import (
    MembershipFactory,
    PledgeListFactory,
    ProjectFactory,
    TownshipFactory,
    VillageFactory,
)
from tests.reviews.factories import make_review
from villages.models import Membership

Role = Membership.Role
Status = PledgeList.Status


def fill_village(village, year: int) -> None:
    """One of everything that waits: a draft, a published list with a late project, a
    completion, a change request, a problem passed up, a suggestion and a challenge."""
    PledgeListFactory(village=village, year=year + 1)
    published = PledgeListFactory(village=village, year=year, status=Status.PUBLISHED)
    late = ProjectFactory(
        pledge_list=published,
        number=1,
        planned_start=datetime.date(year, 1, 1),
        planned_finish=datetime.date(year, 1, 31),
    )
    ProjectFactory(pledge_list=published, number=2, status=Project.Status.COMPLETED)
    verified = ProjectFactory(pledge_list=published, number=3, status=Project.Status.VERIFIED)
    ChangeRequest.objects.create(project=late, reason="雨季")
    Escalation.objects.create(village=village, problem="缺少资金")
    Suggestion.objects.create(village=village, year=year, text="村口路灯不亮，晚上出行不便")
    Challenge.objects.create(project=verified, text="路灯只装了一半")


class LandingBudgetTests(TestCase):
    """session, user, memberships with their places, then each app's lines of the place."""

    def landing(self, user, queries: int) -> list:
        cache.clear()
        self.client.force_login(user)
        with self.assertNumQueries(queries):
            response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        return response.context["places"][0].items

    def test_the_committee_landing(self):
        for size in (1, 5):
            with self.subTest(size=size):
                village = VillageFactory()
                for n in range(size):
                    fill_village(village, 2010 + 2 * n)
                user = MembershipFactory(role=Role.VILLAGE_COMMITTEE, village=village).user
                # + lists, projects with their last report, suggestions, the candidate pools
                # of the lists being drafted, challenges, notices
                items = self.landing(user, 3 + 6)
                self.assertGreaterEqual(len(items), 4 * size)

    def test_the_township_landing(self):
        for size in (1, 6):
            with self.subTest(size=size):
                township = TownshipFactory()
                for _ in range(size):
                    fill_village(VillageFactory(township=township), timezone.localdate().year)
                user = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=township).user
                # + lists, completions, changes, problems, overdue (pledges), overdue replies
                # (suggestions), challenges and reports (residents)
                items = self.landing(user, 3 + 5 + 1 + 2)
                self.assertGreaterEqual(len(items), 5 * size)

    def test_the_district_landing(self):
        for size in (1, 6):
            with self.subTest(size=size):
                district = TownshipFactory().district
                for _ in range(size):
                    township = TownshipFactory(district=district)
                    fill_village(VillageFactory(township=township), timezone.localdate().year)
                    village = VillageFactory(township=township)
                    Escalation.objects.create(
                        village=village, problem="跨村水渠", level=Escalation.Level.DISTRICT
                    )
                user = MembershipFactory(role=Role.DISTRICT_ADMIN, district=district).user
                # + problems passed up, the years open (pledges), township summaries and
                # townships (behind)
                items = self.landing(user, 3 + 2 + 2)
                self.assertEqual(len(items), 2 * size)

    def test_the_reviewer_landing(self):
        for size in (1, 4):
            with self.subTest(size=size):
                village = VillageFactory()
                for n in range(size):
                    make_review(village, year=2010 + n)
                user = MembershipFactory(role=Role.REVIEWER, village=village).user
                # + the user's scope, the reviews open or announced
                items = self.landing(user, 3 + 2)
                self.assertEqual(len(items), size)
