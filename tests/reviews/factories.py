"""Reviews built the way the township builds them: a published list, a review, invitations
with slips (the token comes back once, as on the printed slip)."""

import datetime
from contextlib import contextmanager
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from pledges.models import PledgeList
from reviews import services
from reviews.models import AnnualReview, Invitation
from tests.factories import VillageFactory, full_list

Status = AnnualReview.Status


def make_review(village=None, *, status=Status.OPEN, year=2025, **fields) -> AnnualReview:
    """A review of a published list, voting open since yesterday for a week by default."""
    pledge_list = full_list(
        status=PledgeList.Status.PUBLISHED, village=village or VillageFactory(), year=year
    )
    now = timezone.now()
    fields.setdefault("opens_at", now - datetime.timedelta(days=1))
    fields.setdefault("closes_at", now + datetime.timedelta(days=7))
    return AnnualReview.objects.create(pledge_list=pledge_list, status=status, **fields)


def invite(review, name="王小明", kind=Invitation.Kind.PARTY_MEMBER, phone=""):
    """An invitation and its token, as printed on the slip."""
    invitation = Invitation.objects.create(review=review, name=name, kind=kind, phone=phone)
    [(invitation, token)] = services.slips_issue(review=review, invitations=[invitation])
    return invitation, token


def ballot_url(review, token: str) -> str:
    return reverse("reviews:ballot", args=[review.pk, token])


def ballot_post(review, rating="satisfied", kept="yes", comment="", **overrides) -> dict:
    """A complete ballot: every project rated `rating`, every prohibition `kept`."""
    data = {"comment": comment}
    for project in review.pledge_list.projects.all():
        data[f"project_{project.pk}"] = rating
        data[f"project_{project.pk}_comment"] = ""
    for prohibition in review.pledge_list.prohibitions.all():
        data[f"prohibition_{prohibition.pk}"] = kept
        data[f"prohibition_{prohibition.pk}_remark"] = ""
    data.update(overrides)
    return data


def ballot_data(review, ratings: list[str], kept: list[bool | None] | None = None, comment=""):
    """The service's form of a ballot: ratings per project in number order ("" = blank)."""
    projects = list(review.pledge_list.projects.order_by("number"))
    prohibitions = list(review.pledge_list.prohibitions.order_by("number"))
    kept = kept if kept is not None else [True] * len(prohibitions)
    return {
        "projects": {p.pk: (r, "") for p, r in zip(projects, ratings, strict=False)},
        "prohibitions": {p.pk: (k, "") for p, k in zip(prohibitions, kept, strict=False)},
        "comment": comment,
    }


def cast(review, ratings, kept=None, *, name="王小明", comment="") -> Invitation:
    """One reviewer invited and voting through the service (for results tests)."""
    invitation, token = invite(review, name=name)
    services.ballot_cast(
        invitation=invitation, token=token, data=ballot_data(review, ratings, kept, comment)
    )
    return invitation


def local(*args) -> datetime.datetime:
    """A moment in the site's time zone (Asia/Shanghai): local(2026, 12, 4, 18, 45)."""
    return timezone.make_aware(datetime.datetime(*args))


@contextmanager
def frozen(moment: datetime.datetime):
    """The clock stopped at `moment` for everything that asks django.utils.timezone."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield
