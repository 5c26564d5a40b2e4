from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from audit import ratelimits
from lib.forms import status_for
from lib.years import year_or_404
from ops.media import file_response
from pledges.models import PledgeList, Prohibition, Project
from villages.access import get_for_user, get_township_for_user
from villages.models import Village

from . import services
from .forms import DecisionForm, FollowForm, ResidentPostForm
from .models import Challenge, Follow, ViolationReport


def _limits(form: str) -> ratelimits.FormLimits:
    """Per address generously, per browser and per contact tightly; valid posts only."""
    return ratelimits.FormLimits(
        f"residents.{form}",
        address="RESIDENT_ADDRESS_RATE",
        browser="RESIDENT_BROWSER_RATE",
        contact="RESIDENT_CONTACT_RATE",
    )


FOLLOW_LIMITS, CHALLENGE_LIMITS, REPORT_LIMITS = (
    _limits("follow"),
    _limits("challenge"),
    _limits("report"),
)


def _published(code: str, year: int) -> PledgeList:
    return get_object_or_404(
        PledgeList.objects.published().with_tree(), village__code=code, year=year_or_404(year)
    )


# --- Public, no account ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@ratelimits.identify_browser
def follow_village(request, code: str):
    village = get_object_or_404(Village.objects.with_tree(), code=code)
    form, refused = FollowForm(request.POST or None), None
    if form.is_valid():
        channel, address = form.cleaned_data["contact"]
        refused = FOLLOW_LIMITS.refusal(request, contacts=[address])
        if refused is None:
            if not form.is_robot:
                services.follow(channel=channel, address=address, village=village)
            FOLLOW_LIMITS.count(request, contacts=[address])
            return render(request, "residents/followed.html", {"village": village})
        form.add_error(None, refused.message)
    context = {"village": village, "form": form}
    return ratelimits.form_page(request, "residents/follow.html", context, refused=refused)


@require_http_methods(["GET", "POST"])
def unfollow(request, token: str):
    """One click from the message stops it; the page offers to undo a click by mistake."""
    follow = get_object_or_404(Follow.objects.select_related("village", "suggestion"), token=token)
    if request.method == "POST":
        resumed = services.follow_again(follow)
        return render(request, "residents/unfollowed.html", {"follow": follow, "resumed": resumed})
    services.stop_following(follow)
    return render(request, "residents/unfollowed.html", {"follow": follow, "resumed": False})


def _resident_post(request, *, template: str, posted: str, target: dict, submit, context: dict):
    """A challenge or a report: stored once valid and within the limits, else shown again
    with what was typed."""
    limits = CHALLENGE_LIMITS if "project" in target else REPORT_LIMITS
    form, refused = ResidentPostForm(request.POST or None, request.FILES or None), None
    if form.is_valid():
        refused = limits.refusal(request, contacts=[form.contact_text])
        if refused is None:
            if not form.is_robot:
                contact, photo = form.contact_text, form.cleaned_data["photo"]
                submit(text=form.cleaned_data["text"], contact=contact, photo=photo, **target)
            limits.count(request, contacts=[form.contact_text])
            return render(request, posted, context)
        form.add_error(None, refused.message)
    return ratelimits.form_page(request, template, {**context, "form": form}, refused=refused)


@require_http_methods(["GET", "POST"])
@ratelimits.identify_browser
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
        posted="residents/challenge_posted.html",
        target={"project": project},
        submit=services.challenge_submit,
        context={"pledge_list": pledge_list, "village": pledge_list.village, "project": project},
    )


@require_http_methods(["GET", "POST"])
@ratelimits.identify_browser
def report_new(request, code: str, year: int, number: int):
    pledge_list = _published(code, year)
    prohibition = get_object_or_404(Prohibition, pledge_list=pledge_list, number=number)
    return _resident_post(
        request,
        template="residents/report_form.html",
        posted="residents/report_posted.html",
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
    """Open challenges (one line per project: they are ruled on together) and reports of the
    township's villages, oldest first, then the latest rulings and decisions. Five queries."""
    township = get_township_for_user(request, code, perm="residents.view_report")
    challenges = Challenge.objects.in_township(township).with_tree()
    reports = ViolationReport.objects.in_township(township).with_tree()
    return render(
        request,
        "residents/township_inbox.html",
        {
            "township": township,
            "open_challenges": challenges.open().per_project(),
            "open_reports": reports.open(),
            "decided_challenges": challenges.rulings().order_by("-decided_at")[:20],
            "decided_reports": reports.exclude(status=ViolationReport.Status.OPEN).order_by(
                "-decided_at"
            )[:20],
        },
    )


CHALLENGE_DECISIONS = [
    ("uphold", gettext_lazy("Upheld: not done, back to in progress")),
    ("dismiss", gettext_lazy("Dismissed: it is done")),
]
REPORT_DECISIONS = [
    ("confirm", gettext_lazy("Confirmed: the prohibition was broken")),
    ("dismiss", gettext_lazy("Dismissed: not broken")),
]


def _decide(request, post, *, perm: str, choices, decide, template: str, figures: dict):
    """The township's decision page. A valid post first shows what will happen, with
    `figures`; only the post that confirms it (for the same number of challenges) acts."""
    if request.method == "POST" and not request.user.has_perm(perm, post):
        raise PermissionDenied
    can_decide = post.is_open and request.user.has_perm(perm, post)
    form = DecisionForm(request.POST or None, choices=choices)
    context = {
        "post": post,
        "form": form,
        "can_decide": can_decide,
        "can_see_contact": request.user.has_perm("residents.see_contact", post),
        **figures,
    }
    if can_decide and form.is_valid() and not form.wants_change:
        if not form.is_confirmed(figures.get("challenges", 1)):
            return render(request, "residents/decision_confirm.html", context)
        if decide(form.cleaned_data["decision"], form.cleaned_data["answer"]):
            messages.success(request, _("Decided. The answer shows on the public board."))
        else:
            messages.error(request, _("Someone else decided it first."))
        return redirect(post.get_absolute_url())
    status = 200 if form.is_bound and form.wants_change else status_for(request)
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def challenge_detail(request, pk: int):
    """One ruling for every open challenge to the project (services.challenge_rule)."""
    challenge = get_for_user(
        request,
        Challenge.objects.with_tree().select_related("decided_with"),
        "residents.view_challenge",
        pk=pk,
    )

    def decide(decision: str, answer: str) -> int:
        uphold = decision == "uphold"
        return services.challenge_rule(
            challenge=challenge, uphold=uphold, by=request.user, answer=answer
        )

    return _decide(
        request,
        challenge,
        perm="residents.decide_challenge",
        choices=CHALLENGE_DECISIONS,
        decide=decide,
        template="residents/challenge_detail.html",
        figures=services.ruling_figures(challenge),
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
        choices=REPORT_DECISIONS,
        decide=decide,
        template="residents/report_detail.html",
        figures={},
    )


@login_required
@require_GET
def photo_file(request, name: str):
    """MEDIA_URL/residents/...: the photo of a challenge or a report, or its thumbnail, for
    whoever may read that challenge or report (see ops/media.py)."""
    name = f"residents/{name}"
    for model, perm in (
        (Challenge, "residents.view_challenge"),
        (ViolationReport, "residents.view_report"),
    ):
        post = model.objects.with_tree().filter(Q(image=name) | Q(thumbnail=name)).first()
        if post is not None:
            if not request.user.has_perm(perm, post):
                raise PermissionDenied
            return file_response(name)
    raise Http404
