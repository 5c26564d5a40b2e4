"""Open data: what the public board shows, as read-only JSON (/api/v1/…, served and
described by api.py) and as CSV / xlsx downloads of the district and township tables.

The same querysets as the board pages (views.py):
published lists only, never a suggestion's name, phone, receipt code or hidden text. Every
field is listed by hand below, so a new model field is never published by accident.

Types: decimals are strings with two places ("1923.00", exact where a float is not), dates
and times ISO 8601 (times in the site's time zone, with their offset), codes strings.
"""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from figures import services as figure_services
from figures.models import (
    PROJECT_FIGURES,
    SUGGESTION_FIGURES,
    Outcome,
    ReplyWait,
    VillageYear,
)
from lib.rates import Rate
from pledges.models import Category, PledgeList, Project
from suggestions.models import Suggestion

from .stamps import cached_stamp

SUGGESTIONS_SHOWN = 30  # the newest answers, as on the board page


def find(queryset, code: str, length: int):
    """The place of `queryset` with this code, or None. A code that is not `length` ASCII
    digits is not looked up: it names nothing (a full-width "５２", a NUL that PostgreSQL
    would refuse with an error)."""
    if len(code) != length or not (code.isascii() and code.isdigit()):
        return None
    return queryset.filter(code=code).first()


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def iso_date(value) -> str | None:
    return value.isoformat() if value else None


