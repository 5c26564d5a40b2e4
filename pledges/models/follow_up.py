"""What follows a published list: changes the township must approve (no silent edits
after publication) and problems passed up to the township or the district (上报协调)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lib.transitions import conditional_move
from villages.models import Village, visible_in_scope

from .lists import Project

User = settings.AUTH_USER_MODEL


class ChangeRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ChangeRequest.Status.PENDING)


class ChangeRequest(models.Model):
    """A change to a published project's title, target or dates, or its cancellation: the
    village or township asks, the township decides. No silent edits after publication."""

    class Kind(models.TextChoices):
        CHANGE = "change", _("change")
        CANCEL = "cancel", _("cancel the project")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the township")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    # The project fields a change request may touch.
    FIELDS = ("title", "target_quantity", "unit", "planned_start", "planned_finish")

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="change_requests", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.CHANGE)
    title = models.CharField(_("new title"), max_length=100, blank=True)
    target_quantity = models.DecimalField(
        _("new target quantity"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit = models.CharField(_("new unit"), max_length=10, blank=True)
    planned_start = models.DateField(_("new planned start"), null=True, blank=True)
    planned_finish = models.DateField(_("new planned finish"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    requested_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    decided_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status="pending"),
                name="change_request_one_pending_per_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_kind_display()}"

    def changes(self) -> dict:
        """The proposed new values that differ from the project's current ones."""
        return {
            name: getattr(self, name)
            for name in self.FIELDS
            if getattr(self, name) not in (None, "")
            and getattr(self, name) != getattr(self.project, name)
        }

    def _decide(self, to: str, *, by, note: str) -> bool:
        return conditional_move(
            self,
            to,
            (self.Status.PENDING,),
            by=by,
            decided_by=by,
            decided_at=timezone.now(),
            decision_note=note,
        )

    def approve(self, *, by, note: str = "") -> bool:
        return self._decide(self.Status.APPROVED, by=by, note=note)

    def reject(self, *, by, note: str) -> bool:
        if not note.strip():
            raise ValidationError(_("Say why the change is refused."))
        return self._decide(self.Status.REJECTED, by=by, note=note)


class EscalationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return visible_in_scope(self, user, "village")

    def with_project(self):
        return self.select_related("village__township", "project")

    def open_for_township(self, township):
        return self.filter(status=Escalation.Status.OPEN, village__township=township)

    def open_for_district(self, district):
        return self.filter(
            status=Escalation.Status.OPEN,
            level=Escalation.Level.DISTRICT,
            village__township__district=district,
        )


class Escalation(models.Model):
    """A problem a village cannot solve, passed up to the township or on to the district
    (上报协调) with the problem / need / resource lists."""

    class Level(models.TextChoices):
        TOWNSHIP = "township", _("township")
        DISTRICT = "district", _("district")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ANSWERED = "answered", _("answered")

    village = models.ForeignKey(
        Village, models.CASCADE, related_name="escalations", verbose_name=_("village")
    )
    project = models.ForeignKey(
        Project,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name=_("project"),
    )
    level = models.CharField(_("passed to"), max_length=10, choices=Level, default=Level.TOWNSHIP)
    problem = models.TextField(_("problem"))
    need = models.TextField(_("what is needed"), blank=True)
    resources = models.TextField(_("resources available"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    raised_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    answered_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"{self.project or self.village} · {self.problem[:20]}"

    def answer_with(self, *, by, answer: str) -> bool:
        if not answer.strip():
            raise ValidationError(_("Write the answer."))
        return conditional_move(
            self,
            self.Status.ANSWERED,
            (self.Status.OPEN,),
            by=by,
            answer=answer,
            answered_by=by,
            answered_at=timezone.now(),
        )

    def pass_to_district(self, *, by) -> bool:
        """The township cannot solve it either: the district coordinates (区委组织部)."""
        if self.level != self.Level.TOWNSHIP:
            return False
        return conditional_move(
            self, self.Status.OPEN, (self.Status.OPEN,), by=by, level=self.Level.DISTRICT
        )
