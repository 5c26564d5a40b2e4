"""Years everywhere: each page with a year has a switcher, each year says what waits in it, and
a page asked for no year opens on the year that needs work."""

import re

from django.test import TestCase
from django.urls import reverse

from pledges.models import PledgeList
from suggestions.models import Suggestion
from tests.factories import MembershipFactory, PledgeListFactory, VillageFactory
from villages.models import Membership

Status = PledgeList.Status


def year_links(response) -> list[str]:
    nav = re.search(r'<nav class="years".*?</nav>', response.content.decode(), re.S)
    return re.findall(r">\s*(\d{4})", nav.group(0)) if nav else []


class YearSwitcherTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.township = cls.village.township
        PledgeListFactory(village=cls.village, year=2026, status=Status.PUBLISHED)
        PledgeListFactory(village=cls.village, year=2027, status=Status.SUBMITTED)
        Suggestion.objects.create(village=cls.village, year=2025, text="修一条通组路")
        cls.cadre = MembershipFactory(
            role=Membership.Role.TOWNSHIP_CADRE, township=cls.township
        ).user

    def setUp(self):
        self.client.force_login(self.cadre)

    def test_the_township_dashboard_notes_the_lists_waiting_in_another_year(self):
        page = self.client.get(
            reverse("dashboards:township_dashboard", args=[self.township.code]) + "?year=2026"
        )
        self.assertEqual(year_links(page), ["2026", "2027"])
        self.assertContains(page, "1份待审核")

    def test_the_reviews_and_suggestions_pages_switch_years(self):
        reviews = self.client.get(
            reverse("reviews:township_reviews", args=[self.township.code]) + "?year=2026"
        )
        self.assertEqual(year_links(reviews), [])  # only 2026 is published: no switcher
        suggestions = self.client.get(
            reverse("suggestions:township_suggestions", args=[self.township.code]) + "?year=2026"
        )
        self.assertEqual(year_links(suggestions), ["2025", "2026"])

    def test_the_project_list_keeps_its_filter_across_years(self):
        page = self.client.get(
            reverse("pledges:township_projects", args=[self.township.code])
            + "?year=2026&state=overdue"
        )
        self.assertContains(page, 'href="?year=2027&amp;state=overdue"')
