"""What the candidate pool page shows (候选事项): the year's suggestions not yet in the pool,
grouped by similarity (`grouping.group_suggestions`), the pool itself with how many residents
asked for each candidate, and the room left on the draft list. A fixed number of queries."""

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils.translation import ngettext

from . import services
from .grouping import group_suggestions
from .models import Candidate, Suggestion


@dataclass
class Group:
    """Suggestions alike enough to become one candidate, with the text that stands for them."""

    representative: str
    suggestions: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.suggestions)

    @property
    def category(self) -> str:
        """The category most of them were filed under: the candidate's, to start from."""
        return Counter(s.category for s in self.suggestions).most_common(1)[0][0]

    @property
    def title(self) -> str:
        return self.representative[: Candidate.TITLE_MAX]


def groups_of(suggestions: list[Suggestion]) -> list[Group]:
    """The suggestions as groups (`grouping.group_suggestions`, pure: no query), the largest
    first, each member most central first."""
    by_pk = {suggestion.pk: suggestion for suggestion in suggestions}
    found = group_suggestions([(s.pk, s.text) for s in suggestions])
    groups = [
        Group(group.representative, [by_pk[pk] for pk in group.ids if pk in by_pk])
        for group in found
    ]
    return [group for group in groups if group.suggestions]


def page(village, year: int, *, user, groups: bool) -> dict:
    """The pool page's data: the list (with its item counts), the candidates `user` may
    read, and for the committee the groups. Three queries (two without the groups)."""
    pledge_list = (
        village.pledge_lists.filter(year=year)
        .annotate(
            project_count=Count("projects", distinct=True),
            prohibition_count=Count("prohibitions", distinct=True),
        )
        .first()
    )
    candidates = list(Candidate.objects.visible_to(user).for_pool(village, year))
    waiting = list(Suggestion.objects.for_pool(village, year)) if groups else []
    by_status = {status: [] for status in Candidate.Status.values}
    for candidate in candidates:
        by_status[candidate.status].append(candidate)
    has = {
        "projects": pledge_list.project_count if pledge_list else 0,
        "prohibitions": pledge_list.prohibition_count if pledge_list else 0,
    }
    return {
        "village": village,
        "year": year,
        "pledge_list": pledge_list,
        "groups": groups_of(waiting),
        "waiting_count": len(waiting),
        "in_pool": by_status[Candidate.Status.POOL],
        "chosen": by_status[Candidate.Status.CHOSEN],
        "not_chosen": by_status[Candidate.Status.NOT_CHOSEN],
        "room": {
            "projects": max(settings.PLEDGE_PROJECT_COUNT - has["projects"], 0),
            "prohibitions": max(settings.PLEDGE_PROHIBITION_COUNT - has["prohibitions"], 0),
        },
        "may_choose": pledge_list is None or pledge_list.is_editable,
    }


def linked(form) -> list[Suggestion]:
    """The suggestions a candidate form carries (hidden), to show what it will link."""
    ids = [pk for pk in form["suggestions"].value() or [] if str(pk).isdigit()]
    if not ids:
        return []
    return list(form.fields["suggestions"].queryset.filter(pk__in=ids))


def decide(*, village, year: int, by, candidates, action: str, reason: str = "") -> str:
    """Carry out the pool form's decision; returns what to tell the committee."""
    if action == "choose":
        services.candidates_choose(village=village, year=year, candidates=candidates, by=by)
        count = len(candidates)
        return ngettext(
            "%(count)s candidate chosen into the list; add the lead official and dates there.",
            "%(count)s candidates chosen into the list; add the lead officials and dates there.",
            count,
        ) % {"count": count}
    count = services.candidates_decline(
        village=village, year=year, candidates=candidates, by=by, reason=reason
    )
    return ngettext(
        "%(count)s candidate marked not this year.",
        "%(count)s candidates marked not this year.",
        count,
    ) % {"count": count}
