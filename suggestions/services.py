"""Writes that touch several models, each in one transaction; views call these. What other
apps react to (a reply to tell followers of) is announced once the transaction commits."""

import itertools
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.signals import announce
from pledges.models import Escalation, PledgeList, Prohibition, Project
from villages.models import Village

from .models import Candidate, Meeting, Suggestion
from .signals import suggestion_answered, suggestion_submitted


@transaction.atomic
def suggestion_submit(
    *, village: Village, client_token: str, notify=None, **fields
) -> tuple[Suggestion, bool]:
    """A resident's online suggestion. The form's one-time token makes a resent POST (double
    tap, flaky network) return the suggestion already stored instead of a second one.
    `notify` is the (channel, address) the resident gave to be told of the reply."""
    existing = Suggestion.objects.filter(client_token=client_token).first()
    if existing is not None:
        return existing, False
    suggestion = Suggestion(
        village=village,
        year=timezone.localdate().year,
        channel=Suggestion.Channel.ONLINE,
        client_token=client_token,
        **fields,
    )
    suggestion.save()
    announce(suggestion_submitted, Suggestion, suggestion=suggestion, notify=notify)
    return suggestion, True


@transaction.atomic
def suggestion_record(*, suggestion: Suggestion, village: Village, by) -> Suggestion:
    """One suggestion received by visit, phone or a representative (an unsaved one from the
    entry form), filed under the year it was received."""
    suggestion.village = village
    suggestion.year = suggestion.received.year
    suggestion._history_user = by
    suggestion.save()
    return suggestion


@transaction.atomic
def meeting_record(
    *, village: Village, by, texts: list[str], category: str = "", **fields
) -> Meeting:
    """A meeting and the suggestions collected at it, typed in one go (one per line)."""
    meeting = Meeting(village=village, created_by=by, **fields)
    meeting._history_user = by
    meeting.save()
    for text in texts:
        suggestion = Suggestion(
            village=village,
            year=meeting.date.year,
            channel=Suggestion.Channel.MEETING,
            meeting=meeting,
            received=meeting.date,
            text=text,
            category=category or Suggestion._meta.get_field("category").default,
        )
        suggestion._history_user = by
        suggestion.save()
    return meeting


@transaction.atomic
def suggestion_adopt(*, suggestion: Suggestion, by, projects, reply: str) -> None:
    """Adopted into one or more projects of the village's lists, with a public reply."""
    if not projects:
        raise ValidationError(_("Choose the project the suggestion was adopted into."))
    suggestion._answer(Suggestion.Status.ADOPTED, by=by, reply=reply)
    suggestion.projects.set(projects)


@transaction.atomic
def suggestion_pass_up(*, suggestion: Suggestion, by, reply: str) -> Escalation:
    """Beyond the village: it becomes an escalation to the township, and the resident is told."""
    escalation = Escalation(village=suggestion.village, problem=suggestion.text, raised_by=by)
    escalation._history_user = by
    escalation.save()
    suggestion._answer(Suggestion.Status.PASSED_UP, by=by, reply=reply, escalation=escalation)
    return escalation


@transaction.atomic
def suggestion_answer(
    *, suggestion: Suggestion, by, action: str, reply: str = "", projects=()
) -> None:
    """Answer as the committee chose (the answer form's actions); once the suggestion has a
    public reply its followers are told (once: later edits send nothing more)."""
    if action == "consider":
        suggestion.consider(by=by)
    elif action == "adopt":
        suggestion_adopt(suggestion=suggestion, by=by, projects=projects, reply=reply)
    elif action == "not_adopted":
        suggestion.answer_not_adopted(by=by, reply=reply)
    elif action == "pass_up":
        suggestion_pass_up(suggestion=suggestion, by=by, reply=reply)
    else:
        if reply.strip() and reply.strip() != suggestion.reply:
            suggestion._answer(suggestion.status, by=by, reply=reply)
        suggestion.close(by=by)
    if suggestion.reply:
        announce(suggestion_answered, Suggestion, suggestion=suggestion)


@transaction.atomic
def suggestions_answer(*, suggestions, by, reply: str) -> int:
    """Answer several open suggestions with the same public reply (answered, not adopted
    as a project this year); each one's followers are told."""
    answered = 0
    for suggestion in suggestions:
        if suggestion.is_open:
            suggestion.answer_not_adopted(by=by, reply=reply)
            announce(suggestion_answered, Suggestion, suggestion=suggestion)
            answered += 1
    return answered


# --- The candidate pool ------------------------------------------------------------------------


@transaction.atomic
def candidate_create(
    *, village: Village, year: int, by, suggestions=(), meeting=None, **fields
) -> Candidate:
    """A candidate for the village's pool: from residents' suggestions (a whole group in one
    step: every one linked, and those still unanswered marked under consideration), from a
    meeting, or from the committee itself."""
    suggestions = list(suggestions)
    if any(s.village_id != village.pk or s.year not in (year - 1, year) for s in suggestions):
        raise ValidationError(_("Only the village's suggestions of this year can be linked."))
    if meeting is not None and meeting.village_id != village.pk:
        raise ValidationError(_("Only the village's own meetings can be named."))
    if suggestions:
        source = Candidate.Source.SUGGESTIONS
    else:
        source = Candidate.Source.MEETING if meeting else Candidate.Source.COMMITTEE
    candidate = Candidate(
        village=village, year=year, source=source, meeting=meeting, created_by=by, **fields
    )
    candidate._history_user = by
    candidate.save()
    if suggestions:
        candidate.suggestions.set(suggestions)
        for suggestion in suggestions:
            suggestion.consider(by=by)
    return candidate


