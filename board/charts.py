"""The board's charts as geometry: plain numbers in, the coordinates, lengths and labels of an
SVG out (templates/board/charts/ draw them). No query here: the pages (pages.py, a city's page
too) read the figures and hand the numbers over.

Every chart is drawn in a viewBox WIDTH units wide and shown at the width of its column, at
most CHART_MAX_PX (static/css/site.css): on a 360 px phone the column is 328 px, so a
FONT-unit label stays above 12 px. The colours are the site's, each with a contrast of at
least 4.5:1 against the white page (and white text on the bars): tests/board/test_charts.py
computes them.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH = 360
FONT = 14  # × 328/360 on a 360 px phone: 12.8 px
SMALL_PHONE_COLUMN_PX = 328  # 360 px less the page's padding (main: 1rem each side)
CHART_MAX_PX = 480  # 30rem: .chart svg's max-width in site.css
# The page's colours (static/css/site.css) that carry meaning in a chart.
BACKGROUND = "#ffffff"
COLOURS = {
    "ink": "#1f2328",
    "muted": "#57606a",
    "verified": "#1a7f37",
    "waiting": "#9a6700",
    "outcome": "#0a58ca",
    "finish": "#b3261e",
}
ON_BAR = "#ffffff"  # a number written inside a bar
# Chinese labels render as boxes unless a CJK font is named (FIELD-NOTES: no CJK font by
# default); the same list as the site's.
FONT_FAMILY = (
    "system-ui,'PingFang SC','Hiragino Sans GB','Microsoft YaHei',"
    "'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif"
)


def text_width(text: str, size: float = FONT) -> float:
    """About how wide `text` is drawn at `size`: a CJK character takes a full em, the rest
    about 0.6 em (enough to decide whether a number fits inside its bar)."""
    return sum(size if ord(char) > 0x2E7F else 0.6 * size for char in str(text))


def nice_top(value: float) -> int:
    """The top of an axis holding `value`: 1, 2 or 5 times a power of ten (at least 1)."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if top * step >= value:
                return top * step
        top *= 10


def quantity_text(value: Decimal | float | int) -> str:
    """1923 → "1,923"; 5.5 → "5.5": grouped thousands, no trailing zeros."""
    text = f"{Decimal(value):,.2f}"
    return text.rstrip("0").rstrip(".")


def percent(done: int, total: int) -> int:
    """Whole percent, rounded down so that 99.6 % never shows as 100 %; 0 of nothing is 0."""
    return done * 100 // total if total else 0


# --- Projects verified month by month, this year against last year ----------------------


@dataclass
class Line:
    year: int
    points: list[tuple[float, float]]  # (x, y) at the end of each month shown
    total: int  # verified by the end of the last month shown
    path: str = ""  # the SVG path through the points
    label: tuple[float, float] = (0.0, 0.0)  # where its total is written
    monthly: list[int] = field(default_factory=list)


@dataclass
class MonthChart:
    year: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    axis_top: int
    grid: list[tuple[float, int]]  # (y, value) of each horizontal line
    months: list[tuple[float, int]]  # (x, month number): under the point at its end
    this_year: Line
    last_year: Line | None
    rows: list[tuple]  # the table: month, verified in it this year, last year, this year so far


