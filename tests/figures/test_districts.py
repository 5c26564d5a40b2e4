"""The districts' sums (DistrictYear, DistrictOutcome): each write adds its village's change to
its district's row in the write's own transaction, a moved or deleted village or township
takes its figures with it, `check_figures` compares the sums with their villages' rows, and
the city page reads them (overdue counted live where the daily recount has not been)."""

import datetime
from decimal import Decimal
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from figures import services
from figures.models import DistrictOutcome, DistrictYear
from pledges.models import PledgeList, Project
from suggestions.models import Suggestion
from tests.factories import (
    CityFactory,
    DistrictFactory,
    TownshipFactory,
    VillageFactory,
    full_list,
)
from villages.models import Township, Village

YEAR = 2026
Status = Project.Status


def sums(district) -> dict:
    """The district's row of YEAR as stored, without its keys ({} when it has none)."""
    row = DistrictYear.objects.filter(district=district, year=YEAR).values().first() or {}
    for name in ("id", "district_id", "year"):
        row.pop(name, None)
    return row


def outcomes(district) -> list:
    return list(
        DistrictOutcome.objects.filter(district=district, year=YEAR, projects__gt=0).values_list(
            "category", "unit", "total", "projects"
        )
    )


class DistrictSumsCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory()
        cls.district = DistrictFactory(city=cls.city)
        cls.other = DistrictFactory(city=cls.city)
        cls.township = TownshipFactory(district=cls.district)
        cls.village = VillageFactory(township=cls.township)
        cls.neighbour = VillageFactory(township=cls.township)
        cls.far = VillageFactory(township=TownshipFactory(district=cls.other))

    def publish(self, village, verified: int = 0) -> PledgeList:
        pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=YEAR)
        for project in pledge_list.projects.filter(number__lte=verified):
            project.status = Status.VERIFIED
            project.verified_at = timezone.make_aware(datetime.datetime(YEAR, 5, 3, 12))
            project.save()
        return pledge_list

    def assert_agree(self):
        self.assertEqual(services.district_differences(), [])
        self.assertEqual(services.differences(), [])


class KeepingTests(DistrictSumsCase):
    def test_each_write_adds_its_villages_change_to_its_district(self):
        self.publish(self.village, verified=3)
        self.assertEqual(sums(self.district)["list_count"], 1)
        self.assertEqual(sums(self.district)["verified_count"], 3)
        self.assertEqual(sums(self.district)["verified_month_5"], 3)
        self.publish(self.neighbour, verified=2)
        self.assertEqual(sums(self.district)["list_count"], 2)
        self.assertEqual(sums(self.district)["verified_count"], 5)
        self.assertEqual(sums(self.district)["project_count"], 20)
        self.assertEqual(outcomes(self.district), [("lighting", "盏", Decimal("150.00"), 5)])
        self.assertEqual(sums(self.other), {})
        self.assert_agree()

    def test_a_write_that_takes_figures_away_takes_them_from_the_sums(self):
        pledge_list = self.publish(self.village, verified=3)
        self.publish(self.neighbour, verified=1)
        project = pledge_list.projects.get(number=1)
        project.status = Status.IN_PROGRESS
        project.save()
        self.assertEqual(sums(self.district)["verified_count"], 3)
        self.assertEqual(outcomes(self.district), [("lighting", "盏", Decimal("90.00"), 3)])
        pledge_list.delete()  # the village's row goes: its whole part of the sums with it
        self.assertEqual(sums(self.district)["list_count"], 1)
        self.assertEqual(sums(self.district)["project_count"], 10)
        self.assertEqual(outcomes(self.district), [("lighting", "盏", Decimal("30.00"), 1)])
        self.assert_agree()

    def test_suggestions_count_in_the_districts_sums(self):
        Suggestion.objects.create(
            village=self.village,
            year=YEAR,
            text="修路",
            status=Suggestion.Status.ADOPTED,
            reply="好",
            replied_at=timezone.now(),
            received=timezone.localdate(),
        )
        found = sums(self.district)
        self.assertEqual(
            (found["received"], found["answered"], found["adopted"], found["answered_on_time"]),
            (1, 1, 1, 1),
        )
        self.assert_agree()


