"""What waits in suggestions for each role (the work queue, 待办): the committee's suggestions
to answer, each due SUGGESTION_REPLY_DAYS after it was received (件件有回音), and the
township's villages whose replies are overdue. A fixed number of queries each."""

import datetime

from django.conf import settings
from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lib.work import WorkItem, capped
from villages.models import Township, Village

from .models import Suggestion


def reply_due(received: datetime.date) -> datetime.date:
    """The last day of a timely reply: after it the suggestion is overdue."""
    return received + datetime.timedelta(days=settings.SUGGESTION_REPLY_DAYS)


def village_work(village: Village, today: datetime.date) -> list[WorkItem]:
    """The village's suggestions waiting for an answer, oldest first, each linking to the page
    that answers it; many end with one line to the inbox. One query."""
    waiting = [
        WorkItem(
            kind="reply",
            title=_("Answer a suggestion"),
            url=reverse("suggestions:suggestion_detail", args=[pk]),
            detail=f"{received:%Y-%m-%d} · {text[:40]}",
            due=reply_due(received),
        )
        for pk, received, text in village.suggestions.unanswered()
        .order_by("received", "pk")
        .values_list("pk", "received", "text")
    ]
    title = ngettext(
        "All %(n)s suggestion waiting for a reply",
        "All %(n)s suggestions waiting for a reply",
        len(waiting),
    ) % {"n": len(waiting)}
    inbox = reverse("suggestions:suggestion_inbox", args=[village.code])
    detail = _("Several can be answered at once with a standard reply")
    return capped(
        waiting, WorkItem("reply", title, inbox, detail, waiting[0].due if waiting else None)
    )


def township_work(township: Township, today: datetime.date) -> list[WorkItem]:
    """Per village of the township with replies overdue: how many, due on the oldest one's
    deadline, linking to the village's suggestions. One query."""
    rows = (
        Suggestion.objects.in_township(township)
        .overdue(today)
        .values("village__code", "village__name")
        .annotate(n=Count("id"), oldest=Min("received"))
        .order_by("village__code")
    )
    return [
        WorkItem(
            kind="overdue_reply",
            title=ngettext(
                "%(n)s suggestion overdue for a reply",
                "%(n)s suggestions overdue for a reply",
                row["n"],
            )
            % {"n": row["n"]},
            url=reverse("suggestions:suggestion_inbox", args=[row["village__code"]]),
            detail=row["village__name"],
            due=reply_due(row["oldest"]),
        )
        for row in rows
    ]
