"""The year-end review (年度评议): party members and resident representatives rate every item
of a published pledge list, the township announces the results (通报).

Anonymity is built into the tables, not left to the views: a `Ballot` has no link to the
`Invitation` that cast it. An online ballot carries `voter_key`, an HMAC (keyed with
SECRET_KEY) of the invitation's token, which only the reviewer holding the slip can present;
the database keeps only a SHA-256 of the token. So the same slip finds and updates its one
ballot, while nobody reading the database (or the admin, or an export) can tell whose ballot
is whose. The invitation records only *whether* it has voted, never when (no timestamp, no
history of that flag), and ballots carry no timestamps or history either, so times cannot be
matched up.
"""

import datetime
import hashlib
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lib.rates import Rate
from lib.transitions import conditional_move
from pledges.models import PledgeList, Prohibition, Project
from villages.models import Membership

User = settings.AUTH_USER_MODEL

EVENING = datetime.time(20)  # a new review's voting closes at this time of day
TOKEN_BYTES = 16  # 128 bits from `secrets`: 22 URL-safe characters on the slip's link


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database keeps of a token: a plain SHA-256 is enough for 128 random bits."""
    return hashlib.sha256(token.encode()).hexdigest()


def voter_key(token: str) -> str:
    """The key that finds a slip's one ballot: keyed with SECRET_KEY, computed from the token
    itself (never stored), so neither the token hash nor the invitation id leads to it."""
    return salted_hmac("reviews.Ballot.voter_key", token, algorithm="sha256").hexdigest()


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("excellent")
    GOOD = "good", _("good")
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")


class AnnualReviewQuerySet(models.QuerySet):
    def with_tree(self):
        return self.select_related("pledge_list__village__township__district")

    def for_year(self, year: int):
        return self.filter(pledge_list__year=year)

    def in_township(self, township):
        return self.filter(pledge_list__village__township=township)

    def published(self):
        return self.filter(status=AnnualReview.Status.PUBLISHED)

    def published_years(self, villages) -> list[int]:
        """The years, latest first, in which some of `villages` (a queryset) published the
        results of their review: the years a ranking has something to show. One query."""
        return list(
            self.published()
            .filter(pledge_list__village__in=villages)
            .order_by("-pledge_list__year")
            .values_list("pledge_list__year", flat=True)
            .distinct()
        )

    def ahead_for_reviewer(self, user):
        """The reviews a reviewer may still vote in, in the villages where `user` is a
        reviewer (the scope the request has loaded): being prepared or open, with the window
        not over yet. With each review's list and village."""
        villages = Membership.objects.scope_for(user).reviewer_village_ids
        return (
            self.filter(
                pledge_list__village__in=villages,
                status__in=(AnnualReview.Status.DRAFT, AnnualReview.Status.OPEN),
                closes_at__gt=timezone.now(),
            )
            .select_related("pledge_list__village__township")
            .order_by("closes_at", "pk")
        )

    def of_village(self, village):
        """A village's reviews, the latest year first, with their lists."""
        return (
            self.filter(pledge_list__village=village)
            .select_related("pledge_list")
            .order_by("-pledge_list__year")
        )

    def township_rows(self, township, year: int) -> list[tuple]:
        """The township's page: (village, its published list of `year` or None, that list's
        review `with_turnout` or None) for every village of the township. Three queries."""
        lists = {
            pl.village_id: pl
            for pl in PledgeList.objects.for_year(year).in_township(township).published()
        }
        reviews = {
            review.pledge_list_id: review
            for review in self.for_year(year).in_township(township).with_turnout()
        }
        rows = []
        for village in township.villages.all():
            pledge_list = lists.get(village.pk)
            review = reviews.get(pledge_list.pk) if pledge_list else None
            rows.append((village, pledge_list, review))
        return rows

    def with_turnout(self):
        """Invitations and how many of them have voted, and the ballots cast (paper ones
        included). Sub-queries, so the counts do not multiply each other."""
        invitations = Invitation.objects.filter(review=models.OuterRef("pk")).order_by()
        ballots = Ballot.objects.filter(review=models.OuterRef("pk")).order_by()
        return self.annotate(
            invitation_count=models.Subquery(
                invitations.values("review").annotate(n=Count("id")).values("n")
            ),
            voted_count=models.Subquery(
                invitations.filter(has_voted=True)
                .values("review")
                .annotate(n=Count("id"))
                .values("n")
            ),
            ballot_total=models.Subquery(
                ballots.values("review").annotate(n=Count("id")).values("n")
            ),
        )


