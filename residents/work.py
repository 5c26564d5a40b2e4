"""What waits in residents for each role (the work queue, 待办): the township rules on
residents' challenges (one ruling per project, however many challenge it) and decides reports
of broken prohibitions; the village committee sees the challenges about its projects. Each
function costs a fixed number of queries, whatever the number of villages or challenges.

A challenge or report is due TOWNSHIP_ANSWER_DAYS after it arrived: the township's pace for
every answer it owes (see pledges.work)."""

import datetime

from django.conf import settings
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lib.work import WorkItem, capped
from villages.models import Township, Village

from .models import Challenge, ViolationReport


def _answer_by(moment: datetime.datetime) -> datetime.date | None:
    days = getattr(settings, "TOWNSHIP_ANSWER_DAYS", None)
    if days is None:
        return None
    # The day it arrived where the township is (a report at 07:00 in Shanghai is 23:00 UTC).
    return timezone.localdate(moment) + datetime.timedelta(days=days)


def _challenged_projects(challenges) -> list[dict]:
    """One row per project with open challenges: how many, the first one, since when. One
    query."""
    return list(
        challenges.open()
        .values(
            "project__pledge_list__village__name",
            "project__number",
            "project__title",
        )
        .annotate(n=Count("id"), first=Min("pk"), since=Min("created"))
        .order_by("since")
    )


def _challenge_line(row: dict, title: str, with_village: bool) -> WorkItem:
    detail = f"{row['project__number']}. {row['project__title']}"
    if with_village:
        detail = f"{row['project__pledge_list__village__name']} · {detail}"
    count = ngettext("%(n)s challenge", "%(n)s challenges", row["n"]) % {"n": row["n"]}
    return WorkItem(
        "challenge",
        title,
        reverse("residents:challenge_detail", args=[row["first"]]),
        f"{detail} · {count}",
        _answer_by(row["since"]),
    )


def _all(items: list[WorkItem], township: Township, title: str) -> list[WorkItem]:
    """The lines of one kind, the last one to the township's inbox when there are many."""
    inbox = reverse("residents:township_inbox", args=[township.code])
    kind = items[0].kind if items else ""
    return capped(items, WorkItem(kind, title % {"n": len(items)}, inbox))


def township_work(township: Township, today: datetime.date) -> list[WorkItem]:
    """Projects whose challenges wait for a ruling (one line each, to the page that rules on
    all of them) and reports of broken prohibitions to decide. Two queries."""
    challenges = [
        _challenge_line(row, _("Rule on a challenged project"), with_village=True)
        for row in _challenged_projects(Challenge.objects.in_township(township))
    ]
    reports = [
        WorkItem(
            "report",
            _("Decide a report of a broken prohibition"),
            report.get_absolute_url(),
            f"{report.prohibition.pledge_list.village.name} · "
            f"{Truncator(report.prohibition.text).chars(40)}",
            _answer_by(report.created),
        )
        for report in ViolationReport.objects.in_township(township)
        .open()
        .select_related("prohibition__pledge_list__village")
    ]
    return _all(challenges, township, _("All %(n)s challenged projects")) + _all(
        reports, township, _("All %(n)s open reports of broken prohibitions")
    )


def village_work(village: Village, today: datetime.date) -> list[WorkItem]:
    """The village's projects that residents challenge as not really done, one line each, to
    the page where the committee reads the challenges (the township rules). One query."""
    return [
        _challenge_line(row, _("Residents challenge a project as not really done"), False)
        for row in _challenged_projects(
            Challenge.objects.filter(project__pledge_list__village=village)
        )
    ]
