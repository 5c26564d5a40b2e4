"""Writes of the year-end review that touch several rows. Each runs in one transaction.

Voting locks the review row (and the invitation row), so closing a review waits for a ballot
being written and no ballot slips in after the close; the same slip voting twice at once
writes one ballot.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pledges.models import PledgeList
from residents import services as resident_services

from . import results
from .models import (
    AnnualReview,
    Ballot,
    Invitation,
    ProhibitionRating,
    ProjectRating,
    new_token,
    token_hash,
    voter_key,
)


@transaction.atomic
def review_create(*, pledge_list: PledgeList, by, opens_at, closes_at) -> AnnualReview:
    """A draft review of a published list; the one-to-one key refuses a second review."""
    if not pledge_list.is_public:
        raise ValidationError(_("Only a published list can be reviewed."))
    if AnnualReview.objects.filter(pledge_list=pledge_list).exists():
        raise ValidationError(_("This list already has a year-end review."))
    review = AnnualReview(
        pledge_list=pledge_list, opens_at=opens_at, closes_at=closes_at, created_by=by
    )
    review.full_clean()
    review._history_user = by
    review.save()
    return review


@transaction.atomic
def review_window_change(*, review: AnnualReview, by) -> None:
    """Save a changed voting window (set on `review` by the form) with its history row."""
    review._history_user = by
    review.save(update_fields=["opens_at", "closes_at", "modified"])


@transaction.atomic
def review_open(*, review: AnnualReview, by) -> bool:
    """Voting opens: the conditional UPDATE and its history row in one transaction."""
    return review.open(by=by)


@transaction.atomic
def review_close(*, review: AnnualReview, by) -> bool:
    """Voting closes: the conditional UPDATE and its history row in one transaction."""
    return review.close(by=by)


@transaction.atomic
def invitations_add(*, review: AnnualReview, by, kind: str, people: list[tuple[str, str]]):
    """Invite reviewers, (name, phone) each, all of one kind."""
    if not review.may_invite:
        raise ValidationError(_("Reviewers can no longer be invited: voting has closed."))
    invitations = []
    for name, phone in people:
        invitation = Invitation(review=review, name=name, kind=kind, phone=phone)
        invitation._history_user = by
        invitation.save()
        invitations.append(invitation)
    return invitations


@transaction.atomic
def invitation_remove(*, invitation: Invitation, by) -> bool:
    """Only before the person has voted: a cast vote is never taken back."""
    review = AnnualReview.objects.select_for_update().get(pk=invitation.review_id)
    if not review.may_invite:
        return False
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.has_voted:
        return False
    invitation._history_user = by
    invitation.delete()
    return True


@transaction.atomic
def slips_issue(*, review: AnnualReview, invitations) -> list[tuple[Invitation, str]]:
    """A fresh token for each invitation that has not voted; only its hash is stored. The
    tokens exist only in the returned list, which the printable page shows once: a
    reprint issues new ones and the old slips stop working. Whoever has voted keeps their
    slip (a new token would not find their ballot)."""
    if not review.may_invite:
        raise ValidationError(_("Slips can no longer be printed: voting has closed."))
    issued = []
    for invitation in invitations:
        if invitation.has_voted or invitation.review_id != review.pk:
            continue
        token = new_token()
        invitation.token_hash = token_hash(token)
        issued.append((invitation, token))
    Invitation.objects.bulk_update([invitation for invitation, _token in issued], ["token_hash"])
    return issued


def find_invitation(review_id: int, token: str) -> Invitation | None:
    """The invitation of this review holding this token; a token of another review, or of
    nobody, finds nothing."""
    if not token or len(token) > 64:
        return None
    return (
        Invitation.objects.select_related("review__pledge_list__village__township__district")
        .filter(review_id=review_id, token_hash=token_hash(token))
        .first()
    )


def ballot_for(invitation: Invitation, token: str) -> Ballot | None:
    """The slip's own ballot, to show it again for changing."""
    return (
        Ballot.objects.filter(review_id=invitation.review_id, voter_key=voter_key(token))
        .prefetch_related("project_ratings", "prohibition_ratings")
        .first()
    )


