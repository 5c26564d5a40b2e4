"""The ranking opens on the latest year that has published results, lists the years that
have some, and still answers ?year=; its table puts each village's name first, as the row's
header, in four columns (a 360 px phone)."""

import re

from django.test import TestCase
from django.urls import reverse

from reviews import services
from tests.factories import TownshipFactory, VillageFactory

from .factories import cast, frozen, local, make_review


def published(village, year: int):
    review = make_review(village, year=year)
    cast(review, ["satisfied"] * 10)
    review.close(by=None)
    services.review_publish(review=review, by=None)
    return review


class RankingYearTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory()
        cls.village = VillageFactory(township=cls.township, name="龙江村")
        published(cls.village, 2023)
        published(cls.village, 2024)
        make_review(cls.village, year=2025)  # still voting: no results for 2025
        cls.url = reverse("reviews:ranking", args=[cls.township.code])

    def test_it_defaults_to_the_latest_year_with_results_not_the_current_one(self):
        with frozen(local(2026, 12, 20, 10, 0)):  # in December the year under review is 2026
            response = self.client.get(self.url)
        self.assertEqual(response.context["year"], 2024)
        self.assertEqual(response.context["reviewed"], 1)

    def test_the_switcher_lists_the_years_with_results(self):
        response = self.client.get(self.url)
        self.assertEqual(response.context["years"], [2024, 2023])
        switcher = re.search(r'<nav class="years".*?</nav>', response.content.decode(), re.S)
        self.assertIn('href="?year=2023"', switcher[0])
        self.assertIn('<strong aria-current="page">2024</strong>', switcher[0])
        self.assertNotIn("2025", switcher[0])

    def test_a_year_asked_for_is_shown_even_without_results(self):
        response = self.client.get(self.url + "?year=2023")
        self.assertEqual(response.context["year"], 2023)
        response = self.client.get(self.url + "?year=2025")
        self.assertEqual(response.context["year"], 2025)
        self.assertContains(response, "2025 年度还没有村公布评议结果")

    def test_the_download_follows_the_same_year(self):
        export = reverse("reviews:ranking_export", args=[self.township.code])
        response = self.client.get(export)
        filename = f"review-ranking-{self.township.code}-2024.xlsx"
        self.assertIn(filename, response["Content-Disposition"])

    def test_a_place_without_any_results_says_so(self):
        empty = TownshipFactory()
        response = self.client.get(reverse("reviews:ranking", args=[empty.code]))
        self.assertContains(response, "还没有村公布年度评议结果")

    def test_names_come_first_as_row_headers_in_four_columns(self):
        district = reverse("reviews:ranking", args=[self.township.district.code])
        for url in (self.url, district):
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                table = re.search(r'<table class="ranking">.*?</table>', html, re.S)[0]
                header = re.search(r"<thead>.*?</thead>", table, re.S)[0]
                self.assertEqual(len(re.findall(r"<th[ >]", header)), 4)
                row = re.search(r"<tbody><tr>(.*?)</tr>", table, re.S)[1]
                self.assertTrue(row.strip().startswith('<th scope="row">'))
                self.assertIn("龙江村", re.search(r"<th scope=\"row\">.*?</th>", row, re.S)[0])
