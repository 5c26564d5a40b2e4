import hashlib
import uuid

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from audit import ratelimits
from residents import services as resident_services
from residents.models import Challenge, ViolationReport, open_counts
from reviews import results as review_results
from villages.models import District, Membership, Township, Village
from villages.views import get_district_for_user, get_township_for_user, get_village_for_user

from . import open_data, services
from .forms import (
    AnswerEscalationForm,
    BoardSearchForm,
    ChangeRequestForm,
    CompleteForm,
    DecideChangeForm,
    EscalationForm,
    HideForm,
    MeetingForm,
    ProgressForm,
    PublicSuggestionForm,
    ReviewForm,
    SuggestionAnswerForm,
    SuggestionEntryForm,
    TrackForm,
    VerifyForm,
    prohibition_formset,
    project_formset,
)
from .models import (
    PROJECT_STATES,
    UNITS,
    ChangeRequest,
    Escalation,
    PledgeList,
    Project,
    Suggestion,
)

ROLE_HOME = {
    Membership.Role.DISTRICT_ADMIN: "pledges:district_overview",
    Membership.Role.TOWNSHIP_CADRE: "pledges:township_dashboard",
    Membership.Role.VILLAGE_COMMITTEE: "pledges:village_list",
    Membership.Role.REVIEWER: "pledges:village_list",
}


def get_pledge_list_for_user(request, pk: int, perm: str = "pledges.view_pledge_list"):
    pledge_list = get_object_or_404(PledgeList.objects.with_tree(), pk=pk)
    if not request.user.has_perm(perm, pledge_list):
        raise PermissionDenied
    return pledge_list


def get_project_for_user(request, pk: int, perm: str = "pledges.view_pledge_list"):
    project = get_object_or_404(
        Project.objects.with_list().select_related("carried_from__pledge_list"), pk=pk
    )
    if not request.user.has_perm(perm, project):
        raise PermissionDenied
    return project


def _bound(request, files: bool = False) -> tuple:
    """Form arguments: bound on POST (even an empty one, so it shows its errors)."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def _year(request) -> int:
    """?year=, or this year when it is missing or not a plausible year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _project_form(request, project, form, title: str, **extra):
    """The one form page of every project action; 400 when a POST did not validate."""
    context = {"project": project, "form": form, "title": title, **extra}
    status = 400 if request.method == "POST" else 200
    return render(request, "pledges/project_form.html", context, status=status)


@require_GET
def home(request):
    """Send each person to their own place: one membership → straight to its working page."""
    if not request.user.is_authenticated:
        return redirect("pledges:board")
    memberships = list(Membership.objects.filter(user=request.user).with_places())
    targets = {(ROLE_HOME[m.role], m.place.code) for m in memberships}
    if len(targets) == 1:
        view_name, code = targets.pop()
        return redirect(view_name, code=code)
    for membership in memberships:
        membership.url = redirect(ROLE_HOME[membership.role], code=membership.place.code).url
    return render(request, "pledges/home.html", {"memberships": memberships})


@login_required
@require_GET
def district_overview(request, code: str):
    district = get_district_for_user(request, code)
    year = _year(request)
    townships = PledgeList.objects.township_summary(district=district, year=year)
    escalations = (
        Escalation.objects.visible_to(request.user).open_for_district(district).with_project()
    )
    figures = Suggestion.objects.figures(
        year=year, villages=Village.objects.filter(township__district=district)
    )
    return render(
        request,
        "pledges/district_overview.html",
        {
            "district": district,
            "year": year,
            "townships": townships,
            "escalations": escalations,
            "figures": figures,
            "can_open_year": request.user.has_perm("pledges.open_year", district),
        },
    )


@login_required
@require_POST
def open_year(request, code: str):
    district = get_district_for_user(request, code, perm="pledges.open_year")
    year = _year(request)
    created = services.pledge_list_open_year(
        district=district, year=year, by=request.user, carry_over="carry_over" in request.POST
    )
    messages.success(
        request, _("%(year)s opened: %(count)s new draft lists.") % {"year": year, "count": created}
    )
    return redirect(f"{reverse('pledges:district_overview', args=[code])}?year={year}")


