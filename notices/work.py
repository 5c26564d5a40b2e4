"""What waits in notices for a village committee member (the work queue, 待办): the
township's notices the village has not read yet. The read mark is the village's: when one
member opens a notice, it leaves every member's queue."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lib.work import WorkItem
from villages.models import Village

from .models import Notice

SHOWN = 12  # a year of monthly notices; older unread ones are in the inbox


def village_work(village: Village, user, today: datetime.date) -> list[WorkItem]:
    """Unread notices of the village's inbox, newest first, each linking to the notice (which
    marks it read). One query."""
    notices = (
        Notice.objects.filter(village=village)
        .unread()
        .in_inbox()
        .select_related("township")
        .order_by("-created", "-pk")[:SHOWN]
    )
    return [_line(notice) for notice in notices]


def _line(notice: Notice) -> WorkItem:
    figures = notice.figures or {}
    detail = notice.township.name
    if figures.get("overdue"):
        overdue = ngettext(
            "%(n)s overdue project", "%(n)s overdue projects", figures["overdue"]
        ) % {"n": figures["overdue"]}
        detail = f"{detail} · {overdue}"
    return WorkItem(
        "notice",
        _("Read the township's notice for %(period)s") % {"period": notice.period},
        notice.get_absolute_url(),
        detail,
        None,
    )
