"""What waits in suggestions for each role (the work queue, 待办): the committee's suggestions
to answer, each due SUGGESTION_REPLY_DAYS after it was received (件件有回音), and the
township's villages whose replies are overdue. A fixed number of queries each."""

import datetime

from django.conf import settings
from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lib.work import WorkItem, capped
from pledges.models import PledgeList
from villages.models import Township, Village

from .models import Candidate, Suggestion


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


def _count(queryset) -> Coalesce:
    """How many rows of `queryset` (filtered on OuterRef), as an annotation (0 for none)."""
    rows = queryset.order_by().values("village").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def pool_work(village: Village, today: datetime.date) -> list[WorkItem]:
    """For each list the committee is drafting or revising: the suggestions not yet in its
    candidate pool (as `Suggestion.objects.for_pool` counts them), and the candidates to
    choose the list from, both due when the draft is. One query."""
    year = OuterRef("year")
    waiting = Suggestion.objects.filter(
        Q(year=year) | Q(year=year - 1),
        village=OuterRef("village"),
        status__in=Suggestion.OPEN,
        candidates__isnull=True,
    )
    in_pool = Candidate.objects.filter(
        village=OuterRef("village"), year=year, status=Candidate.Status.POOL
    )
    lists = (
        PledgeList.objects.filter(
            village=village, status__in=[PledgeList.Status.DRAFT, PledgeList.Status.RETURNED]
        )
        .annotate(waiting=_count(waiting), in_pool=_count(in_pool))
        .values_list("year", "waiting", "in_pool")
    )
    items = []
    for list_year, waiting_count, pool_count in lists:
        url = reverse("suggestions:candidate_pool", args=[village.code, list_year])
        due = datetime.date(list_year, 1, 31)  # as the draft itself (pledges.work)
        if waiting_count:
            title = ngettext(
                "%(n)s suggestion not yet in the %(year)s candidate pool",
                "%(n)s suggestions not yet in the %(year)s candidate pool",
                waiting_count,
            ) % {"n": waiting_count, "year": list_year}
            detail = _("Grouped by similarity: one step makes a group one candidate")
            items.append(WorkItem("pool", title, f"{url}#groups", detail, due))
        if pool_count:
            title = ngettext(
                "Choose the %(year)s list from %(n)s candidate",
                "Choose the %(year)s list from %(n)s candidates",
                pool_count,
            ) % {"n": pool_count, "year": list_year}
            detail = _("Chosen ones become projects and prohibitions; say why for the rest")
            items.append(WorkItem("choose", title, f"{url}#pool", detail, due))
    return items