def iso_datetime(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _place(place, api_name: str | None) -> dict:
    data = {
        "code": place.code,
        "name": place.name,
        "board_url": reverse("board:board_place", args=[place.code]),
    }
    if api_name:
        data["url"] = reverse(api_name, args=[place.code])
    return data


def district_stamp(district, year: int) -> str:
    return cached_stamp("district", district.code, year)


def township_stamp(township, year: int) -> str:
    return cached_stamp("township", township.code, year)


def village_querysets(village, year: int) -> tuple:
    lists = village.pledge_lists.for_year(year).published()
    suggestions = village.suggestions.for_year(year)
    return lists, suggestions


def village_stamp(village, year: int) -> str:
    return cached_stamp("village", village.code, year)


# --- JSON ------------------------------------------------------------------------------------


def district_index(districts) -> dict:
    return {"districts": [_place(d, "board:api_district") for d in districts]}


def district_townships(district, year: int) -> list:
    """The district's townships, each with the sums of its villages' figures of `year`
    (`figures.VillageYearQuerySet.by_township`). One query."""
    return VillageYear.objects.by_township(district, year, timezone.localdate())


def township_villages(township, year: int) -> list[tuple]:
    """(village, its figures of `year`) for every village of the township
    (`figures.VillageYearQuerySet.of_villages`). One query."""
    return VillageYear.objects.of_villages(township, year, timezone.localdate())


def district_rows(district, year: int, townships: list | None = None) -> list[dict]:
    """One row per township, published lists only. One query (none given `townships`)."""
    if townships is None:
        townships = district_townships(district, year)
    rows = []
    for township in townships:
        summary = township.summary
        rows.append(
            {
                **_place(township, "board:api_township"),
                "villages": township.village_count,
                "lists_published": summary["published_count"],
                "projects": summary["project_count"],
                "verified": summary["verified_count"],
                "completed": summary["completed_count"],
                "overdue": summary["overdue_count"],
            }
        )
    return rows


def township_rows(township, year: int, villages: list | None = None) -> list[dict]:
    """One row per village; a village without a published list has `list` null and zeros.
    One query (none given `villages`)."""
    if villages is None:
        villages = township_villages(township, year)
    rows = []
    for village, figures in villages:
        published = figures.is_published
        row = {
            "code": village.code,
            "name": village.name,
            "board_url": reverse("board:board_village", args=[village.code, year]),
            "url": reverse("board:api_village", args=[village.code, year]) if published else None,
            "list": PledgeList.Status.PUBLISHED.value if published else None,
        }
        for key, name in (
            ("projects", "project_count"),
            ("verified", "verified_count"),
            ("completed", "completed_count"),
            ("in_progress", "in_progress_count"),
            ("overdue", "overdue_count"),
        ):
            row[key] = getattr(figures, name) if published else 0
        rows.append(row)
    return rows


def township_totals(villages: list[tuple]) -> dict:
    """The township page's totals row from `township_villages`: published lists only, as
    `PledgeList.totals` sums them. No query."""
    published = [figures for _village, figures in villages if figures.is_published]
    totals = {name: sum(getattr(f, name) for f in published) for name in PROJECT_FIGURES}
    return {**totals, "list_count": len(published), "published_count": len(published)}


def totals(rows: list[dict], keys: tuple) -> dict:
    return {key: sum(row[key] for row in rows) for key in keys}


def outcome_rows(rows) -> list[dict]:
    """The results of the villages of `rows` (VillageYears) for a template: completed and
    verified quantities by category (its label) and unit. One query."""
    return [
        {**row, "category": Category(row["category"]).label} for row in Outcome.objects.summed(rows)
    ]


def outcomes(rows) -> list[dict]:
    """Completed and verified quantities by category and unit of the villages of `rows`
    (VillageYears), as `ProjectQuerySet.outcomes` gives them. One query."""
    labels = dict(Category.choices)
    return [
        {
            "category": row["category"],
            "category_label": str(labels.get(row["category"], row["category"])),
            "unit": row["unit"],
            "total": decimal_text(row["total"]),
            "projects": row["projects"],
        }
        for row in Outcome.objects.summed(rows)
    ]


def figures(places, rows) -> dict:
    """Meetings, suggestions received, answered and adopted, summed over `places` (the
    townships of `district_townships` or the figures of `township_villages`), and the median
    days to a reply over the villages of `rows` (VillageYears). One query."""
    counts = {key: sum(getattr(place, key) for place in places) for key in SUGGESTION_FIGURES}
    return {**counts, "median_days_to_reply": ReplyWait.objects.median_days(rows)}


DISTRICT_TOTAL_KEYS = (
    "villages",
    "lists_published",
    "projects",
    "verified",
    "completed",
    "overdue",
)
TOWNSHIP_TOTAL_KEYS = ("projects", "verified", "completed", "in_progress", "overdue")


def district_data(district, year: int) -> dict:
    """Four queries with the stamp, whatever the number of townships and villages."""
    townships = district_townships(district, year)
    rows = district_rows(district, year, townships)
    figure_rows = VillageYear.objects.for_year(year).in_district(district)
    return {
        "district": _place(district, "board:api_district"),
        "year": year,
        "townships": rows,
        "totals": totals(rows, DISTRICT_TOTAL_KEYS),
        "outcomes": outcomes(figure_rows),
        "figures": figures(townships, figure_rows),
    }


def township_data(township, year: int) -> dict:
    """Four queries with the stamp, whatever the number of villages."""
    villages = township_villages(township, year)
    rows = township_rows(township, year, villages)
    figure_rows = VillageYear.objects.for_year(year).in_township(township)
    return {
        "township": {
            **_place(township, "board:api_township"),
            "district": _place(township.district, "board:api_district"),
        },
        "year": year,
        "villages": rows,
        "totals": {
            "villages": len(rows),
            "lists_published": sum(row["list"] is not None for row in rows),
            **totals(rows, TOWNSHIP_TOTAL_KEYS),
        },
        "outcomes": outcomes(figure_rows),
        "figures": figures([f for _village, f in villages], figure_rows),
    }


def _project(project: Project) -> dict:
    return {
        "number": project.number,
        "title": project.title,
        "category": project.category,
        "category_label": str(project.get_category_display()),
        "status": project.status,
        "status_label": str(project.get_status_display()),
        "percent_done": project.percent_done,
        "target_quantity": decimal_text(project.target_quantity),
        "unit": project.unit,
        "lead_name": project.lead_name,
        "lead_post": project.lead_post,
        "planned_start": iso_date(project.planned_start),
        "planned_finish": iso_date(project.planned_finish),
        "verified_at": iso_datetime(project.verified_at),
        "is_overdue": project.is_overdue,
    }


def _suggestion(suggestion: Suggestion, pledge_list: PledgeList) -> dict:
    # Whitelist: never name, phone, receipt code, hiding reason.
    return {
        "received": iso_date(suggestion.received),
        "category": suggestion.category,
        "status": suggestion.status,
        "status_label": str(suggestion.get_status_display()),
        "text": None if suggestion.is_hidden else suggestion.text,
        "reply": suggestion.reply,
        "replied_at": iso_datetime(suggestion.replied_at),
        "adopted_projects": [
            project.number
            for project in suggestion.projects.all()
            if project.pledge_list_id == pledge_list.pk
        ],
    }


def village_data(village, year: int, pledge_list: PledgeList) -> dict:
    """A published list: projects, prohibitions and answered suggestions. Four queries."""
    _lists, suggestions = village_querysets(village, year)
    township = village.township
    return {
        "village": {
            "code": village.code,
            "name": village.name,
            "kind": village.kind,
            "board_url": reverse("board:board_village", args=[village.code, year]),
            "url": reverse("board:api_village", args=[village.code, year]),
            "township": _place(township, "board:api_township"),
            "district": _place(township.district, "board:api_district"),
        },
        "year": year,
        "list": {
            "status": pledge_list.status,
            "published_at": iso_datetime(pledge_list.published_at),
        },
        "projects": [_project(project) for project in pledge_list.projects.all()],
        "prohibitions": [
            {"number": prohibition.number, "text": prohibition.text}
            for prohibition in pledge_list.prohibitions.all()
        ],
        "suggestions": [
            _suggestion(s, pledge_list)
            for s in suggestions.answered_in_public()[:SUGGESTIONS_SHOWN]
        ],
    }


# --- Downloads -------------------------------------------------------------------------------

# (key of the row, Chinese header)
DISTRICT_COLUMNS = [
    ("code", "区划代码"),
    ("name", "镇(街道)"),
    ("villages", "村(社区)数"),
    ("lists_published", "已公示清单数"),
    ("projects", "民生实事"),
    ("verified", "已验收销号"),
    ("completed", "已完成待验收"),
    ("overdue", "逾期"),
]
TOWNSHIP_COLUMNS = [
    ("code", "区划代码"),
    ("name", "村(社区)"),
    ("list", "清单"),
    ("projects", "民生实事"),
    ("verified", "已验收销号"),
    ("completed", "已完成待验收"),
    ("in_progress", "进行中"),
    ("overdue", "逾期"),
]
LIST_LABELS = {PledgeList.Status.PUBLISHED.value: "已公示", None: "未公示"}
TOTAL_LABEL = "合计"


def district_table(district, year: int) -> tuple[list, list[dict]]:
    rows = district_rows(district, year)
    total = {"code": "", "name": TOTAL_LABEL, **totals(rows, DISTRICT_TOTAL_KEYS)}
    return DISTRICT_COLUMNS, [*rows, total]


def township_table(township, year: int) -> tuple[list, list[dict]]:
    rows = township_rows(township, year)
    for row in rows:
        row["list"] = LIST_LABELS[row["list"]]
    total = {
        "code": "",
        "name": TOTAL_LABEL,
        "list": f"{sum(row['list'] == LIST_LABELS['published'] for row in rows)}/{len(rows)}",
        **totals(rows, TOWNSHIP_TOTAL_KEYS),
    }
    return TOWNSHIP_COLUMNS, [*rows, total]


# --- A city's districts (亮晒评) --------------------------------------------------------------


def city_rows(city, year: int, districts: list | None = None) -> list[dict]:
    """One row per district of the city, each rate with its counts (lib.rates.Rate): lists
    published of villages, projects completed (or verified) and verified of projects, answered
    suggestions answered on time, published reviews whose satisfaction reaches the threshold.
    One query (none given `districts`: figures.services.city_districts)."""
    if districts is None:
        districts = figure_services.city_districts(city, year)
    # One reverse() for a hundred districts: each costs more than the rest of its row.
    board_url = reverse("board:board_place", args=["000000"]).replace("000000", "{}")
    rows = []
    for district in districts:
        s, replies, reviews = district.summary, district.replies, district.reviews
        done = s["completed_count"] + s["verified_count"]
        rows.append(
            {
                "code": district.code,
                "name": district.name,
                "board_url": board_url.format(district.code),
                "villages": s["village_count"],
                "lists_published": s["list_count"],
                "projects": s["project_count"],
                "completed": s["completed_count"],
                "verified": s["verified_count"],
                "overdue": s["overdue_count"],
                "published": Rate(s["list_count"], s["village_count"]),
                "completion": Rate(done, s["project_count"]),
                "verification": Rate(s["verified_count"], s["project_count"]),
                "on_time": Rate(replies["on_time"], replies["answered"]),
                "satisfaction": Rate(reviews["satisfied"], reviews["reviewed"]),
            }
        )
    return rows


# (key of the row, Chinese header) of the city table; a rate is given as its two counts and
# its percent, so a spreadsheet can add them up again.
CITY_COLUMNS = [
    ("code", "区划代码"),
    ("name", "区(县)"),
    ("villages", "村(社区)数"),
    ("lists_published", "已公示清单数"),
    ("published_pct", "公示率(%)"),
    ("projects", "民生实事"),
    ("completed", "已完成待验收"),
    ("verified", "已验收销号"),
    ("completion_pct", "完成率(%)"),
    ("verification_pct", "销号率(%)"),
    ("overdue", "逾期"),
    ("answered", "已答复建议"),
    ("on_time", "按时答复"),
    ("on_time_pct", "按时答复率(%)"),
    ("reviewed", "已公布评议"),
    ("satisfied", "满意率达标"),
    ("satisfaction_pct", "评议达标率(%)"),
]
CITY_RATES = ("published", "completion", "verification", "on_time", "satisfaction")
CITY_TOTAL_KEYS = ("villages", "lists_published", "projects", "completed", "verified", "overdue")


def _city_cells(row: dict) -> dict:
    """A row of `city_rows` (or the totals) as the table's cells."""
    cells = {key: row[key] for key, _header in CITY_COLUMNS if key in row}
    for name in CITY_RATES:
        rate = row[name]
        cells[f"{name}_pct"] = None if rate.percent is None else float(rate.percent)
    cells["answered"], cells["on_time"] = row["on_time"].whole, row["on_time"].part
    cells["reviewed"], cells["satisfied"] = row["satisfaction"].whole, row["satisfaction"].part
    return cells


def city_totals(rows: list[dict]) -> dict:
    """The city's own row: the districts' counts summed, each rate of the sums."""

    def summed(name: str) -> Rate:
        return Rate(sum(row[name].part for row in rows), sum(row[name].whole for row in rows))

    return {**totals(rows, CITY_TOTAL_KEYS), **{name: summed(name) for name in CITY_RATES}}


def city_table(city, year: int) -> tuple[list, list[dict]]:
    rows = city_rows(city, year)
    total = {**_city_cells(city_totals(rows)), "code": "", "name": TOTAL_LABEL}
    return CITY_COLUMNS, [*(_city_cells(row) for row in rows), total]
