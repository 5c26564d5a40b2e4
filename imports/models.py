"""An uploaded Excel file of pledge lists on its way in: checked, previewed, confirmed,
imported all or nothing (see services.py)."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.years import YEAR_MAX, YEAR_MIN

User = settings.AUTH_USER_MODEL


def _import_path(instance, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ImportJob(models.Model):
    """One uploaded Excel file of pledge lists: previewed (a dry run), then confirmed and
    imported all or nothing. The file stays in storage so confirming needs no re-upload, and
    the preview is kept here so the page can be shown again (and by a worker for big files).
    See imports/services.py."""

    class Status(models.TextChoices):
        PREVIEW_QUEUED = "preview_queued", _("waiting to be checked")
        PREVIEWING = "previewing", _("being checked")
        PREVIEWED = "previewed", _("checked")
        IMPORT_QUEUED = "import_queued", _("waiting to be imported")
        IMPORTING = "importing", _("being imported")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")

    RUNNING = (Status.PREVIEW_QUEUED, Status.PREVIEWING, Status.IMPORT_QUEUED, Status.IMPORTING)

    township = models.ForeignKey(
        "villages.Township",
        models.CASCADE,
        related_name="import_jobs",
        verbose_name=_("township"),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]
    )
    file = models.FileField(_("file"), upload_to=_import_path)
    file_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.PREVIEW_QUEUED
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    # {"new": n, "changed": n, "unchanged": n, "error": n}
    counts = models.JSONField(default=dict, blank=True)
    # One entry per data row of the file: see services.preview_rows().
    rows = models.JSONField(default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    confirmed_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("Excel import")
        verbose_name_plural = _("Excel imports")
        indexes = [models.Index(fields=["township", "-created"], name="import_job_township_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("imports:import_job", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def has_errors(self) -> bool:
        return bool(self.counts.get("error"))

    @property
    def may_confirm(self) -> bool:
        """Previewed, no row in error and something to write."""
        return (
            self.status == self.Status.PREVIEWED
            and not self.has_errors
            and bool(self.counts.get("new") or self.counts.get("changed"))
        )

    def claim(self, allowed_from: tuple, to: str) -> bool:
        """Move to `to` only if still in `allowed_from` (a conditional UPDATE): a task that
        Celery delivers twice, or a confirm button pressed twice, runs the work once."""
        updated = ImportJob.objects.filter(pk=self.pk, status__in=allowed_from).update(
            status=to, modified=timezone.now()
        )
        if updated:
            self.status = to
        return bool(updated)
