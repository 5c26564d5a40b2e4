"""What waits in pledges for each role (the work queue, 待办): lists to draft, revise, review
and publish; projects to report on, verify and decide changes for; problems passed up; the
year to open (or its opening under way). Each function costs a fixed number of queries,
whatever the number of villages.

Due dates make the queue a reminder: a project is reported on monthly (一月一汇报, so 30 days
after its last report) and the township answers a village within TOWNSHIP_ANSWER_DAYS."""

import datetime

from django.conf import settings
from django.db.models import Count, Exists, Max, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.work import WorkItem, capped
from villages.models import District, Township, Village

from .models import (
    ChangeRequest,
    DecisionMeeting,
    Escalation,
    OpenYearJob,
    PledgeList,
    Project,
)

REPORT_EVERY_DAYS = 30  # 一月一汇报: a monthly progress report on every open project
FINISH_SOON_DAYS = 7  # a planned finish this close comes before routine reports


def _answer_by(moment: datetime.datetime | None) -> datetime.date | None:
    if moment is None:
        return None
    return timezone.localdate(moment) + datetime.timedelta(days=settings.TOWNSHIP_ANSWER_DAYS)


def _list_line(pledge_list: PledgeList) -> WorkItem:
    edit = reverse("pledges:pledge_list_edit", args=[pledge_list.pk])
    if pledge_list.status == PledgeList.Status.RETURNED:
        detail = pledge_list.review_comment
        if pledge_list.commented_count:
            detail = _("%(comment)s (comments on %(n)s items)") % {
                "comment": detail,
                "n": pledge_list.commented_count,
            }
        return WorkItem(
            kind="resubmit",
            title=_("Revise and resubmit the %(year)s list") % {"year": pledge_list.year},
            url=reverse("pledges:pledge_list_detail", args=[pledge_list.pk]),
            detail=detail,
            due=_answer_by(pledge_list.reviewed_at),
        )
    return WorkItem(
        kind="draft",
        title=_("Draft the %(year)s list") % {"year": pledge_list.year},
        url=edit,
        detail=_("%(projects)s projects and %(prohibitions)s prohibitions, then submit")
        % {
            "projects": settings.PLEDGE_PROJECT_COUNT,
            "prohibitions": settings.PLEDGE_PROHIBITION_COUNT,
        },
        due=datetime.date(pledge_list.year, 1, 31),
    )


def _project_line(project: Project, today: datetime.date) -> WorkItem | None:
    """A finish coming up or past, or a monthly report that falls due within a week: one tap
    to the progress form (which links back to the project and its "mark done")."""
    url = reverse("pledges:project_progress", args=[project.pk])
    detail = f"{project.pledge_list.year} · {project.number}. {project.title}"
    if project.planned_finish and project.planned_finish <= today + datetime.timedelta(
        days=FINISH_SOON_DAYS
    ):
        if project.planned_finish < today:
            title = _("Overdue: report progress or mark done")
        else:
            title = _("Finish due: report progress or mark done")
        return WorkItem("finish", title, url, detail, project.planned_finish)
    last = project.last_report or (project.pledge_list.published_at or project.created).date()
    due = last + datetime.timedelta(days=REPORT_EVERY_DAYS)
    if due <= today + datetime.timedelta(days=FINISH_SOON_DAYS):
        return WorkItem("report", _("Monthly progress report"), url, detail, due)
    return None


def _decision_line(pledge_list: PledgeList) -> WorkItem | None:
    """Once a draft has projects, its 4+2 meetings are due before it can be submitted (not
    for a list imported without a record; a returned list was submitted with its record)."""
    steps = len(DecisionMeeting.Step)
    if (
        pledge_list.status != PledgeList.Status.DRAFT
        or not pledge_list.project_total
        or pledge_list.meeting_count >= steps
        or pledge_list.imported_without_record
    ):
        return None
    return WorkItem(
        kind="decision",
        title=_("Record the 4+2 meetings before submitting the %(year)s list")
        % {"year": pledge_list.year},
        url=reverse("pledges:decision_record", args=[pledge_list.pk]),
        detail=_("%(done)s of %(steps)s meetings recorded")
        % {"done": pledge_list.meeting_count, "steps": steps},
        due=datetime.date(pledge_list.year, 1, 31),
    )