class AnnualReview(models.Model):
    """The year-end review (年度评议) of one published pledge list. The township cadre opens
    it with a voting window, invites reviewers, closes it and publishes the results."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("being prepared")
        OPEN = "open", _("open for voting")
        CLOSED = "closed", _("closed, results not yet published")
        PUBLISHED = "published", _("results published")

    pledge_list = models.OneToOneField(
        PledgeList, models.CASCADE, related_name="review", verbose_name=_("pledge list")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    announcement = models.TextField(
        _("announcement"),
        blank=True,
        help_text=_("The township's remarks published with the results (通报)."),
    )
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    # The results as announced, stored when they are published: rankings read one row per
    # village instead of counting every rating, and later changes of thresholds do not
    # rewrite an announcement.
    ballot_count = models.PositiveIntegerField(_("ballots"), null=True, blank=True)
    project_count = models.PositiveSmallIntegerField(_("projects"), null=True, blank=True)
    verified_count = models.PositiveSmallIntegerField(_("verified"), null=True, blank=True)
    completion_rate = models.DecimalField(
        _("completion (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    satisfaction_rate = models.DecimalField(
        _("satisfaction (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    kept_rate = models.DecimalField(
        _("prohibitions kept (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    # What the rates are made of, shown beside them (lib.rates.Rate): ratings of the projects
    # satisfied or basically satisfied of the valid ones; prohibitions kept of the valid ones.
    satisfied_count = models.PositiveIntegerField(_("satisfied ratings"), null=True, blank=True)
    rated_count = models.PositiveIntegerField(_("valid project ratings"), null=True, blank=True)
    kept_count = models.PositiveIntegerField(_("prohibitions kept"), null=True, blank=True)
    kept_rated_count = models.PositiveIntegerField(
        _("valid prohibition ratings"), null=True, blank=True
    )
    score = models.DecimalField(
        _("overall score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    grade = models.CharField(_("grade"), max_length=10, choices=Grade, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = AnnualReviewQuerySet.as_manager()

    class Meta:
        ordering = ["pledge_list_id"]  # no join: the board reads reviews by list
        verbose_name = _("year-end review")
        verbose_name_plural = _("year-end reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="review_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pledge_list} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review_detail", args=[self.pk])

    @property
    def village(self):
        return self.pledge_list.village

    @staticmethod
    def default_window() -> dict:
        """From now to 20:00 two weeks on: time for a meeting and for those who vote later."""
        now = timezone.localtime().replace(second=0, microsecond=0)
        evening = datetime.datetime.combine(now.date() + datetime.timedelta(days=14), EVENING)
        return {"opens_at": now, "closes_at": timezone.make_aware(evening)}

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("Voting must close after it opens.")})

    @property
    def is_voting_open(self) -> bool:
        """Ballots are accepted only while open AND inside the window: a link stops working
        when the window closes even if nobody has pressed "close" yet."""
        now = timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= now < self.closes_at

    @property
    def is_window_over(self) -> bool:
        return timezone.now() >= self.closes_at

    @property
    def is_before_window(self) -> bool:
        return timezone.now() < self.opens_at

    @property
    def opens_today(self) -> bool:
        """Whether the window opens on today's date (local time): "today at 18:30" is then
        enough; any other day needs its date on the page."""
        return timezone.localdate(self.opens_at) == timezone.localdate()

    @property
    def last_voting_day(self) -> datetime.date:
        """The last date a ballot can be cast: a window closing at midnight ends the day
        before."""
        return timezone.localdate(self.closes_at - datetime.timedelta(microseconds=1))

    @property
    def days_left(self) -> int:
        """Whole days from today to the last voting day (0 on that day)."""
        return (self.last_voting_day - timezone.localdate()).days

    @property
    def may_invite(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.OPEN)

    @property
    def accepts_paper(self) -> bool:
        """Paper ballots from a meeting may still be typed in after voting closed, until the
        results are published."""
        return self.status in (self.Status.OPEN, self.Status.CLOSED)

    @property
    def has_results(self) -> bool:
        """Results are shown only once voting is over: a running count next to the list of
        who has voted would tell who voted what."""
        return self.status in (self.Status.CLOSED, self.Status.PUBLISHED)

    def _move(self, to: str, allowed_from: tuple, *, by, **fields) -> bool:
        return conditional_move(self, to, allowed_from, by=by, **fields)

    def open(self, *, by) -> bool:
        """Links start working (inside the window). Only from draft, only once."""
        return self._move(self.Status.OPEN, (self.Status.DRAFT,), by=by, opened_at=timezone.now())

    def close(self, *, by) -> bool:
        """Freeze the ballots. Closing early also ends the window, so the slips' links stop
        at once and the stored window says when voting really ended."""
        now = timezone.now()
        fields = {"closed_at": now}
        if self.closes_at > now:
            fields["closes_at"] = max(now, self.opens_at + datetime.timedelta(seconds=1))
        return self._move(self.Status.CLOSED, (self.Status.OPEN,), by=by, **fields)

    @property
    def satisfaction(self) -> Rate:
        """满意率 with its counts ("—" when none were stored)."""
        return Rate(self.satisfied_count or 0, self.rated_count or 0)

    @property
    def kept(self) -> Rate:
        return Rate(self.kept_count or 0, self.kept_rated_count or 0)

    @property
    def completion(self) -> Rate:
        """Projects verified by the year's end of the projects reviewed."""
        return Rate(self.verified_count or 0, self.project_count or 0)

    def publish(self, *, by, announcement: str, summary: dict) -> bool:
        """Make the results public with the figures as computed now (see
        services.review_publish). Only a closed review, only once."""
        return self._move(
            self.Status.PUBLISHED,
            (self.Status.CLOSED,),
            by=by,
            announcement=announcement,
            published_at=timezone.now(),
            published_by=by,
            **summary,
        )


