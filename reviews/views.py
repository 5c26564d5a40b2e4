"""Year-end review pages: the township's working pages, the reviewer's ballot (by the token on
the slip, no account), what a reviewer with an account sees (how and when to vote), and the
public results (report, ranking). Acts that cannot be undone are confirmed first.

Anonymity: no view here reads a single ballot except the slip's own, found by its token.
Results, exports and the admin show counts only (reviews/results.py).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from lib.forms import bound, confirmed, status_for
from lib.qr import qr_svg
from lib.spreadsheets import table_download
from lib.year_nav import year_nav
from lib.years import year_param
from pledges.access import get_pledge_list_for_user
from pledges.models import PledgeList
from villages.access import get_township_for_user, get_village_for_user
from villages.models import District, Township, Village

from . import results, services
from .access import get_invitation_for_user, get_review_for_user
from .forms import BallotForm, InvitationsForm, PublishForm, ReviewWindowForm
from .models import AnnualReview

BALLOT_RATE = "120/h"  # per address: a meeting behind one village router still fits


def _year_under_review() -> int:
    """The last year, or this one in December: reviews are held at the turn of the year."""
    today = timezone.localdate()
    return today.year if today.month == 12 else today.year - 1


def review_year(request) -> int:
    """?year=, else the year under review."""
    return year_param(request, default=_year_under_review())


def _private(response: HttpResponse) -> HttpResponse:
    """Pages that carry a token: never stored by a browser or proxy, never sent to another
    site as a Referer (not "no-referrer": the browser would then send "Origin: null" with
    the form, which the CSRF check refuses), never indexed."""
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- The township's pages --------------------------------------------------------------------


@login_required
@require_GET
def township_reviews(request, code: str):
    """Every village of the township with its published list of the year and its review."""
    township = get_township_for_user(request, code)
    year = review_year(request)
    rows = AnnualReview.objects.township_rows(township, year)
    years = PledgeList.objects.in_township(township).published().years()
    return render(
        request,
        "reviews/township_reviews.html",
        {
            "township": township,
            "year": year,
            "year_links": year_nav([(y, "") for y in years], year),
            "rows": rows,
            "can_manage": request.user.has_perm("reviews.manage_review", township),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request, pk: int):
    pledge_list = get_pledge_list_for_user(request, pk, perm="reviews.add_review")
    existing = AnnualReview.objects.filter(pledge_list=pledge_list).first()
    if existing is not None:
        return redirect(existing)
    form = ReviewWindowForm(*bound(request), initial=AnnualReview.default_window())
    if form.is_valid():
        try:
            review = services.review_create(
                pledge_list=pledge_list, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Review prepared. Now invite the reviewers."))
            return redirect("reviews:invitations", pk=review.pk)
    context = {"pledge_list": pledge_list, "form": form, "title": _("Open a year-end review")}
    return render(request, "reviews/review_form.html", context, status=status_for(request))


@login_required
@require_GET
def review_detail(request, pk: int):
    review = get_review_for_user(
        request, pk, queryset=AnnualReview.objects.with_tree().with_turnout()
    )
    user = request.user
    return render(
        request,
        "reviews/review_detail.html",
        {
            "review": review,
            "pledge_list": review.pledge_list,
            "can_manage": user.has_perm("reviews.manage_review", review),
            "can_see_invitations": user.has_perm("reviews.view_invitations", review),
            # Marked as voting on paper, ballot not typed in yet.
            "paper_expected": (review.voted_count or 0) - (review.ballot_total or 0),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request, pk: int):
    """Change the voting window while the review is being prepared or is open."""
    review = get_review_for_user(request, pk, perm="reviews.manage_review")
    if not review.may_invite:
        messages.info(request, _("Voting has closed; the window can no longer change."))
        return redirect(review)
    form = ReviewWindowForm(*bound(request), instance=review)
    if form.is_valid():
        services.review_window_change(review=form.save(commit=False), by=request.user)
        messages.success(request, _("Voting window saved."))
        return redirect(review)
    context = {"pledge_list": review.pledge_list, "form": form, "title": _("Voting window")}
    return render(request, "reviews/review_form.html", context, status=status_for(request))


@login_required
@require_POST
def review_open(request, pk: int):
    review = get_review_for_user(request, pk, perm="reviews.manage_review")
    if review.is_window_over:
        messages.error(request, _("The voting window is over: set a new closing time first."))
    elif services.review_open(review=review, by=request.user):
        messages.success(request, _("Voting is open: the slips' links work until it closes."))
    return redirect(review)


@login_required
@require_POST
def review_close(request, pk: int):
    """Closing ends voting for good: first the turnout and what remains of the window."""
    queryset = AnnualReview.objects.with_tree().with_turnout()
    review = get_review_for_user(request, pk, perm="reviews.manage_review", queryset=queryset)
    if review.status != AnnualReview.Status.OPEN:
        messages.info(request, _("Voting is not open: there is nothing to close."))
        return redirect(review)
    if not confirmed(request):
        return render(request, "reviews/confirm_close.html", {"review": review})
    if services.review_close(review=review, by=request.user):
        messages.success(request, _("Voting closed. The ballots are frozen."))
    return redirect(review)


@login_required
@require_http_methods(["GET", "POST"])
def review_publish(request, pk: int):
    review = get_review_for_user(request, pk, perm="reviews.manage_review")
    if review.status != AnnualReview.Status.CLOSED:
        messages.info(request, _("Only a closed review can be published."))
        return redirect(review)
    form = PublishForm(*bound(request))
    if form.is_valid() and "edit" not in request.POST:
        if confirmed(request):
            if services.review_publish(review=review, by=request.user, **form.cleaned_data):
                messages.success(request, _("Published: the results are now on the public board."))
            return redirect(review)
        template = "reviews/confirm_publish.html"  # what the public will see, then yes or no
    else:
        template = "reviews/publish.html"
    context = {"review": review, "form": form, "results": results.compute(review)}
    return render(request, template, context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request, pk: int):
    """Who is invited and whether each has voted (never how); add reviewers, print slips."""
    review = get_review_for_user(request, pk, perm="reviews.view_invitations")
    can_manage = request.user.has_perm("reviews.manage_review", review)
    if request.method == "POST" and not (can_manage and review.may_invite):
        raise PermissionDenied
    form = InvitationsForm(*bound(request))
    if form.is_valid():
        added = services.invitations_add(review=review, by=request.user, **form.cleaned_data)
        messages.success(request, _("%(count)s reviewers invited.") % {"count": len(added)})
        return redirect("reviews:invitations", pk=pk)
    people = list(review.invitations.all())
    context = {"review": review, "form": form, "invitations": people, "can_manage": can_manage}
    context["voted"] = sum(person.has_voted for person in people)
    context["without_slip"] = sum(not p.has_slip and not p.has_voted for p in people)
    return render(request, "reviews/invitations.html", context, status=status_for(request))


def _chosen_for_slips(request, review: AnnualReview) -> list:
    """Who gets a slip: those without one ("missing"), or the ticked ones; never whoever has
    voted."""
    chosen = review.invitations.filter(has_voted=False)
    if request.POST.get("missing"):
        return list(chosen.filter(token_hash__isnull=True))
    ids = [value for value in request.POST.getlist("invitation") if value.isdigit()]
    return list(chosen.filter(pk__in=ids))


@login_required
@require_POST
def slips(request, pk: int):
    """Issue tokens and show the printable slips, once: the tokens are not stored, so this
    page cannot be shown again. Reprinting issues new tokens and the old slips stop working,
    so a reprint is confirmed first, with the names."""
    review = get_review_for_user(request, pk, perm="reviews.manage_review")
    chosen = _chosen_for_slips(request, review)
    reprints = [invitation for invitation in chosen if invitation.has_slip]
    if reprints and review.may_invite and not confirmed(request):
        context = {"review": review, "chosen": chosen, "reprints": reprints}
        return render(request, "reviews/confirm_reprint.html", context)
    try:
        issued = services.slips_issue(review=review, invitations=chosen)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(review)
    if not issued:
        messages.info(request, _("No slips to print: choose reviewers who have not voted."))
        return redirect("reviews:invitations", pk=pk)
    slips = []
    for invitation, token in issued:
        url = request.build_absolute_uri(invitation.ballot_url(token))
        slips.append({"invitation": invitation, "url": url, "qr_svg": qr_svg(url)})
    response = render(request, "reviews/slips.html", {"review": review, "slips": slips})
    return _private(response)


@login_required
@require_POST
def invitation_paper(request, pk: int):
    """Marking a paper ballot ends the person's online vote for good: asked first."""
    invitation = get_invitation_for_user(request, pk)
    asks = invitation.review.accepts_paper and not invitation.has_voted
    if asks and not confirmed(request):
        return render(request, "reviews/confirm_paper.html", {"invitation": invitation})
    if services.invitation_mark_paper(invitation=invitation):
        messages.success(
            request,
            _("%(name)s handed in a paper ballot; now type it in with the others.")
            % {"name": invitation.name},
        )
    return redirect("reviews:invitations", pk=invitation.review_id)


