"""The district and township pages and their open data read the villages' figures, and give
exactly what the live counts over projects and suggestions give (the queryset methods the
board used before, which the dashboards still use)."""

import datetime
from decimal import Decimal

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from board import open_data, pages
from figures import services
from figures.models import VillageYear, median_of_counts
from pledges.models import PledgeList, Project
from pledges.signals import written_in_bulk
from suggestions.models import Meeting, Suggestion
from tests.factories import DistrictFactory, TownshipFactory, VillageFactory, full_list
from villages.models import Village

TODAY = timezone.localdate()
YEAR = TODAY.year
Status = Project.Status
DAY = datetime.timedelta(days=1)


def noon(date: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(date.year, date.month, date.day, 12))


def projects_as(pledge_list, *rows) -> None:
    """Set projects 1, 2, … of the list to (status, planned finish, quantity, unit, category)."""
    for number, (status, finish, quantity, unit, category) in enumerate(rows, start=1):
        Project.objects.filter(pledge_list=pledge_list, number=number).update(
            status=status,
            planned_start=None,
            planned_finish=finish,
            target_quantity=quantity,
            unit=unit,
            category=category,
        )


def live_district_rows(district, year) -> list[dict]:
    """What the district's table showed before the figures app: a live GROUP BY."""
    return [
        {
            "code": township.code,
            "villages": township.village_count,
            "lists_published": township.summary.get("published_count", 0),
            "projects": township.summary.get("project_count", 0),
            "verified": township.summary.get("verified_count", 0),
            "completed": township.summary.get("completed_count", 0),
            "overdue": township.summary.get("overdue_count", 0),
        }
        for township in PledgeList.objects.township_summary(
            district=district, year=year, published_only=True
        )
    ]


def live_township_rows(township, year) -> list[dict]:
    rows, _totals = PledgeList.objects.published().township_rows(township, year)
    names = ("project_count", "verified_count", "completed_count", "in_progress_count")
    return [
        {
            "code": village.code,
            "list": "published" if pledge_list else None,
            **{name: getattr(pledge_list, name) if pledge_list else 0 for name in names},
            "overdue_count": pledge_list.overdue_count if pledge_list else 0,
        }
        for village, pledge_list in rows
    ]


