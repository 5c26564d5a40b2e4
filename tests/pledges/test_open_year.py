"""The district opens the coming year only, after a page that says what will happen."""

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from pledges.models import PledgeList, Project
from tests.factories import MembershipFactory, PledgeListFactory, ProjectFactory, VillageFactory
from villages.models import Membership


class OpenYearTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.this_year = timezone.localdate().year
        cls.village = VillageFactory()
        cls.other = VillageFactory(township=cls.village.township)
        cls.district = cls.village.township.district
        last = PledgeListFactory(
            village=cls.village, year=cls.this_year, status=PledgeList.Status.PUBLISHED
        )
        ProjectFactory(pledge_list=last, status=Project.Status.IN_PROGRESS)
        ProjectFactory(pledge_list=last, status=Project.Status.COMPLETED)
        cls.admin = MembershipFactory(
            role=Membership.Role.DISTRICT_ADMIN, district=cls.district
        ).user
        cls.url = reverse("pledges:open_year", args=[cls.district.code])

    def setUp(self):
        self.client.force_login(self.admin)

    def test_the_overview_offers_the_coming_year_not_the_open_one(self):
        page = self.client.get(reverse("dashboards:district_overview", args=[self.district.code]))
        self.assertContains(page, f"{self.url}?year={self.this_year + 1}")
        self.assertNotContains(page, f'{self.url}?year={self.this_year}"')

    def test_the_confirmation_says_what_will_happen_with_figures(self):
        page = self.client.get(f"{self.url}?year={self.this_year + 1}")
        self.assertContains(page, "2个村中的2个村")
        self.assertContains(page, "1个未完成项目")
        self.assertContains(page, "1个项目已完成待核实，不结转")
        self.assertContains(page, 'name="confirmed" value="1"')
        self.assertFalse(PledgeList.objects.filter(year=self.this_year + 1).exists())

    def test_a_post_without_confirmation_opens_nothing(self):
        response = self.client.post(f"{self.url}?year={self.this_year + 1}", {"carry_over": "1"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(PledgeList.objects.filter(year=self.this_year + 1).exists())

    def test_a_confirmed_post_opens_the_year_and_carries_only_unfinished_projects(self):
        self.client.post(
            f"{self.url}?year={self.this_year + 1}", {"carry_over": "1", "confirmed": "1"}
        )
        new = PledgeList.objects.filter(year=self.this_year + 1)
        self.assertEqual(new.count(), 2)
        carried = Project.objects.filter(pledge_list__in=new)
        self.assertEqual(
            list(carried.values_list("carried_from__status", flat=True)),
            [Project.Status.IN_PROGRESS],
        )

    def test_the_open_year_or_a_later_one_cannot_be_opened(self):
        for year in (self.this_year, self.this_year + 2):
            with self.subTest(year=year):
                response = self.client.post(f"{self.url}?year={year}", {"confirmed": "1"})
                self.assertRedirects(
                    response,
                    reverse("dashboards:district_overview", args=[self.district.code]),
                    fetch_redirect_response=False,
                )
                self.assertFalse(PledgeList.objects.filter(year=self.this_year + 2).exists())
        self.assertEqual(PledgeList.objects.filter(year=self.this_year).count(), 1)

    def test_a_township_cadre_cannot_open_a_year(self):
        cadre = MembershipFactory(
            role=Membership.Role.TOWNSHIP_CADRE, township=self.village.township
        ).user
        self.client.force_login(cadre)
        response = self.client.get(f"{self.url}?year={self.this_year + 1}")
        self.assertEqual(response.status_code, 403)
