"""What each board page shows: one function per page, each reading the apps through their
named queryset methods or their one public function (`reviews.results.for_pledge_list`).
Called only when the page is not in the cache (see responses.py)."""

from django.shortcuts import get_object_or_404

from pledges.models import PledgeList, Project
from residents.models import Challenge, ViolationReport
from reviews import results as review_results
from suggestions.models import Suggestion
from villages.models import District, Township, Village

from . import open_data


def district_page(code: str, year: int) -> dict:
    district = get_object_or_404(District, code=code)
    return {
        "title": f"{district.name} {year}",
        "district": district,
        "year": year,
        "townships": PledgeList.objects.township_summary(
            district=district, year=year, published_only=True
        ),
        "outcomes": Project.objects.of_year(year).in_district(district).outcome_rows(),
        "figures": Suggestion.objects.figures(
            year=year, villages=Village.objects.in_district(district)
        ),
    }


def township_page(code: str, year: int) -> dict:
    township = get_object_or_404(Township.objects.select_related("district"), code=code)
    rows, totals = PledgeList.objects.published().township_rows(township, year)
    return {
        "title": f"{township.name} {year}",
        "township": township,
        "year": year,
        "rows": rows,
        "totals": totals,
        "outcomes": Project.objects.of_year(year).in_township(township).outcome_rows(),
        "figures": Suggestion.objects.figures(year=year, villages=township.villages.all()),
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
        "pledge_list": pledge_list,
        "suggestions": suggestions.answered_in_public()[: open_data.SUGGESTIONS_SHOWN],
        "review_results": review_results.for_pledge_list(pledge_list),
    }
    if pledge_list is None:
        return {**page, "projects": [], "prohibitions": [], "challenges": [], "violations": []}
    return {
        **page,
        "projects": pledge_list.projects.with_photos(),
        "prohibitions": pledge_list.prohibitions.all(),
        "challenges": Challenge.objects.on_board(pledge_list),
        "violations": ViolationReport.objects.on_board(pledge_list),
    }
