"""The landing page after logging in is the person's work queue (待办): every place they hold a
role in, what waits there soonest first, each line one tap from the page that does it."""

import datetime
import re

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from pledges.models import ChangeRequest, PledgeList, Project
from tests.factories import (
    MembershipFactory,
    PledgeListFactory,
    ProjectFactory,
    UserFactory,
    VillageFactory,
)
from villages.models import Membership

Role = Membership.Role
Status = PledgeList.Status


def hrefs(response) -> list[str]:
    return re.findall(r'href="([^"]+)"', response.content.decode())


class HomeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory(name="石桥村")
        cls.township = cls.village.township
        cls.district = cls.township.district
        cls.year = timezone.localdate().year

    def setUp(self):
        cache.clear()

    def test_it_sends_anonymous_visitors_to_the_public_board(self):
        self.assertRedirects(
            self.client.get("/"), reverse("board:board"), fetch_redirect_response=False
        )

    def test_each_role_lands_on_its_queue_with_its_places_pages(self):
        cases = [
            (Role.DISTRICT_ADMIN, {"district": self.district}, "dashboards:district_overview"),
            (Role.TOWNSHIP_CADRE, {"township": self.township}, "dashboards:township_dashboard"),
            (Role.VILLAGE_COMMITTEE, {"village": self.village}, "pledges:village_list"),
            (Role.REVIEWER, {"village": self.village}, "pledges:village_list"),
        ]
        for role, place, view_name in cases:
            with self.subTest(role=role):
                self.client.force_login(MembershipFactory(role=role, **place).user)
                response = self.client.get("/")
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "待办")
                code = next(iter(place.values())).code
                self.assertIn(reverse(view_name, args=[code]), hrefs(response))

    def test_after_the_district_opens_next_year_the_committee_finds_the_draft(self):
        PledgeListFactory(village=self.village, year=self.year, status=Status.PUBLISHED)
        draft = PledgeListFactory(village=self.village, year=self.year + 1)
        committee = MembershipFactory(role=Role.VILLAGE_COMMITTEE, village=self.village).user
        self.client.force_login(committee)
        response = self.client.get("/")
        self.assertContains(response, f"起草{self.year + 1}年度清单")
        self.assertIn(reverse("pledges:pledge_list_edit", args=[draft.pk]), hrefs(response))
        # The list page opens on the year that needs work, with a link to every year.
        village_page = self.client.get(
            reverse("pledges:village_list", args=[self.village.code]), follow=True
        )
        self.assertEqual(village_page.context["pledge_list"], draft)
        self.assertIn(
            reverse("pledges:village_list", args=[self.village.code]) + f"?year={self.year}",
            hrefs(village_page),
        )

    def test_a_returned_list_shows_the_townships_comments_on_the_list_page(self):
        returned = PledgeListFactory(
            village=self.village,
            year=self.year + 1,
            status=Status.RETURNED,
            review_comment="请补充资金来源",
        )
        ProjectFactory(pledge_list=returned, number=3, title="修缮水渠", review_comment="预算偏高")
        self.client.force_login(
            MembershipFactory(role=Role.VILLAGE_COMMITTEE, village=self.village).user
        )
        self.assertContains(self.client.get("/"), "请补充资金来源")
        detail = self.client.get(returned.get_absolute_url())
        self.assertContains(detail, "请补充资金来源")
        self.assertContains(detail, "3. 修缮水渠：预算偏高")

    def test_the_township_sees_next_years_lists_and_change_requests(self):
        submitted = PledgeListFactory(
            village=self.village, year=self.year + 1, status=Status.SUBMITTED
        )
        published = PledgeListFactory(village=self.village, status=Status.PUBLISHED)
        project = ProjectFactory(pledge_list=published, status=Project.Status.IN_PROGRESS)
        change = ChangeRequest.objects.create(
            project=project, planned_finish=datetime.date(2027, 3, 1), reason="雨季施工困难"
        )
        self.client.force_login(
            MembershipFactory(role=Role.TOWNSHIP_CADRE, township=self.township).user
        )
        links = hrefs(self.client.get("/"))
        self.assertIn(reverse("pledges:pledge_list_review", args=[submitted.pk]), links)
        self.assertIn(reverse("pledges:change_request_decide", args=[change.pk]), links)

    def test_the_header_counts_what_waits_once_the_queue_was_seen(self):
        PledgeListFactory(village=self.village, year=self.year + 1)
        self.client.force_login(
            MembershipFactory(role=Role.VILLAGE_COMMITTEE, village=self.village).user
        )
        self.client.get("/")
        board = self.client.get(
            reverse("pledges:village_list", args=[self.village.code]), follow=True
        )
        self.assertRegex(board.content.decode(), r'class="work-link">待办 <span class="count"')

    def test_it_lists_every_place_of_a_user_with_several(self):
        user = UserFactory()
        MembershipFactory(user=user, role=Role.TOWNSHIP_CADRE, township=self.township)
        other = VillageFactory(name="龙江村")
        MembershipFactory(user=user, role=Role.REVIEWER, village=other)
        self.client.force_login(user)
        response = self.client.get("/")
        links = hrefs(response)
        self.assertIn(reverse("dashboards:township_dashboard", args=[self.township.code]), links)
        self.assertIn(reverse("pledges:village_list", args=[other.code]), links)
        self.assertContains(response, "评议人")

    def test_it_tells_a_user_without_a_role_whom_to_ask(self):
        self.client.force_login(UserFactory())
        self.assertContains(self.client.get("/"), "区委组织部")
