"""Opening a year (开启年度): the district's request to give every village an empty draft list
for the coming year, kept as a job so that a worker can do it in batches while the district
watches the progress. See services.open_year_job_run."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.years import YEAR_MAX, YEAR_MIN
from villages.models import District, Membership

# A queued or running job whose figures have not moved for this long has lost its worker
# (killed mid-batch, a task lost with its broker): asking again starts it anew.
STALLED_AFTER = datetime.timedelta(minutes=5)


class OpenYearJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The jobs of the districts the user administers (all of them for a site
        administrator): the same people who may open a year there."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(district__in=Membership.objects.scope_for(user).district_ids)

    def active_for(self, district, year: int):
        """The district's job for `year` that is queued or running, or None (there is one
        at most). One query."""
        return self.filter(district=district, year=year, status__in=OpenYearJob.ACTIVE).first()


class OpenYearJob(models.Model):
    """One district's opening of one year, done by a worker in batches of villages. Each
    batch commits on its own, so the figures move while it runs and a failure keeps what
    earlier batches wrote; running it again skips the villages that have a list already."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for a worker")
        RUNNING = "running", _("opening")
        DONE = "done", _("opened")
        FAILED = "failed", _("stopped by an error")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    district = models.ForeignKey(
        District, models.CASCADE, related_name="open_year_jobs", verbose_name=_("district")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]
    )
    carry_over = models.BooleanField(_("carry over unfinished projects"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    # Villages without a list for the year when the job was asked for, and those handled.
    total = models.PositiveIntegerField(_("villages to open"), default=0)
    done = models.PositiveIntegerField(_("villages opened"), default=0)
    lists_created = models.PositiveIntegerField(_("lists created"), default=0)
    projects_carried = models.PositiveIntegerField(_("projects carried over"), default=0)
    awaiting_verification = models.PositiveIntegerField(
        _("completed projects left for verification"), default=0
    )
    message = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    # Moves with every batch: a job that stops moving has lost its worker (STALLED_AFTER).
    modified = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OpenYearJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("opening of a year")
        verbose_name_plural = _("openings of a year")
        constraints = [
            # Two presses of the button, or the page and the command at once: one job runs.
            models.UniqueConstraint(
                fields=["district", "year"],
                condition=Q(status__in=["queued", "running"]),
                name="open_year_job_one_active",
            ),
        ]
        indexes = [models.Index(fields=["district", "-created"], name="open_year_job_district")]

    def __str__(self) -> str:
        return f"{self.district} {self.year} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("pledges:open_year_job", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_stalled(self) -> bool:
        return self.is_active and self.modified < timezone.now() - STALLED_AFTER

    @property
    def counts(self) -> dict[str, str]:
        """The figures as reports write them, grouped by thousands ("1,234 / 30,000"): the
        zh-hans number format groups nothing."""
        names = ["done", "total", "lists_created", "projects_carried", "awaiting_verification"]
        return {name: f"{getattr(self, name):,}" for name in names}

    def claim(self) -> bool:
        """Start running, if still queued (or stalled): a task that Celery delivers twice, or
        the command and a worker at once, run the job once. A conditional UPDATE."""
        now = timezone.now()
        waiting = Q(status=self.Status.QUEUED) | Q(
            status=self.Status.RUNNING, modified__lt=now - STALLED_AFTER
        )
        claimed = OpenYearJob.objects.filter(waiting, pk=self.pk).update(
            status=self.Status.RUNNING, started_at=now, modified=now
        )
        if claimed:
            self.status, self.started_at, self.modified = self.Status.RUNNING, now, now
        return bool(claimed)

    def record_batch(self, *, villages: int, lists: int, carried: int, awaiting: int) -> None:
        """Add one batch to the figures, in the batch's transaction. Villages added since
        the job was asked for raise the total."""
        self.done += villages
        self.total = max(self.total, self.done)
        self.lists_created += lists
        self.projects_carried += carried
        self.awaiting_verification += awaiting
        self.save(
            update_fields=[
                "done",
                "total",
                "lists_created",
                "projects_carried",
                "awaiting_verification",
                "modified",
            ]
        )

    def finish(self) -> None:
        """Done: the bar is full even when some villages got their list elsewhere meanwhile
        (a committee that started its own draft)."""
        self.status, self.finished_at = self.Status.DONE, timezone.now()
        self.total = self.done
        self.save(update_fields=["status", "finished_at", "total", "modified"])

    def fail(self, message: str) -> None:
        self.status, self.finished_at, self.message = self.Status.FAILED, timezone.now(), message
        self.save(update_fields=["status", "finished_at", "message", "modified"])
