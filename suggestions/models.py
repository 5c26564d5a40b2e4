"""Residents' voices before and beside the list (民意征集): the meetings where opinions were
collected, each suggestion with its public reply (件件有回音) and the projects it was adopted
into, and the township's standard replies that committees start their answers from."""

import datetime
import secrets
import statistics

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pledges.models import Category, Escalation, Prohibition, Project
from villages.models import Township, Village, visible_in_scope

User = settings.AUTH_USER_MODEL


class Meeting(models.Model):
    """A mass meeting or visit round where residents' opinions were collected (民意征集)."""

    class Kind(models.TextChoices):
        MASS_MEETING = "mass_meeting", _("mass meeting")
        VISITS = "visits", _("door-to-door visits")
        REPRESENTATIVES = "representatives", _("resident representatives' meeting")
        OTHER = "other", _("other")

    village = models.ForeignKey(
        Village, models.CASCADE, related_name="meetings", verbose_name=_("village")
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.MASS_MEETING)
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-created"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.village} {self.date} {self.get_kind_display()}"


# Receipt codes: no 0/O, 1/I/L, so a code read aloud over the phone is not misheard.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_receipt_code() -> str:
    """Eight characters from 31 (about 8.5 × 10¹¹ codes), shown as XXXX-XXXX."""
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def normalise_receipt_code(text: str) -> str:
    """What a person types (lower case, spaces, no dash) → the stored form."""
    cleaned = "".join(ch for ch in text.upper() if ch in RECEIPT_ALPHABET)
    return f"{cleaned[:4]}-{cleaned[4:8]}" if len(cleaned) == 8 else ""


class SuggestionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """With name and phone: the committee, township and district, not reviewers (see
        suggestions.view_suggestion)."""
        return visible_in_scope(self, user, "village", reviewers=False)

    def with_village(self):
        return self.select_related("village__township")

    def for_year(self, year: int):
        return self.filter(year=year)

    def in_township(self, township):
        return self.filter(village__township=township)

    def in_district(self, district):
        return self.filter(village__township__district=district)

    def unanswered(self):
        return self.filter(status__in=Suggestion.OPEN)

    def overdue(self, today: datetime.date | None = None):
        """Unanswered for longer than SUGGESTION_REPLY_DAYS (default 15)."""
        today = today or timezone.localdate()
        limit = today - datetime.timedelta(days=settings.SUGGESTION_REPLY_DAYS)
        return self.unanswered().filter(received__lt=limit)

    def visible_to_public(self):
        return self.filter(is_hidden=False)

    def for_pool(self, village, year: int):
        """What may still go into the village's candidate pool for `year`'s list: its
        suggestions of that year and the year before (collected ahead of the list, 民意征集)
        that wait for an answer and are in no candidate yet; oldest first. A text hidden by
        moderation is left out, as from `for_grouping`: it never becomes a candidate's title,
        which the public reads once the list is published."""
        return (
            self.filter(village=village, year__in=[year - 1, year], status__in=Suggestion.OPEN)
            .filter(candidates__isnull=True, is_hidden=False)
            .order_by("received", "pk")
        )

    def for_export(self, *, villages, year: int):
        """The rows of a suggestions export: `villages` (a queryset already cut to the user's
        scope) for `year`, by village, oldest first."""
        return (
            self.filter(village__in=villages, year=year)
            .select_related("village")
            .order_by("village__code", "received", "pk")
        )

    def for_grouping(self, village, year: int):
        """`(pk, text)` of the village's suggestions of `year`, oldest first: what
        `suggestions.grouping.group_suggestions` reads, in one query. A text hidden by
        moderation is left out, so it never stands for a group."""
        return (
            self.filter(village=village, year=year, is_hidden=False)
            .order_by("received", "pk")
            .values_list("pk", "text")
        )

    def answered_in_public(self):
        """The answered suggestions the board and the open data show, newest answers first,
        with the projects each was adopted into: never a hidden text's."""
        return (
            self.visible_to_public()
            .filter(status__in=Suggestion.ANSWERED)
            .exclude(reply="")
            .order_by("-replied_at")
            .prefetch_related("projects")
        )

    def backlog_by_village(self, township, today: datetime.date | None = None):
        """Per village of the township: unanswered, overdue and the oldest unanswered date."""
        today = today or timezone.localdate()
        limit = today - datetime.timedelta(days=settings.SUGGESTION_REPLY_DAYS)
        open_q = Q(status__in=Suggestion.OPEN)
        return {
            row["village"]: row
            for row in self.filter(village__township=township)
            .values("village")
            .annotate(
                received_count=Count("id"),
                unanswered_count=Count("id", filter=open_q),
                overdue_count=Count("id", filter=open_q & Q(received__lt=limit)),
                oldest_unanswered=models.Min("received", filter=open_q),
            )
            .order_by()
        }

    def villages_by_backlog(self, township) -> list:
        """The township's villages, each with its `backlog` (see `backlog_by_village`), the
        most overdue first, then the most unanswered. Two queries."""
        backlog = self.backlog_by_village(township)
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
        return villages

    def figures(self, *, year: int, villages) -> dict:
        """Meetings held, suggestions received, adopted, answered and the median days to a
        reply in the given villages (a queryset: a township's, a district's). Three queries."""
        rows = self.filter(year=year, village__in=villages)
        counts = rows.aggregate(
            received=Count("id"),
            adopted=Count("id", filter=Q(status=Suggestion.Status.ADOPTED)),
            answered=Count("id", filter=Q(replied_at__isnull=False)),
        )
        waits = sorted(
            (timezone.localtime(replied).date() - received).days
            for received, replied in rows.filter(replied_at__isnull=False).values_list(
                "received", "replied_at"
            )
        )
        counts["median_days_to_reply"] = statistics.median(waits) if waits else None
        counts["meetings"] = Meeting.objects.filter(village__in=villages, date__year=year).count()
        return counts