@login_required
@require_POST
def invitation_remove(request, pk: int):
    invitation = get_invitation_for_user(request, pk)
    if services.invitation_remove(invitation=invitation, by=request.user):
        messages.success(request, _("%(name)s removed.") % {"name": invitation.name})
    else:
        messages.error(request, _("Someone who has voted cannot be removed."))
    return redirect("reviews:invitations", pk=invitation.review_id)


@login_required
@require_http_methods(["GET", "POST"])
def paper_ballot(request, pk: int):
    """Type in a paper ballot collected at a meeting; one after the other."""
    review = get_review_for_user(request, pk, perm="reviews.manage_review")
    if not review.accepts_paper:
        messages.info(request, _("Paper ballots are entered while the review is open or closed."))
        return redirect(review)
    form = _ballot_form(request, review, paper=True)
    if form.is_valid():
        try:
            services.paper_ballot_enter(review=review, data=form.ballot_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Paper ballot saved. Enter the next one."))
            return redirect("reviews:paper_ballot", pk=pk)
    context = {"review": review, "form": form, "expected": services.paper_ballots_expected(review)}
    return render(request, "reviews/paper_ballot.html", context, status=status_for(request))


def _ballot_form(request, review: AnnualReview, *, paper: bool, ballot=None) -> BallotForm:
    pledge_list = review.pledge_list
    return BallotForm(
        *bound(request),
        projects=pledge_list.projects.exclude(status="cancelled").order_by("number"),
        prohibitions=pledge_list.prohibitions.order_by("number"),
        paper=paper,
        ballot=ballot,
    )


@login_required
@require_GET
def review_results(request, pk: int):
    review = get_review_for_user(request, pk)
    if not review.has_results:
        messages.info(request, _("Results are shown once voting has closed."))
        return redirect(review)
    return render(
        request,
        "reviews/results.html",
        {"review": review, "results": results.compute(review, with_comments=True)},
    )


@login_required
@require_GET
def review_results_export(request, pk: int):
    """Counts per item only: a row per project and prohibition, never a row per ballot."""
    review = get_review_for_user(request, pk)
    if not review.has_results:
        raise Http404
    rows = results.compute(review).export_rows()
    village, year = review.pledge_list.village, review.pledge_list.year
    title, filename = f"{village.name} {year} 年度评议", f"review-{village.code}-{year}.xlsx"
    return table_download(title, results.RESULT_COLUMNS, rows, filename)


# --- The reviewer's pages: how to vote, and the ballot (no account: the token on the slip) ---


@login_required
@require_GET
def village_reviews(request, code: str):
    """A village's reviews for its reviewers (and whoever oversees it): the ones to vote in,
    with how and when, then the published results of earlier years."""
    village = get_village_for_user(request, code)
    reviews = list(AnnualReview.objects.of_village(village))
    context = {
        "village": village,
        "ahead": [r for r in reviews if r.may_invite and not r.is_window_over],
        "published": [r for r in reviews if r.status == AnnualReview.Status.PUBLISHED],
    }
    return render(request, "reviews/village_reviews.html", context)


@login_required
@require_GET
def voting_guide(request, pk: int):
    """How and when to vote, for a reviewer with an account. The account leads to no ballot:
    invitations are not linked to accounts and their tokens are not stored, so the page
    says where the personal link is (the text message, the slip's QR code) and how to vote
    on paper at the meeting instead."""
    review = get_review_for_user(request, pk, perm="reviews.see_voting_guide")
    return render(request, "reviews/voting_guide.html", {"review": review})


def _ballot_closed(request, review: AnnualReview, **extra) -> HttpResponse:
    context = {"review": review, **extra}
    return _private(render(request, "reviews/ballot_closed.html", context, status=403))


def _thank_reviewer(request, review: AnnualReview) -> None:
    closes = timezone.localtime(review.closes_at).strftime("%Y-%m-%d %H:%M")
    text = _("Thank you, your ballot is saved. You can change it until %(closes)s.")
    messages.success(request, text % {"closes": closes})


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=BALLOT_RATE, method="POST", block=True)
def ballot(request, review: int, token: str):
    """The reviewer's own ballot, reached by the token on the slip; it may be changed until
    voting closes. A slip whose holder voted on paper finds nothing to change."""
    invitation = services.find_invitation(review, token)
    if invitation is None:
        raise Http404
    review = invitation.review
    if not review.is_voting_open:
        return _ballot_closed(request, review)
    existing = services.ballot_for(invitation, token)
    if existing is None and invitation.has_voted:
        return _ballot_closed(request, review, on_paper=True)
    form = _ballot_form(request, review, paper=False, ballot=existing)
    if form.is_valid():
        try:
            services.ballot_cast(invitation=invitation, token=token, data=form.ballot_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _thank_reviewer(request, review)
            return _private(redirect(request.path))
    context = {"review": review, "form": form, "invitation": invitation, "has_voted": existing}
    return _private(render(request, "reviews/ballot.html", context, status=status_for(request)))


# --- Public: the report and the ranking (亮晒评) -----------------------------------------------


def _published_review(code: str, year: int) -> AnnualReview:
    review = (
        AnnualReview.objects.published()
        .with_tree()
        .filter(pledge_list__village__code=code, pledge_list__year=year)
        .first()
    )
    if review is None:
        raise Http404
    return review


@require_GET
def report(request, code: str, year: int):
    """The printable year-end report (A4) of a village: results as published."""
    review = _published_review(code, year)
    village = review.pledge_list.village
    board_url = request.build_absolute_uri(
        reverse("board:board_village", args=[village.code, year])
    )
    return render(
        request,
        "reviews/report.html",
        {
            "review": review,
            "village": village,
            "results": results.compute(review),
            "decision": review.pledge_list.decision_record(),
            "board_url": board_url,
            "qr_svg": qr_svg(board_url),
        },
    )


def _place(code: str):
    """A township (9 digits) or district (6) and its villages."""
    if len(code) == 9:
        place = get_object_or_404(Township.objects.select_related("district"), code=code)
        return place, Village.objects.filter(township=place)
    if len(code) == 6:
        place = get_object_or_404(District, code=code)
        return place, Village.objects.filter(township__district=place)
    raise Http404


def _ranking_year(request, villages) -> tuple[int, list[int]]:
    """?year=, else the latest year with published results (the year under review when there
    is none yet); and the years with results, for the switcher."""
    years = AnnualReview.objects.published_years(villages)
    return year_param(request, default=years[0] if years else _year_under_review()), years


@require_GET
def ranking(request, code: str):
    """Villages of a township or district ranked by their published results (亮晒评)."""
    place, villages = _place(code)
    year, years = _ranking_year(request, villages)
    rows = results.ranking(villages, year)
    return render(
        request,
        "reviews/ranking.html",
        {
            "place": place,
            "is_district": isinstance(place, District),
            "year": year,
            "years": years,
            "rows": rows,
            "reviewed": sum(row.review is not None for row in rows),
        },
    )


@require_GET
def ranking_export(request, code: str):
    place, villages = _place(code)
    year, _years = _ranking_year(request, villages)
    rows = [row.export_row() for row in results.ranking(villages, year)]
    title, filename = f"{place.name} {year} 年度评议", f"review-ranking-{code}-{year}.xlsx"
    return table_download(title, results.RANKING_COLUMNS, rows, filename)
