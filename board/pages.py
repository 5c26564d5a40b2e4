"""What each board page shows: one function per page, each reading the apps through their
named queryset methods or their one public function (`reviews.results.for_pledge_list`).
Called only when the page is not in the cache (see responses.py)."""

from django.shortcuts import get_object_or_404

from figures.models import VillageYear
from pledges.models import ChangeRequest, PledgeList, Project
from pledges.timeline import shown_value, status_steps
from residents.models import Challenge, ViolationReport
from reviews import results as review_results
from villages.models import District, Township, Village

from . import open_data


def _years(lists) -> list[int]:
    """The years with a published list among `lists`, newest first: the page's year switcher,
    and where a page for a year without one sends the visitor, rather than showing another
    year unasked. One query."""
    return lists.published().years()[::-1]


def district_page(code: str, year: int) -> dict:
    """The district's townships side by side, from the villages' figures (figures app) summed
    per township in one query; the district's results and suggestions from the same rows."""
    district = get_object_or_404(District, code=code)
    townships = open_data.district_townships(district, year)
    rows = VillageYear.objects.for_year(year).in_district(district)
    return {
        "title": f"{district.name} {year}",
        "district": district,
        "year": year,
        "published": any(township.summary["list_count"] for township in townships),
        "other_years": _years(VillageYear.objects.in_district(district)),
        "townships": townships,
        "outcomes": open_data.outcome_rows(rows),
        "figures": open_data.figures(townships, rows),
    }


def township_page(code: str, year: int) -> dict:
    """Every village of the township with its figures (figures app, one query); the totals,
    results and suggestions from the same rows."""
    township = get_object_or_404(Township.objects.select_related("district"), code=code)
    villages = open_data.township_villages(township, year)
    totals = open_data.township_totals(villages)
    rows = VillageYear.objects.for_year(year).in_township(township)
    return {
        "title": f"{township.name} {year}",
        "township": township,
        "year": year,
        "published": totals["list_count"] > 0,
        "other_years": _years(VillageYear.objects.in_township(township)),
        "rows": [(village, f if f.is_published else None) for village, f in villages],
        "totals": totals,
        "outcomes": open_data.outcome_rows(rows),
        "figures": open_data.figures([f for _village, f in villages], rows),
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
    return {
        **page,
        "projects": pledge_list.projects.with_photos(),
        "prohibitions": pledge_list.prohibitions.all(),
        "challenges": Challenge.objects.on_board(pledge_list),
        "violations": ViolationReport.objects.on_board(pledge_list),
    }


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
