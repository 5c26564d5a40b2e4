"""What each VillageYear holds, counted from the source tables: the one definition of every
figure, used to keep the rows (services.refresh) and to check them (services.differences).

A row is a plain dict here: the model's fields, plus `outcomes` ({(category, unit): (total,
projects)}) and `waits` ({days: suggestions}). The figures come in four parts, each counted by
one query whatever the number of villages, so a write recounts only what it can change.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Min, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from pledges.models import PledgeList, Project
from suggestions.models import Meeting, Suggestion

from .models import VERIFIED_MONTHS

PROJECTS, OUTCOMES, SUGGESTIONS, MEETINGS = "projects", "outcomes", "suggestions", "meetings"
PARTS = frozenset((PROJECTS, OUTCOMES, SUGGESTIONS, MEETINGS))

# Each part's fields and their value when there is nothing to count.
EMPTY = {
    PROJECTS: {
        "is_published": False,
        "project_count": 0,
        "in_progress_count": 0,
        "completed_count": 0,
        "verified_count": 0,
        "overdue_count": 0,
        "overdue_on": None,
        "overdue_until": None,
        **dict.fromkeys(VERIFIED_MONTHS, 0),
    },
    OUTCOMES: {"outcomes": {}},
    SUGGESTIONS: {"received": 0, "answered": 0, "adopted": 0, "answered_on_time": 0, "waits": {}},
    MEETINGS: {"meetings": 0},
}
EMPTY_ROW = {name: value for part in EMPTY.values() for name, value in part.items()}
FIELDS = [name for name in EMPTY_ROW if name not in ("outcomes", "waits")]


def empty(parts) -> dict:
    """The values of `parts` with nothing counted (new dicts for `outcomes` and `waits`)."""
    return {
        name: dict(value) if isinstance(value, dict) else value
        for part in parts
        for name, value in EMPTY[part].items()
    }


def village_filter(path: str, villages) -> Q:
    """`villages`: None (all), a range of ids (a chunk of the table) or a collection of ids."""
    if villages is None:
        return Q()
    if isinstance(villages, range):
        return Q(**{f"{path}__gte": villages.start, f"{path}__lt": villages.stop})
    return Q(**{f"{path}__in": list(villages)})


def year_filter(path: str, years) -> Q:
    return Q() if years is None else Q(**{f"{path}__in": list(years)})


def count(*, villages, years=None, parts=PARTS, today: datetime.date | None = None) -> dict:
    """{(village id, year): the row's values of `parts`} for every village-year in scope that
    has something to count in them. `today` is the day overdue is counted for."""
    today = today or timezone.localdate()
    rows = defaultdict(lambda: empty(parts))
    if PROJECTS in parts:
        _count_projects(rows, villages, years, today)
    if OUTCOMES in parts:
        _count_outcomes(rows, villages, years)
    if SUGGESTIONS in parts:
        _count_suggestions(rows, villages, years)
    if MEETINGS in parts:
        _count_meetings(rows, villages, years)
    return dict(rows)


def _count_projects(rows, villages, years, today) -> None:
    """The published list's projects by status (as PledgeList.with_project_counts counts
    them), how many are overdue on `today` and the first day one more will be, and how many
    were verified in each month of the list's year (the month in the site's time zone)."""
    status = Project.Status
    verified_in = {
        name: Count(
            "projects",
            filter=Q(
                projects__status=status.VERIFIED,
                projects__verified_at__year=F("year"),
                projects__verified_at__month=month,
            ),
        )
        for month, name in enumerate(VERIFIED_MONTHS, start=1)
    }
    lists = (
        PledgeList.objects.published()
        .filter(village_filter("village_id", villages), year_filter("year", years))
        .values("village_id", "year")
        .annotate(
            project_count=Count("projects", filter=~Q(projects__status=status.CANCELLED)),
            in_progress_count=Count("projects", filter=Q(projects__status=status.IN_PROGRESS)),
            completed_count=Count("projects", filter=Q(projects__status=status.COMPLETED)),
            verified_count=Count("projects", filter=Q(projects__status=status.VERIFIED)),
            overdue_count=Count("projects", filter=Project.overdue_q(today, "projects__")),
            next_finish=Min(
                "projects__planned_finish",
                filter=Q(projects__status__in=Project.ACTIVE, projects__planned_finish__gte=today),
            ),
            **verified_in,
        )
        .order_by()
    )
    for found in lists:
        row = rows[found.pop("village_id"), found.pop("year")]
        row.update(found, is_published=True, overdue_on=today)
        row["overdue_until"] = _day_after(row.pop("next_finish"))


def _day_after(day: datetime.date | None) -> datetime.date | None:
    """The day a project finishing on `day` becomes overdue; None for none (or never: a
    planned finish on the last day a date can hold)."""
    if day is None or day == datetime.date.max:
        return None
    return day + datetime.timedelta(days=1)


def _count_outcomes(rows, villages, years) -> None:
    village, year = "pledge_list__village_id", "pledge_list__year"
    projects = Project.objects.filter(village_filter(village, villages), year_filter(year, years))
    for found in projects.outcomes(village, year):
        row = rows[found[village], found[year]]
        total = Decimal(found["total"]).quantize(Decimal("0.01"))
        row["outcomes"][found["category"], found["unit"]] = (total, found["projects"])


def _count_suggestions(rows, villages, years) -> None:
    """Received, answered (a reply given), adopted, answered within SUGGESTION_REPLY_DAYS days,
    and the days each answered one waited for its reply, as SuggestionQuerySet.figures counts
    them. One query: the rows are read (five small columns each), since a reply's day is the
    site's, not the database's."""
    suggestions = Suggestion.objects.filter(
        village_filter("village_id", villages), year_filter("year", years)
    ).values_list("village_id", "year", "status", "received", "replied_at")
    on_time = settings.SUGGESTION_REPLY_DAYS
    for village_id, year, status, received, replied_at in suggestions.order_by():
        row = rows[village_id, year]
        row["received"] += 1
        if status == Suggestion.Status.ADOPTED:
            row["adopted"] += 1
        if replied_at is not None:
            row["answered"] += 1
            days = (timezone.localtime(replied_at).date() - received).days
            row["waits"][days] = row["waits"].get(days, 0) + 1
            if days <= on_time:
                row["answered_on_time"] += 1


def _count_meetings(rows, villages, years) -> None:
    """Meetings held in the year (by their date), as SuggestionQuerySet.figures counts them."""
    held = Q()
    for year in years or ():
        held |= Q(date__year=year)
    meetings = (
        Meeting.objects.filter(village_filter("village_id", villages), held)
        .annotate(year=ExtractYear("date"))
        .values("village_id", "year")
        .annotate(n=Count("id"))
        .order_by()
    )
    for found in meetings:
        rows[found["village_id"], found["year"]]["meetings"] = found["n"]
