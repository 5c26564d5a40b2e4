"""A rate is shown with what it is made of, and a standing ranks only the places with enough
results, lets equal rates share a place and names who falls below the threshold."""

from decimal import Decimal

from django.template.loader import render_to_string
from django.test import SimpleTestCase, override_settings
from django.utils import translation

from lib.rates import Rate, standing


def village(name, part, whole):
    return {"name": name, "rate": Rate(part, whole)}


def by_rate(row):
    return row["rate"]


class RateTests(SimpleTestCase):
    def test_a_rate_shows_its_percent_with_the_counts_behind_it(self):
        with translation.override("en"):
            self.assertEqual(str(Rate(182, 193)), "94.3% (182/193)")
        with translation.override("zh-hans"):
            self.assertEqual(str(Rate(182, 193)), "94.3%（182/193）")

    def test_the_percent_is_rounded_half_up_to_one_place(self):
        self.assertEqual(Rate(1, 8).percent, Decimal("12.5"))
        self.assertEqual(Rate(1, 16).percent, Decimal("6.3"))  # 6.25 → 6.3, not 6.2
        self.assertEqual(Rate(2, 3).percent, Decimal("66.7"))
        self.assertEqual(Rate(5, 5).percent, Decimal("100.0"))

    def test_nothing_counted_has_no_percent_and_shows_a_dash(self):
        self.assertIsNone(Rate(0, 0).percent)
        self.assertEqual(str(Rate(0, 0)), "—")
        self.assertEqual(render_to_string("partials/rate.html", {"rate": Rate(0, 0)}).strip(), "—")
        self.assertEqual(render_to_string("partials/rate.html", {"rate": None}).strip(), "—")

    def test_the_partial_shows_the_counts(self):
        with translation.override("zh-hans"):
            html = render_to_string("partials/rate.html", {"rate": Rate(3, 4)})
        self.assertEqual(html.strip(), "75.0%（3/4）")

    def test_the_old_rate_function_of_the_reviews_is_the_same_rounding(self):
        from reviews.results import rate

        for part, whole in ((1, 16), (2, 3), (0, 7), (0, 0), (193, 193)):
            with self.subTest(part=part, whole=whole):
                self.assertEqual(rate(part, whole), Rate(part, whole).percent)


