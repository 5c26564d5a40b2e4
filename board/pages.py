"""What each board page shows: one function per page, each reading the apps through their
named queryset methods or their one public function (`reviews.results.for_pledge_list`).
Called only when the page is not in the cache (see responses.py)."""

from html import escape

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from figures import services as figure_services
from figures.models import SUGGESTION_FIGURES, VillageYear
from lib.rates import NO_DATA, Rate, standing
from pledges.models import Category, ChangeRequest, PledgeList, Project
from pledges.timeline import shown_value, status_steps
from residents.models import Challenge, ViolationReport
from reviews import results as review_results
from suggestions.models import Candidate
from villages.models import City, District, Township, Village

from . import charts, open_data


def month_chart(villages, year: int) -> charts.MonthChart | None:
    """The projects of `villages` (a queryset) verified month by month in `year` against the
    year before (figures.services.verified_by_month: one query); None when `year` has no
    published list there."""
    counts = figure_services.verified_by_month(villages, [year - 1, year])
    return _month_chart(year, counts[year], counts[year - 1])


def _month_chart(year: int, this_year: list | None, last_year: list | None):
    """The chart of `year`'s monthly counts against the year before's (None: no published
    list that year); None without a published list in `year`."""
    if this_year is None:
        return None
    shown = charts.months_shown(year, timezone.localdate())
    return charts.verified_by_month(year, this_year, last_year, shown)


# A place's counts in the completion chart: verified, waiting for verification, projects.
CHART_COUNTS = ("verified_count", "completed_count", "project_count")
# The same in a row of open_data.city_rows.
CITY_CHART = ("verified", "completed", "projects")


def completion_chart(places, year: int) -> charts.BarChart:
    """The child places' completion as sorted bars, from (place, verified, waiting for
    verification, projects) each; a place's name links to its board page of `year`."""
    return charts.completion_bars(
        (place.name, reverse("board:board_place", args=[place.code]) + f"?year={year}", *counts)
        for place, *counts in places
    )


def _years(lists) -> list[int]:
    """The years with a published list among `lists`, newest first: the page's year switcher,
    and where a page for a year without one sends the visitor, rather than showing another
    year unasked. One query."""
    return lists.published().years()[::-1]


def _by_rate(name: str):
    """Best first; places with nothing counted last."""

    def key(row):
        rate = row[name]
        return (rate.percent is None, -(rate.percent or 0), -rate.whole)

    return key


# The city page's columns to sort by (?sort=…): the row's order, by code within equals.
CITY_SORTS = {
    "code": lambda row: (),
    "published": _by_rate("published"),
    "completion": _by_rate("completion"),
    "verification": _by_rate("verification"),
    "overdue": lambda row: (-row["overdue"],),
    "on_time": _by_rate("on_time"),
    "satisfaction": _by_rate("satisfaction"),
}


CITY_COLUMNS = [
    ("published", _("Lists published")),
    ("completion", _("Completed")),
    ("verification", _("Verified")),
    ("overdue", _("Overdue")),
    ("on_time", _("Answered on time")),
    ("satisfaction", _("Review satisfaction")),
]


# The city table's cells after the district's name, in the order of CITY_COLUMNS.
CITY_CELLS = [key for key, _label in CITY_COLUMNS]
_CITY_ROW = (
    '<tr>\n    <th scope="row"><a href="{url}?year={year}">{name}</a></th>\n'
    + "".join(f'    <td class="n">{{{key}}}</td>\n' for key in CITY_CELLS)
    + "  </tr>"
)


def rate_texts():
    """A function giving `str(rate)` of a lib.rates.Rate with the pattern translated once: a
    city page prints seven hundred rates, and a translation looked up for each cost more
    than the rest of the table."""
    pattern = gettext("%(percent)s%% (%(part)s/%(whole)s)")

    def text(rate: Rate) -> str:
        if not rate.whole:
            return NO_DATA
        return pattern % {"percent": rate.percent, "part": rate.part, "whole": rate.whole}

    return text


def city_table(rows: list[dict], year: int) -> str:
    """The body of the city page's table, one row per district, as the template's loop wrote
    it: a hundred rows of seven cells are written here in a fraction of the time. Each row
    gets `texts` ({column: its text}) for the ranking."""
    text, lines = rate_texts(), []
    for row in rows:
        row["texts"] = {key: text(row[key]) for key in CITY_CELLS if key != "overdue"}
        lines.append(
            _CITY_ROW.format(
                url=escape(row["board_url"]),
                year=year,
                name=escape(row["name"]),
                overdue=row["overdue"],
                **{key: escape(value) for key, value in row["texts"].items()},
            )
        )
    return mark_safe("".join(lines))


