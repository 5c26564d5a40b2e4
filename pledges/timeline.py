"""What happened to a project or a list, read from their history: every status change with
the note or reason given with it (the township's 核实销号 说明, a send-back reason, a list's
return comments), every edit people care about with its old and new values, and nothing
for the saves that change neither (a progress figure, a `modified` stamp)."""

import datetime
from decimal import Decimal

from django.template.defaultfilters import floatformat

from .models import PledgeList, Project

# Edits of these fields show on a project's timeline (status changes show on their own).
TRACKED_EDIT_FIELDS = [
    "title",
    "target_quantity",
    "unit",
    "planned_start",
    "planned_finish",
    "lead_name",
    "lead_post",
    "budget",
    "description",
    "review_comment",
]
# Long texts: the timeline shows the new text, not "old → new".
LONG_TEXT_FIELDS = {"description", "review_comment"}
# The list's statuses that come with the township's comment (review_comment).
LIST_COMMENTED = {PledgeList.Status.RETURNED, PledgeList.Status.APPROVED}


def shown_value(value) -> str:
    """A value as the history shows it: decimals without trailing zeros, ISO dates."""
    if isinstance(value, Decimal):
        return floatformat(value, "-2")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _status_note(record, previous) -> str:
    """The note given with a status change. Every move the township or the village makes
    writes its own (complete, verify, send back, reopen, cancel); only the first progress
    report's planned → in progress writes none, and then the old note is not repeated."""
    automatic = previous.status == Project.Status.PLANNED
    if automatic and record.status_note == previous.status_note:
        return ""
    return record.status_note


def _project_history_events(project: Project, records) -> list[dict]:
    """Oldest first: the project's creation, its status changes with their notes and the
    edits of TRACKED_EDIT_FIELDS with their values and reason; records that change none of
    these give nothing."""
    events = []
    previous = None
    for record in records:
        base = {"when": record.history_date, "who": record.history_user, "record": record}
        if previous is None:
            events.append({**base, "kind": "created", "note": ""})
        elif record.status != previous.status:
            status = Project.Status(record.status)
            note = _status_note(record, previous)
            events.append({**base, "kind": "status", "status": status.label, "note": note})
        if previous is not None:
            changes = [
                change
                for change in record.diff_against(
                    previous, included_fields=TRACKED_EDIT_FIELDS
                ).changes
                if shown_value(change.old) != shown_value(change.new)
            ]
            if changes:
                events.append({**base, "kind": "edit", **_edit(project, changes, record)})
        previous = record
    return events


def _edit(project: Project, changes, record) -> dict:
    rows = [
        {
            "field": str(project._meta.get_field(change.field).verbose_name),
            "old": "" if change.field in LONG_TEXT_FIELDS else shown_value(change.old),
            "new": shown_value(change.new),
            "long": change.field in LONG_TEXT_FIELDS,
        }
        for change in changes
    ]
    return {
        "fields": [row["field"] for row in rows],
        "changes": rows,
        "note": record.history_change_reason or "",
    }


def _project_records(project: Project):
    return project.history.select_related("history_user").order_by("history_date", "history_id")


def status_steps(project: Project) -> list[dict]:
    """The project's status changes with their notes, oldest first, without who made them:
    what the public project page shows (board). One query."""
    return [
        {"when": event["when"], "status": event["status"], "note": event["note"]}
        for event in _project_history_events(project, _project_records(project))
        if event["kind"] == "status"
    ]


def project_timeline(project: Project) -> list[dict]:
    """Everything that happened to the project, newest first: its creation, status changes
    with their notes, edits (from history), progress with photos, change requests,
    escalations. Five queries."""
    events = _project_history_events(project, _project_records(project))
    for update in project.updates.select_related("author").prefetch_related("photos"):
        events.append(
            {"when": update.created, "kind": "update", "who": update.author, "update": update}
        )
    for change in project.change_requests.select_related("requested_by", "decided_by"):
        events.append(
            {
                "when": change.created,
                "kind": "change",
                "who": change.requested_by,
                "change": change,
            }
        )
    for escalation in project.escalations.select_related("raised_by", "answered_by"):
        events.append(
            {
                "when": escalation.created,
                "kind": "escalation",
                "who": escalation.raised_by,
                "escalation": escalation,
            }
        )
    events.sort(key=lambda event: event["when"], reverse=True)
    return events


def pledge_list_timeline(pledge_list: PledgeList) -> list[dict]:
    """The list's way through the township, newest first: created, submitted, returned with
    the township's comments, approved (with its comment), published. A comment is kept
    in history even after a later decision replaces it on the list. One query."""
    events = []
    previous = None
    for record in pledge_list.history.select_related("history_user").order_by(
        "history_date", "history_id"
    ):
        if previous is None or record.status != previous.status:
            status = PledgeList.Status(record.status)
            events.append(
                {
                    "when": record.history_date,
                    "who": record.history_user,
                    "kind": "created" if previous is None else "status",
                    "status": status.label,
                    "note": record.review_comment if status in LIST_COMMENTED else "",
                }
            )
        previous = record
    events.reverse()
    return events
