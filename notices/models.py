"""Monthly progress notices (一月一通报) from a township to each of its villages.

A `Notice` is unique per (village, period, kind): a re-run, a retried task or a second beat
never makes a second one. Each notice has one `Delivery` per channel, and a delivery is only
ever sent while it is still pending (claimed with a conditional UPDATE, see
`DeliveryQuerySet.claim`). A `NoticeRun` records that notices were asked for, so nothing is
lost when the broker or a worker is down: the sweeper finishes what a run left undone.
"""

import datetime
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_email
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villages.models import Township, Village

User = settings.AUTH_USER_MODEL

PERIOD_RE = r"^\d{4}-(0[1-9]|1[0-2])$"
validate_period = RegexValidator(PERIOD_RE, _("Give the month as YYYY-MM, e.g. 2026-05."))


def period_of(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_start(period: str) -> datetime.date:
    year, month = period.split("-")
    return datetime.date(int(year), int(month), 1)


def period_end(period: str) -> datetime.date:
    """The last day of the month."""
    start = period_start(period)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return following - datetime.timedelta(days=1)


def previous_period(period: str) -> str:
    return period_of(period_start(period) - datetime.timedelta(days=1))


def split_addresses(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;，；]+", text or "") if part]


class Robot(models.Model):
    """A WeChat Work (企业微信) or DingTalk group robot (群机器人) webhook."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeChat Work group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")

    robot_kind = models.CharField(_("robot type"), max_length=10, choices=Kind, blank=True)
    robot_url = models.URLField(
        _("robot webhook address"),
        max_length=500,
        blank=True,
        help_text=_("The robot's webhook address from the group settings (https://…)."),
    )
    robot_secret = models.CharField(
        _("DingTalk signing secret"),
        max_length=100,
        blank=True,
        help_text=_(
            "Only for a DingTalk robot with signing (加签): the secret that starts with SEC. "
            "For a robot with a keyword instead, use the keyword 通报."
        ),
    )

    class Meta:
        abstract = True

    @property
    def has_robot(self) -> bool:
        return bool(self.robot_url and self.robot_kind)

    def clean_robot(self, required: bool) -> None:
        """A robot needs a type and an https address on a known robot host (the server posts
        to it: any other address would let a cadre make it call internal services)."""
        if not required and not self.robot_url:
            return
        errors = {}
        if not self.robot_url:
            errors["robot_url"] = _("Give the robot's webhook address.")
        elif not robot_host_allowed(self.robot_url):
            errors["robot_url"] = _(
                "Use the webhook address of a WeChat Work or DingTalk robot "
                "(https://qyapi.weixin.qq.com/… or https://oapi.dingtalk.com/…)."
            )
        if not self.robot_kind:
            errors["robot_kind"] = _("Choose the robot type.")
        if self.robot_secret and self.robot_kind != self.Kind.DINGTALK:
            errors["robot_secret"] = _("Only DingTalk robots use a signing secret.")
        if errors:
            raise ValidationError(errors)


def robot_host_allowed(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    allowed = [h.lower() for h in settings.NOTICE_ROBOT_HOSTS]
    return host in allowed and (parts.scheme == "https" or host in ("127.0.0.1", "localhost"))


class TownshipNoticeSettings(Robot):
    """What a township's notices say (its template and message) and its group robot."""

    township = models.OneToOneField(
        Township, models.CASCADE, related_name="notice_settings", verbose_name=_("township")
    )
    template = models.TextField(
        _("notice template"),
        blank=True,
        max_length=4000,
        help_text=_("Leave empty to use the standard template."),
    )
    message = models.TextField(
        _("township's message"),
        blank=True,
        max_length=1000,
        help_text=_("Added to every village's notice, e.g. a reminder for the month."),
    )
    modified = models.DateTimeField(auto_now=True)
    modified_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["township"]
        verbose_name = _("township notice settings")
        verbose_name_plural = _("township notice settings")

    def __str__(self) -> str:
        return str(self.township)

    @classmethod
    def for_township(cls, township: Township) -> "TownshipNoticeSettings":
        """The saved settings, or empty ones (not saved) when the township has none."""
        return cls.objects.filter(township=township).first() or cls(township=township)

    def clean(self) -> None:
        self.clean_robot(required=False)


class VillageNoticeSettings(Robot):
    """Which channels a village's notices go to. A village without a row gets the in-app
    inbox, plus e-mail when its record has an e-mail address."""

    class RobotChoice(models.TextChoices):
        NONE = "none", _("no group robot")
        OWN = "own", _("the village's own group robot")
        TOWNSHIP = "township", _("the township's group robot (one summary for all villages)")

    village = models.OneToOneField(
        Village, models.CASCADE, related_name="notice_settings", verbose_name=_("village")
    )
    by_inbox = models.BooleanField(_("in-app inbox of the village committee"), default=True)
    by_email = models.BooleanField(_("e-mail"), default=False)
    emails = models.TextField(
        _("e-mail addresses"),
        blank=True,
        max_length=1000,
        help_text=_("One or more, separated by commas or new lines."),
    )
    robot = models.CharField(
        _("group robot"), max_length=10, choices=RobotChoice, default=RobotChoice.NONE
    )
    modified = models.DateTimeField(auto_now=True)
    modified_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["village"]
        verbose_name = _("village notice channels")
        verbose_name_plural = _("village notice channels")

    def __str__(self) -> str:
        return str(self.village)

    def clean(self) -> None:
        errors = {}
        addresses = split_addresses(self.emails)
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                errors["emails"] = _("%(address)s is not an e-mail address.") % {"address": address}
                break
        if self.by_email and not addresses and "emails" not in errors:
            errors["emails"] = _("Give at least one address, or turn e-mail off.")
        if errors:
            raise ValidationError(errors)
        self.clean_robot(required=self.robot == self.RobotChoice.OWN)

    @classmethod
    def for_village(cls, village: Village) -> "VillageNoticeSettings":
        """The saved settings, or the defaults (not saved) when the village has none."""
        try:
            return village.notice_settings
        except cls.DoesNotExist:
            return cls(village=village, by_email=bool(village.email), emails=village.email)

    def channels(self) -> list[tuple[str, str]]:
        """(channel, target) of every delivery a notice to this village gets."""
        wanted = []
        if self.by_inbox:
            wanted.append((Delivery.Channel.INBOX, ""))
        if self.by_email and split_addresses(self.emails):
            wanted.append((Delivery.Channel.EMAIL, ", ".join(split_addresses(self.emails))))
        if self.robot == self.RobotChoice.OWN and self.has_robot:
            wanted.append((Delivery.Channel.ROBOT, Delivery.OWN_ROBOT))
        elif self.robot == self.RobotChoice.TOWNSHIP:
            wanted.append((Delivery.Channel.ROBOT, Delivery.TOWNSHIP_ROBOT))
        return wanted


class CalendarDay(models.Model):
    """A public holiday or a make-up working day (调休) the calendar package does not know,
    e.g. next year's before the package is updated. Wins over the package and weekends."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Tick for a make-up working day, leave empty for a holiday.")
    )
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")

    def __str__(self) -> str:
        return f"{self.date} {self.note}"


class NoticeRunQuerySet(models.QuerySet):
    def to_sweep(self, now: datetime.datetime, stale: datetime.timedelta):
        """Unfinished runs that are due and have not moved for `stale`: a lost task, a
        worker killed mid-batch, a broker that was down when they were queued."""
        return self.filter(
            completed_at__isnull=True,
            due_at__lte=now,
            modified__lte=now - stale,
            created__gte=now - datetime.timedelta(days=settings.NOTICE_RUN_DAYS),
        )


class NoticeRun(models.Model):
    """A request for notices: the monthly schedule (every village), a township's "send to
    all" or "send to one village". Kept so that the sweeper can finish it."""

    period = models.CharField(_("month"), max_length=7, validators=[validate_period])
    kind = models.CharField(_("kind"), max_length=20, default="monthly")
    township = models.ForeignKey(
        Township,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        Village, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("village")
    )
    due_at = models.DateTimeField(_("due at"), default=timezone.now)
    requested_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # Moves whenever the run or one of its township batches makes progress.
    modified = models.DateTimeField(auto_now=True)

    objects = NoticeRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("notice run")
        verbose_name_plural = _("notice runs")
        indexes = [models.Index(fields=["completed_at", "due_at"], name="notice_run_open")]

    def __str__(self) -> str:
        return f"{self.period} {self.village or self.township or _('all villages')}"

    def villages(self):
        """Every village this run must reach."""
        if self.village_id:
            return Village.objects.filter(pk=self.village_id)
        if self.township_id:
            return Village.objects.filter(township_id=self.township_id)
        return Village.objects.all()

    def villages_without_notice(self):
        return self.villages().exclude(
            Exists(
                Notice.objects.filter(village=OuterRef("pk"), period=self.period, kind=self.kind)
            )
        )

    def touch(self) -> None:
        type(self).objects.filter(pk=self.pk).update(modified=timezone.now())


class NoticeQuerySet(models.QuerySet):
    def in_inbox(self):
        """Notices the inbox channel has delivered (the only ones a village sees)."""
        return self.filter(
            Exists(
                Delivery.objects.filter(
                    notice=OuterRef("pk"),
                    channel=Delivery.Channel.INBOX,
                    status=Delivery.Status.SENT,
                )
            )
        )

    def for_villages(self, village_ids):
        return self.filter(village_id__in=village_ids)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def unread_counts(self, village_ids) -> dict[int, int]:
        """Unread inbox notices per village: one query."""
        rows = (
            self.for_villages(village_ids)
            .unread()
            .in_inbox()
            .values("village_id")
            .annotate(n=models.Count("id"))
            .order_by()
        )
        counts = dict.fromkeys(village_ids, 0)
        counts.update({row["village_id"]: row["n"] for row in rows})
        return counts


class Notice(models.Model):
    """One township's notice (通报) to one village for one month."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("monthly progress notice")

    township = models.ForeignKey(
        Township, models.CASCADE, related_name="notices", verbose_name=_("township")
    )
    village = models.ForeignKey(
        Village, models.CASCADE, related_name="notices", verbose_name=_("village")
    )
    period = models.CharField(_("month"), max_length=7, validators=[validate_period])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.MONTHLY)
    body = models.TextField(_("text"))
    # The counts behind the text (projects, overdue, awaiting, suggestions, deadlines): the
    # township page and the robot summary show them without parsing the text.
    figures = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "period", "kind"], name="notice_one_per_village_period_kind"
            ),
            models.CheckConstraint(
                condition=Q(period__regex=PERIOD_RE), name="notice_period_is_a_month"
            ),
        ]
        indexes = [models.Index(fields=["township", "period"], name="notice_township_period")]

    def __str__(self) -> str:
        return f"{self.village} {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("notices:notice_detail", args=[self.pk])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def mark_read(self, *, by) -> bool:
        """First reader only: a conditional UPDATE, so two committee members opening it at
        once record one reader."""
        now = timezone.now()
        updated = Notice.objects.filter(pk=self.pk, read_at__isnull=True).update(
            read_at=now, read_by=by
        )
        if updated:
            self.read_at, self.read_by = now, by
        return bool(updated)


class DeliveryQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Delivery.Status.PENDING)

    def unclaimed(self, now: datetime.datetime):
        return self.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))

    def claim(self) -> list["Delivery"]:
        """Take the pending, unclaimed deliveries among these for one attempt. A conditional
        UPDATE with a fresh token decides which worker sends what: a second worker running
        the same task (at-least-once delivery) gets nothing. The claim lapses after
        NOTICE_CLAIM_SECONDS, so a worker killed mid-send leaves nothing stuck."""
        now = timezone.now()
        token = uuid.uuid4()
        self.pending().unclaimed(now).update(
            claim=token,
            claimed_until=now + datetime.timedelta(seconds=settings.NOTICE_CLAIM_SECONDS),
        )
        return list(
            Delivery.objects.filter(claim=token).select_related(
                "notice__village", "notice__township"
            )
        )

    def stale(self, now: datetime.datetime, grace: datetime.timedelta):
        """Pending deliveries whose next attempt is overdue by `grace`: their task was lost."""
        return self.pending().unclaimed(now).filter(next_attempt_at__lte=now - grace)

    def failed_for_township(self, township):
        return (
            self.filter(status=Delivery.Status.FAILED, notice__township=township)
            .select_related("notice__village")
            .order_by("-modified")
        )


class Delivery(models.Model):
    """One channel of one notice: its state, attempts and last error."""

    class Channel(models.TextChoices):
        INBOX = "inbox", _("in-app inbox")
        EMAIL = "email", _("e-mail")
        ROBOT = "robot", _("group robot")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    OWN_ROBOT = "own"
    TOWNSHIP_ROBOT = "township"

    notice = models.ForeignKey(
        Notice, models.CASCADE, related_name="deliveries", verbose_name=_("notice")
    )
    channel = models.CharField(_("delivery channel"), max_length=10, choices=Channel)
    # E-mail: the addresses; robot: "own" or "township" (the address stays in the settings).
    target = models.CharField(_("recipients"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["notice_id", "channel"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "channel"], name="delivery_one_per_notice_channel"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next"),
            models.Index(fields=["claim"], name="delivery_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.notice} · {self.get_channel_display()} · {self.get_status_display()}"

    @property
    def is_township_robot(self) -> bool:
        return self.channel == self.Channel.ROBOT and self.target == self.TOWNSHIP_ROBOT