@login_required
@require_GET
def township_dashboard(request, code: str):
    township = get_township_for_user(request, code)
    year = _year(request)
    lists = (
        PledgeList.objects.visible_to(request.user)
        .for_year(year)
        .in_township(township)
        .with_project_counts()
        .select_related("village")
    )
    by_village = {pledge_list.village_id: pledge_list for pledge_list in lists}
    rows = [(village, by_village.get(village.pk)) for village in township.villages.all()]
    totals = PledgeList.totals(by_village.values())
    escalations = (
        Escalation.objects.visible_to(request.user).open_for_township(township).with_project()
    )
    return render(
        request,
        "pledges/township_dashboard.html",
        {
            "township": township,
            "year": year,
            "rows": rows,
            "totals": totals,
            "escalations": escalations,
            "residents_open": open_counts(township),
        },
    )


@login_required
@require_GET
def township_projects(request, code: str):
    """The filtered project list every dashboard number links to."""
    township = get_township_for_user(request, code)
    year = _year(request)
    state = request.GET.get("state", "")
    projects = (
        Project.objects.visible_to(request.user)
        .in_township(township)
        .filter(pledge_list__year=year)
        .with_list()
        .filter_by_state(state)
    )
    if request.GET.get("village"):
        projects = projects.filter(pledge_list__village__code=request.GET["village"])
    return render(
        request,
        "pledges/township_projects.html",
        {
            "township": township,
            "year": year,
            "state": state,
            "projects": projects,
            "states": PROJECT_STATES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def village_list(request, code: str):
    """A village's list for the year: the committee's "my projects" page."""
    village = get_village_for_user(request, code)
    year = _year(request)
    pledge_list = PledgeList.objects.filter(village=village, year=year).first()
    if pledge_list is None:
        may_start = request.user.has_perm(
            "pledges.change_pledge_list", PledgeList(village=village, year=year)
        )
        if request.method == "POST" and may_start:
            pledge_list, _created = PledgeList.objects.get_or_create(village=village, year=year)
            return redirect("pledges:pledge_list_edit", pk=pledge_list.pk)
        return render(
            request,
            "pledges/village_no_list.html",
            {"village": village, "year": year, "may_start": may_start},
        )
    return redirect("pledges:pledge_list_detail", pk=pledge_list.pk)


@login_required
@require_GET
def pledge_list_detail(request, pk: int):
    pledge_list = get_pledge_list_for_user(request, pk)
    projects = pledge_list.projects.with_photos()
    user = request.user
    return render(
        request,
        "pledges/pledge_list_detail.html",
        {
            "pledge_list": pledge_list,
            "projects": projects,
            "prohibitions": pledge_list.prohibitions.all(),
            "can_edit": user.has_perm("pledges.change_pledge_list", pledge_list),
            "can_review": (
                pledge_list.status == PledgeList.Status.SUBMITTED
                and user.has_perm("pledges.review_pledge_list", pledge_list)
            ),
            "can_publish": (
                pledge_list.status == PledgeList.Status.APPROVED
                and user.has_perm("pledges.review_pledge_list", pledge_list)
            ),
            "can_report": user.has_perm("pledges.add_progress", pledge_list),
            "can_verify": user.has_perm("pledges.verify_project", pledge_list),
            "can_see_suggestions": user.has_perm("pledges.view_suggestion", pledge_list.village),
        },
    )


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
        if "submit" not in request.POST:
            messages.success(request, _("Saved."))
            return redirect("pledges:pledge_list_edit", pk=pk)
        return _submit(request, pledge_list)
    return render(
        request,
        "pledges/pledge_list_edit.html",
        {
            "pledge_list": pledge_list,
            "projects": projects,
            "prohibitions": prohibitions,
            "units": UNITS,
        },
        status=400 if data is not None else 200,
    )


@login_required
@require_POST
def pledge_list_carry_over(request, pk: int):
    """Bring last year's unfinished projects into this draft, each linked to the old one."""
    pledge_list = get_pledge_list_for_user(request, pk, perm="pledges.change_pledge_list")
    if pledge_list.status != PledgeList.Status.DRAFT:
        messages.error(request, _("Only a draft list can take projects carried over."))
    else:
        count = services.pledge_list_carry_over(pledge_list=pledge_list, by=request.user)
        messages.success(
            request,
            ngettext(
                "%(count)s unfinished project carried over from last year.",
                "%(count)s unfinished projects carried over from last year.",
                count,
            )
            % {"count": count},
        )
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
@require_http_methods(["GET", "POST"])
def pledge_list_review(request, pk: int):
    pledge_list = get_pledge_list_for_user(request, pk, perm="pledges.review_pledge_list")
    if pledge_list.status != PledgeList.Status.SUBMITTED:
        messages.info(request, _("This list is not waiting for review."))
        return redirect("pledges:pledge_list_detail", pk=pk)
    projects = list(pledge_list.projects.all())
    form = ReviewForm(*_bound(request))
    if form.is_valid():
        item_comments = {p.pk: request.POST.get(f"comment-{p.pk}", "")[:2000] for p in projects}
        decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
        if decision == "return":
            services.pledge_list_return(
                pledge_list=pledge_list,
                by=request.user,
                comment=comment,
                item_comments=item_comments,
            )
            messages.success(request, _("Returned to the village for revision."))
        else:
            services.pledge_list_approve(
                pledge_list=pledge_list,
                by=request.user,
                comment=comment,
                item_comments=item_comments,
                publish=decision == "publish",
            )
            messages.success(request, _("Approved."))
        return redirect("pledges:pledge_list_detail", pk=pk)
    return render(
        request,
        "pledges/pledge_list_review.html",
        {
            "pledge_list": pledge_list,
            "projects": projects,
            "form": form,
            "prohibitions": pledge_list.prohibitions.all(),
        },
        status=400 if request.method == "POST" else 200,
    )


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
    user = request.user
    return render(
        request,
        "pledges/project_detail.html",
        {
            "project": project,
            "timeline": project.timeline(),
            "pending_change": project.change_requests.filter(
                status=ChangeRequest.Status.PENDING
            ).first(),
            "can_report": user.has_perm("pledges.add_progress", project) and project.is_open,
            "can_verify": (
                user.has_perm("pledges.verify_project", project)
                and project.status == Project.Status.COMPLETED
            ),
            "can_request_change": user.has_perm("pledges.request_change", project),
            "can_decide_change": user.has_perm("pledges.decide_change", project),
            "can_escalate": user.has_perm("pledges.raise_escalation", project),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_progress(request, pk: int):
    project = get_project_for_user(request, pk, perm="pledges.add_progress")
    form = ProgressForm(*_bound(request, files=True))
    if form.is_valid():
        try:
            services.progress_update_create(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Progress recorded."))
        return redirect(project)
    return _project_form(request, project, form, _("Report progress"))


@login_required
@require_http_methods(["GET", "POST"])
def project_complete(request, pk: int):
    project = get_project_for_user(request, pk, perm="pledges.complete_project")
    form = CompleteForm(*_bound(request, files=True))
    if form.is_valid():
        if services.project_complete(project=project, by=request.user, **form.cleaned_data):
            messages.success(request, _("Marked completed; the township will verify it."))
        return redirect(project)
    return _project_form(request, project, form, _("Mark completed"))


@login_required
@require_http_methods(["GET", "POST"])
def project_verify(request, pk: int):
    project = get_project_for_user(request, pk, perm="pledges.verify_project")
    form = VerifyForm(*_bound(request))
    if form.is_valid():
        note = form.cleaned_data["note"]
        if form.cleaned_data["decision"] == "verify":
            with transaction.atomic():
                done = project.verify(by=request.user, note=note)
                if done:
                    resident_services.project_verified(project)
            message = _("Verified and struck off.")
        else:
            done = project.send_back(by=request.user, reason=note)
            message = _("Sent back to the village.")
        if done:
            messages.success(request, message)
        else:
            messages.info(request, _("Someone else has already decided on this project."))
        return redirect(project)
    return _project_form(request, project, form, _("Verify the project"))


@login_required
@require_http_methods(["GET", "POST"])
def project_change(request, pk: int):
    project = get_project_for_user(request, pk, perm="pledges.request_change")
    form = ChangeRequestForm(*_bound(request))
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("kind", "reason")}
        try:
            services.change_request_create(
                project=project,
                by=request.user,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                **data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Change requested; the township will decide."))
            return redirect(project)
    return _project_form(request, project, form, _("Ask for a change"))


@login_required
@require_http_methods(["GET", "POST"])
def change_request_decide(request, pk: int):
    change_request = get_object_or_404(
        ChangeRequest.objects.select_related("project__pledge_list__village__township"), pk=pk
    )
    project = change_request.project
    if not request.user.has_perm("pledges.decide_change", project):
        raise PermissionDenied
    form = DecideChangeForm(*_bound(request))
    if form.is_valid():
        services.change_request_decide(
            change_request=change_request,
            by=request.user,
            approve=form.cleaned_data["approve"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Decision recorded."))
        return redirect(project)
    return _project_form(
        request, project, form, _("Decide on the change"), change_request=change_request
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_escalate(request, pk: int):
    project = get_project_for_user(request, pk, perm="pledges.raise_escalation")
    form = EscalationForm(*_bound(request))
    if form.is_valid():
        services.escalation_raise(project=project, by=request.user, **form.cleaned_data)
        messages.success(request, _("Passed to the township."))
        return redirect(project)
    return _project_form(request, project, form, _("Pass a problem up"))


@login_required
@require_http_methods(["GET", "POST"])
def escalation_answer(request, pk: int):
    escalation = get_object_or_404(
        Escalation.objects.select_related("village__township", "project"), pk=pk
    )
    if not request.user.has_perm("pledges.answer_escalation", escalation):
        raise PermissionDenied
    form = AnswerEscalationForm(*_bound(request))
    if form.is_valid():
        if form.cleaned_data["action"] == "pass":
            escalation.pass_to_district(by=request.user)
            messages.success(request, _("Passed on to the district."))
        else:
            escalation.answer_with(by=request.user, answer=form.cleaned_data["answer"])
            messages.success(request, _("Answered."))
        return redirect(escalation.project or escalation.village.township.get_absolute_url())
    return render(
        request,
        "pledges/escalation_answer.html",
        {"escalation": escalation, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- Suggestions ---------------------------------------------------------------------------


def _suggestion_rate(group, request) -> str:
    return settings.SUGGESTION_RATE


def rate_limited(request, exception):
    """Where django-ratelimit sends a refused anonymous post (RATELIMIT_VIEW)."""
    return render(request, "pledges/rate_limited.html", status=429)


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_suggestion_rate, method="POST", block=True)
def suggest(request, code: str):
    """The public form: no account needed."""
    village = get_object_or_404(Village.objects.with_tree(), code=code)
    if request.method == "POST":
        form = PublicSuggestionForm(request.POST)
    else:
        form = PublicSuggestionForm(initial={"token": uuid.uuid4().hex})
    if form.is_valid():
        if form.is_robot:  # say thanks, store nothing
            return render(request, "pledges/suggestion_thanks.html", {"village": village})
        data = {k: form.cleaned_data[k] for k in ("text", "category", "name", "phone")}
        with transaction.atomic():
            suggestion, created = services.suggestion_submit(
                village=village, client_token=form.cleaned_data["token"], **data
            )
            if created and form.cleaned_data["notify"]:
                channel, address = form.cleaned_data["notify"]
                resident_services.follow(channel=channel, address=address, suggestion=suggestion)
        return redirect("pledges:suggestion_thanks", code=suggestion.receipt_code)
    return render(
        request,
        "pledges/suggest.html",
        {"village": village, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def suggestion_thanks(request, code: str):
    suggestion = get_object_or_404(Suggestion.objects.with_village(), receipt_code=code)
    return render(
        request,
        "pledges/suggestion_thanks.html",
        {"suggestion": suggestion, "village": suggestion.village},
    )


@require_GET
@ratelimits.limit("TRACK_RATE", methods=("GET",))
def track(request):
    """Look a suggestion up by its receipt code (typed in any case, with or without dash)."""
    form = TrackForm(request.GET if "code" in request.GET else None)
    if form.is_valid():
        return redirect("pledges:track_detail", code=form.cleaned_data["code"])
    return render(request, "pledges/track.html", {"form": form})


@require_GET
@ratelimits.limit("TRACK_RATE", methods=("GET",))
def track_detail(request, code: str):
    suggestion = get_object_or_404(Suggestion.objects.with_village(), receipt_code=code)
    return render(
        request,
        "pledges/track_detail.html",
        {
            "suggestion": suggestion,
            "projects": suggestion.projects.select_related("pledge_list"),
        },
    )


@login_required
@require_GET
def suggestion_inbox(request, code: str):
    """The committee's inbox: unanswered oldest first (overdue marked), then recent replies."""
    village = get_village_for_user(request, code, perm="pledges.view_suggestion")
    suggestions = village.suggestions.visible_to(request.user)
    return render(
        request,
        "pledges/suggestion_inbox.html",
        {
            "village": village,
            "unanswered": suggestions.unanswered().order_by("received", "pk"),
            "answered": suggestions.exclude(status__in=Suggestion.OPEN).order_by(
                "-replied_at", "-pk"
            )[:30],
            "reply_days": settings.SUGGESTION_REPLY_DAYS,
            "can_record": request.user.has_perm("pledges.record_suggestions", village),
        },
    )


def get_suggestion_for_user(request, pk: int, perm: str = "pledges.view_suggestion"):
    suggestion = get_object_or_404(Suggestion.objects.with_village(), pk=pk)
    if not request.user.has_perm(perm, suggestion):
        raise PermissionDenied
    return suggestion


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_detail(request, pk: int):
    """Read a suggestion (private fields included) and answer it."""
    suggestion = get_suggestion_for_user(request, pk)
    can_answer = request.user.has_perm("pledges.answer_suggestion", suggestion)
    if request.method == "POST" and not can_answer:
        raise PermissionDenied
    form = SuggestionAnswerForm(*_bound(request), suggestion=suggestion)
    if form.is_valid():
        _answer_suggestion(suggestion, request.user, form.cleaned_data)
        messages.success(request, _("Saved. The resident sees the reply with the receipt code."))
        return redirect(suggestion)
    return render(
        request,
        "pledges/suggestion_detail.html",
        {
            "suggestion": suggestion,
            "form": form,
            "hide_form": HideForm(),
            "can_answer": can_answer,
            "projects": suggestion.projects.select_related("pledge_list"),
            "history": suggestion.history.select_related("history_user")[:20],
        },
        status=400 if request.method == "POST" else 200,
    )


@transaction.atomic
def _answer_suggestion(suggestion: Suggestion, user, data: dict) -> None:
    """Answer as the committee chose; the first public reply tells the suggestion's
    followers (once: later edits send nothing more)."""
    action, reply = data["action"], data["reply"]
    if action == "consider":
        suggestion.consider(by=user)
    elif action == "adopt":
        services.suggestion_adopt(
            suggestion=suggestion, by=user, projects=data["projects"], reply=reply
        )
    elif action == "not_adopted":
        suggestion.answer_not_adopted(by=user, reply=reply)
    elif action == "pass_up":
        services.suggestion_pass_up(suggestion=suggestion, by=user, reply=reply)
    else:
        if reply.strip() and reply.strip() != suggestion.reply:
            suggestion._answer(suggestion.status, by=user, reply=reply)
        suggestion.close(by=user)
    if suggestion.reply:
        resident_services.suggestion_answered(suggestion)


@login_required
@require_POST
def suggestion_hide(request, pk: int):
    suggestion = get_suggestion_for_user(request, pk, perm="pledges.answer_suggestion")
    form = HideForm(request.POST)
    if form.is_valid():
        suggestion.hide(by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The text is hidden from the public; it stays on record."))
    else:
        messages.error(request, _("Say why the text is hidden."))
    return redirect(suggestion)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, code: str):
    """Record a meeting and type in the suggestions collected there, one per line."""
    village = get_village_for_user(request, code, perm="pledges.record_suggestions")
    form = MeetingForm(*_bound(request))
    if form.is_valid():
        data = dict(form.cleaned_data)
        texts, category = data.pop("suggestions"), data.pop("category")
        meeting = services.meeting_record(
            village=village, by=request.user, texts=texts, category=category, **data
        )
        messages.success(
            request,
            _("Meeting recorded with %(count)s suggestions.")
            % {"count": meeting.suggestions.count()},
        )
        return redirect("pledges:suggestion_inbox", code=village.code)
    return render(
        request,
        "pledges/meeting_form.html",
        {"village": village, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_new(request, code: str):
    """One suggestion received by visit, phone or a representative."""
    village = get_village_for_user(request, code, perm="pledges.record_suggestions")
    form = SuggestionEntryForm(*_bound(request))
    if form.is_valid():
        suggestion = form.save(commit=False)
        suggestion.village = village
        suggestion.year = suggestion.received.year
        suggestion._history_user = request.user
        suggestion.save()
        messages.success(
            request, _("Recorded. Receipt code %(code)s.") % {"code": suggestion.receipt_code}
        )
        return redirect("pledges:suggestion_inbox", code=village.code)
    return render(
        request,
        "pledges/meeting_form.html",
        {"village": village, "form": form, "single": True},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def township_suggestions(request, code: str):
    """Every village's backlog in the township, and the township's figures for the year."""
    township = get_township_for_user(request, code, perm="pledges.view_suggestion_backlog")
    year = _year(request)
    backlog = Suggestion.objects.backlog_by_village(township)
    villages = list(township.villages.all())
    for village in villages:
        village.backlog = backlog.get(village.pk, {})
    villages.sort(
        key=lambda v: (
            -v.backlog.get("overdue_count", 0),
            -v.backlog.get("unanswered_count", 0),
            v.code,
        )
    )
    figures = Suggestion.objects.figures(year=year, villages=township.villages.all())
    return render(
        request,
        "pledges/township_suggestions.html",
        {
            "township": township,
            "year": year,
            "villages": villages,
            "figures": figures,
        },
    )


# --- Public board ----------------------------------------------------------------------------


def _board_response(request, *, kind: str, code: str, year: int, template: str, context):
    """Serve a board page from its data stamp: 304 when the browser has it, else the cached
    page, else build it. Warm, the stamp and the page come in one round trip to the cache and
    the database is not asked. The stamp changes with every write to what the page shows, so
    a cached page is never stale. Visitors who are not logged in (nearly all) get the whole
    page from the cache: it holds nothing per visitor (no form, no CSRF token). Logged-in
    users get the cached content inside a freshly rendered frame with their own header."""
    page_key = f"board-page:{kind}:{code}:{year}:{get_language()}"
    stamp, cached = open_data.stamp_and_cached(kind, code, year, page_key)
    if stamp is None:
        raise Http404
    key = f"{kind}:{code}:{year}:{get_language()}:{stamp}"
    etag = '"' + hashlib.sha1(key.encode()).hexdigest()[:20] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    elif request.user.is_authenticated:
        title, content = _board_content(etag, template, context)
        response = render(request, "pledges/board/page.html", {"content": content, "title": title})
    else:
        # (etag, page): the page of the current stamp, or an older one to replace
        if cached is not None and cached[0] == etag:
            page = cached[1]
        else:
            title, content = _board_content(etag, template, context)
            page = render_to_string(
                "pledges/board/page.html", {"content": content, "title": title}, request=request
            )
            cache.set(page_key, (etag, page), timeout=BOARD_CACHE_SECONDS)
        response = HttpResponse(page)
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)  # always revalidate: a 304 is cheap
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def _board_content(etag: str, template: str, context) -> tuple[str, str]:
    """The page's own part (title, HTML), from the cache or built now."""
    cached = cache.get(f"board:{etag}")
    if cached is None:
        data = context()
        cached = (data["title"], render_to_string(template, data))
        cache.set(f"board:{etag}", cached, timeout=BOARD_CACHE_SECONDS)
    return cached


BOARD_CACHE_SECONDS = 24 * 3600


@require_GET
def board(request):
    """The entry: straight to the district when there is only one."""
    districts = list(District.objects.all()[:2])
    if len(districts) == 1:
        return redirect("pledges:board_place", code=districts[0].code)
    return render(
        request,
        "pledges/board/index.html",
        {"districts": District.objects.all(), "form": BoardSearchForm()},
    )


@require_GET
def board_search(request):
    form = BoardSearchForm(request.GET)
    villages = []
    if form.is_valid():
        villages = Village.objects.search(form.cleaned_data["q"]).with_tree()[:50]
    return render(request, "pledges/board/search.html", {"form": form, "villages": villages})


@require_GET
def board_place(request, code: str):
    """/board/<code>/: a district (6 digits), township (9) or village (12, this year)."""
    if len(code) == 12:
        return board_village(request, code, timezone.localdate().year)
    if len(code) == 9:
        return _board_township(request, code)
    if len(code) == 6:
        return _board_district(request, code)
    raise Http404


def _board_district(request, code: str):
    year = _year(request)

    def context():
        district = get_object_or_404(District, code=code)
        return {
            "title": f"{district.name} {year}",
            "district": district,
            "year": year,
            "townships": PledgeList.objects.township_summary(
                district=district, year=year, published_only=True
            ),
            "outcomes": Project.objects.filter(
                pledge_list__year=year, pledge_list__village__township__district=district
            ).outcome_rows(),
            "figures": Suggestion.objects.figures(
                year=year, villages=Village.objects.filter(township__district=district)
            ),
        }

    return _board_response(
        request,
        kind="district",
        code=code,
        year=year,
        context=context,
        template="pledges/board/district.html",
    )


def _board_township(request, code: str):
    year = _year(request)

    def context():
        township = get_object_or_404(Township.objects.select_related("district"), code=code)
        lists, _suggestions = open_data.township_querysets(township, year)
        by_village = {pl.village_id: pl for pl in lists.with_project_counts()}
        return {
            "title": f"{township.name} {year}",
            "township": township,
            "year": year,
            "rows": [(v, by_village.get(v.pk)) for v in township.villages.all()],
            "totals": PledgeList.totals(list(by_village.values())),
            "outcomes": Project.objects.filter(
                pledge_list__year=year, pledge_list__village__township=township
            ).outcome_rows(),
            "figures": Suggestion.objects.figures(year=year, villages=township.villages.all()),
        }

    return _board_response(
        request,
        kind="township",
        code=code,
        year=year,
        context=context,
        template="pledges/board/township.html",
    )


@require_GET
def board_village(request, code: str, year: int):
    """A village's published list for a year: projects, prohibitions, adopted suggestions."""

    def context():
        village = get_object_or_404(Village.objects.with_tree(), code=code)
        lists, suggestions = open_data.village_querysets(village, year)
        pledge_list = lists.first()
        return {
            "title": f"{village.name} {year}",
            "village": village,
            "year": year,
            "pledge_list": pledge_list,
            "projects": pledge_list.projects.with_photos() if pledge_list else [],
            "prohibitions": pledge_list.prohibitions.all() if pledge_list else [],
            "suggestions": suggestions.visible_to_public()
            .filter(
                status__in=[
                    Suggestion.Status.ADOPTED,
                    Suggestion.Status.NOT_ADOPTED,
                    Suggestion.Status.CLOSED,
                ]
            )
            .exclude(reply="")
            .order_by("-replied_at")
            .prefetch_related("projects")[:30],
            # residents' challenges and reports as the township decided them
            "challenges": Challenge.objects.filter(project__pledge_list=pledge_list)
            .exclude(status=Challenge.Status.OPEN)
            .select_related("project")
            .order_by("-decided_at")
            if pledge_list
            else [],
            # the year-end review's published results (reviews app)
            "review_results": review_results.for_pledge_list(pledge_list),
            "violations": ViolationReport.objects.confirmed()
            .filter(prohibition__pledge_list=pledge_list)
            .select_related("prohibition")
            .order_by("prohibition__number", "decided_at")
            if pledge_list
            else [],
        }

    return _board_response(
        request,
        kind="village",
        code=code,
        year=year,
        context=context,
        template="pledges/board/village.html",
    )


@require_GET
def board_poster(request, code: str, year: int):
    """An A4 public notice (公示) of the published list, with a QR code to the online board."""
    village = get_object_or_404(Village.objects.with_tree(), code=code)
    pledge_list = get_object_or_404(PledgeList.objects.published(), village=village, year=year)
    board_url = request.build_absolute_uri(
        reverse("pledges:board_village", args=[village.code, year])
    )
    qr = qrcode.make(board_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return render(
        request,
        "pledges/board/poster.html",
        {
            "village": village,
            "pledge_list": pledge_list,
            "board_url": board_url,
            "projects": pledge_list.projects.exclude(status=Project.Status.CANCELLED),
            "prohibitions": pledge_list.prohibitions.all(),
            # Generated by the qrcode library from our own URL: safe to inline.
            "qr_svg": mark_safe(qr.to_string(encoding="unicode")),
        },
    )


# --- Open data (read-only JSON and downloads) ---
# The board's data as JSON under /api/v1/ (described in static/api/openapi.json) and the
# district and township tables as CSV and xlsx. Builders and serialisers: pledges/open_data.py.


OPEN_JSON = {"ensure_ascii": False}


def _api_json(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params=OPEN_JSON)
    response["Access-Control-Allow-Origin"] = "*"  # public, read-only, no cookies needed
    return response


def _api_error(status: int, message: str) -> JsonResponse:
    return _api_json({"error": message, "status": status}, status=status)


def _api_year(request) -> int | None:
    """?year= (default: this year); None when it is not a year a list can have."""
    text = request.GET.get("year", "")
    if not text:
        return timezone.localdate().year
    if not (text.isascii() and text.isdigit()):  # "²" is a digit to isdigit(), not to int()
        return None
    year = int(text)
    return year if open_data.YEAR_MIN <= year <= open_data.YEAR_MAX else None


def _api_response(request, *, key: str, stamp: str, build):
    """As `_board_response`, for JSON: the ETag comes from the board's data stamp (and the
    language, which the labels are in), 304 when the client has it, else the cached data,
    else `build()`."""
    language = get_language()
    etag = '"' + hashlib.sha1(f"api:{key}|{stamp}|{language}".encode()).hexdigest()[:20] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
        response["Access-Control-Allow-Origin"] = "*"
    else:
        cache_key = f"api:{key}:{language}:{etag}"
        data = cache.get(cache_key)
        if data is None:
            data = build()
            cache.set(cache_key, data, timeout=BOARD_CACHE_SECONDS)
        response = _api_json(data)
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)
    return response


@require_GET
def api_districts(request):
    """/api/v1/districts/: every district, with the address of its table."""
    data = open_data.district_index(District.objects.all())
    stamp = hashlib.sha1(repr(data).encode()).hexdigest()
    return _api_response(request, key="districts", stamp=stamp, build=lambda: data)


@require_GET
def api_district(request, code: str):
    """/api/v1/districts/<code>/?year=: the district table, outcomes and suggestion figures."""
    district = District.objects.filter(code=code).first()
    if district is None:
        return _api_error(404, "No district with this code.")
    year = _api_year(request)
    if year is None:
        return _api_error(400, "year must be a year from 2000 to 2100.")
    return _api_response(
        request,
        key=f"d:{code}:{year}",
        stamp=open_data.district_stamp(district, year),
        build=lambda: open_data.district_data(district, year),
    )


@require_GET
def api_township(request, code: str):
    """/api/v1/townships/<code>/?year=: per village, outcomes and suggestion figures."""
    township = Township.objects.select_related("district").filter(code=code).first()
    if township is None:
        return _api_error(404, "No township with this code.")
    year = _api_year(request)
    if year is None:
        return _api_error(400, "year must be a year from 2000 to 2100.")
    return _api_response(
        request,
        key=f"t:{code}:{year}",
        stamp=open_data.township_stamp(township, year),
        build=lambda: open_data.township_data(township, year),
    )


@require_GET
def api_village(request, code: str, year: int):
    """/api/v1/villages/<code>/<year>/: the published list; 404 while it is not published."""
    village = Village.objects.with_tree().filter(code=code).first()
    if village is None:
        return _api_error(404, "No village with this code.")
    pledge_list = None
    if open_data.YEAR_MIN <= year <= open_data.YEAR_MAX:
        pledge_list = open_data.village_querysets(village, year)[0].first()
    if pledge_list is None:
        return _api_error(404, "The list for this year is not published.")
    return _api_response(
        request,
        key=f"v:{code}:{year}",
        stamp=open_data.village_stamp(village, year),
        build=lambda: open_data.village_data(village, year, pledge_list),
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def board_export(request, code: str, fmt: str):
    """/board/<code>/export.csv|.xlsx?year=: the district (6 digits) or township (9 digits)
    table of the board, published lists only."""
    year = _year(request)
    if not open_data.YEAR_MIN <= year <= open_data.YEAR_MAX:
        raise Http404
    if len(code) == 6:
        place = get_object_or_404(District, code=code)
        columns, rows = open_data.district_table(place, year)
    elif len(code) == 9:
        place = get_object_or_404(Township, code=code)
        columns, rows = open_data.township_table(place, year)
    else:
        raise Http404
    if fmt == "xlsx":
        content = open_data.xlsx_bytes(f"{place.name} {year}", columns, rows)
        response = HttpResponse(content, content_type=XLSX_TYPE)
    else:
        content = open_data.csv_bytes(columns, rows)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pledges-{code}-{year}.{fmt}"'
    return response