class Suggestion(models.Model):
    """A resident's proposal or complaint (意见建议). Every one gets a public reply
    (件件有回音); the author tracks it with a receipt code."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("online form")
        MEETING = "meeting", _("mass meeting")
        VISIT = "visit", _("door-to-door visit")
        REPRESENTATIVE = "representative", _("resident representative")
        PHONE = "phone", _("phone")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        CONSIDERING = "considering", _("under consideration")
        ADOPTED = "adopted", _("adopted")
        NOT_ADOPTED = "not_adopted", _("answered, not adopted")
        PASSED_UP = "passed_up", _("passed up")
        CLOSED = "closed", _("closed")

    OPEN = (Status.RECEIVED, Status.CONSIDERING)
    ANSWERED = (Status.ADOPTED, Status.NOT_ADOPTED, Status.CLOSED)
    TEXT_MAX = 1000

    village = models.ForeignKey(
        Village, models.CASCADE, related_name="suggestions", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel, default=Channel.ONLINE)
    meeting = models.ForeignKey(
        Meeting,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("meeting"),
    )
    text = models.TextField(_("suggestion"), max_length=TEXT_MAX)
    category = models.CharField(
        _("category"), max_length=12, choices=Category, default=Category.OTHER
    )
    # Private: never shown in public, never exported without the permission to see them.
    name = models.CharField(_("name"), max_length=30, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    received = models.DateField(_("received on"), default=timezone.localdate)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.RECEIVED)
    receipt_code = models.CharField(
        _("receipt code"), max_length=9, unique=True, default=new_receipt_code, editable=False
    )
    # A one-time token from the form, so a double tap or a resent POST stores nothing twice.
    client_token = models.CharField(
        max_length=36, null=True, blank=True, unique=True, editable=False
    )
    reply = models.TextField(_("public reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    projects = models.ManyToManyField(
        Project, blank=True, related_name="suggestions", verbose_name=_("adopted into")
    )
    escalation = models.ForeignKey(
        Escalation, models.SET_NULL, null=True, blank=True, related_name="suggestions"
    )
    is_hidden = models.BooleanField(_("hidden from the public"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[projects])
    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["received", "pk"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(reply=""),
                name="suggestion_closed_only_with_a_reply",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_code} · {self.text[:20]}"

    def get_absolute_url(self) -> str:
        return reverse("suggestions:suggestion_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def days_waiting(self) -> int:
        return (timezone.localdate() - self.received).days

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.days_waiting > settings.SUGGESTION_REPLY_DAYS

    def _answer(self, status: str, *, by, reply: str, **fields) -> None:
        if not reply.strip():
            raise ValidationError(_("Write the public reply."))
        self.status = status
        self.reply = reply.strip()
        self.replied_at = self.replied_at or timezone.now()
        self.replied_by = by
        for name, value in fields.items():
            setattr(self, name, value)
        self._history_user = by
        self.save()

    def consider(self, *, by) -> None:
        if self.status == self.Status.RECEIVED:
            self.status = self.Status.CONSIDERING
            self._history_user = by
            self.save(update_fields=["status", "modified"])

    def answer_not_adopted(self, *, by, reply: str) -> None:
        self._answer(self.Status.NOT_ADOPTED, by=by, reply=reply)

    def close(self, *, by) -> None:
        """Only a suggestion with a public reply may be closed (a constraint guards it too)."""
        if not self.reply:
            raise ValidationError(_("A suggestion cannot be closed without a public reply."))
        self.status = self.Status.CLOSED
        self._history_user = by
        self.save(update_fields=["status", "modified"])

    def hide(self, *, by, reason: str) -> None:
        """Moderation: the text stays (and stays in history), the public no longer sees it."""
        if not reason.strip():
            raise ValidationError(_("Say why the text is hidden."))
        self.is_hidden = True
        self.hidden_reason = reason.strip()
        self._history_user = by
        self.save(update_fields=["is_hidden", "hidden_reason", "modified"])


class ReplyTemplate(models.Model):
    """A township's standard reply to suggestions (e.g. "adopted into next year's list"),
    which a village committee picks and edits when it answers several at once."""

    township = models.ForeignKey(Township, models.CASCADE, related_name="reply_templates")
    title = models.CharField(_("name"), max_length=40)
    text = models.TextField(_("reply"), max_length=1000)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("standard reply")
        verbose_name_plural = _("standard replies")
        constraints = [
            models.UniqueConstraint(
                fields=["township", "title"], name="reply_template_title_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class CandidateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The committee, its township and district; never reviewers (the pool holds
        residents' suggestions before the village has answered them)."""
        return visible_in_scope(self, user, "village", reviewers=False)

    def of(self, village, year: int):
        return self.filter(village=village, year=year)

    def in_pool(self):
        return self.filter(status=Candidate.Status.POOL)

    def not_chosen(self):
        return self.filter(status=Candidate.Status.NOT_CHOSEN)

    def with_asked_count(self):
        """`asked_count`: the suggestions linked plus the residents counted at a meeting,
        `suggestion_count` the first alone; in the same query."""
        return self.annotate(
            suggestion_count=Count("suggestions", distinct=True),
            asked_count=Count("suggestions", distinct=True) + models.F("meeting_count"),
        )

    def for_pool(self, village, year: int):
        """The pool page: the village's candidates of the year, in the pool first, then
        chosen, then not chosen, the most asked for first in each; with the project or
        prohibition each became and its meeting. One query."""
        order = models.Case(
            *(models.When(status=s, then=n) for n, s in enumerate(Candidate.Status.values)),
            output_field=models.IntegerField(),
        )
        return (
            self.of(village, year)
            .with_asked_count()
            .select_related("project", "prohibition", "meeting")
            .order_by(order, "-asked_count", "pk")
        )

    def on_board(self, pledge_list):
        """ "Also asked for, not this year because …": the candidates of a published list's
        village and year that were not chosen, with their reasons; none before publication."""
        if pledge_list is None or not pledge_list.is_public:
            return self.none()
        return (
            self.of(pledge_list.village_id, pledge_list.year)
            .not_chosen()
            .with_asked_count()
            .order_by("-asked_count", "pk")
        )

    def for_export(self, *, villages, year: int):
        """The rows of the pool's export sheet: `villages` (already cut to the user's scope)
        for `year`, village by village, with the counts and what each became. One query."""
        return (
            self.filter(village__in=villages, year=year)
            .with_asked_count()
            .select_related("village", "project", "prohibition")
            .order_by("village__code", "status", "-asked_count", "pk")
        )


