"""Pledge lists and what happens to them: pledge → fulfil (the township reviews, the village
reports progress, the township verifies and strikes off).

State changes live on the models (`PledgeList.approve`, `Project.verify`); writes that touch
several models live in `services.py`. Every model keeps its full history.
"""

import datetime
import io
import secrets
import statistics
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps
from simple_history.models import HistoricalRecords

from villages.models import Village, visible_in_scope

User = settings.AUTH_USER_MODEL


def conditional_move(obj, to: str, allowed_from: tuple, *, by, **fields) -> bool:
    """Move `obj` to status `to` only if it is still in one of `allowed_from`.

    A conditional UPDATE decides the race (two cadres pressing the same button: one wins, the
    other gets False); then a save() of the same fields records the step, and who took it, in
    the history table, which an UPDATE alone would not.
    """
    fields["status"] = to
    if hasattr(obj, "modified"):
        fields["modified"] = timezone.now()
    updated = type(obj).objects.filter(pk=obj.pk, status__in=allowed_from).update(**fields)
    if updated:
        for name, value in fields.items():
            setattr(obj, name, value)
        obj._history_user = by
        obj.save(update_fields=list(fields))
    return bool(updated)


class PledgeListQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Lists in the user's scope, whatever their status (the public sees published
        lists on the board through `published()`)."""
        return visible_in_scope(self, user, "village")

    def with_tree(self):
        return self.select_related("village__township__district")

    def for_year(self, year: int):
        return self.filter(year=year)

    def in_township(self, township):
        return self.filter(village__township=township)

    def with_project_counts(self):
        """Per list: projects, verified, completed (waiting for verification), in progress,
        overdue. One query for any number of lists."""
        today = timezone.localdate()
        return self.annotate(
            project_count=Count("projects", filter=~Q(projects__status=Project.Status.CANCELLED)),
            verified_count=Count("projects", filter=Q(projects__status=Project.Status.VERIFIED)),
            completed_count=Count("projects", filter=Q(projects__status=Project.Status.COMPLETED)),
            in_progress_count=Count(
                "projects", filter=Q(projects__status=Project.Status.IN_PROGRESS)
            ),
            overdue_count=Count("projects", filter=Project.overdue_q(today, "projects__")),
        )

    def published(self):
        return self.filter(status=PledgeList.Status.PUBLISHED)

    def board_stamp(self) -> str:
        """What the public board shows from these lists changes exactly when this changes:
        every list and project write moves `modified` (auto_now), a deleted project lowers
        the count. One query; the board caches pages and answers ETags with it."""
        row = self.aggregate(
            lists_modified=models.Max("modified"),
            projects_modified=models.Max("projects__modified"),
            project_total=Count("projects"),
        )
        return "|".join(str(value) for value in row.values())

    def township_summary(self, *, district, year: int, published_only: bool = False) -> list:
        """The district page: each township with its lists by status and project counts.
        Two queries whatever the number of townships or villages."""
        from villages.models import Township

        today = timezone.localdate()
        project = Project.Status
        rows = {
            row["village__township"]: row
            for row in (self.published() if published_only else self)
            .filter(year=year, village__township__district=district)
            .values("village__township")
            .annotate(
                list_count=Count("id", distinct=True),
                published_count=Count(
                    "id", distinct=True, filter=Q(status=PledgeList.Status.PUBLISHED)
                ),
                waiting_review_count=Count(
                    "id", distinct=True, filter=Q(status=PledgeList.Status.SUBMITTED)
                ),
                project_count=Count("projects", filter=~Q(projects__status=project.CANCELLED)),
                verified_count=Count("projects", filter=Q(projects__status=project.VERIFIED)),
                completed_count=Count("projects", filter=Q(projects__status=project.COMPLETED)),
                overdue_count=Count("projects", filter=Project.overdue_q(today, "projects__")),
            )
            .order_by()
        }
        townships = list(Township.objects.filter(district=district).with_village_count())
        for township in townships:
            township.summary = rows.get(township.pk, {})
        return townships


class PledgeList(models.Model):
    """One village's pledge list (年度承诺清单) for one year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted for review")
        RETURNED = "returned", _("returned for revision")
        APPROVED = "approved", _("approved")
        PUBLISHED = "published", _("published")

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="pledge_lists", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    review_comment = models.TextField(_("township's comments"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = PledgeListQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "village__code"]
        verbose_name = _("pledge list")
        verbose_name_plural = _("pledge lists")
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="pledge_list_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("pledges:pledge_list_detail", args=[self.pk])

    @staticmethod
    def totals(pledge_lists) -> dict:
        """Sum the annotated counts of `with_project_counts()` lists, for a dashboard's total
        row (no extra query)."""
        names = [
            "project_count",
            "verified_count",
            "completed_count",
            "in_progress_count",
            "overdue_count",
        ]
        totals = {name: sum(getattr(pl, name) for pl in pledge_lists) for name in names}
        totals["list_count"] = len(pledge_lists)
        totals["published_count"] = sum(pl.is_public for pl in pledge_lists)
        return totals

    @property
    def is_editable(self) -> bool:
        """Drafts and returned lists are edited freely; later, only by change request."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def submission_problems(self) -> list[str]:
        """What stops this list from being submitted: the counts are enforced here, not on
        drafts, so a village can save half a list."""
        problems = []
        projects = self.projects.exclude(status=Project.Status.CANCELLED).count()
        prohibitions = self.prohibitions.count()
        if projects != settings.PLEDGE_PROJECT_COUNT:
            problems.append(
                _("The list needs %(want)s projects; it has %(have)s.")
                % {"want": settings.PLEDGE_PROJECT_COUNT, "have": projects}
            )
        if prohibitions != settings.PLEDGE_PROHIBITION_COUNT:
            problems.append(
                _("The list needs %(want)s prohibitions; it has %(have)s.")
                % {"want": settings.PLEDGE_PROHIBITION_COUNT, "have": prohibitions}
            )
        return problems

    def _move(self, to: str, allowed_from: tuple, *, by, **fields) -> bool:
        """Change status with a conditional UPDATE so two cadres acting at once cannot both win;
        returns False when the list was no longer in an allowed state."""
        return conditional_move(self, to, allowed_from, by=by, **fields)

    def submit(self, *, by) -> bool:
        problems = self.submission_problems()
        if problems:
            raise ValidationError(problems)
        return self._move(
            self.Status.SUBMITTED,
            (self.Status.DRAFT, self.Status.RETURNED),
            by=by,
            submitted_at=timezone.now(),
            submitted_by=by,
        )

    def return_for_revision(self, *, by, comment: str) -> bool:
        if not comment.strip():
            raise ValidationError(_("Say what the village should change."))
        return self._move(
            self.Status.RETURNED,
            (self.Status.SUBMITTED,),
            by=by,
            review_comment=comment,
            reviewed_at=timezone.now(),
            reviewed_by=by,
        )

    def approve(self, *, by, comment: str = "") -> bool:
        return self._move(
            self.Status.APPROVED,
            (self.Status.SUBMITTED,),
            by=by,
            review_comment=comment,
            reviewed_at=timezone.now(),
            reviewed_by=by,
        )

    def publish(self, *, by) -> bool:
        return self._move(
            self.Status.PUBLISHED,
            (self.Status.APPROVED,),
            by=by,
            published_at=timezone.now(),
            published_by=by,
        )


class Category(models.TextChoices):
    ROADS = "roads", _("roads")
    DRINKING_WATER = "water", _("drinking water")
    LIGHTING = "lighting", _("lighting")
    IRRIGATION = "irrigation", _("irrigation")
    INDUSTRY = "industry", _("industry and income")
    HOUSING = "housing", _("housing and safety")
    CARE = "care", _("elderly and children")
    ENVIRONMENT = "environment", _("environment and sanitation")
    CULTURE = "culture", _("culture and services")
    OTHER = "other", _("other")


# Units offered in forms; others may be typed.
UNITS = ["盏", "米", "公里", "亩", "户", "个", "处", "座", "间", "人", "场", "台", "项"]


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        return visible_in_scope(self, user, "pledge_list__village")

    def with_list(self):
        return self.select_related("pledge_list__village__township__district")

    def overdue(self, today: datetime.date | None = None):
        return self.filter(Project.overdue_q(today or timezone.localdate()))

    def waiting_for_verification(self):
        return self.filter(status=Project.Status.COMPLETED)

    def in_township(self, township):
        return self.filter(pledge_list__village__township=township)

    def with_photos(self):
        """Projects with their updates' photos in two more queries, for thumbnails."""
        return self.prefetch_related(
            models.Prefetch("updates", queryset=ProgressUpdate.objects.order_by("-date", "-pk")),
            "updates__photos",
        )

    def outcomes(self):
        """The year's measurable results: completed and verified quantities summed by category
        and unit (e.g. 1,923 盏 of street lamps), from published lists only."""
        return (
            self.filter(
                status__in=[Project.Status.COMPLETED, Project.Status.VERIFIED],
                pledge_list__status=PledgeList.Status.PUBLISHED,
                target_quantity__isnull=False,
            )
            .exclude(unit="")
            .values("category", "unit")
            .annotate(total=models.Sum("target_quantity"), projects=Count("id"))
            .order_by("category", "unit")
        )

    def outcome_rows(self) -> list[dict]:
        """`outcomes()` with each category's label, ready for a template."""
        return [{**row, "category": Category(row["category"]).label} for row in self.outcomes()]

    def filter_by_state(self, state: str):
        """The filters the dashboard numbers link to (see PROJECT_STATES)."""
        if state == "overdue":
            return self.overdue()
        if state in Project.Status.values:
            return self.filter(status=state)
        return self


# Filters offered on the township's project list: every dashboard number links to one.
PROJECT_STATES = [
    ("", _("all")),
    ("planned", _("planned")),
    ("in_progress", _("in progress")),
    ("overdue", _("overdue")),
    ("completed", _("waiting for verification")),
    ("verified", _("verified")),
    ("cancelled", _("cancelled")),
]


class Project(models.Model):
    """One of the ten livelihood projects (民生实事) of a list."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed, waiting for verification")
        VERIFIED = "verified", _("verified and struck off")
        CANCELLED = "cancelled", _("cancelled")

    ACTIVE = (Status.PLANNED, Status.IN_PROGRESS)

    pledge_list = models.ForeignKey(
        PledgeList, models.CASCADE, related_name="projects", verbose_name=_("pledge list")
    )
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=100)
    category = models.CharField(
        _("category"), max_length=12, choices=Category, default=Category.OTHER
    )
    description = models.TextField(_("description"), blank=True)
    lead_name = models.CharField(
        _("lead official"),
        max_length=30,
        blank=True,
        help_text=_("The official who leads this project (领办人)."),
    )
    lead_post = models.CharField(_("lead official's post"), max_length=50, blank=True)
    target_quantity = models.DecimalField(
        _("target quantity"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    budget = models.DecimalField(
        _("budget (10,000 yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    funding_source = models.CharField(_("funding source"), max_length=100, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_finish = models.DateField(_("planned finish"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PLANNED)
    review_comment = models.TextField(_("feasibility comment"), blank=True)
    percent_done = models.PositiveSmallIntegerField(
        _("percent done"), default=0, validators=[MaxValueValidator(100)]
    )
    quantity_done = models.DecimalField(
        _("quantity done"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    status_note = models.TextField(_("note on the last status change"), blank=True)
    carried_from = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_into",
        verbose_name=_("carried over from"),
        help_text=_("Last year's unfinished project that this one continues."),
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["pledge_list", "number"]
        verbose_name = _("livelihood project")
        verbose_name_plural = _("livelihood projects")
        constraints = [
            models.UniqueConstraint(
                fields=["pledge_list", "number"], name="project_number_unique_in_list"
            ),
            models.CheckConstraint(
                condition=Q(percent_done__lte=100), name="project_percent_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(planned_finish__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_finish__gte=models.F("planned_start")),
                name="project_finish_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("pledges:project_detail", args=[self.pk])

    def clean(self) -> None:
        if self.planned_start and self.planned_finish and self.planned_finish < self.planned_start:
            raise ValidationError({"planned_finish": _("The finish date is before the start.")})
        if self.target_quantity is not None and not self.unit:
            raise ValidationError(
                {"unit": _("Give the unit of the target quantity (盏, 米, 亩 …).")}
            )

    @staticmethod
    def overdue_q(today: datetime.date, prefix: str = "") -> Q:
        """Overdue is derived, never stored: still active after its planned finish."""
        return Q(**{f"{prefix}status__in": Project.ACTIVE, f"{prefix}planned_finish__lt": today})

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in self.ACTIVE
            and self.planned_finish is not None
            and self.planned_finish < timezone.localdate()
        )

    @property
    def is_open(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def latest_photo(self):
        """From `with_photos()` prefetches: the newest update's first photo, if any."""
        for update in self.updates.all():
            photos = update.photos.all()
            if photos:
                return photos[0]
        return None

    def timeline(self) -> list[dict]:
        """Everything that happened to the project, newest first: status changes and edits
        (from history), progress with photos, change requests, escalations. Five queries."""
        events = []
        previous = None
        for record in reversed(
            self.history.select_related("history_user").order_by("history_date", "history_id")
        ):
            if previous is None or record.status != previous.status:
                events.append(
                    {
                        "when": record.history_date,
                        "kind": "status",
                        "who": record.history_user,
                        "record": record,
                        "status": Project.Status(record.status).label,
                        "note": record.status_note if previous else "",
                    }
                )
            elif previous is not None:
                changed = [
                    c.field
                    for c in record.diff_against(
                        previous, included_fields=TRACKED_EDIT_FIELDS
                    ).changes
                ]
                if changed:
                    events.append(
                        {
                            "when": record.history_date,
                            "kind": "edit",
                            "who": record.history_user,
                            "record": record,
                            "fields": [str(self._meta.get_field(f).verbose_name) for f in changed],
                            "note": record.history_change_reason or "",
                        }
                    )
            previous = record
        for update in self.updates.select_related("author").prefetch_related("photos"):
            events.append(
                {"when": update.created, "kind": "update", "who": update.author, "update": update}
            )
        for change in self.change_requests.select_related("requested_by", "decided_by"):
            events.append(
                {
                    "when": change.created,
                    "kind": "change",
                    "who": change.requested_by,
                    "change": change,
                }
            )
        for escalation in self.escalations.select_related("raised_by", "answered_by"):
            events.append(
                {
                    "when": escalation.created,
                    "kind": "escalation",
                    "who": escalation.raised_by,
                    "escalation": escalation,
                }
            )
        events.sort(key=lambda event: event["when"], reverse=True)
        return events

    def _move(self, to: str, allowed_from: tuple, *, by, **fields) -> bool:
        return conditional_move(self, to, allowed_from, by=by, **fields)

    def record_progress(self, *, percent: int | None, quantity: Decimal | None) -> None:
        """Keep the latest figures on the project so lists and the board need no sub-query."""
        fields = {}
        if percent is not None:
            fields["percent_done"] = percent
        if quantity is not None:
            fields["quantity_done"] = quantity
        if self.status == self.Status.PLANNED:
            fields["status"] = self.Status.IN_PROGRESS
        for name, value in fields.items():
            setattr(self, name, value)
        if fields:
            self.save(update_fields=[*fields, "modified"])

    def complete(self, *, by, note: str) -> bool:
        """The village says it is done; the township still has to verify it."""
        return self._move(
            self.Status.COMPLETED,
            self.ACTIVE,
            by=by,
            completed_at=timezone.now(),
            completed_by=by,
            status_note=note,
            percent_done=100,
        )

    def verify(self, *, by, note: str = "") -> bool:
        """Strike off (销号): only a completed project, only once."""
        return self._move(
            self.Status.VERIFIED,
            (self.Status.COMPLETED,),
            by=by,
            verified_at=timezone.now(),
            verified_by=by,
            status_note=note,
        )

    def send_back(self, *, by, reason: str) -> bool:
        """The township finds it not done: back to in progress, with the reason kept."""
        if not reason.strip():
            raise ValidationError(_("Say why the project is not done yet."))
        return self._move(
            self.Status.IN_PROGRESS,
            (self.Status.COMPLETED,),
            by=by,
            status_note=reason,
            completed_at=None,
            completed_by=None,
        )

    def reopen(self, *, by, reason: str) -> bool:
        """A verified project found not done after all (a resident's challenge upheld): back to
        in progress, with the reason kept on the project and in its history."""
        if not reason.strip():
            raise ValidationError(_("Say why the project is reopened."))
        return self._move(
            self.Status.IN_PROGRESS,
            (self.Status.VERIFIED,),
            by=by,
            status_note=reason,
            verified_at=None,
            verified_by=None,
            completed_at=None,
            completed_by=None,
        )

    def cancel(self, *, by, reason: str) -> bool:
        """Only through an approved change request (see services.change_request_decide)."""
        return self._move(
            self.Status.CANCELLED, (*self.ACTIVE, self.Status.COMPLETED), by=by, status_note=reason
        )


# Edits of these fields show on a project's timeline (status changes show on their own).
TRACKED_EDIT_FIELDS = [
    "title",
    "target_quantity",
    "unit",
    "planned_start",
    "planned_finish",
    "lead_name",
    "lead_post",
    "budget",
    "description",
    "review_comment",
]


class Prohibition(models.Model):
    """One of the five prohibitions (不准事项): what the village cadres promise not to do."""

    pledge_list = models.ForeignKey(
        PledgeList, models.CASCADE, related_name="prohibitions", verbose_name=_("pledge list")
    )
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    text = models.CharField(_("prohibition"), max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pledge_list", "number"]
        verbose_name = _("prohibition")
        verbose_name_plural = _("prohibitions")
        constraints = [
            models.UniqueConstraint(
                fields=["pledge_list", "number"], name="prohibition_number_unique_in_list"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


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


PHOTO_MAX_SIDE = 2560
THUMBNAIL_SIDE = 480


def _as_jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def store_photo(obj, upload) -> None:
    """Fill `obj`'s image, thumbnail, width and height from a checked upload (see
    forms.validate_photo), re-encoded as JPEG: the EXIF orientation is applied and then
    dropped with the rest of the metadata (GPS included). Shared by every model with a photo."""
    upload.seek(0)
    with Image.open(upload) as original:
        image = ImageOps.exif_transpose(original).convert("RGB")
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    full = _as_jpeg(image)
    obj.width, obj.height = image.width, image.height
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    name = uuid.uuid4().hex
    obj.image.save(f"{name}.jpg", ContentFile(full), save=False)
    obj.thumbnail.save(f"{name}-thumb.jpg", ContentFile(_as_jpeg(image)), save=False)


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
        """Store a checked upload (see forms.validate_photo) re-encoded as JPEG: the EXIF
        orientation is applied and then dropped with the rest of the metadata (GPS included),
        and a thumbnail is made for lists and the board."""
        photo = cls(update=update)
        store_photo(photo, upload)
        photo.save()
        return photo


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
        pledges.view_suggestion)."""
        return visible_in_scope(self, user, "village", reviewers=False)

    def with_village(self):
        return self.select_related("village__township")

    def unanswered(self):
        return self.filter(status__in=Suggestion.OPEN)

    def overdue(self, today: datetime.date | None = None):
        """Unanswered for longer than SUGGESTION_REPLY_DAYS (default 15)."""
        today = today or timezone.localdate()
        limit = today - datetime.timedelta(days=settings.SUGGESTION_REPLY_DAYS)
        return self.unanswered().filter(received__lt=limit)

    def visible_to_public(self):
        return self.filter(is_hidden=False)

    def board_stamp(self) -> str:
        row = self.aggregate(modified=models.Max("modified"), count=Count("id"))
        return f"{row['modified']}|{row['count']}"

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
        return reverse("pledges:suggestion_detail", args=[self.pk])

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


def _import_path(instance, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ImportJob(models.Model):
    """One uploaded Excel file of pledge lists: previewed (a dry run), then confirmed and
    imported all or nothing. The file stays in storage so confirming needs no re-upload, and
    the preview is kept here so the page can be shown again (and by a worker for big files).
    See pledges/imports.py."""

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
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    file = models.FileField(_("file"), upload_to=_import_path)
    file_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.PREVIEW_QUEUED
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    # {"new": n, "changed": n, "unchanged": n, "error": n}
    counts = models.JSONField(default=dict, blank=True)
    # One entry per data row of the file: see imports.preview_rows().
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
        return reverse("pledges:import_job", args=[self.pk])

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
