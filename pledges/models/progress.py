"""What the village reports on a project (进展): dated updates with their photos."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lib.photos import store_photo

from .lists import Project

User = settings.AUTH_USER_MODEL


class ProgressUpdate(models.Model):
    """A dated report on a project (进展), with zero or more photos."""

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="updates", verbose_name=_("project")
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    percent_done = models.PositiveSmallIntegerField(
        _("percent done"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    quantity_done = models.DecimalField(
        _("quantity done so far"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    note = models.TextField(_("what was done"), blank=True)
    author = models.ForeignKey(
        User, models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    created = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-created"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_done__lte=100), name="update_percent_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.date}"


def _photo_path(instance, filename: str) -> str:
    return f"progress/{timezone.now():%Y/%m}/{filename}"


class Photo(models.Model):
    """A checked, re-encoded photo of a progress update, with its thumbnail."""

    update = models.ForeignKey(ProgressUpdate, models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=_photo_path)
    thumbnail = models.ImageField(upload_to=_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.image.name

    @classmethod
    def create_from_upload(cls, *, update: "ProgressUpdate", upload) -> "Photo":
        """Store a checked upload (see lib.photos.validate_photo) re-encoded as JPEG: the EXIF
        orientation is applied and then dropped with the rest of the metadata (GPS included),
        and a thumbnail is made for lists and the board."""
        photo = cls(update=update)
        store_photo(photo, upload)
        photo.save()
        return photo
