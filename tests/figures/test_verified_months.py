"""The projects verified in each month of the year (VillageYear.verified_month_1 … 12, the
board's month-by-month chart): kept by the same writes, in the same transaction, as the other
figures; checked by check_figures; filled after migrate; summed for any set of villages."""

import datetime
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from board import charts, pages
from figures import services
from figures.models import VERIFIED_MONTHS, VillageYear
from pledges import services as pledge_services
from pledges.models import PledgeList, Project
from residents import services as resident_services
from tests.factories import TownshipFactory, UserFactory, VillageFactory, full_list
from villages.models import Village

TODAY = timezone.localdate()
YEAR = TODAY.year
Status = Project.Status


def months(village, year: int = YEAR) -> list[int] | None:
    row = VillageYear.objects.filter(village=village, year=year).values(*VERIFIED_MONTHS).first()
    return None if row is None else [row[name] for name in VERIFIED_MONTHS]


def only(month: int, n: int = 1) -> list[int]:
    return [n if m == month else 0 for m in range(1, 13)]


def at(*moment) -> datetime.datetime:
    """A moment in the site's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime(*moment))


class VerifiedMonthTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cadre = UserFactory()
        cls.village = VillageFactory()
        cls.pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=cls.village)

    def project(self, number: int) -> Project:
        return self.pledge_list.projects.get(number=number)

    def complete(self, number: int) -> Project:
        project = self.project(number)
        pledge_services.project_complete(project=project, by=self.cadre, note="完工")
        project.refresh_from_db()
        return project

    def test_verifying_a_project_counts_it_in_this_month(self):
        self.assertEqual(months(self.village), [0] * 12)
        project = self.complete(1)
        self.assertEqual(months(self.village), [0] * 12)  # completed is not verified
        pledge_services.project_verify(project=project, by=self.cadre, verify=True)
        self.assertEqual(months(self.village), only(TODAY.month))
        pledge_services.project_verify(project=self.complete(2), by=self.cadre, verify=True)
        self.assertEqual(months(self.village), only(TODAY.month, 2))
        self.assertEqual(services.differences(), [])

    def test_a_challenge_upheld_takes_it_off_again(self):
        project = self.complete(1)
        pledge_services.project_verify(project=project, by=self.cadre, verify=True)
        challenge = resident_services.challenge_submit(project=project, text="路灯不亮")
        resident_services.challenge_rule(
            challenge=challenge, uphold=True, by=self.cadre, answer="复查属实"
        )
        self.assertEqual(months(self.village), [0] * 12)
        self.assertEqual(services.differences(), [])

    def test_the_month_is_the_sites_not_utcs(self):
        project = self.project(1)
        project.status = Status.VERIFIED
        # 31 March 17:00 UTC is 1 April 01:00 in China
        project.verified_at = datetime.datetime(YEAR, 3, 31, 17, tzinfo=datetime.UTC)
        project.save()
        self.assertEqual(months(self.village), only(4))
        project.verified_at = at(YEAR, 3, 31, 23, 59)
        project.save(update_fields=["verified_at"])  # the date alone moves it
        self.assertEqual(months(self.village), only(3))
        self.assertEqual(services.differences(), [])

    def test_a_project_verified_after_its_year_counts_in_no_month(self):
        last_year = full_list(
            status=PledgeList.Status.PUBLISHED, village=self.village, year=YEAR - 1
        )
        project = last_year.projects.get(number=1)
        project.status, project.verified_at = Status.VERIFIED, at(YEAR, 1, 5, 10)
        project.save()
        row = VillageYear.objects.get(village=self.village, year=YEAR - 1)
        self.assertEqual((row.verified_count, months(self.village, YEAR - 1)), (1, [0] * 12))
        self.assertEqual(months(self.village), [0] * 12)  # nor in this year's list's

    def test_check_figures_finds_a_wrong_month_and_fixes_it(self):
        project = self.complete(1)
        pledge_services.project_verify(project=project, by=self.cadre, verify=True)
        # bypasses the models: the figures do not see it
        Project.objects.filter(pk=project.pk).update(verified_at=at(YEAR, 2, 10, 9))
        with self.assertRaises(CommandError):
            call_command("check_figures", stdout=StringIO())
        out = StringIO()
        call_command("check_figures", "--fix", stdout=out)
        self.assertIn("verified_month_2: stored 0, counted 1", out.getvalue())
        self.assertEqual(months(self.village), only(2))

    def test_migrate_fills_the_months_of_an_empty_table(self):
        project = self.project(1)
        project.status, project.verified_at = Status.VERIFIED, at(YEAR, 6, 1, 9)
        project.save()
        VillageYear.objects.all().delete()  # what the migration adding the months does
        self.assertEqual(services.fill_after_migrate(verbosity=0), 1)
        self.assertEqual(months(self.village), only(6))


class VerifiedByMonthReadTests(TestCase):
    """services.verified_by_month: the months summed for any set of villages, one query."""

    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory()
        cls.other = TownshipFactory(district=cls.township.district)
        for township, month, year in (
            (cls.township, 3, YEAR),
            (cls.township, 3, YEAR),
            (cls.township, 11, YEAR - 1),
            (cls.other, 5, YEAR),
        ):
            village = VillageFactory(township=township)
            pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=year)
            project = pledge_list.projects.get(number=1)
            project.status, project.verified_at = Status.VERIFIED, at(year, month, 2, 9)
            project.save()
        # a draft list counts nowhere
        draft = full_list(village=VillageFactory(township=cls.township), year=YEAR)
        Project.objects.filter(pledge_list=draft).update(status=Status.VERIFIED)

    def test_it_sums_the_villages_given_for_each_year(self):
        villages = self.township.villages.all()
        with self.assertNumQueries(1):
            found = services.verified_by_month(villages, [YEAR - 1, YEAR])
        self.assertEqual(found, {YEAR - 1: only(11), YEAR: only(3, 2)})
        district = Village.objects.filter(township__district=self.township.district)
        self.assertEqual(
            services.verified_by_month(district, [YEAR]),
            {YEAR: [a + b for a, b in zip(only(3, 2), only(5), strict=True)]},
        )

    def test_the_board_pages_chart_them_this_year_against_last(self):
        district = pages.district_page(self.township.district.code, YEAR)["verified_chart"]
        self.assertEqual(district.last_year.monthly, only(11))
        shown = charts.months_shown(YEAR, TODAY)
        self.assertEqual(
            district.this_year.monthly,
            [a + b for a, b in zip(only(3, 2), only(5), strict=True)][:shown],
        )
        township = pages.township_page(self.other.code, YEAR)["verified_chart"]
        self.assertIsNone(township.last_year)  # no list there last year: one line
        self.assertIsNone(pages.township_page(self.other.code, YEAR + 1)["verified_chart"])

    def test_a_year_without_a_published_list_is_none_not_zeros(self):
        found = services.verified_by_month(self.other.villages.all(), [YEAR - 1, YEAR])
        self.assertEqual(found, {YEAR - 1: None, YEAR: only(5)})
