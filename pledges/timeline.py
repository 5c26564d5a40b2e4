"""A project's timeline: everything that happened to it, newest first."""

from .models import Project

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


def project_timeline(project: Project) -> list[dict]:
    """Everything that happened to the project, newest first: status changes and edits
    (from history), progress with photos, change requests, escalations. Five queries."""
    events = []
    previous = None
    for record in reversed(
        project.history.select_related("history_user").order_by("history_date", "history_id")
    ):
        if previous is None or record.status != previous.status:
            events.append(
                {
                    "when": record.history_date,
                    "kind": "status",
                    "who": record.history_user,
                    "record": record,
                    "status": Project.Status(record.status).label,
                    "note": record.status_note if previous else "",
                }
            )
        elif previous is not None:
            changed = [
                c.field
                for c in record.diff_against(previous, included_fields=TRACKED_EDIT_FIELDS).changes
            ]
            if changed:
                events.append(
                    {
                        "when": record.history_date,
                        "kind": "edit",
                        "who": record.history_user,
                        "record": record,
                        "fields": [str(project._meta.get_field(f).verbose_name) for f in changed],
                        "note": record.history_change_reason or "",
                    }
                )
        previous = record
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