_RANKED = (
    '\n  <li><a href="{url}?year={year}"><strong>{place}.</strong> {name}'
    '<span class="meta">{rate}</span></a></li>'
)


def city_ranking(ranked: list, year: int) -> str:
    """The items of the city page's ranking (`Standing.ranked` of rows that have their
    `texts`), as the template's loop wrote them, for the same reason as `city_table`."""
    return mark_safe(
        "".join(
            _RANKED.format(
                url=escape(placed.row["board_url"]),
                year=year,
                place=placed.place,
                name=escape(placed.row["name"]),
                rate=escape(placed.row["texts"]["verification"]),
            )
            for placed in ranked
        )
    )


def city_page(code: str, year: int, sort: str = "code") -> dict:
    """The city's districts side by side (亮晒评), each rate with its counts, sorted by the
    column asked for; the districts ranked by verification (lib.rates.standing: too few
    projects listed, not ranked; who falls below the threshold called out); the city's
    outcomes and suggestions. From the figures summed per district (figures.services), one
    grouped query per summary table, and the months of every year (the year switcher and the
    chart): six queries with the stamp, whatever its size."""
    city = get_object_or_404(City, code=code)
    districts = figure_services.city_districts(city, year)
    rows = open_data.city_rows(city, year, districts)
    ranked = standing(rows, rate=lambda row: row["verification"])
    table = city_table(sorted(rows, key=CITY_SORTS[sort]), year)  # and each row's `texts`
    outcomes = [
        {**row, "category": Category(row["category"]).label}  # as open_data.outcome_rows
        for row in figure_services.city_outcomes(city, year)
    ]
    months = figure_services.city_months(city)
    return {
        "title": f"{city.name} {year}",
        "city": city,
        "year": year,
        "sort": sort,
        "columns": CITY_COLUMNS,
        "reply_days": settings.SUGGESTION_REPLY_DAYS,
        "published": any(row["lists_published"] for row in rows),
        "other_years": sorted(months, reverse=True),
        "table": table,
        "totals": open_data.city_totals(rows),
        "standing": ranked,
        "ranking": city_ranking(ranked.ranked, year),
        "threshold": f"{ranked.threshold}%",
        "outcomes": outcomes,
        "figures": {key: sum(getattr(d, key) for d in districts) for key in SUGGESTION_FIGURES},
        "verified_chart": _month_chart(year, months.get(year), months.get(year - 1)),
        "completion_chart": charts.completion_bars(
            (row["name"], f"{row['board_url']}?year={year}", *(row[n] for n in CITY_CHART))
            for row in rows
        ),
        "outcome_chart": charts.outcomes_by_category(outcomes),
    }


def district_page(code: str, year: int) -> dict:
    """The district's townships side by side, from the villages' figures (figures app) summed
    per township in one query; the district's results and suggestions from the same rows."""
    district = get_object_or_404(District.objects.select_related("city"), code=code)
    townships = open_data.district_townships(district, year)
    rows = VillageYear.objects.for_year(year).in_district(district)
    outcomes = open_data.outcome_rows(rows)
    return {
        "title": f"{district.name} {year}",
        "district": district,
        "year": year,
        "published": any(township.summary["list_count"] for township in townships),
        "other_years": _years(VillageYear.objects.in_district(district)),
        "townships": townships,
        "outcomes": outcomes,
        "figures": open_data.figures(townships, rows),
        # the charts: one more query (the months of this year and last)
        "verified_chart": month_chart(Village.objects.filter(township__district=district), year),
        "completion_chart": completion_chart(
            [(t, *(t.summary[n] for n in CHART_COUNTS)) for t in townships], year
        ),
        "outcome_chart": charts.outcomes_by_category(outcomes),
    }


def township_page(code: str, year: int) -> dict:
    """Every village of the township with its figures (figures app, one query); the totals,
    results and suggestions from the same rows."""
    township = get_object_or_404(Township.objects.select_related("district"), code=code)
    villages = open_data.township_villages(township, year)
    totals = open_data.township_totals(villages)
    rows = VillageYear.objects.for_year(year).in_township(township)
    outcomes = open_data.outcome_rows(rows)
    return {
        "title": f"{township.name} {year}",
        "township": township,
        "year": year,
        "published": totals["list_count"] > 0,
        "other_years": _years(VillageYear.objects.in_township(township)),
        "rows": [(village, f if f.is_published else None) for village, f in villages],
        "totals": totals,
        "outcomes": outcomes,
        "figures": open_data.figures([f for _village, f in villages], rows),
        # the charts: one more query (the months of this year and last)
        "verified_chart": month_chart(township.villages.all(), year),
        "completion_chart": completion_chart(
            [
                (v, *(getattr(f, n) if f.is_published else 0 for n in CHART_COUNTS))
                for v, f in villages
            ],
            year,
        ),
        "outcome_chart": charts.outcomes_by_category(outcomes),
    }


