"""The board's charts as geometry (board/charts.py): plain numbers in, bars and lines out."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

from board import charts

YEAR = 2026
STATIC = Path(__file__).resolve().parents[2] / "static"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "board"


def months(**counts) -> list[int]:
    """Twelve monthly counts: months(m3=2, m11=5)."""
    return [counts.get(f"m{month}", 0) for month in range(1, 13)]


class TestVerifiedByMonth:
    def test_it_draws_running_totals_up_to_the_month_shown(self):
        chart = charts.verified_by_month(YEAR, months(m2=3, m5=4, m9=1), months(m6=10), 6)
        assert chart.this_year.total == 7  # September's is not shown yet
        assert len(chart.this_year.points) == 6
        assert chart.last_year.total == 10 and len(chart.last_year.points) == 12
        heights = [chart.bottom - y for _x, y in chart.this_year.points]
        assert heights == sorted(heights)  # a running total never goes down
        # proportional: 7 of an axis of 10 is 70 % of the plot's height
        assert chart.axis_top == 10
        assert abs(heights[-1] / (chart.bottom - chart.top) - 0.7) < 0.01
        assert chart.rows[5] == (6, 0, 10, 7)
        assert chart.rows[8] == (9, None, 0, None)  # a month still to come is not a zero

    def test_a_year_without_last_year_has_one_line(self):
        chart = charts.verified_by_month(YEAR, months(m1=2), None, 12)
        assert chart.last_year is None
        assert chart.rows[0] == (1, 2, None, 2)

    def test_a_year_with_nothing_verified_yet_stays_on_the_axis(self):
        chart = charts.verified_by_month(YEAR, months(), months(), 3)
        assert chart.axis_top == 1
        assert {y for _x, y in chart.this_year.points} == {chart.bottom}
        assert chart.this_year.total == 0

    def test_a_future_year_shows_no_month_yet(self):
        chart = charts.verified_by_month(YEAR, months(), months(m1=1), 0)
        assert chart.this_year.points == [] and chart.this_year.total == 0
        assert charts.months_shown(YEAR + 1, datetime.date(YEAR, 5, 1)) == 0
        assert charts.months_shown(YEAR, datetime.date(YEAR, 5, 1)) == 5
        assert charts.months_shown(YEAR - 1, datetime.date(YEAR, 5, 1)) == 12

    def test_the_two_totals_are_not_written_on_top_of_each_other(self):
        chart = charts.verified_by_month(YEAR, months(m1=10), months(m1=10), 12)
        assert abs(chart.this_year.label[1] - chart.last_year.label[1]) >= charts.FONT

    def test_the_axis_is_one_two_or_five_times_a_power_of_ten(self):
        assert [charts.nice_top(n) for n in (0, 1, 3, 7, 10, 11, 120, 1190)] == [
            1,
            1,
            5,
            10,
            10,
            20,
            200,
            2000,
        ]


class TestCompletionBars:
    def places(self):
        return [
            ("龙江镇", "/board/1/", 5, 2, 10),
            ("新坪镇", "/board/2/", 10, 0, 10),
            ("长寿镇", "/board/3/", 0, 0, 0),  # no published list
            ("金鼎山镇", "/board/4/", 1, 8, 20),
            ("忠庄街道", "/board/5/", 20, 0, 20),
        ]

    def test_bars_are_sorted_by_the_share_verified_and_the_bigger_place_first_at_equals(self):
        chart = charts.completion_bars(self.places())
        assert [bar.name for bar in chart.bars] == ["忠庄街道", "新坪镇", "龙江镇", "金鼎山镇"]
        assert [bar.name for bar in chart.without_list] == ["长寿镇"]
        assert [bar.y for bar in chart.bars] == [0, charts.ROW, 2 * charts.ROW, 3 * charts.ROW]

    def test_bars_are_proportional_and_carry_their_numbers(self):
        chart = charts.completion_bars(self.places())
        by_name = {bar.name: bar for bar in chart.bars}
        full, half = by_name["新坪镇"], by_name["龙江镇"]
        assert full.verified_width == chart.width  # 100 %
        assert half.verified_width == chart.width / 2
        assert half.waiting_width == chart.width / 5  # 2 of 10 waiting, beside it
        assert half.waiting_x == 2 + half.verified_width
        assert full.label == "10/10 · 100%"
        assert half.label == "5/10 · 50%"
        assert full.label_inside and half.label_inside

    def test_a_number_that_does_not_fit_in_its_bar_is_written_beside_it(self):
        chart = charts.completion_bars([("甲村", "/", 1, 0, 10), ("乙村", "/", 1, 18, 20)])
        few, waiting = chart.bars
        assert not few.label_inside and few.label_x > few.verified_width + 2
        # little verified, much waiting, no room after: white, inside the waiting part
        assert waiting.label_inside
        assert waiting.label_x <= 2 + waiting.verified_width + waiting.waiting_width

    def test_percent_never_rounds_up_to_done(self):
        assert charts.percent(199, 200) == 99
        assert charts.percent(0, 0) == 0
        assert charts.completion_bars([("甲村", "/", 199, 1, 200)]).bars[0].label == (
            "199/200 · 99%"
        )

    def test_no_place_no_bar(self):
        chart = charts.completion_bars([])
        assert chart.bars == [] and chart.without_list == []


class TestOutcomes:
    def rows(self):
        return [
            {"category": "路灯照明", "unit": "盏", "total": Decimal("1923.00"), "projects": 40},
            {"category": "饮水安全", "unit": "米", "total": Decimal("3480.00"), "projects": 12},
            {"category": "农田水利", "unit": "米", "total": Decimal("5650.00"), "projects": 20},
            {"category": "农田水利", "unit": "亩", "total": Decimal("2850.50"), "projects": 30},
            {"category": "农田水利", "unit": "处", "total": Decimal("3.00"), "projects": 1},
        ]

    def test_one_bar_per_category_sorted_and_proportional_to_its_projects(self):
        chart = charts.outcomes_by_category(self.rows())
        assert [(bar.category, bar.projects) for bar in chart.bars] == [
            ("农田水利", 51),
            ("路灯照明", 40),
            ("饮水安全", 12),
        ]
        longest = chart.bars[0].width
        assert longest == charts.WIDTH - 4
        assert abs(chart.bars[1].width - longest * 40 / 51) < 0.1

    def test_each_bar_names_its_quantities_the_rest_in_the_table(self):
        water, lamps, _pipes = charts.outcomes_by_category(self.rows()).bars
        assert water.quantities == ["2,850.5 亩", "5,650 米"]
        assert water.more == 1
        assert lamps.quantities == ["1,923 盏"] and lamps.more == 0

    def test_nothing_done_no_chart(self):
        assert charts.outcomes_by_category([]).bars == []


class TestProjectProgress:
    def test_a_step_at_each_report_held_to_today(self):
        chart = charts.project_progress(
            YEAR,
            [(datetime.date(YEAR, 5, 10), 70), (datetime.date(YEAR, 4, 10), 30)],
            today=datetime.date(YEAR, 6, 30),
            planned_finish=datetime.date(YEAR, 11, 30),
        )
        (x1, y1, p1, d1), (x2, y2, p2, d2) = chart.points
        assert (p1, d1, p2, d2) == (30, datetime.date(YEAR, 4, 10), 70, datetime.date(YEAR, 5, 10))
        assert x1 < x2 and y2 < y1  # later, higher
        assert abs((chart.bottom - y2) / (chart.bottom - chart.top) - 0.7) < 0.01
        held_to = chart.left + (chart.right - chart.left) * 180 / 364  # 30 June
        assert chart.path == f"M{x1},{y1} H{x2} V{y2} H{round(held_to, 1)}"
        assert chart.last == (round(held_to + 4, 1), round(y2 + charts.FONT / 3, 1), 70)
        assert chart.points[-1][0] < chart.finish_x < chart.right

    def test_it_starts_from_nothing_at_the_planned_start(self):
        start, report = datetime.date(YEAR, 3, 1), datetime.date(YEAR, 6, 1)
        chart = charts.project_progress(YEAR, [(report, 50)], today=report, planned_start=start)
        ((x, y, _p, _d),) = chart.points
        assert chart.path.startswith(f"M{chart.left + (chart.right - chart.left) * 59 / 364:.1f},")
        assert f",{float(chart.bottom)} H{x} V{y}" in chart.path
        # a report before the planned start, or of nothing done: no step from 0
        early = charts.project_progress(YEAR, [(start, 0)], today=report, planned_start=report)
        assert early.path.startswith(f"M{early.points[0][0]},")

    def test_the_last_report_of_a_day_wins_and_100_percent_reaches_the_top(self):
        day = datetime.date(YEAR, 3, 1)
        chart = charts.project_progress(YEAR, [(day, 40), (day, 100)], today=day)
        assert [(p, d) for _x, _y, p, d in chart.points] == [(100, day)]
        assert chart.points[0][1] == chart.top

    def test_no_report_no_chart(self):
        assert charts.project_progress(YEAR, [], today=datetime.date(YEAR, 3, 1)) is None

    def test_a_planned_finish_outside_the_year_is_not_drawn(self):
        chart = charts.project_progress(
            YEAR,
            [(datetime.date(YEAR, 3, 1), 10)],
            today=datetime.date(YEAR + 1, 2, 1),
            planned_finish=datetime.date(YEAR + 1, 3, 1),
        )
        assert chart.finish_x is None
        assert chart.last[0] == chart.right + 4  # a past year: held to its end


class TestReadable:
    def test_every_colour_has_4_5_to_1_against_the_page_and_under_white_text(self):
        for name, colour in charts.COLOURS.items():
            assert charts.contrast(colour, charts.BACKGROUND) >= 4.5, name
        for name in ("verified", "waiting", "outcome"):
            assert charts.contrast(charts.ON_BAR, charts.COLOURS[name]) >= 4.5, name

    def test_the_contrast_is_the_wcag_ratio(self):
        assert round(charts.contrast("#000000", "#ffffff"), 1) == 21.0
        assert charts.contrast("#777777", "#ffffff") < 4.5  # the classic near miss
        assert round(charts.contrast("#1a7f37", "#ffffff"), 2) == 5.08

    def test_the_templates_and_the_style_sheet_use_only_these_colours(self):
        allowed = {*charts.COLOURS.values(), charts.BACKGROUND, charts.ON_BAR}
        chart_css = (STATIC / "css" / "site.css").read_text().split("/* The board's charts")[1]
        sources = [path.read_text() for path in (TEMPLATES / "charts").glob("*.html")]
        used = {
            c.lower()
            for text in [*sources, chart_css]
            for c in re.findall(r"#[0-9a-fA-F]{6}", text)
        }
        assert used and used <= allowed, used - allowed

    def test_labels_stay_12_px_on_a_phone_and_name_a_cjk_font(self):
        assert charts.FONT * charts.SMALL_PHONE_COLUMN_PX / charts.WIDTH >= 12
        assert charts.FONT * charts.PROGRESS_COLUMN_PX / charts.PROGRESS_WIDTH >= 12
        assert "30rem" in (STATIC / "css" / "site.css").read_text()
        assert charts.CHART_MAX_PX == 30 * 16
        for path in (TEMPLATES / "charts").glob("*.html"):
            text = path.read_text()
            assert 'font-size="14"' in text and "'Noto Sans CJK SC'" in text, path.name
            assert "style=" not in text, path.name  # the CSP allows no inline style