class Candidate(models.Model):
    """A possible project or prohibition in the village's pool for a year (候选事项), from
    residents' suggestions (one or many), from a meeting, or from the committee. The list's
    ten and five are chosen from the pool; what is not chosen stays with its reason, which
    the township sees and, once the list is published, the public too."""

    class Kind(models.TextChoices):
        PROJECT = "project", _("livelihood project")
        PROHIBITION = "prohibition", _("prohibition")

    class Source(models.TextChoices):
        SUGGESTIONS = "suggestions", _("residents' suggestions")
        MEETING = "meeting", _("a meeting")
        COMMITTEE = "committee", _("the committee")

    class Status(models.TextChoices):
        POOL = "pool", _("in the pool")
        CHOSEN = "chosen", _("chosen into the list")
        NOT_CHOSEN = "not_chosen", _("not chosen")

    TITLE_MAX = 100  # a project's title; a prohibition's text is longer, never shorter

    village = models.ForeignKey(
        Village, models.CASCADE, related_name="candidates", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.PROJECT)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(
        _("category"), max_length=12, choices=Category, default=Category.OTHER
    )
    source = models.CharField(_("source"), max_length=12, choices=Source, default=Source.COMMITTEE)
    suggestions = models.ManyToManyField(
        Suggestion, blank=True, related_name="candidates", verbose_name=_("suggestions")
    )
    meeting = models.ForeignKey(
        Meeting,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidates",
        verbose_name=_("meeting"),
    )
    # Residents who asked for it at the meeting, as the minutes count them (no suggestion
    # row each): added to the linked suggestions for "how many asked".
    meeting_count = models.PositiveIntegerField(_("residents who asked at the meeting"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.POOL)
    project = models.ForeignKey(
        Project,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidates",
        verbose_name=_("chosen as project"),
    )
    prohibition = models.ForeignKey(
        Prohibition,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidates",
        verbose_name=_("chosen as prohibition"),
    )
    reason = models.CharField(_("why not this year"), max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[suggestions])
    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["village", "-year", "pk"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        indexes = [models.Index(fields=["village", "year", "status"], name="candidate_pool_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="not_chosen") | ~Q(reason=""),
                name="candidate_not_chosen_only_with_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.year} · {self.title}"

    @property
    def is_in_pool(self) -> bool:
        return self.status == self.Status.POOL

    @property
    def chosen_as(self):
        """The project or prohibition this candidate became, if any."""
        return self.project or self.prohibition

    def decline(self, *, by, reason: str) -> bool:
        """Not this year, with the reason the township and (after publication) the public
        read. Only from the pool: a candidate already chosen is changed on the list."""
        if not reason.strip():
            raise ValidationError(_("Say why it is not chosen this year."))
        if not self.is_in_pool:
            return False
        self.status = self.Status.NOT_CHOSEN
        self.reason = reason.strip()
        self.decided_at = timezone.now()
        self._history_user = by
        self.save(update_fields=["status", "reason", "decided_at", "modified"])
        return True

    def mark_chosen(self, item, *, by) -> None:
        """Chosen into the list as `item` (the project or prohibition just created)."""
        if isinstance(item, Project):
            self.project = item
        else:
            self.prohibition = item
        self.status = self.Status.CHOSEN
        self.reason = ""
        self.decided_at = timezone.now()
        self._history_user = by
        self.save()
