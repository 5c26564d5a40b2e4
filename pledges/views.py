"""The working pages of pledge lists: the committee drafts and reports, the township reviews,
verifies and decides, the district opens the year. Every object is reached through
access.py; every write that spans models through services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lib.forms import bound, confirmed, status_for
from lib.year_nav import year_nav
from lib.years import year_param
from ops.media import file_response
from villages.access import get_district_for_user, get_township_for_user, get_village_for_user

from . import services, work
from .access import (
    get_change_request_for_user,
    get_decision_meeting_for_minutes,
    get_escalation_for_user,
    get_open_year_job_for_user,
    get_pledge_list_for_user,
    get_progress_update_for_photo,
    get_project_for_user,
)
from .forms import (
    AnswerEscalationForm,
    ChangeRequestForm,
    CompleteForm,
    DecideChangeForm,
    DecisionMeetingForm,
    EscalationForm,
    ProgressForm,
    ReviewForm,
    VerifyForm,
    prohibition_formset,
    project_formset,
)
from .models import (
    PROJECT_STATES,
    UNITS,
    DecisionMeeting,
    DecisionRecord,
    Escalation,
    OpenYearJob,
    PledgeList,
    Project,
)
from .timeline import pledge_list_timeline, project_timeline


def _project_form(request, project, form, title: str, **extra):
    """The one form page of every project action; 400 when a POST did not validate."""
    context = {"project": project, "form": form, "title": title, **extra}
    return render(request, "pledges/project_form.html", context, status=status_for(request))


@login_required
@require_http_methods(["GET", "POST"])
def open_year(request, code: str):
    """Open the coming year for every village, after a page that says what it will do. A
    worker opens it; the page then follows its progress. While it runs, asking again leads
    to the same job."""
    district = get_district_for_user(request, code, perm="pledges.open_year")
    year = work.year_to_open(district, timezone.localdate())
    if year is None or year_param(request, default=year) != year:
        messages.info(request, _("Only the coming year can be opened, once this year is open."))
        return redirect("dashboards:district_overview", code)
    if confirmed(request):
        carry_over = "carry_over" in request.POST
        job = services.open_year_job_start(
            district=district, year=year, by=request.user, carry_over=carry_over
        )
        return redirect(job)
    if job := OpenYearJob.objects.active_for(district, year):
        return redirect(job)
    context = {"district": district, "figures": work.open_year_figures(district, year)}
    return render(request, "pledges/open_year_confirm.html", context)


@login_required
@require_GET
def open_year_job(request, pk: int):
    """How far the opening of a year got: refreshes itself while it runs; once done, what
    it created and the way back to the district."""
    job = get_open_year_job_for_user(request, pk)
    overview = reverse("dashboards:district_overview", args=[job.district.code])
    context = {"job": job, "district": job.district, "overview": f"{overview}?year={job.year}"}
    return render(request, "pledges/open_year_job.html", context)


@login_required
@require_GET
def township_projects(request, code: str):
    """The filtered project list every dashboard number links to."""
    township = get_township_for_user(request, code)
    year, state = year_param(request), request.GET.get("state", "")
    projects = (
        Project.objects.visible_to(request.user)
        .in_township(township)
        .filter(pledge_list__year=year)
        .with_list()
        .filter_by_state(state)
    )
    if request.GET.get("village"):
        projects = projects.filter(pledge_list__village__code=request.GET["village"])
    context = {"township": township, "year": year, "state": state, "projects": projects}
    years = [(y, "") for y in PledgeList.objects.in_township(township).years()]
    query = f"&state={state}" if state else ""
    context["year_links"] = year_nav(years, year, url=lambda y: f"?year={y}{query}")
    return render(request, "pledges/township_projects.html", {**context, "states": PROJECT_STATES})


@login_required
@require_http_methods(["GET", "POST"])
def village_list(request, code: str):
    """A village's list for the year: the committee's "my projects" page."""
    village = get_village_for_user(request, code)
    lists = {pledge_list.year: pledge_list for pledge_list in village.pledge_lists.all()}
    year = year_param(request, default=PledgeList.working_year(lists.values()))
    pledge_list = lists.get(year)
    if pledge_list is not None:
        return redirect("pledges:pledge_list_detail", pk=pledge_list.pk)
    may_start = request.user.has_perm(
        "pledges.change_pledge_list", PledgeList(village=village, year=year)
    )
    if request.method == "POST" and may_start:
        pledge_list, _created = PledgeList.objects.get_or_create(village=village, year=year)
        return redirect("pledges:pledge_list_edit", pk=pledge_list.pk)
    year_links = year_nav([(y, "") for y in lists], year)
    context = {"village": village, "year": year, "may_start": may_start, "year_links": year_links}
    return render(request, "pledges/village_no_list.html", context)


@login_required
@require_GET
def pledge_list_detail(request, pk: int):
    pledge_list = get_pledge_list_for_user(request, pk)
    may = request.user.has_perm
    reviewing = may("pledges.review_pledge_list", pledge_list)
    projects = list(pledge_list.projects.with_photos())
    context = {
        "pledge_list": pledge_list,
        "projects": projects,
        "commented_projects": [project for project in projects if project.review_comment],
        "prohibitions": pledge_list.prohibitions.all(),
        "can_edit": may("pledges.change_pledge_list", pledge_list),
        "can_review": reviewing and pledge_list.status == PledgeList.Status.SUBMITTED,
        "can_publish": reviewing and pledge_list.status == PledgeList.Status.APPROVED,
        "can_report": may("pledges.add_progress", pledge_list),
        "can_verify": may("pledges.verify_project", pledge_list),
        "can_see_suggestions": may("suggestions.view_suggestion", pledge_list.village),
        "year_links": _village_years(pledge_list),
        "decision": pledge_list.decision_record(),
        "history": pledge_list_timeline(pledge_list),
    }
    return render(request, "pledges/pledge_list_detail.html", context)


def _village_years(pledge_list: PledgeList) -> list[dict]:
    """The village's other years, a list still to draft or revise marked as such."""
    village_url = reverse("pledges:village_list", args=[pledge_list.village.code])
    rows = [
        (other.year, other.get_status_display() if other.is_editable else "")
        for other in pledge_list.village.pledge_lists.all()
    ]
    return year_nav(rows, pledge_list.year, url=lambda year: f"{village_url}?year={year}")


