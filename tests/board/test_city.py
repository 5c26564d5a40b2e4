"""The city page (/board/<4-digit code>/): the city's districts side by side, each rate with
its counts, sortable by column without JavaScript, the districts ranked (亮晒评), the Excel
download, and cached under the city's stamp like the district page."""

import datetime
import io
from decimal import Decimal

import openpyxl
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from board import open_data, pages
from figures import services as figure_services
from pledges.models import PledgeList, Project
from pledges.signals import written_in_bulk
from reviews.models import AnnualReview
from suggestions.models import Suggestion
from tests.factories import CityFactory, DistrictFactory, TownshipFactory, VillageFactory, full_list

Status = PledgeList.Status
YEAR = timezone.localdate().year
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TABLE = '<table class="ranking city-districts">'


def board(code: str) -> str:
    return reverse("board:board_place", args=[code])


def published_village(district, *, verified: int, township=None):
    """A village of `district` with a published list of 10 projects, `verified` of them
    verified and struck off."""
    township = township or TownshipFactory(district=district)
    village = VillageFactory(township=township)
    pledge_list = full_list(status=Status.PUBLISHED, village=village, year=YEAR)
    done = pledge_list.projects.filter(number__lte=verified).values_list("pk", flat=True)
    Project.objects.filter(pk__in=list(done)).update(status=Project.Status.VERIFIED)
    written_in_bulk.send(sender=Project, village_ids=[village.pk])
    return village


def published_review(village, satisfaction: str):
    now = timezone.now()
    return AnnualReview.objects.create(
        pledge_list=village.pledge_lists.get(year=YEAR),
        status=AnnualReview.Status.PUBLISHED,
        opens_at=now - datetime.timedelta(days=7),
        closes_at=now - datetime.timedelta(days=1),
        satisfaction_rate=Decimal(satisfaction),
    )


class CityPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory(code="5203", name="遵义市")
        # 红花岗区: two villages, one list published (3 of 10 verified), one without a list
        cls.low = DistrictFactory(code="520302", name="红花岗区", city=cls.city)
        cls.low_village = published_village(cls.low, verified=3)
        VillageFactory(township=cls.low_village.township)
        # 汇川区: one village, every project verified, a review 96 % satisfied
        cls.high = DistrictFactory(code="520303", name="汇川区", city=cls.city)
        cls.high_village = published_village(cls.high, verified=10)
        published_review(cls.high_village, "96.0")
        # 播州区: no list yet (nothing to rank)
        cls.empty = DistrictFactory(code="520304", name="播州区", city=cls.city)
        VillageFactory(township=TownshipFactory(district=cls.empty))
        # Another city's district is not shown
        DistrictFactory(code="520102", name="南明区")
        Suggestion.objects.create(
            village=cls.high_village,
            year=YEAR,
            text="修路",
            status=Suggestion.Status.ADOPTED,
            reply="已安排",
            replied_at=timezone.now(),
        )

    def setUp(self):
        cache.clear()

    def test_it_shows_each_district_with_its_rates_and_their_counts(self):
        page = self.client.get(board(self.city.code), **EN)
        self.assertContains(page, "红花岗区")
        self.assertContains(page, "汇川区")
        self.assertNotContains(page, "南明区")
        self.assertContains(page, "50.0% (1/2)")  # 红花岗区: lists published of villages
        self.assertContains(page, "30.0% (3/10)")  # 红花岗区: verified of projects
        self.assertContains(page, "100.0% (10/10)")  # 汇川区
        self.assertContains(page, "100.0% (1/1)")  # 汇川区: answered on time, review
        # the whole city's row: the sums, then their rates
        self.assertContains(page, "65.0% (13/20)")
        self.assertContains(page, "50.0% (2/4)")

    def test_answered_on_time_counts_the_replies_within_the_reply_days(self):
        for days in (20, 15):  # one too late, one on the last day
            Suggestion.objects.create(
                village=self.low_village,
                year=YEAR,
                text="修桥",
                status=Suggestion.Status.ADOPTED,
                reply="已安排",
                received=timezone.localdate() - datetime.timedelta(days=days),
                replied_at=timezone.now(),
            )
        districts = {d.pk: d for d in figure_services.city_districts(self.city, YEAR)}
        self.assertEqual(districts[self.low.pk].replies, {"on_time": 1, "answered": 2})
        self.assertEqual(districts[self.high.pk].replies, {"on_time": 1, "answered": 1})
        self.assertEqual(districts[self.empty.pk].replies, {"on_time": 0, "answered": 0})
        page = self.client.get(board(self.city.code), **EN)
        self.assertContains(page, "50.0% (1/2)</td>")  # 红花岗区's column, and the city's:
        self.assertContains(page, "66.7% (2/3)</td>")

    def test_the_reviews_are_counted_per_district_once_each(self):
        other = published_village(self.high, verified=5)
        published_review(other, "60.0")  # under the threshold
        draft = published_village(self.low, verified=1)
        review = published_review(draft, "99.0")
        AnnualReview.objects.filter(pk=review.pk).update(status=AnnualReview.Status.DRAFT)
        districts = {d.pk: d for d in figure_services.city_districts(self.city, YEAR)}
        self.assertEqual(districts[self.high.pk].reviews, {"reviewed": 2, "satisfied": 1})
        self.assertEqual(districts[self.low.pk].reviews, {"reviewed": 0, "satisfied": 0})
        self.assertEqual(districts[self.high.pk].summary["project_count"], 20)  # not doubled

    def test_the_table_and_the_ranking_print_each_rate_as_the_rate_itself_does(self):
        page = pages.city_page(self.city.code, YEAR)
        rows = open_data.city_rows(self.city, YEAR)
        for row in rows:
            for key in ("published", "completion", "verification", "on_time", "satisfaction"):
                self.assertIn(f'<td class="n">{row[key]}</td>', page["table"])
        self.assertEqual(page["table"].count("<tr>"), 3)
        self.assertEqual(len(page["standing"].ranked), 2)
        for placed in page["standing"].ranked:
            item = f'{placed["name"]}<span class="meta">{placed.rate}</span>'
            self.assertIn(item, page["ranking"])

    def test_it_links_down_to_each_district_and_the_district_links_up(self):
        page = self.client.get(board(self.city.code))
        self.assertContains(page, f'href="{board(self.low.code)}?year={YEAR}"')
        district = self.client.get(board(self.low.code))
        self.assertContains(district, f'href="{board(self.city.code)}?year={YEAR}"')

    def test_it_sorts_by_the_column_asked_for_with_plain_links(self):
        by_code = self.client.get(board(self.city.code), **EN).content.decode()
        self.assertIn(f"?year={YEAR}&amp;sort=verification", by_code)
        by_code = by_code[by_code.index(TABLE) :]
        by_code = by_code[: by_code.index("</table>")]
        self.assertLess(by_code.index("红花岗区"), by_code.index("汇川区"))
        url = f"{board(self.city.code)}?sort=verification"
        by_rate = self.client.get(url, **EN).content.decode()
        table = by_rate[by_rate.index(TABLE) :]
        table = table[: table.index("</table>")]
        self.assertLess(table.index("汇川区"), table.index("红花岗区"))
        # nothing counted goes last
        self.assertLess(table.index("红花岗区"), table.index("播州区"))

    def test_an_unknown_sort_or_city_is_not_found(self):
        self.assertEqual(self.client.get(f"{board(self.city.code)}?sort=name;").status_code, 404)
        self.assertEqual(self.client.get(board("5299")).status_code, 404)

    def test_it_ranks_the_districts_and_names_those_below_the_threshold(self):
        with self.settings(RANKING_MIN_RESULTS=5, RANKING_THRESHOLD=70):
            page = self.client.get(board(self.city.code), **EN).content.decode()
        ranking = page[page.index("Ranking of the districts") :]
        under = ranking[ranking.index("Under 70") : ranking.index("</div>")]
        self.assertIn("红花岗区", under)
        self.assertNotIn("汇川区", under)
        self.assertIn("<strong>1.</strong> 汇川区", ranking)
        too_few = ranking[ranking.index("Too few projects to rank") :]
        self.assertIn("播州区", too_few)  # listed, not ranked

    def test_a_write_in_any_village_of_the_city_changes_its_page(self):
        url = board(self.city.code)
        etag = self.client.get(url)["ETag"]
        self.assertEqual(self.client.get(url, HTTP_IF_NONE_MATCH=etag).status_code, 304)
        Suggestion.objects.create(village=self.low_village, year=YEAR, text="路灯")
        changed = self.client.get(url, HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(changed.status_code, 200)
        self.assertNotEqual(changed["ETag"], etag)

    def test_renaming_a_district_changes_the_city_page(self):
        url = board(self.city.code)
        self.client.get(url)
        self.low.name = "新红花岗区"
        self.low.save()
        self.assertContains(self.client.get(url), "新红花岗区")

    def test_the_excel_download_has_every_district_and_the_citys_total(self):
        response = self.client.get(reverse("board:board_export_xlsx", args=[self.city.code]))
        self.assertEqual(response.status_code, 200)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        names = [row[1] for row in rows]
        self.assertEqual(names[1:], ["红花岗区", "汇川区", "播州区", "合计"])
        header = rows[0]
        total = dict(zip(header, rows[-1], strict=True))
        self.assertEqual(total["民生实事"], 20)
        self.assertEqual(total["已验收销号"], 13)
        self.assertEqual(total["销号率(%)"], 65.0)


class CityQueryBudgetTests(TestCase):
    def build(self, districts: int):
        city = CityFactory()
        for n in range(districts):
            district = DistrictFactory(code=f"{city.code}{n + 1:02d}", city=city)
            village = published_village(district, verified=n % 10)
            published_review(village, "90.0")
            Suggestion.objects.create(
                village=village,
                year=YEAR,
                text="修路",
                status=Suggestion.Status.ADOPTED,
                reply="好",
                replied_at=timezone.now(),
            )
        return city

    def test_query_counts_do_not_grow(self):
        for districts in (1, 6):
            cache.clear()
            city = self.build(districts)
            url = board(city.code)
            # cold: the data stamp (from the districts' sums), the city, its districts' sums
            # with the overdue counts the daily recount has not reached and their published
            # reviews, the districts' outcomes, the months verified in every year from the
            # districts' sums (the years too)
            with self.subTest(n=districts, cache="cold"), self.assertNumQueries(5):
                self.client.get(url)
            # warm: stamp and page from the cache
            with self.subTest(n=districts, cache="warm"), self.assertNumQueries(0):
                self.client.get(url)
            # another order: the stamp is warm, the page is built (all but the stamp)
            with self.subTest(n=districts, cache="sorted"), self.assertNumQueries(4):
                self.client.get(f"{url}?sort=completion")


class CityEarlyAnswerKeyTests(TestCase):
    """The early answer (board/middleware.py) keeps one copy per column the city page sorts
    by, and none for a question the board does not ask."""

    def key(self, query: str):
        from django.test import RequestFactory

        from board.middleware import _key

        return _key(RequestFactory().get(f"/board/5203/?{query}"), "zh-hans")

    def test_each_sort_has_its_own_key_and_an_unknown_one_none(self):
        keys = {self.key(f"sort={name}") for name in ("completion", "overdue", "code")}
        self.assertEqual(len(keys), 3)
        self.assertNotIn(None, keys)
        self.assertNotEqual(self.key("sort=completion"), self.key(""))
        self.assertIsNone(self.key("sort=random"))
        self.assertIsNone(self.key("sort=completion&sort=overdue"))
        self.assertIsNone(self.key("page=2"))
