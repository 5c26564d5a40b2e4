"""The district overview: each township's row, whether or not its villages have lists yet."""

import re

from django.test import TestCase
from django.urls import reverse

from pledges.models import PledgeList, Project
from tests.factories import MembershipFactory, TownshipFactory, VillageFactory, full_list
from villages.models import Membership


def township_row(response, name: str) -> str:
    page = response.content.decode()
    match = re.search(
        r"<tr>\s*<th scope=\"row\"><a [^>]*>" + name + r"</a></th>(.*?)</tr>", page, re.S
    )
    assert match, f"no row for {name}"
    return match.group(1)


class DistrictOverviewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.busy = TownshipFactory(name="青山镇")
        cls.district = cls.busy.district
        cls.quiet = TownshipFactory(name="白水乡", district=cls.district)
        VillageFactory(township=cls.quiet)  # a village, but no list this year
        pledge_list = full_list(
            status=PledgeList.Status.PUBLISHED, village=VillageFactory(township=cls.busy)
        )
        cls.year = pledge_list.year
        verified = pledge_list.projects.order_by("number")[:3].values_list("pk", flat=True)
        Project.objects.filter(pk__in=list(verified)).update(status=Project.Status.VERIFIED)
        cls.admin = MembershipFactory(
            role=Membership.Role.DISTRICT_ADMIN, district=cls.district
        ).user

    def test_a_township_without_lists_shows_nothing_counted_next_to_one_with_a_rate(self):
        self.client.force_login(self.admin)
        url = reverse("dashboards:district_overview", args=[self.district.code])
        response = self.client.get(url, {"year": self.year})
        self.assertEqual(response.status_code, 200)
        self.assertIn("30.0%", township_row(response, "青山镇"))
        self.assertIn("3/10", township_row(response, "青山镇"))
        quiet = township_row(response, "白水乡")
        self.assertIn("—", quiet)
        self.assertIn("0/1", quiet)  # lists published / villages

    def test_the_summary_counts_every_township_even_without_lists(self):
        townships = PledgeList.objects.township_summary(district=self.district, year=self.year)
        summary = {township.name: township.summary for township in townships}
        self.assertEqual(summary["白水乡"]["project_count"], 0)
        self.assertEqual(summary["白水乡"]["list_count"], 0)
        self.assertEqual(summary["青山镇"]["verified_count"], 3)
        self.assertEqual(summary["青山镇"]["project_count"], 10)
