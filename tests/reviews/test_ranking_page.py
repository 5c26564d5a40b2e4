"""The ranking page and its download cannot mislead: each rate with its counts, the villages
under the threshold first, a village with too few ballots listed, not ranked."""

import io
import re

from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import TownshipFactory, VillageFactory

from .test_results import published_with

S, D = "satisfied", "dissatisfied"


def text(html: str) -> str:
    """What a reader sees of a piece of the page: its words without the tags."""
    return re.sub(r"<[^>]+>", "", html)


@override_settings(RANKING_MIN_RESULTS=5, RANKING_THRESHOLD=70)
class RankingPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory()
        village = lambda name: VillageFactory(township=cls.township, name=name)  # noqa: E731
        published_with(village("满分村"), [[S] * 10] * 6)
        published_with(village("欠佳村"), [[S] * 5 + [D] * 5] * 6)
        published_with(village("三票村"), [[S] * 10] * 3)
        village("未评村")
        cls.url = reverse("reviews:ranking", args=[cls.township.code]) + "?year=2025"

    def html(self, url=None) -> str:
        return self.client.get(url or self.url).content.decode()

    def test_the_villages_below_the_threshold_come_first_with_their_counts(self):
        html = self.html()
        below = html.index("满意率低于70%的村")
        self.assertLess(below, html.index("<h2>排名</h2>"))
        section = re.search(r'<section class="below".*?</section>', html, re.S)[0]
        self.assertIn("欠佳村", section)
        self.assertIn("满意率 50.0%（30/60）", section)
        self.assertNotIn("满分村", section)

    def test_the_ranking_shows_each_rate_with_its_counts(self):
        ranked = re.findall(r'<table class="ranking">.*?</table>', self.html(), re.S)[0]
        # On two lines in the cell, the percent over its counts.
        self.assertIn('100.0%<span class="meta">（60/60）</span>', ranked)
        self.assertIn("50.0%（30/60）", text(ranked))
        self.assertIn("0.0%（0/10）", text(ranked))  # completion: nothing verified of ten
        self.assertNotIn("三票村", ranked)
        self.assertEqual(re.findall(r'<span class="rank">(\d+)</span>', ranked), ["1", "2"])

    def test_a_village_with_three_ballots_is_listed_not_ranked(self):
        html = self.html()
        self.assertContains(self.client.get(self.url), "有效票少于5张的村只列出，不排名。")
        few = html[html.index("<h2>有效票不足，不排名</h2>") :]
        few = re.search(r'<table class="ranking">.*?</table>', few, re.S)[0]
        self.assertIn("三票村", few)
        self.assertIn("100.0%（30/30）", text(few))
        self.assertNotIn('class="rank"', few)
        unpublished = html[html.index("<h2>尚未公布结果</h2>") :]
        self.assertIn("未评村", unpublished)

    def test_when_nobody_falls_below_it_says_so(self):
        with self.settings(RANKING_THRESHOLD=50):
            html = self.html()
        self.assertNotIn('<section class="below"', html)
        self.assertIn("参与排名的村满意率均不低于50%。", html)

    def test_the_download_carries_the_counts_behind_each_rate(self):
        url = reverse("reviews:ranking_export", args=[self.township.code]) + "?year=2025"
        sheet = load_workbook(io.BytesIO(self.client.get(url).content)).active
        rows = list(sheet.iter_rows(values_only=True))
        header = list(rows[0])
        table = {
            row[header.index("村(社区)")]: dict(zip(header, row, strict=True)) for row in rows[1:]
        }
        poor = table["欠佳村"]
        self.assertEqual(
            (poor["满意(含基本满意)评价数"], poor["有效评价数"], poor["满意率(%)"]), (30, 60, 50)
        )
        self.assertEqual(poor["说明"], "满意率低于70%")
        self.assertEqual(
            (table["三票村"]["名次"], table["三票村"]["说明"]), (None, "有效票少于5张，不排名")
        )
        self.assertEqual(table["满分村"]["名次"], 1)
