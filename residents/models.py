"""What residents do on the board besides suggesting: follow a village or their own
suggestion, challenge a project struck off as done, report a broken prohibition. Contacts
(phone, e-mail) are private: only the township sees them, never the village committee a
report may be about, never the board."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lib import contacts
from lib.transitions import conditional_move
from pledges.models import Prohibition, Project
from suggestions.models import Suggestion
from villages.models import Village

TEXT_MAX = 500


def new_token() -> str:
    return secrets.token_urlsafe(24)


class FollowQuerySet(models.QuerySet):
    def active(self):
        return self.filter(stopped_at__isnull=True)


class Follow(models.Model):
    """Someone who asked to be told: about one village's board, or about the reply to the
    suggestion they sent. Every message carries the link that stops it."""

    class Channel(models.TextChoices):
        SMS = contacts.SMS, _("text message")
        EMAIL = contacts.EMAIL, _("e-mail")

    village = models.ForeignKey(
        Village, models.CASCADE, null=True, blank=True, related_name="follows"
    )
    suggestion = models.ForeignKey(
        Suggestion, models.CASCADE, null=True, blank=True, related_name="follows"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel)
    address = models.CharField(_("phone or e-mail"), max_length=254)
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.CheckConstraint(
                condition=Q(village__isnull=True) ^ Q(suggestion__isnull=True),
                name="follow_one_village_or_one_suggestion",
            ),
            models.UniqueConstraint(
                fields=["village", "address"],
                condition=Q(stopped_at__isnull=True, village__isnull=False),
                name="follow_a_village_once",
            ),
            models.UniqueConstraint(
                fields=["suggestion", "address"],
                condition=Q(stopped_at__isnull=True, suggestion__isnull=False),
                name="follow_a_suggestion_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.village or self.suggestion}"

    def stop_url(self) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("residents:unfollow", args=[self.token])


class Message(models.Model):
    """One message to one follower about one event. The unique (follow, event) key is what
    makes sending idempotent: a retried task, a second call or the sweeper never sends twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    follow = models.ForeignKey(Follow, models.CASCADE, related_name="messages")
    event = models.CharField(max_length=80)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message to a follower")
        verbose_name_plural = _("messages to followers")
        constraints = [
            models.UniqueConstraint(fields=["follow", "event"], name="message_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.follow_id} ({self.status})"


def _photo_path(instance, filename: str) -> str:
    return f"residents/{timezone.now():%Y/%m}/{filename}"


class ResidentPost(models.Model):
    """What a challenge and a report share: the resident's text and optional photo and
    contact, and the township's decision with its public reason."""

    text = models.TextField(_("what you saw"), max_length=TEXT_MAX)
    image = models.ImageField(upload_to=_photo_path, blank=True)
    thumbnail = models.ImageField(upload_to=_photo_path, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    # Private: the township sees it, nobody else.
    contact = models.CharField(_("contact (optional, never shown)"), max_length=254, blank=True)
    answer = models.TextField(_("the township's public answer"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["created", "pk"]

    ITEM = ""  # the pledge item's field: "project" or "prohibition"

    def __str__(self) -> str:
        return f"{self.item} · {self.text[:20]}"

    @classmethod
    def village_path(cls) -> str:
        return f"{cls.ITEM}__pledge_list__village"

    @property
    def item(self):
        return getattr(self, self.ITEM)

    @property
    def village(self):
        return self.item.pledge_list.village

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def dismiss(self, *, by, answer: str) -> bool:
        return self._decide(self.Status.DISMISSED, by=by, answer=answer)

    def _decide(self, to: str, *, by, answer: str, **fields) -> bool:
        if not answer.strip():
            raise ValidationError(_("Write the public answer: it shows on the board."))
        return conditional_move(
            self,
            to,
            (self.Status.OPEN,),
            by=by,
            answer=answer.strip(),
            decided_at=timezone.now(),
            decided_by=by,
            **fields,
        )


class ResidentPostQuerySet(models.QuerySet):
    """Challenges and reports alike, through the pledge item each is about (`ITEM`)."""

    def _village(self, rest: str = "") -> str:
        return self.model.village_path() + rest

    def with_tree(self):
        return self.select_related(self._village("__township__district"))

    def open(self):
        return self.filter(status=self.model.Status.OPEN)

    def in_township(self, township):
        return self.filter(**{self._village("__township"): township})

    def for_pledge_list(self, pledge_list):
        return self.filter(**{f"{self.model.ITEM}__pledge_list": pledge_list})


class ChallengeQuerySet(ResidentPostQuerySet):
    def on_project(self, project):
        return self.filter(project=project)

    def rulings(self):
        """The township's rulings: one row per ruling (the challenge it was made on; the
        others decided with it point to it), with `challenge_count`, how many it closed."""
        return (
            self.exclude(status=Challenge.Status.OPEN)
            .filter(decided_with__isnull=True)
            .annotate(challenge_count=models.Count("decided_together") + 1)
        )

    def rulings_for(self, project) -> list:
        """A project's rulings, newest first: the first is the one in force. One query."""
        return list(self.on_project(project).rulings().order_by("-decided_at", "-pk"))

    def on_board(self, pledge_list) -> list:
        """One ruling per challenged project of a list, newest first: the latest ruling, with
        `challenge_count` and `earlier`, the project's earlier rulings (its history). One
        query."""
        latest = {}
        for ruling in (
            self.for_pledge_list(pledge_list)
            .rulings()
            .select_related("project")
            .order_by("project_id", "-decided_at", "-pk")
        ):
            if ruling.project_id in latest:
                latest[ruling.project_id].earlier.append(ruling)
            else:
                ruling.earlier = []
                latest[ruling.project_id] = ruling
        return sorted(latest.values(), key=lambda r: r.decided_at, reverse=True)

    def per_project(self) -> list:
        """The oldest of each project's challenges here, with `together`: all of them, oldest
        first (they are ruled on together). Evaluates the queryset; no more queries."""
        first = {}
        for challenge in self.order_by("created", "pk"):
            if challenge.project_id in first:
                first[challenge.project_id].together.append(challenge)
            else:
                challenge.together = [challenge]
                first[challenge.project_id] = challenge
        return list(first.values())


class Challenge(ResidentPost):
    """A resident says a project struck off as done (销号) is not really done. The township
    answers every one: upheld (the project goes back to in progress) or dismissed, with a
    public reason."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for the township")
        UPHELD = "upheld", _("upheld: the project is back in progress")
        DISMISSED = "dismissed", _("dismissed")

    ITEM = "project"
    project = models.ForeignKey(Project, models.CASCADE, related_name="challenges")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    # Challenges to one project are ruled on together: the others point to the one the
    # ruling was made on, and carry the same decision and answer.
    decided_with = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="decided_together",
        verbose_name=_("decided together with"),
    )

    history = HistoricalRecords()
    objects = ChallengeQuerySet.as_manager()

    class Meta(ResidentPost.Meta):
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")

    def get_absolute_url(self) -> str:
        return reverse("residents:challenge_detail", args=[self.pk])

    def rule(self, *, uphold: bool, by, answer: str, lead: "Challenge | None" = None) -> bool:
        """Decide this challenge, alone or with `lead`, the challenge the ruling was made on.
        Upheld, the project goes back to in progress too: services.challenge_rule does both,
        for every open challenge of the project, in one transaction."""
        to = self.Status.UPHELD if uphold else self.Status.DISMISSED
        return self._decide(to, by=by, answer=answer, decided_with=lead)

    def open_together(self) -> list:
        """The open challenges to the same project, oldest first: one ruling decides them."""
        return list(Challenge.objects.on_project(self.project_id).open().order_by("created", "pk"))

    @property
    def ruling(self) -> "Challenge":
        """The challenge whose ruling decided this one (itself when it was ruled on)."""
        return self.decided_with or self


class ViolationReportQuerySet(ResidentPostQuerySet):
    def confirmed(self):
        return self.filter(status=ViolationReport.Status.CONFIRMED)

    def on_board(self, pledge_list):
        """A list's confirmed breaches with the township's finding, by prohibition."""
        return (
            self.confirmed()
            .for_pledge_list(pledge_list)
            .select_related("prohibition")
            .order_by("prohibition__number", "decided_at")
        )


class ViolationReport(ResidentPost):
    """A resident says one of the five prohibitions was broken. It goes to the township, not
    to the village committee it may be about; confirmed ones show on the board and count in
    the year-end results."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for the township")
        CONFIRMED = "confirmed", _("confirmed: the prohibition was broken")
        DISMISSED = "dismissed", _("dismissed")

    ITEM = "prohibition"
    prohibition = models.ForeignKey(Prohibition, models.CASCADE, related_name="reports")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)

    history = HistoricalRecords()
    objects = ViolationReportQuerySet.as_manager()

    class Meta(ResidentPost.Meta):
        verbose_name = _("report of a broken prohibition")
        verbose_name_plural = _("reports of broken prohibitions")

    def get_absolute_url(self) -> str:
        return reverse("residents:report_detail", args=[self.pk])

    def confirm(self, *, by, answer: str) -> bool:
        return self._decide(self.Status.CONFIRMED, by=by, answer=answer)


def open_counts(township) -> dict:
    """Open challenges and reports of a township, for its dashboard. Two queries."""
    return {
        "challenges": Challenge.objects.in_township(township).open().count(),
        "reports": ViolationReport.objects.in_township(township).open().count(),
    }