class Invitation(models.Model):
    """A reviewer invited to one review, with the hash of the token on their slip. Records
    whether they have voted, and nothing that ties them to their ballot."""

    class Kind(models.TextChoices):
        PARTY_MEMBER = "party_member", _("party member")
        REPRESENTATIVE = "representative", _("residents' representative")

    review = models.ForeignKey(
        AnnualReview, models.CASCADE, related_name="invitations", verbose_name=_("review")
    )
    name = models.CharField(_("name"), max_length=30)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.PARTY_MEMBER)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # SHA-256 of the slip's token; empty until a slip is printed. A reprint issues a new
    # token, and the old slip stops working.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    has_voted = models.BooleanField(_("has voted"), default=False, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    # The flag and the token stay out of history: a history row dated when the flag turned
    # would say when this person voted.
    history = HistoricalRecords(excluded_fields=["has_voted", "token_hash"])

    class Meta:
        ordering = ["review_id", "kind", "name", "pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.name} · {self.get_kind_display()}"

    @property
    def has_slip(self) -> bool:
        return bool(self.token_hash)

    def ballot_url(self, token: str) -> str:
        return reverse("reviews:ballot", args=[self.review_id, token])


class Ballot(models.Model):
    """One reviewer's ballot. No invitation, user, timestamp or history: see the module's
    docstring. Online ballots carry the voter key, paper ones typed in by a cadre do not."""

    review = models.ForeignKey(
        AnnualReview, models.CASCADE, related_name="ballots", verbose_name=_("review")
    )
    voter_key = models.CharField(max_length=64, blank=True, editable=False)
    is_paper = models.BooleanField(_("paper ballot"), default=False)
    comment = models.TextField(_("overall comment"), blank=True, max_length=1000)

    class Meta:
        ordering = ["review_id", "pk"]
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "voter_key"],
                condition=~Q(voter_key=""),
                name="ballot_one_per_voter_key",
            ),
            models.CheckConstraint(
                condition=Q(is_paper=True, voter_key="") | (Q(is_paper=False) & ~Q(voter_key="")),
                name="ballot_online_has_key_paper_has_none",
            ),
        ]

    def __str__(self) -> str:
        return _("ballot %(number)s") % {"number": self.pk}


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY_SATISFIED = "basically", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


# Points per answer for the overall score (0-100): every valid item rating counts once.
RATING_POINTS = {
    Rating.SATISFIED: Decimal(100),
    Rating.BASICALLY_SATISFIED: Decimal(80),
    Rating.DISSATISFIED: Decimal(0),
}
KEPT_POINTS = {True: Decimal(100), False: Decimal(0)}


class ProjectRating(models.Model):
    """One ballot's rating of one project. A paper ballot may leave a project blank: then
    there is no row, and the project counts one valid ballot less."""

    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="project_ratings")
    project = models.ForeignKey(
        Project, models.CASCADE, related_name="review_ratings", verbose_name=_("project")
    )
    rating = models.CharField(_("rating"), max_length=12, choices=Rating)
    comment = models.CharField(_("comment"), max_length=200, blank=True)

    class Meta:
        ordering = ["ballot_id", "project_id"]
        verbose_name = _("project rating")
        verbose_name_plural = _("project ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "project"], name="project_rating_one_per_ballot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.get_rating_display()}"


class ProhibitionRating(models.Model):
    """One ballot's answer on one prohibition: kept or not, with a remark."""

    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="prohibition_ratings")
    prohibition = models.ForeignKey(
        Prohibition, models.CASCADE, related_name="review_ratings", verbose_name=_("prohibition")
    )
    kept = models.BooleanField(_("kept"))
    remark = models.CharField(_("remark"), max_length=200, blank=True)

    class Meta:
        ordering = ["ballot_id", "prohibition_id"]
        verbose_name = _("prohibition rating")
        verbose_name_plural = _("prohibition ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "prohibition"], name="prohibition_rating_one_per_ballot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prohibition_id} · {self.kept}"