@login_required
@require_http_methods(["GET", "POST"])
def pledge_list_edit(request, pk: int):
    pledge_list = get_pledge_list_for_user(request, pk, perm="pledges.change_pledge_list")
    data = request.POST if request.method == "POST" else None
    projects = project_formset(pledge_list, data)
    prohibitions = prohibition_formset(pledge_list, data)
    if data is not None and projects.is_valid() and prohibitions.is_valid():
        services.pledge_list_save(
            pledge_list=pledge_list,
            project_formset=projects,
            prohibition_formset=prohibitions,
            by=request.user,
        )
        if "submit" in request.POST:
            return _submit(request, pledge_list)
        messages.success(request, _("Saved."))
        return redirect("pledges:pledge_list_edit", pk=pk)
    context = {"pledge_list": pledge_list, "projects": projects, "prohibitions": prohibitions}
    return render(
        request,
        "pledges/pledge_list_edit.html",
        {**context, "units": UNITS},
        status=status_for(request),
    )


@login_required
@require_POST
def pledge_list_carry_over(request, pk: int):
    """Bring last year's unfinished projects into this draft, each linked to the old one."""
    pledge_list = get_pledge_list_for_user(request, pk, perm="pledges.change_pledge_list")
    if pledge_list.status != PledgeList.Status.DRAFT:
        messages.error(request, _("Only a draft list can take projects carried over."))
        return redirect("pledges:pledge_list_edit", pk=pk)
    result = services.pledge_list_carry_over(pledge_list=pledge_list, by=request.user)
    text = ngettext(
        "%(count)s unfinished project carried over from last year.",
        "%(count)s unfinished projects carried over from last year.",
        result,
    )
    messages.success(request, text % {"count": result})
    if waiting := result.awaiting_verification:
        text = ngettext(
            "%(count)s project is completed and waiting for the township's verification: "
            "not carried over (%(titles)s).",
            "%(count)s projects are completed and waiting for the township's verification: "
            "not carried over (%(titles)s).",
            len(waiting),
        )
        titles = "、".join(project.title for project in waiting)
        messages.warning(request, text % {"count": len(waiting), "titles": titles})
    return redirect("pledges:pledge_list_edit", pk=pk)


