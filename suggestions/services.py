"""Writes that touch several models, each in one transaction; views call these. What other
apps react to (a reply to tell followers of) is announced once the transaction commits."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.signals import announce
from pledges.models import Escalation
from villages.models import Village

from .models import Meeting, Suggestion
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