class StandingTests(SimpleTestCase):
    def test_best_first_and_equal_rates_share_a_place(self):
        rows = [
            village("甲", 9, 10),
            village("乙", 10, 10),
            village("丙", 18, 20),
            village("丁", 9, 10),
            village("戊", 5, 10),
        ]
        result = standing(rows, rate=by_rate, min_whole=5, threshold=70)
        self.assertEqual(
            [(p.place, p["name"]) for p in result.ranked],
            [(1, "乙"), (2, "丙"), (2, "甲"), (2, "丁"), (5, "戊")],
        )

    def test_equal_percents_put_the_one_with_more_results_first_in_the_same_place(self):
        result = standing(
            [village("小", 9, 10), village("大", 18, 20)], rate=by_rate, min_whole=5, threshold=70
        )
        self.assertEqual([(p.place, p["name"]) for p in result.ranked], [(1, "大"), (1, "小")])

    def test_a_place_with_too_few_results_is_listed_not_ranked(self):
        rows = [village("三票", 3, 3), village("五票", 4, 5), village("无票", 0, 0)]
        result = standing(rows, rate=by_rate, min_whole=5, threshold=70)
        self.assertEqual([p["name"] for p in result.ranked], ["五票"])
        self.assertEqual([p["name"] for p in result.too_few], ["三票", "无票"])
        self.assertEqual([p.place for p in result.too_few], [None, None])
        self.assertEqual(result.too_few[0].rate, Rate(3, 3))

    def test_nothing_counted_is_never_ranked_even_with_no_minimum(self):
        result = standing([village("无票", 0, 0)], rate=by_rate, min_whole=0, threshold=70)
        self.assertEqual(result.ranked, [])
        self.assertEqual([p["name"] for p in result.too_few], ["无票"])

    def test_exactly_at_the_threshold_is_not_below_it(self):
        rows = [village("刚好", 7, 10), village("差一点", 69, 100), village("满分", 10, 10)]
        result = standing(rows, rate=by_rate, min_whole=5, threshold=70)
        self.assertEqual([p["name"] for p in result.below], ["差一点"])
        self.assertFalse(result.all_above)

    def test_below_the_threshold_worst_first(self):
        rows = [village("六成", 6, 10), village("三成", 3, 10), village("满分", 10, 10)]
        result = standing(rows, rate=by_rate, min_whole=5, threshold=70)
        self.assertEqual([(p.place, p["name"]) for p in result.below], [(3, "三成"), (2, "六成")])

    def test_too_few_results_are_not_below_the_threshold(self):
        result = standing([village("两票", 0, 2)], rate=by_rate, min_whole=5, threshold=70)
        self.assertEqual(result.below, [])
        self.assertFalse(result.all_above)

    @override_settings(RANKING_MIN_RESULTS=3, RANKING_THRESHOLD=90)
    def test_the_defaults_come_from_the_settings(self):
        rows = [village("三票", 3, 3), village("八成", 8, 10), village("两票", 2, 2)]
        result = standing(rows, rate=by_rate)
        self.assertEqual([p["name"] for p in result.ranked], ["三票", "八成"])
        self.assertEqual([p["name"] for p in result.below], ["八成"])
        self.assertEqual([p["name"] for p in result.too_few], ["两票"])
        self.assertEqual((result.min_whole, result.threshold), (3, Decimal(90)))

    def test_another_order_ranks_by_it_and_ties_on_it(self):
        rows = [
            {"name": "甲", "score": 90, "rate": Rate(8, 10)},
            {"name": "乙", "score": 95, "rate": Rate(6, 10)},
            {"name": "丙", "score": 90, "rate": Rate(10, 10)},
        ]
        result = standing(
            rows, rate=by_rate, order=lambda row: -row["score"], min_whole=5, threshold=70
        )
        self.assertEqual(
            [(p.place, p["name"]) for p in result.ranked], [(1, "乙"), (2, "甲"), (2, "丙")]
        )
        self.assertEqual([p["name"] for p in result.below], ["乙"])

    def test_a_placed_row_reads_through_to_the_row(self):
        class Row:
            name = "甲村"

        result = standing([Row()], rate=lambda row: Rate(5, 5), min_whole=5, threshold=70)
        placed = result.ranked[0]
        self.assertEqual((placed.name, placed.place, placed.rate), ("甲村", 1, Rate(5, 5)))
        with translation.override("en"):
            html = render_to_string("partials/rate.html", {"rate": placed.rate})
        self.assertEqual(html.strip(), "100.0% (5/5)")


class StackedPartialTests(SimpleTestCase):
    def test_the_stacked_partial_puts_the_counts_under_the_percent(self):
        with translation.override("zh-hans"):
            html = render_to_string("partials/rate.html", {"rate": Rate(3, 4), "stacked": True})
        self.assertEqual(html.strip(), '75.0%<span class="meta">（3/4）</span>')
        html = render_to_string("partials/rate.html", {"rate": Rate(0, 0), "stacked": True})
        self.assertEqual(html.strip(), "—")


class CountTests(SimpleTestCase):
    def test_the_results_counted_can_be_other_than_the_rates_whole(self):
        rows = [
            {"name": "三票", "ballots": 3, "rate": Rate(30, 30)},
            {"name": "六票", "ballots": 6, "rate": Rate(50, 60)},
        ]
        result = standing(
            rows, rate=by_rate, count=lambda row: row["ballots"], min_whole=5, threshold=70
        )
        self.assertEqual([p["name"] for p in result.ranked], ["六票"])
        self.assertEqual([p["name"] for p in result.too_few], ["三票"])