@login_required
@require_POST
def pledge_list_submit(request, pk: int):
    pledge_list = get_pledge_list_for_user(request, pk, perm="pledges.submit_pledge_list")
    return _submit(request, pledge_list)


def _submit(request, pledge_list: PledgeList):
    """Submit, or go back to the editor with what is missing."""
    pk = pledge_list.pk
    try:
        pledge_list.submit(by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("pledges:pledge_list_edit", pk=pk)
    messages.success(request, _("Submitted to the township for review."))
    return redirect("pledges:pledge_list_detail", pk=pk)


@login_required
@require_GET
def decision_record(request, pk: int):
    """The list's 4+2 record: the four meetings, what is missing or failed; the committee
    records each meeting from here, the township reads it."""
    pledge_list = get_pledge_list_for_user(request, pk)
    record = pledge_list.decision_record()
    context = {
        "pledge_list": pledge_list,
        "decision": record,
        "rows": record.rows() if record else [(step, None) for step in DecisionMeeting.Step],
        "problems": DecisionRecord.problems_of(record),
        "can_record": request.user.has_perm("pledges.record_decision", pledge_list),
    }
    return render(request, "pledges/decision_record.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def decision_meeting(request, pk: int, step: str):
    """Record (or correct) one meeting of the 4+2 procedure while the list is a draft."""
    pledge_list = get_pledge_list_for_user(request, pk, perm="pledges.record_decision")
    if step not in DecisionMeeting.Step.values:
        raise Http404
    meeting = DecisionMeeting.objects.filter(record__pledge_list=pledge_list, step=step).first()
    meeting = meeting or DecisionMeeting(step=step)
    form = DecisionMeetingForm(*bound(request, files=True), instance=meeting, step=step)
    if form.is_valid():
        try:
            services.decision_meeting_record(pledge_list=pledge_list, form=form, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Meeting recorded."))
        return redirect("pledges:decision_record", pk=pk)
    context = {"pledge_list": pledge_list, "form": form, "meeting": meeting}
    return render(
        request, "pledges/decision_meeting_form.html", context, status=status_for(request)
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_list_review(request, pk: int):
    pledge_list = get_pledge_list_for_user(request, pk, perm="pledges.review_pledge_list")
    if pledge_list.status != PledgeList.Status.SUBMITTED:
        messages.info(request, _("This list is not waiting for review."))
        return redirect("pledges:pledge_list_detail", pk=pk)
    projects = list(pledge_list.projects.all())
    form = ReviewForm(*bound(request), projects=projects)
    if form.is_valid():
        services.pledge_list_decide(pledge_list=pledge_list, by=request.user, **form.cleaned_data)
        if form.cleaned_data["decision"] == "return":
            messages.success(request, _("Returned to the village for revision."))
        else:
            messages.success(request, _("Approved."))
        return redirect("pledges:pledge_list_detail", pk=pk)
    context = {"pledge_list": pledge_list, "projects": projects, "form": form}
    context["prohibitions"] = pledge_list.prohibitions.all()
    context["decision"] = pledge_list.decision_record()
    return render(request, "pledges/pledge_list_review.html", context, status=status_for(request))


@login_required
@require_POST
def pledge_list_publish(request, pk: int):
    pledge_list = get_pledge_list_for_user(request, pk, perm="pledges.review_pledge_list")
    if pledge_list.publish(by=request.user):
        messages.success(request, _("Published: the list is now public."))
    return redirect("pledges:pledge_list_detail", pk=pk)


@login_required
@require_GET
def project_detail(request, pk: int):
    project = get_project_for_user(request, pk)
    may = request.user.has_perm
    context = {
        "project": project,
        "timeline": project_timeline(project),
        "pending_change": project.change_requests.pending().first(),
        "can_report": may("pledges.add_progress", project) and project.is_open,
        "can_verify": (
            may("pledges.verify_project", project) and project.status == Project.Status.COMPLETED
        ),
        "can_request_change": may("pledges.request_change", project),
        "can_decide_change": may("pledges.decide_change", project),
        "can_escalate": may("pledges.raise_escalation", project),
        # The levels of open problems this person answers (none for who only reads).
        "answers_levels": [
            level
            for level in Escalation.Level.values
            if may("pledges.answer_escalation", Escalation(project=project, level=level))
        ],
    }
    return render(request, "pledges/project_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_progress(request, pk: int):
    project = get_project_for_user(request, pk, perm="pledges.add_progress")
    form = ProgressForm(*bound(request, files=True))
    if not form.is_valid():
        return _project_form(request, project, form, _("Report progress"))
    try:
        services.progress_update_create(project=project, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Progress recorded."))
    return redirect(project)


@login_required
@require_http_methods(["GET", "POST"])
def project_complete(request, pk: int):
    project = get_project_for_user(request, pk, perm="pledges.complete_project")
    form = CompleteForm(*bound(request, files=True))
    if form.is_valid():
        if services.project_complete(project=project, by=request.user, **form.cleaned_data):
            messages.success(request, _("Marked completed; the township will verify it."))
        return redirect(project)
    return _project_form(request, project, form, _("Mark completed"))


@login_required
@require_http_methods(["GET", "POST"])
def project_verify(request, pk: int):
    project = get_project_for_user(request, pk, perm="pledges.verify_project")
    form = VerifyForm(*bound(request))
    if not form.is_valid():
        return _project_form(request, project, form, _("Verify the project"))
    verify = form.cleaned_data["decision"] == "verify"
    note = form.cleaned_data["note"]
    if not services.project_verify(project=project, by=request.user, verify=verify, note=note):
        messages.info(request, _("Someone else has already decided on this project."))
    elif verify:
        messages.success(request, _("Verified and struck off."))
    else:
        messages.success(request, _("Sent back to the village."))
    return redirect(project)


@login_required
@require_http_methods(["GET", "POST"])
def project_change(request, pk: int):
    project = get_project_for_user(request, pk, perm="pledges.request_change")
    form = ChangeRequestForm(*bound(request))
    if form.is_valid():
        try:
            services.change_request_create(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Change requested; the township will decide."))
            return redirect(project)
    return _project_form(request, project, form, _("Ask for a change"))


@login_required
@require_http_methods(["GET", "POST"])
def change_request_decide(request, pk: int):
    change_request = get_change_request_for_user(request, pk)
    project = change_request.project
    form = DecideChangeForm(*bound(request))
    if form.is_valid():
        services.change_request_decide(
            change_request=change_request, by=request.user, **form.cleaned_data
        )
        messages.success(request, _("Decision recorded."))
        return redirect(project)
    title = _("Decide on the change")
    return _project_form(request, project, form, title, change_request=change_request)


@login_required
@require_http_methods(["GET", "POST"])
def project_escalate(request, pk: int):
    project = get_project_for_user(request, pk, perm="pledges.raise_escalation")
    form = EscalationForm(*bound(request))
    if form.is_valid():
        services.escalation_raise(project=project, by=request.user, **form.cleaned_data)
        messages.success(request, _("Passed to the township."))
        return redirect(project)
    return _project_form(request, project, form, _("Pass a problem up"))


@login_required
@require_http_methods(["GET", "POST"])
def escalation_answer(request, pk: int):
    escalation = get_escalation_for_user(request, pk)
    form = AnswerEscalationForm(*bound(request))
    if form.is_valid():
        if form.cleaned_data["action"] == "pass":
            escalation.pass_to_district(by=request.user)
            messages.success(request, _("Passed on to the district."))
        else:
            escalation.answer_with(by=request.user, answer=form.cleaned_data["answer"])
            messages.success(request, _("Answered."))
        return redirect(escalation.project or escalation.village.township.get_absolute_url())
    context = {"escalation": escalation, "form": form}
    return render(request, "pledges/escalation_answer.html", context, status=status_for(request))


@require_GET
def progress_photo_file(request, name: str):
    """MEDIA_URL/progress/...: a progress photo or its thumbnail (see ops/media.py)."""
    name = f"progress/{name}"
    update = get_progress_update_for_photo(request, name)
    return file_response(name, public=update.project.pledge_list.is_public)


@require_GET
def minutes_file(request, name: str):
    """MEDIA_URL/minutes/...: the signed minutes of a 4+2 meeting, or their thumbnail, for
    those who may read the list (see ops/media.py)."""
    name = f"minutes/{name}"
    get_decision_meeting_for_minutes(request, name)
    return file_response(name)