def _write_ratings(ballot: Ballot, data: dict) -> None:
    ballot.project_ratings.all().delete()
    ballot.prohibition_ratings.all().delete()
    ProjectRating.objects.bulk_create(
        ProjectRating(ballot=ballot, project_id=project_id, rating=rating, comment=comment)
        for project_id, (rating, comment) in data["projects"].items()
        if rating
    )
    ProhibitionRating.objects.bulk_create(
        ProhibitionRating(ballot=ballot, prohibition_id=prohibition_id, kept=kept, remark=remark)
        for prohibition_id, (kept, remark) in data["prohibitions"].items()
        if kept is not None
    )


@transaction.atomic
def ballot_cast(*, invitation: Invitation, token: str, data: dict) -> bool:
    """Store or replace the slip's ballot; True when it is the first one. `data` is
    BallotForm.ballot_data(): {"projects": {id: (rating, comment)}, "prohibitions":
    {id: (kept, remark)}, "comment": str}. Refused once the window has closed."""
    review = AnnualReview.objects.select_for_update().get(pk=invitation.review_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not review.is_voting_open:
        raise ValidationError(_("Voting is closed; the ballot can no longer be changed."))
    if invitation.token_hash != token_hash(token):
        raise ValidationError(_("This link is no longer valid."))
    key = voter_key(token)
    ballot = Ballot.objects.filter(review=review, voter_key=key).first()
    first = ballot is None
    if first:
        if invitation.has_voted:  # counted already: a paper ballot was handed in
            raise ValidationError(_("Your ballot was handed in on paper; it has been counted."))
        ballot = Ballot.objects.create(review=review, voter_key=key, comment=data["comment"])
        # Only whether, never when: an UPDATE writes no history row.
        Invitation.objects.filter(pk=invitation.pk).update(has_voted=True)
    else:
        ballot.comment = data["comment"]
        ballot.save(update_fields=["comment"])
    _write_ratings(ballot, data)
    return first


@transaction.atomic
def invitation_mark_paper(*, invitation: Invitation) -> bool:
    """This reviewer handed in a paper ballot at the meeting: they count as having voted and
    their slip's link stops working (it cannot vote a second time online)."""
    review = AnnualReview.objects.select_for_update().get(pk=invitation.review_id)
    if not review.accepts_paper:
        return False
    return bool(
        Invitation.objects.filter(pk=invitation.pk, has_voted=False).update(
            has_voted=True, token_hash=None
        )
    )


def paper_ballots_expected(review: AnnualReview) -> int:
    """Reviewers marked as having voted on paper whose ballot is not typed in yet."""
    voted = Invitation.objects.filter(review=review, has_voted=True).count()
    ballots = Ballot.objects.filter(review=review).count()
    return voted - ballots


@transaction.atomic
def paper_ballot_enter(*, review: AnnualReview, data: dict) -> Ballot:
    """A paper ballot typed in by a cadre, marked as paper and linked to nobody. There may be
    no more paper ballots than reviewers marked as having handed one in."""
    review = AnnualReview.objects.select_for_update().get(pk=review.pk)
    if not review.accepts_paper:
        raise ValidationError(_("Paper ballots can no longer be entered: the results are out."))
    if paper_ballots_expected(review) <= 0:
        raise ValidationError(
            _(
                "Every reviewer marked as voting on paper has a ballot typed in. First mark, "
                "in the list of reviewers, who handed in this ballot."
            )
        )
    ballot = Ballot.objects.create(review=review, is_paper=True, comment=data["comment"])
    _write_ratings(ballot, data)
    return ballot


@transaction.atomic
def review_publish(*, review: AnnualReview, by, announcement: str = "") -> bool:
    """Announce (通报): the results as computed now are stored on the review, which makes
    them public on the board, the report and the rankings."""
    review = (
        AnnualReview.objects.select_for_update().select_related("pledge_list").get(pk=review.pk)
    )
    if review.status != AnnualReview.Status.CLOSED:
        return False
    summary = results.compute(review).summary()
    if not review.publish(by=by, announcement=announcement.strip(), summary=summary):
        return False
    village = review.pledge_list.village
    resident_services.review_published(village, review.pledge_list.year, review.pk)
    return True