class MovingTests(DistrictSumsCase):
    def test_a_village_moved_to_another_district_takes_its_figures(self):
        self.publish(self.village, verified=3)
        self.village.township = self.far.township
        self.village.save()
        self.assertEqual(sums(self.district).get("list_count", 0), 0)
        self.assertEqual(sums(self.other)["verified_count"], 3)
        self.assertEqual(outcomes(self.other), [("lighting", "盏", Decimal("90.00"), 3)])
        self.assert_agree()

    def test_a_township_moved_to_another_district_takes_its_villages_figures(self):
        self.publish(self.village, verified=3)
        self.publish(self.neighbour, verified=1)
        township = Township.objects.get(pk=self.township.pk)
        township.district = self.other
        township.save()
        self.assertEqual(sums(self.district).get("list_count", 0), 0)
        self.assertEqual(sums(self.other)["verified_count"], 4)
        self.assert_agree()

    def test_a_deleted_village_takes_its_figures_away(self):
        # a village with a list cannot be deleted (nor a township with villages); one with
        # only suggestions can
        self.publish(self.neighbour, verified=1)
        for village in (self.village, self.neighbour):
            Suggestion.objects.create(village=village, year=YEAR, text="修路")
        self.assertEqual(sums(self.district)["received"], 2)
        Village.objects.get(pk=self.village.pk).delete()
        self.assertEqual(sums(self.district)["received"], 1)
        self.assertEqual(sums(self.district)["verified_count"], 1)
        self.assert_agree()

    def test_a_save_that_moves_nothing_costs_no_query(self):
        village = Village.objects.get(pk=self.village.pk)
        with self.assertNumQueries(1):  # the update itself
            village.name = "新名字"
            village.save()


class CheckTests(DistrictSumsCase):
    def test_check_figures_lists_a_wrong_sum_and_fix_sums_again(self):
        self.publish(self.village, verified=3)
        DistrictYear.objects.filter(district=self.district).update(verified_count=7)
        DistrictOutcome.objects.filter(district=self.district).update(projects=9)
        with self.assertRaises(CommandError) as failed:
            call_command("check_figures", stdout=StringIO())
        self.assertIn("the sums of 1 district-years", str(failed.exception))
        out = StringIO()
        call_command("check_figures", "--fix", stdout=out)
        self.assertEqual(sums(self.district)["verified_count"], 3)
        self.assertEqual(outcomes(self.district), [("lighting", "盏", Decimal("90.00"), 3)])
        self.assert_agree()

    def test_the_differences_name_the_district_and_the_figure(self):
        self.publish(self.village, verified=3)
        DistrictYear.objects.filter(district=self.district).update(verified_count=7)
        (found,) = services.differences()
        self.assertEqual(
            (found.village_id, found.district_id, found.year, found.name),
            (None, self.district.pk, YEAR, "verified_count"),
        )
        self.assertEqual((found.stored, found.counted), (7, 3))

    def test_migrate_sums_the_districts_when_their_rows_are_missing(self):
        self.publish(self.village, verified=3)
        DistrictYear.objects.all().delete()
        DistrictOutcome.objects.all().delete()
        call_command("migrate", "figures", verbosity=0)
        self.assertEqual(sums(self.district)["verified_count"], 3)
        self.assert_agree()


class CityFromTheSumsTests(DistrictSumsCase):
    def test_the_city_reads_the_districts_sums(self):
        self.publish(self.village, verified=3)
        DistrictYear.objects.filter(district=self.district).update(verified_count=7)
        found = {d.pk: d for d in services.city_districts(self.city, YEAR)}
        self.assertEqual(found[self.district.pk].summary["verified_count"], 7)
        self.assertEqual(found[self.district.pk].summary["village_count"], 2)
        self.assertEqual(found[self.other.pk].summary["list_count"], 0)

    def test_overdue_is_counted_live_until_the_daily_recount(self):
        self.publish(self.village)
        self.publish(self.far)
        counted_on = datetime.date(YEAR, 10, 1)
        services.refresh(villages=None, today=counted_on)  # all ten open, none overdue yet
        self.assertEqual(sums(self.district)["overdue_count"], 0)
        later = datetime.date(YEAR, 11, 5)  # past every planned finish (31 October)
        found = {d.pk: d for d in services.city_districts(self.city, YEAR, today=later)}
        self.assertEqual(found[self.district.pk].summary["overdue_count"], 10)
        self.assertEqual(found[self.other.pk].summary["overdue_count"], 10)
        services.recount_overdue(today=later)
        self.assertEqual(sums(self.district)["overdue_count"], 10)
        found = {d.pk: d for d in services.city_districts(self.city, YEAR, today=later)}
        self.assertEqual(found[self.district.pk].summary["overdue_count"], 10)
