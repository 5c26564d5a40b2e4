"""A board page of this year also draws last year's months (the chart's second line): a change
to last year's rows must reach this year's cached page at once, not when its stamp expires."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from pledges import services as pledge_services
from pledges.models import PledgeList
from residents import services as resident_services
from tests.factories import UserFactory, VillageFactory, full_list

YEAR = timezone.localdate().year


class LastYearOnThisYearsPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cadre = UserFactory()
        cls.village = VillageFactory()
        cls.last_year = full_list(
            status=PledgeList.Status.PUBLISHED, village=cls.village, year=YEAR - 1
        )
        full_list(status=PledgeList.Status.PUBLISHED, village=cls.village, year=YEAR)

    def setUp(self):
        cache.clear()

    def last_years_line(self) -> str:
        """The village page of this year, which draws last year's months too."""
        page = self.client.get(reverse("board:board_village", args=[self.village.code, YEAR]))
        self.assertEqual(page.status_code, 200)
        return page.content.decode()

    def test_a_challenge_upheld_on_last_years_project_reaches_this_years_page(self):
        project = self.last_year.projects.get(number=1)
        pledge_services.project_complete(project=project, by=self.cadre, note="完工")
        project.refresh_from_db()
        pledge_services.project_verify(project=project, by=self.cadre, verify=True)
        project.refresh_from_db()
        project.verified_at = project.verified_at.replace(year=YEAR - 1, month=6)
        project.save(update_fields=["verified_at"])  # verified in last June
        before = self.last_years_line()  # cached now, under this year's stamp
        self.assertIn(f"{YEAR - 1} 年全年 1 项", before)
        challenge = resident_services.challenge_submit(project=project, text="路灯不亮")
        resident_services.challenge_rule(
            challenge=challenge, uphold=True, by=self.cadre, answer="复查属实"
        )
        after = self.last_years_line()
        self.assertIn(f"{YEAR - 1} 年全年 0 项", after)
        self.assertEqual(after, self.last_years_line())  # and cached again