def village_work(village: Village, today: datetime.date) -> list[WorkItem]:
    """The committee's lists to draft or resubmit (and their 4+2 meetings to record) and
    projects due for a report. Two queries."""
    lists = PledgeList.objects.filter(
        village=village, status__in=[PledgeList.Status.DRAFT, PledgeList.Status.RETURNED]
    ).annotate(
        commented_count=Count("projects", filter=~Q(projects__review_comment=""), distinct=True),
        project_total=Count("projects", distinct=True),
        meeting_count=Count("decision__meetings", distinct=True),
        imported_without_record=Coalesce("decision__imported_without_record", False),
    )
    items = [_list_line(pledge_list) for pledge_list in lists]
    items += [line for line in map(_decision_line, lists) if line is not None]
    projects = (
        Project.objects.filter(
            pledge_list__village=village,
            pledge_list__status=PledgeList.Status.PUBLISHED,
            status__in=Project.ACTIVE,
        )
        .select_related("pledge_list")
        .annotate(last_report=Max("updates__date"))
    )
    lines = [_project_line(project, today) for project in projects]
    return items + [line for line in lines if line is not None]


def township_work(township: Township, today: datetime.date) -> list[WorkItem]:
    """Lists to review and publish, completions to verify, changes to decide, problems passed
    up and overdue projects, for every year at once. Five queries."""
    items = []
    lists = PledgeList.objects.in_township(township).filter(
        status__in=[PledgeList.Status.SUBMITTED, PledgeList.Status.APPROVED]
    )
    for pledge_list in lists.select_related("village"):
        submitted = pledge_list.status == PledgeList.Status.SUBMITTED
        title = _("Review the %(year)s list") if submitted else _("Publish the %(year)s list")
        items.append(
            WorkItem(
                kind="review" if submitted else "publish",
                title=title % {"year": pledge_list.year},
                url=reverse(
                    "pledges:pledge_list_review" if submitted else "pledges:pledge_list_detail",
                    args=[pledge_list.pk],
                ),
                detail=pledge_list.village.name,
                due=_answer_by(pledge_list.submitted_at if submitted else pledge_list.reviewed_at),
            )
        )
    to_verify = [
        WorkItem(
            "verify",
            _("Verify and strike off"),
            reverse("pledges:project_verify", args=[project.pk]),
            f"{project.pledge_list.village.name} · {project.title}",
            _answer_by(project.completed_at),
        )
        for project in Project.objects.in_township(township)
        .filter(status=Project.Status.COMPLETED)
        .select_related("pledge_list__village")
    ]
    items += capped(
        to_verify,
        WorkItem(
            "verify",
            _("All %(n)s completions waiting for verification") % {"n": len(to_verify)},
            reverse("pledges:township_projects", args=[township.code]) + "?state=completed",
        ),
    )
    items += [
        WorkItem(
            "change",
            _("Decide a change request")
            if change.kind == ChangeRequest.Kind.CHANGE
            else _("Decide a cancellation request"),
            reverse("pledges:change_request_decide", args=[change.pk]),
            f"{change.project.pledge_list.village.name} · {change.project.title}",
            _answer_by(change.created),
        )
        for change in ChangeRequest.objects.pending()
        .filter(project__pledge_list__village__township=township)
        .select_related("project__pledge_list__village")
    ]
    items += [
        WorkItem(
            "escalation",
            _("Answer a problem passed up"),
            reverse("pledges:escalation_answer", args=[escalation.pk]),
            f"{escalation.village.name} · {escalation.problem[:40]}",
            _answer_by(escalation.created),
        )
        for escalation in Escalation.objects.filter(
            status=Escalation.Status.OPEN,
            level=Escalation.Level.TOWNSHIP,
            village__township=township,
        ).select_related("village")
    ]
    overdue = (
        Project.objects.in_township(township)
        .overdue(today)
        .values("pledge_list__village__code", "pledge_list__village__name", "pledge_list__year")
        .annotate(n=Count("id"), since=Max("planned_finish"))
        .order_by("pledge_list__village__code")
    )
    projects_url = reverse("pledges:township_projects", args=[township.code])
    items += [
        WorkItem(
            "overdue",
            _("%(n)s overdue projects: follow up") % {"n": row["n"]},
            f"{projects_url}?year={row['pledge_list__year']}"
            f"&village={row['pledge_list__village__code']}&state=overdue",
            row["pledge_list__village__name"],
            row["since"],
        )
        for row in overdue
    ]
    return items


