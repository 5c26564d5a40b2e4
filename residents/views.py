from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from lib.forms import status_for
from pledges.models import PledgeList, Prohibition, Project
from villages.access import get_for_user, get_township_for_user
from villages.models import Village

from . import services
from .forms import DecisionForm, FollowForm, ResidentPostForm
from .models import Challenge, Follow, ViolationReport


def _rate(group, request) -> str:
    return settings.RESIDENT_POST_RATE


def _published(code: str, year: int) -> PledgeList:
    return get_object_or_404(
        PledgeList.objects.published().with_tree(), village__code=code, year=year
    )


# --- Public, no account ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_rate, method="POST", block=True)
def follow_village(request, code: str):
    village = get_object_or_404(Village.objects.with_tree(), code=code)
    form = FollowForm(request.POST or None)
    if form.is_valid():
        if not form.is_robot:
            channel, address = form.cleaned_data["contact"]
            services.follow(channel=channel, address=address, village=village)
        return render(request, "residents/followed.html", {"village": village})
    return render(
        request,
        "residents/follow.html",
        {"village": village, "form": form},
        status=status_for(request),
    )


@require_http_methods(["GET", "POST"])
def unfollow(request, token: str):
    """One click from the message stops it; the page offers to undo a click by mistake."""
    follow = get_object_or_404(Follow.objects.select_related("village", "suggestion"), token=token)
    if request.method == "POST":
        resumed = services.follow_again(follow)
        return render(request, "residents/unfollowed.html", {"follow": follow, "resumed": resumed})
    services.stop_following(follow)
    return render(request, "residents/unfollowed.html", {"follow": follow, "resumed": False})


def _resident_post(request, *, template: str, target: dict, submit, context: dict):
    form = ResidentPostForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        if not form.is_robot:
            submit(
                text=form.cleaned_data["text"],
                contact=form.contact_text,
                photo=form.cleaned_data["photo"],
                **target,
            )
        return render(request, "residents/posted.html", context)
    return render(
        request,
        template,
        {**context, "form": form},
        status=status_for(request),
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_rate, method="POST", block=True)
def challenge_new(request, code: str, year: int, number: int):
    """ "It is not really done": only a project struck off as done can be challenged."""
    pledge_list = _published(code, year)
    project = get_object_or_404(
        Project.objects.filter(status=Project.Status.VERIFIED),
        pledge_list=pledge_list,
        number=number,
    )
    return _resident_post(
        request,
        template="residents/challenge_form.html",
        target={"project": project},
        submit=services.challenge_submit,
        context={"pledge_list": pledge_list, "village": pledge_list.village, "project": project},
    )


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_rate, method="POST", block=True)
def report_new(request, code: str, year: int, number: int):
    pledge_list = _published(code, year)
    prohibition = get_object_or_404(Prohibition, pledge_list=pledge_list, number=number)
    return _resident_post(
        request,
        template="residents/report_form.html",
        target={"prohibition": prohibition},
        submit=services.report_submit,
        context={
            "pledge_list": pledge_list,
            "village": pledge_list.village,
            "prohibition": prohibition,
        },
    )


@require_GET
def statuses(request):
    """Every status a resident meets on the board, in plain words."""
    return render(request, "residents/statuses.html")


# --- The township -----------------------------------------------------------------------------


@login_required
@require_GET
def township_inbox(request, code: str):
    """Open challenges and reports of the township's villages, oldest first, then the
    latest decisions. Five queries."""
    township = get_township_for_user(request, code, perm="residents.view_report")
    challenges = Challenge.objects.in_township(township).with_tree()
    reports = ViolationReport.objects.in_township(township).with_tree()
    return render(
        request,
        "residents/township_inbox.html",
        {
            "township": township,
            "open_challenges": challenges.open(),
            "open_reports": reports.open(),
            "decided_challenges": challenges.exclude(status=Challenge.Status.OPEN).order_by(
                "-decided_at"
            )[:20],
            "decided_reports": reports.exclude(status=ViolationReport.Status.OPEN).order_by(
                "-decided_at"
            )[:20],
        },
    )


def _decide(request, post, *, perm: str, choices, decide, template: str):
    can_decide = request.user.has_perm(perm, post)
    if request.method == "POST" and not can_decide:
        raise PermissionDenied
    form = DecisionForm(request.POST or None, choices=choices)
    if can_decide and post.is_open and form.is_valid():
        if decide(form.cleaned_data["decision"], form.cleaned_data["answer"]):
            messages.success(request, _("Decided. The answer shows on the public board."))
        else:
            messages.error(request, _("Someone else decided it first."))
        return redirect(post.get_absolute_url())
    return render(
        request,
        template,
        {
            "post": post,
            "form": form,
            "can_decide": can_decide and post.is_open,
            "can_see_contact": request.user.has_perm("residents.see_contact", post),
        },
        status=status_for(request),
    )


@login_required
@require_http_methods(["GET", "POST"])
def challenge_detail(request, pk: int):
    challenge = get_for_user(
        request, Challenge.objects.with_tree(), "residents.view_challenge", pk=pk
    )

    def decide(decision: str, answer: str) -> bool:
        if decision == "uphold":
            return services.challenge_uphold(challenge=challenge, by=request.user, answer=answer)
        return challenge.dismiss(by=request.user, answer=answer)

    return _decide(
        request,
        challenge,
        perm="residents.decide_challenge",
        choices=[
            ("uphold", _("Upheld: not done, back to in progress")),
            ("dismiss", _("Dismissed: it is done")),
        ],
        decide=decide,
        template="residents/challenge_detail.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, pk: int):
    report = get_for_user(
        request, ViolationReport.objects.with_tree(), "residents.view_report", pk=pk
    )

    def decide(decision: str, answer: str) -> bool:
        if decision == "confirm":
            return report.confirm(by=request.user, answer=answer)
        return report.dismiss(by=request.user, answer=answer)

    return _decide(
        request,
        report,
        perm="residents.decide_report",
        choices=[
            ("confirm", _("Confirmed: the prohibition was broken")),
            ("dismiss", _("Dismissed: not broken")),
        ],
        decide=decide,
        template="residents/report_detail.html",
    )
