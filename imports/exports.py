"""The xlsx exports of a place: its lists (the import template's columns, so an export
imports back unchanged), its projects' progress, its suggestions (names and phones only for
those who may see them)."""

from pledges.models import PledgeList, Project
from suggestions.models import Suggestion

from .resources import PledgeItemResource, ProgressResource, SuggestionResource
from .workbooks import workbook_bytes

EXPORTS = ("lists", "progress", "suggestions")


def export_bytes(what: str, *, villages, year: int, title: str, private: bool = False) -> bytes:
    """`what` of `villages` (a queryset, already cut to the user's scope) for `year`."""
    if what == "suggestions":
        suggestions = (
            Suggestion.objects.filter(village__in=villages, year=year)
            .select_related("village")
            .order_by("village__code", "received", "pk")
        )
        dataset = SuggestionResource(private=private).export(suggestions)
    elif what == "lists":
        dataset = PledgeItemResource().export(
            PledgeList.objects.filter(village__in=villages, year=year)
        )
    else:
        projects = (
            Project.objects.filter(pledge_list__village__in=villages, pledge_list__year=year)
            .select_related("pledge_list__village")
            .order_by("pledge_list__village__code", "number")
        )
        dataset = ProgressResource().export(projects)
    return workbook_bytes(title, dataset)