def year_to_open(district, today: datetime.date) -> int | None:
    """The coming year, once this year is open: the district opens one year at a time. A
    year whose opening has not finished (queued, running, or stopped by an error) is still
    the year to open. One query; two while an opening is unfinished."""
    return _year_state(district, today)[0]


def _year_state(district, today: datetime.date) -> tuple[int | None, OpenYearJob | None]:
    """(the year to open, its unfinished opening job or None). Whether this year and the next
    have lists, and the status of the district's latest opening of either, come in one query
    on the district's row; the job itself only while one is unfinished."""
    years = (today.year, today.year + 1)
    lists = PledgeList.objects.in_district(district)
    latest = OpenYearJob.objects.filter(district=district, year__in=years).order_by("-created")
    state = (
        District.objects.filter(pk=district.pk)
        .values_list(
            Exists(lists.filter(year=years[0])),
            Exists(lists.filter(year=years[1])),
            Subquery(latest.values("pk")[:1]),
            Subquery(latest.values("status")[:1]),
        )
        .get()
    )
    *opened, job_pk, job_status = state
    if job_pk is not None and job_status != OpenYearJob.Status.DONE:
        job = OpenYearJob.objects.get(pk=job_pk)
        return job.year, job
    for year, is_open in zip(years, opened, strict=True):
        if not is_open:
            return year, None
    return None, None


def _open_year_line(district, year: int, job: OpenYearJob | None) -> WorkItem:
    """Open the year; while its opening runs, how far it got (the job's page, not a second
    start); after an error, finish it (the confirmation page, with the villages left)."""
    open_url = reverse("pledges:open_year", args=[district.code]) + f"?year={year}"
    due = datetime.date(year, 1, 1)
    if job is None:
        title = _("Open %(year)s for every village") % {"year": year}
        detail = _("Villages draft their lists once the year is open")
        return WorkItem("open_year", title, open_url, detail, due)
    figures = {"year": year, "done": job.counts["done"], "total": job.counts["total"]}
    if job.is_active:
        title = _("Opening %(year)s: %(done)s / %(total)s villages") % figures
        return WorkItem("open_year", title, job.get_absolute_url(), job.get_status_display(), due)
    title = _("Opening %(year)s stopped after %(done)s of %(total)s villages: finish it") % figures
    return WorkItem("open_year", title, open_url, job.message, due)


def district_work(district, today: datetime.date) -> list[WorkItem]:
    """Problems passed to the district and the year to open (or its opening under way). Two
    queries; three while an opening is unfinished."""
    items = [
        WorkItem(
            "escalation",
            _("Coordinate a problem passed to the district"),
            reverse("pledges:escalation_answer", args=[escalation.pk]),
            f"{escalation.village.township.name} · {escalation.village.name} · "
            f"{escalation.problem[:40]}",
            _answer_by(escalation.modified),
        )
        for escalation in Escalation.objects.open_for_district(district).select_related(
            "village__township"
        )
    ]
    year, job = _year_state(district, today)
    if year is not None:
        items.append(_open_year_line(district, year, job))
    return items


def open_year_figures(district, year: int) -> dict:
    """What opening `year` would do, for the confirmation page: the villages that get a new
    draft, and last year's projects that carry-over brings along (planned or in progress) or
    leaves for the township to verify first (completed). Three queries."""
    villages = Village.objects.in_district(district)
    last_year = Project.objects.in_district(district).filter(
        pledge_list__year=year - 1, pledge_list__status=PledgeList.Status.PUBLISHED
    )
    return {
        "year": year,
        "villages": villages.count(),
        "new_lists": villages.exclude(pledge_lists__year=year).count(),
        **last_year.aggregate(
            carried=Count("id", filter=Q(status__in=Project.ACTIVE)),
            awaiting_verification=Count("id", filter=Q(status=Project.Status.COMPLETED)),
        ),
    }
