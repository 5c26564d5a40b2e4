"""The xlsx exports of a place: its lists (the import template's columns, so an export
imports back unchanged; their 4+2 records on a second sheet), its projects' progress, its
suggestions (names and phones only for those who may see them)."""

from pledges.models import PledgeList, Project
from suggestions.models import Candidate, Suggestion

from .resources import (
    CANDIDATE_SHEET,
    DECISION_SHEET,
    CandidateResource,
    DecisionRecordResource,
    PledgeItemResource,
    ProgressResource,
    SuggestionResource,
)
from .workbooks import workbook_bytes

EXPORTS = ("lists", "progress", "suggestions")


def export_bytes(
    what: str, *, villages, year: int, title: str, private: bool = False, pool_villages=None
) -> bytes:
    """`what` of `villages` (a queryset, already cut to the user's scope) for `year`; with
    the lists, the candidate pools of `pool_villages` (those whose pool the user may read:
    not a reviewer's)."""
    more = ()
    if what == "suggestions":
        suggestions = (
            Suggestion.objects.filter(village__in=villages, year=year)
            .select_related("village")
            .order_by("village__code", "received", "pk")
        )
        dataset = SuggestionResource(private=private).export(suggestions)
    elif what == "lists":
        lists = PledgeList.objects.filter(village__in=villages, year=year)
        dataset = PledgeItemResource().export(lists)
        # The 4+2 records on a sheet of their own: the first sheet still imports back.
        more = ((DECISION_SHEET, DecisionRecordResource().export(lists)),)
        if pool_villages is not None:
            candidates = Candidate.objects.for_export(villages=pool_villages, year=year)
            more += ((CANDIDATE_SHEET, CandidateResource().export(candidates)),)
    else:
        projects = (
            Project.objects.filter(pledge_list__village__in=villages, pledge_list__year=year)
            .select_related("pledge_list__village")
            .order_by("pledge_list__village__code", "number")
        )
        dataset = ProgressResource().export(projects)
    return workbook_bytes(title, dataset, more)