class SameFiguresTests(TestCase):
    """A district of three townships (one without villages): published lists of two years
    with projects in every status, overdue, cancelled and with or without quantities; a
    draft and an approved list (never counted); suggestions in every state; meetings."""

    @classmethod
    def setUpTestData(cls):
        cls.district = DistrictFactory()
        cls.north = TownshipFactory(district=cls.district)
        cls.south = TownshipFactory(district=cls.district)
        cls.empty = TownshipFactory(district=cls.district)
        one, two, three = (VillageFactory(township=cls.north) for _ in range(3))
        four, five = (VillageFactory(township=cls.south) for _ in range(2))
        published = PledgeList.Status.PUBLISHED
        lamps, metres = ("盏", "lighting"), ("米", "irrigation")
        for village, year, status in (
            (one, YEAR, published),
            (four, YEAR, published),
            (four, YEAR - 1, published),
            (two, YEAR, PledgeList.Status.DRAFT),
            (five, YEAR, PledgeList.Status.APPROVED),
        ):
            pledge_list = full_list(status=status, village=village, year=year)
            projects_as(
                pledge_list,
                (Status.VERIFIED, TODAY - 30 * DAY, Decimal("30"), *lamps),
                (Status.VERIFIED, TODAY + 9 * DAY, Decimal("12.5"), *lamps),
                (Status.COMPLETED, TODAY - 2 * DAY, Decimal("120.50"), *metres),
                (Status.COMPLETED, None, None, "", "roads"),
                (Status.IN_PROGRESS, TODAY - 1 * DAY, Decimal("3"), "亩", "industry"),
                (Status.IN_PROGRESS, TODAY, Decimal("3"), "亩", "industry"),
                (Status.PLANNED, TODAY - 5 * DAY, None, "", "other"),
                (Status.PLANNED, TODAY + 40 * DAY, None, "", "other"),
                (Status.CANCELLED, TODAY - 9 * DAY, Decimal("5"), *lamps),
                (Status.VERIFIED, None, Decimal("7"), "", "care"),
            )
        received = datetime.date(YEAR, 1, 10)
        for village, replies in ((one, [0, 3, 3, 10]), (two, [7, 40]), (four, [1]), (five, [])):
            for n, days in enumerate(replies):
                Suggestion.objects.create(
                    village=village,
                    year=YEAR,
                    text="建议",
                    received=received,
                    status=Suggestion.Status.ADOPTED if n % 2 else Suggestion.Status.NOT_ADOPTED,
                    reply="答复",
                    replied_at=noon(received + days * DAY),
                )
            Suggestion.objects.create(village=village, year=YEAR, text="未答复")
        Suggestion.objects.create(village=one, year=YEAR - 1, text="去年的")
        for village, date in ((one, datetime.date(YEAR, 3, 1)), (five, datetime.date(YEAR, 4, 1))):
            Meeting.objects.create(village=village, date=date)
        Meeting.objects.create(village=one, date=datetime.date(YEAR - 1, 3, 1))
        written_in_bulk.send(
            sender=Project, village_ids=Village.objects.values_list("pk", flat=True)
        )

    def setUp(self):
        cache.clear()

    def test_the_district_table_is_the_live_one(self):
        for year in (YEAR - 1, YEAR, YEAR + 1):
            with self.subTest(year=year):
                rows = [
                    {key: row[key] for key in live_district_rows(self.district, year)[0]}
                    for row in open_data.district_rows(self.district, year)
                ]
                self.assertEqual(rows, live_district_rows(self.district, year))
        self.assertEqual(
            [row["projects"] for row in open_data.district_rows(self.district, YEAR)], [9, 9, 0]
        )

    def test_the_township_tables_are_the_live_ones(self):
        for township in (self.north, self.south, self.empty):
            for year in (YEAR - 1, YEAR):
                with self.subTest(township=township.code, year=year):
                    rows = [
                        {
                            "code": row["code"],
                            "list": row["list"],
                            "project_count": row["projects"],
                            "verified_count": row["verified"],
                            "completed_count": row["completed"],
                            "in_progress_count": row["in_progress"],
                            "overdue_count": row["overdue"],
                        }
                        for row in open_data.township_rows(township, year)
                    ]
                    self.assertEqual(rows, live_township_rows(township, year))

    def test_the_outcomes_and_suggestion_figures_are_the_live_ones(self):
        places = [
            (self.district, Village.objects.in_district(self.district), "in_district"),
            (self.north, self.north.villages.all(), "in_township"),
            (self.south, self.south.villages.all(), "in_township"),
        ]
        for place, villages, method in places:
            for year in (YEAR - 1, YEAR):
                with self.subTest(place=place.code, year=year):
                    page = (
                        pages.district_page if method == "in_district" else pages.township_page
                    )(place.code, year)
                    projects = getattr(Project.objects.of_year(year), method)(place)
                    self.assertEqual(page["outcomes"], projects.outcome_rows())
                    live = Suggestion.objects.figures(year=year, villages=villages)
                    self.assertEqual(page["figures"], {key: live[key] for key in page["figures"]})
        page = pages.district_page(self.district.code, YEAR)
        # (0, 3, 3, 10) in 一村, (7, 40) in 二村, 1 in 四村: 1 0 3 3 7 10 40 → 3
        self.assertEqual(page["figures"]["median_days_to_reply"], 3)
        self.assertEqual(page["other_years"], [YEAR, YEAR - 1])

    def test_the_pages_show_every_township_and_village(self):
        page = self.client.get(reverse("board:board_place", args=[self.district.code]))
        for township in (self.north, self.south, self.empty):
            self.assertContains(page, township.name)
        page = self.client.get(reverse("board:board_place", args=[self.north.code]))
        for village in self.north.villages.all():
            self.assertContains(page, village.name)
        self.assertContains(page, "尚未公布", count=2)  # the draft and the village without a list

    def test_an_overdue_count_from_yesterday_is_counted_live_until_the_recount(self):
        # Counted yesterday: project 5, due yesterday, was not overdue then; today it is.
        services.refresh(villages=Village.objects.values_list("pk", flat=True), today=TODAY - DAY)
        stored = VillageYear.objects.filter(year=YEAR, is_published=True)
        self.assertEqual(sorted(stored.values_list("overdue_count", flat=True)), [1, 1])
        for place, live in (
            (self.north, live_township_rows(self.north, YEAR)),
            (self.south, live_township_rows(self.south, YEAR)),
        ):
            rows = open_data.township_rows(place, YEAR)
            self.assertEqual([r["overdue"] for r in rows], [r["overdue_count"] for r in live])
        self.assertEqual(
            [row["overdue"] for row in open_data.district_rows(self.district, YEAR)],
            [row["overdue"] for row in live_district_rows(self.district, YEAR)],
        )
        self.assertEqual(services.differences(), [])  # waiting for the recount, not wrong
        self.assertEqual(services.recount_overdue(), 3)  # last year's list's too
        self.assertEqual(sorted(stored.values_list("overdue_count", flat=True)), [2, 2])
        self.assertEqual(services.recount_overdue(), 0)  # twice: nothing more


class MedianTests(TestCase):
    def test_it_is_the_median_of_the_whole_list(self):
        import statistics

        for values in ([4], [4, 10], [1, 1, 2], [0, 3, 3, 10, 7, 40, 1], [5, 5], [-1, 2, 2, 9]):
            with self.subTest(values=values):
                counts = sorted({v: values.count(v) for v in values}.items())
                self.assertEqual(median_of_counts(counts), statistics.median(values))
        self.assertIsNone(median_of_counts([]))


class RecountBudgetTests(TestCase):
    def build(self, suggestions: int):
        village = VillageFactory()
        pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=YEAR)
        Project.objects.filter(pledge_list=pledge_list, number__lte=3).update(
            status=Status.VERIFIED
        )
        for n in range(suggestions):
            Suggestion.objects.create(
                village=village,
                year=YEAR,
                text="建议",
                status=Suggestion.Status.ADOPTED,
                reply="好",
                replied_at=noon(TODAY - n * DAY),
                received=TODAY - 2 * n * DAY,
            )
            Meeting.objects.create(village=village, date=TODAY)
        services.refresh(villages=[village.pk])  # the update() above
        return village

    def test_recounting_a_village_year_takes_a_fixed_number_of_queries(self):
        for suggestions in (1, 8):
            village = self.build(suggestions)
            # lock the village, its row, the row's outcomes and reply times; count the
            # projects, the outcomes, the suggestions, the meetings
            with self.subTest(suggestions=suggestions), self.assertNumQueries(8):
                services.refresh(villages=[village.pk], years=[YEAR])
            # the same, then write what a bulk update changed: the row (one upsert), its
            # outcomes (one delete, one insert), and add the change to the district's sums
            # (one upsert) and to its outcomes (one upsert)
            Project.objects.filter(pledge_list__village=village).update(status=Status.VERIFIED)
            with self.subTest(suggestions=suggestions), self.assertNumQueries(13):
                services.refresh(villages=[village.pk], years=[YEAR])
            self.assertEqual(services.differences(villages=[village.pk]), [])
            self.assertEqual(services.district_differences(), [])