def verified_by_month(
    year: int, this_year: list[int], last_year: list[int] | None, months_shown: int
) -> MonthChart:
    """Two running totals of the projects verified by the end of each month: `year`'s (its
    first `months_shown` months: the current year stops at this month) and the year before's,
    all twelve (None: nothing to compare with). The lists are the twelve monthly counts."""
    height, left, right, top, bottom = 200, 34, WIDTH - 44, 34, 200 - 30
    months_shown = max(0, min(12, months_shown))
    shown = this_year[:months_shown]
    running = _running(shown)
    last_running = _running(last_year) if last_year is not None else []
    axis_top = nice_top(max([*running, *last_running, 1]))
    step = (right - left) / 12

    def x(month: int) -> float:
        return round(left + step * month, 1)

    def y(value: int) -> float:
        return round(bottom - (bottom - top) * value / axis_top, 1)

    def line(of_year: int, totals: list[int], monthly: list[int]) -> Line:
        points = [(x(0), y(0))] + [(x(m), y(v)) for m, v in enumerate(totals, start=1)]
        path = "M" + " L".join(f"{px},{py}" for px, py in points)
        end = points[-1]
        return Line(
            year=of_year,
            points=points[1:],
            total=totals[-1] if totals else 0,
            path=path,
            label=(round(end[0] + 4, 1), round(end[1] + FONT / 3, 1)),
            monthly=monthly,
        )

    this_line = line(year, running, shown)
    last_line = line(year - 1, last_running, list(last_year)) if last_year is not None else None
    if last_line and this_line.points and abs(last_line.label[1] - this_line.label[1]) < FONT:
        # the two totals would overlap at the same height: write this year's above
        this_line.label = (this_line.label[0], round(last_line.label[1] - FONT, 1))
    rows = [
        (
            month,
            this_year[month - 1] if month <= months_shown else None,
            last_year[month - 1] if last_year is not None else None,
            running[month - 1] if month <= months_shown else None,
        )
        for month in range(1, 13)
    ]
    return MonthChart(
        year=year,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        axis_top=axis_top,
        grid=[(y(value), value) for value in sorted({0, axis_top // 2, axis_top})],
        months=[(x(m), m) for m in range(1, 13)],  # under each month's point
        this_year=this_line,
        last_year=last_line,
        rows=rows,
    )


def _running(counts) -> list[int]:
    totals, total = [], 0
    for count in counts:
        total += count
        totals.append(total)
    return totals


def months_shown(year: int, today: datetime.date) -> int:
    """How many months of `year` have begun by `today`: 12 for a past year, 0 for a future
    one."""
    if year < today.year:
        return 12
    if year > today.year:
        return 0
    return today.month


# --- Completion per child place, a sorted horizontal bar chart ---------------------------

ROW = 46  # a place's name above its bar
BAR = 20


@dataclass
class Bar:
    name: str
    url: str
    verified: int
    waiting: int
    total: int
    percent: int
    y: float = 0  # the top of the name's line
    verified_width: float = 0
    waiting_width: float = 0
    label: str = ""
    label_x: float = 0
    label_inside: bool = False

    @property
    def bar_y(self) -> float:
        return self.y + ROW - BAR - 6

    @property
    def waiting_x(self) -> float:
        return round(2 + self.verified_width, 1)

    @property
    def name_y(self) -> float:
        return self.y + FONT + 2

    @property
    def label_y(self) -> float:
        return round(self.bar_y + BAR / 2 + FONT / 3, 1)


# One bar of templates/board/charts/completion.html, written here rather than by a template
# loop: a city's hundred bars cost a template ten times what a format string does.
_BAR_MARKUP = (
    '<g>\n    <a href="{url}"><text x="2" y="{name_y}" fill="#0a58ca"'
    ' text-decoration="underline">{name}</text></a>\n'
    '    <rect x="2" y="{bar_y}" width="{width}" height="20" fill="#ffffff" stroke="#57606a"'
    ' stroke-width="1"/>\n'
    "    {verified}\n"
    "    {waiting}\n"
    '    <text x="{label_x}" y="{label_y}"{label_style} font-weight="bold">{label}</text>\n'
    "  </g>"
)
_VERIFIED_MARKUP = '<rect x="2" y="{}" width="{}" height="20" fill="#1a7f37"/>'
_WAITING_MARKUP = '<rect x="{}" y="{}" width="{}" height="20" fill="#9a6700"/>'
_LABEL_INSIDE = ' text-anchor="end" fill="#ffffff"'
_LABEL_OUTSIDE = ' stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'


@dataclass
class BarChart:
    bars: list[Bar]
    without_list: list[Bar]
    height: int
    width: float  # of the whole bar (100 %)

    @property
    def bars_markup(self) -> str:
        """The SVG of the bars (names escaped), as the template drew them one by one."""
        return mark_safe(
            "".join(
                _BAR_MARKUP.format(
                    url=escape(bar.url),
                    name_y=bar.name_y,
                    name=escape(bar.name),
                    bar_y=bar.bar_y,
                    width=self.width,
                    verified=_VERIFIED_MARKUP.format(bar.bar_y, bar.verified_width)
                    if bar.verified_width
                    else "",
                    waiting=_WAITING_MARKUP.format(bar.waiting_x, bar.bar_y, bar.waiting_width)
                    if bar.waiting_width
                    else "",
                    label_x=bar.label_x,
                    label_y=bar.label_y,
                    label_style=_LABEL_INSIDE if bar.label_inside else _LABEL_OUTSIDE,
                    label=escape(bar.label),
                )
                for bar in self.bars
            )
        )


def completion_bars(places) -> BarChart:
    """`places`: (name, url, verified, waiting for verification, projects) for each child
    place (a township's villages, a district's townships, a city's districts). The places
    with projects as bars of the same length, sorted by the share verified (then by the
    share done, the larger place first, the name), verified solid and waiting beside it,
    with "verified/projects · %" on each bar; the places with no project listed after."""
    width = WIDTH - 4
    bars, without = [], []
    for name, url, verified, waiting, total in places:
        bar = Bar(str(name), url, verified, waiting, total, percent(verified, total))
        (bars if total else without).append(bar)
    bars.sort(
        key=lambda b: (-b.verified / b.total, -(b.verified + b.waiting) / b.total, -b.total, b.name)
    )
    for index, bar in enumerate(bars):
        bar.y = index * ROW
        bar.verified_width = round(width * bar.verified / bar.total, 1)
        bar.waiting_width = round(width * bar.waiting / bar.total, 1)
        bar.label = f"{bar.verified}/{bar.total} · {bar.percent}%"
        # White inside the verified part when it fits, else after the filled parts, else
        # (little verified, much waiting) white inside the waiting part.
        needed = text_width(bar.label) + 12
        filled = bar.verified_width + bar.waiting_width
        if bar.verified_width >= needed:
            bar.label_inside, bar.label_x = True, round(2 + bar.verified_width - 6, 1)
        elif width - filled >= needed:
            bar.label_inside, bar.label_x = False, round(2 + filled + 6, 1)
        else:
            bar.label_inside, bar.label_x = True, round(2 + filled - 6, 1)
    return BarChart(bars=bars, without_list=without, height=max(len(bars) * ROW, 1), width=width)


# --- Results by category -----------------------------------------------------------------


@dataclass
class CategoryBar:
    category: str
    projects: int
    quantities: list[str]  # "1,923 盏", the largest first
    more: int  # units left out of `quantities` (in the table)
    y: float = 0
    width: float = 0
    label_inside: bool = False
    label_x: float = 0

    @property
    def name_y(self) -> float:
        return self.y + FONT + 2

    @property
    def bar_y(self) -> float:
        return self.y + ROW - BAR - 6

    @property
    def label_y(self) -> float:
        return round(self.bar_y + BAR / 2 + FONT / 3, 1)


@dataclass
class OutcomeChart:
    bars: list[CategoryBar]
    height: int
    top: int  # the axis: how many projects a whole bar is


QUANTITIES_SHOWN = 2


def outcomes_by_category(rows) -> OutcomeChart:
    """`rows`: the board's outcome rows (category label, unit, total, projects), as
    open_data.outcome_rows gives them. One bar per category, as long as its completed and
    verified projects (the quantities are in different units and cannot share an axis),
    the largest first, with its quantities written above it ("1,923 盏 · 5.6 公里")."""
    by_category: dict[str, list] = {}
    for row in rows:
        by_category.setdefault(str(row["category"]), []).append(row)
    bars = []
    for category, found in by_category.items():
        found = sorted(found, key=lambda row: (-row["projects"], -Decimal(row["total"])))
        bars.append(
            CategoryBar(
                category=category,
                projects=sum(row["projects"] for row in found),
                quantities=[
                    f"{quantity_text(row['total'])} {row['unit']}"
                    for row in found[:QUANTITIES_SHOWN]
                ],
                more=max(0, len(found) - QUANTITIES_SHOWN),
            )
        )
    bars.sort(key=lambda bar: (-bar.projects, bar.category))
    top = max([bar.projects for bar in bars] + [1])
    width = WIDTH - 4
    for index, bar in enumerate(bars):
        bar.y = index * ROW
        bar.width = max(round(width * bar.projects / top, 1), 2)
        needed = text_width(str(bar.projects)) + 12
        bar.label_inside = bar.width >= needed
        bar.label_x = round(2 + bar.width - 6 if bar.label_inside else 2 + bar.width + 6, 1)
    return OutcomeChart(bars=bars, height=max(len(bars) * ROW, 1), top=top)


# --- One project's progress through the year ---------------------------------------------

# Drawn inside a project's card, whose padding leaves 296 px of a 360 px phone: a narrower
# viewBox keeps the labels as large as the page's other charts'.
PROGRESS_WIDTH = 296
PROGRESS_COLUMN_PX = 296  # 328 px less the card's padding and border


@dataclass
class ProgressChart:
    path: str  # the percent done, held from one report to the next
    points: list[tuple[float, float, int, datetime.date]]  # x, y, percent, the report's day
    last: tuple[float, float, int]  # where the latest percent is written, and the percent
    finish_x: float | None  # the planned finish, when it falls in the year
    months: list[tuple[float, datetime.date]]  # odd months' middles: room for "11月"
    width: int
    height: int
    top: float
    bottom: float
    left: float
    right: float


def project_progress(
    year: int,
    reports: list[tuple[datetime.date, int]],
    today: datetime.date,
    planned_finish: datetime.date | None = None,
    planned_start: datetime.date | None = None,
) -> ProgressChart | None:
    """The percent done of one project through `year`, from its progress reports (day,
    percent; in any order, several a day: the last given wins): a step at each report, held
    until the next one and then to `today` (or the year's end); from 0 % at the planned
    start when that comes before the first report (a project starts at nothing done). None
    without a report."""
    if not reports:
        return None
    width = PROGRESS_WIDTH
    height, left, right, top, bottom = 78, 4, width - 48, 8, 78 - 24
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    span = (end - start).days

    def x(day: datetime.date) -> float:
        day = min(max(day, start), end)
        return round(left + (right - left) * (day - start).days / span, 1)

    def y(value: int) -> float:
        return round(bottom - (bottom - top) * value / 100, 1)

    by_day = dict(reports)  # the last report of a day wins
    points = [(x(day), y(value), value, day) for day, value in sorted(by_day.items())]
    path = f"M{points[0][0]},{points[0][1]}"
    if planned_start is not None and planned_start < points[0][3] and points[0][2] > 0:
        path = f"M{x(planned_start)},{y(0)} H{points[0][0]} V{points[0][1]}"
    for point_x, point_y, _value, _day in points[1:]:
        path += f" H{point_x} V{point_y}"
    last_x, last_y, last_value, _day = points[-1]
    held_to = max(x(today), last_x) if today >= start else last_x
    path += f" H{held_to}"
    finish = x(planned_finish) if planned_finish and start <= planned_finish <= end else None
    return ProgressChart(
        path=path,
        points=points,
        last=(round(held_to + 4, 1), round(last_y + FONT / 3, 1), last_value),
        finish_x=finish,
        months=[
            (x(datetime.date(year, m, 15)), datetime.date(year, m, 15)) for m in (1, 3, 5, 7, 9, 11)
        ],
        width=width,
        height=height,
        top=top,
        bottom=bottom,
        left=left,
        right=right,
    )


# --- Contrast (WCAG 2) -------------------------------------------------------------------


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two "#rrggbb" colours, 1 to 21."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