def _free_numbers(used) -> Iterator[int]:
    """1, 2, 3 … without the numbers already on the list."""
    return itertools.filterfalse(set(used).__contains__, itertools.count(1))


def _check_room(pledge_list: PledgeList, chosen: list[Candidate]) -> None:
    """The list's limits (PLEDGE_PROJECT_COUNT projects, PLEDGE_PROHIBITION_COUNT
    prohibitions) hold for what is chosen from the pool as for what is typed in."""
    problems = []
    for kind, items, limit, text in (
        (
            Candidate.Kind.PROJECT,
            pledge_list.projects,
            settings.PLEDGE_PROJECT_COUNT,
            _("The list has room for %(room)s more projects; %(chosen)s were chosen."),
        ),
        (
            Candidate.Kind.PROHIBITION,
            pledge_list.prohibitions,
            settings.PLEDGE_PROHIBITION_COUNT,
            _("The list has room for %(room)s more prohibitions; %(chosen)s were chosen."),
        ),
    ):
        wanted = sum(candidate.kind == kind for candidate in chosen)
        room = max(limit - items.count(), 0)
        if wanted > room:
            problems.append(text % {"room": room, "chosen": wanted})
    if problems:
        raise ValidationError(problems)


def _adopt_suggestions(candidate: Candidate, item, *, by) -> None:
    """The candidate's suggestions are adopted into what it became, through the adopt flow,
    so their authors are told once (件件有回音); one adopted earlier gains the project."""
    reply = _("Adopted into the %(year)s list: %(title)s.") % {
        "year": candidate.year,
        "title": candidate.title,
    }
    for suggestion in candidate.suggestions.all():
        if isinstance(item, Project) and suggestion.status == Suggestion.Status.ADOPTED:
            suggestion.projects.add(item)
        elif isinstance(item, Project):
            projects = [*suggestion.projects.all(), item]
            suggestion_answer(
                suggestion=suggestion, by=by, action="adopt", reply=reply, projects=projects
            )
        elif suggestion.status != Suggestion.Status.ADOPTED:
            # A prohibition is no project to link: adopted, with the reply that names it.
            suggestion._answer(Suggestion.Status.ADOPTED, by=by, reply=reply)
            announce(suggestion_answered, Suggestion, suggestion=suggestion)


@transaction.atomic
def candidates_choose(*, village: Village, year: int, candidates, by) -> PledgeList:
    """Choose candidates of the pool into the year's draft list (started if there is none):
    each becomes a project or prohibition under the next free number, within the list's
    limits, and its suggestions are adopted into it. All or nothing; the list is locked so
    two committee members choosing at once cannot take the same number."""
    pledge_list, _created = PledgeList.objects.get_or_create(village=village, year=year)
    pledge_list = PledgeList.objects.select_for_update().get(pk=pledge_list.pk)
    if not pledge_list.is_editable:
        raise ValidationError(_("This list can no longer be edited; ask for a change instead."))
    pks = [candidate.pk for candidate in candidates]
    chosen = list(
        Candidate.objects.select_for_update()
        .of(village, year)
        .in_pool()
        .filter(pk__in=pks)
        .order_by("pk")
    )
    if len(chosen) != len(set(pks)):
        raise ValidationError(_("Some of these candidates were decided meanwhile; look again."))
    _check_room(pledge_list, chosen)
    project_numbers = _free_numbers(pledge_list.projects.values_list("number", flat=True))
    prohibition_numbers = _free_numbers(pledge_list.prohibitions.values_list("number", flat=True))
    for candidate in chosen:
        if candidate.kind == Candidate.Kind.PROJECT:
            item = Project(
                pledge_list=pledge_list,
                number=next(project_numbers),
                title=candidate.title,
                category=candidate.category,
                description=candidate.description,
            )
        else:
            item = Prohibition(
                pledge_list=pledge_list, number=next(prohibition_numbers), text=candidate.title
            )
        item._history_user = by
        item.save()
        candidate.mark_chosen(item, by=by)
        _adopt_suggestions(candidate, item, by=by)
    pledge_list._history_user = by
    pledge_list.save(update_fields=["modified"])
    return pledge_list


@transaction.atomic
def candidates_decline(*, village: Village, year: int, candidates, by, reason: str) -> int:
    """Not this year, with the reason: the township reads it, and the public once the list
    is published. Their suggestions still waiting for an answer get it now, with the reason
    (件件有回音). Returns how many were declined."""
    if not reason.strip():
        raise ValidationError(_("Say why it is not chosen this year."))
    reply = _("Not in the %(year)s list: %(reason)s") % {"year": year, "reason": reason.strip()}
    declined = 0
    pks = [candidate.pk for candidate in candidates]
    for candidate in Candidate.objects.of(village, year).in_pool().filter(pk__in=pks):
        if not candidate.decline(by=by, reason=reason):
            continue
        declined += 1
        for suggestion in candidate.suggestions.filter(status__in=Suggestion.OPEN):
            suggestion.answer_not_adopted(by=by, reply=reply)
            announce(suggestion_answered, Suggestion, suggestion=suggestion)
    return declined