def village_page(code: str, year: int) -> dict:
    """A village's published list for a year: projects, prohibitions, the township's
    decisions on residents' challenges and reports, the review's results; and the answered
    suggestions, shown even before the list is published."""
    village = get_object_or_404(Village.objects.with_tree(), code=code)
    lists, suggestions = open_data.village_querysets(village, year)
    pledge_list = lists.first()
    page = {
        "title": f"{village.name} {year}",
        "village": village,
        "year": year,
        "other_years": _years(village.pledge_lists.all()),
        "pledge_list": pledge_list,
        "suggestions": suggestions.answered_in_public()[: open_data.SUGGESTIONS_SHOWN],
        "review_results": review_results.for_pledge_list(pledge_list),
    }
    if pledge_list is None:
        empty = {"projects": [], "prohibitions": [], "challenges": [], "violations": []}
        return {**page, **empty}
    projects = with_progress_charts(pledge_list.projects.with_photos(), year)
    return {
        **page,
        "projects": projects,
        "progress_charted": any(project.progress_chart for project in projects),
        "verified_chart": month_chart(Village.objects.filter(pk=village.pk), year),
        "prohibitions": pledge_list.prohibitions.all(),
        "decision": pledge_list.decision_record(),
        "challenges": Challenge.objects.on_board(pledge_list),
        "violations": ViolationReport.objects.on_board(pledge_list),
        "not_chosen": Candidate.objects.on_board(pledge_list),
    }


def with_progress_charts(projects, year: int) -> list[Project]:
    """The projects, each with `progress_chart`: its percent done through the year from its
    progress reports (prefetched by `with_photos`: no query) and the day it was reported
    complete (100 %); None without either."""
    today = timezone.localdate()
    projects = list(projects)
    for project in projects:
        # the updates come newest first: oldest first, the last report of a day wins
        reports = [(u.date, u.percent_done) for u in reversed(project.updates.all())]
        reports = [(day, value) for day, value in reports if value is not None]
        if project.completed_at is not None:
            reports.append((timezone.localdate(project.completed_at), 100))
        project.progress_chart = charts.project_progress(
            year, reports, today, project.planned_finish, project.planned_start
        )
    return projects


def published_project(code: str, year: int, number: int) -> Project:
    """Project `number` of the village's published list of `year`, with its village, township
    and district, in one query; 404 otherwise."""
    lists = PledgeList.objects.published().for_year(year).filter(village__code=code)
    return get_object_or_404(Project.objects.with_list(), pledge_list__in=lists, number=number)


def project_page(code: str, year: int, number: int) -> dict:
    """One project of a published list, as FixMyStreet shows a report: what was promised,
    the status steps with the township's notes (the 核实销号 说明, a send-back reason), the
    dated progress with photos, the changes the township approved, residents' challenges
    (how many wait, when they came) and the township's rulings, one per decision, and the
    suggestions adopted into it (their public text only). Eight queries."""
    project = published_project(code, year, number)
    village = project.pledge_list.village
    return {
        "title": f"{project.title} · {village.name} {year}",
        "village": village,
        "year": year,
        "project": project,
        "steps": status_steps(project),
        "updates": project.updates.prefetch_related("photos"),
        "changes": approved_changes(project),
        "rulings": Challenge.objects.rulings_for(project),
        "open_challenges": list(Challenge.objects.on_project(project).open()),
        "suggestions": project.suggestions.visible_to_public().order_by("received", "pk"),
    }


def approved_changes(project: Project) -> list[dict]:
    """The change requests the township approved, oldest first, each with its new values
    by label ("new planned finish": "2026-12-31"); a cancellation has none."""
    changes = project.change_requests.filter(status=ChangeRequest.Status.APPROVED)
    return [
        {
            "change": change,
            "values": [
                (ChangeRequest._meta.get_field(name).verbose_name, shown_value(value))
                for name in ChangeRequest.FIELDS
                if (value := getattr(change, name)) not in (None, "")
            ],
        }
        for change in changes.order_by("decided_at", "pk")
    ]
