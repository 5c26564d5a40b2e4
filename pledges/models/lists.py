"""Pledge lists and their items: one village's list for a year (年度承诺清单), its ten
livelihood projects (民生实事) and five prohibitions (不准事项), and the state changes the
township and the village make to them (`PledgeList.approve`, `Project.verify`)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lib.transitions import conditional_move
from lib.year_nav import working_year
from lib.years import YEAR_MAX, YEAR_MIN
from villages.models import Township, Village, visible_in_scope

from .decision import DecisionRecord

User = settings.AUTH_USER_MODEL


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

    def in_district(self, district):
        return self.filter(village__township__district=district)

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

    def years(self) -> list[int]:
        """The years these lists cover, oldest first. One query."""
        return list(self.order_by("year").values_list("year", flat=True).distinct())

    def years_waiting(self, status: str) -> list[tuple[int, int]]:
        """(year, how many of these lists are in `status`) for every year they cover, for the
        year switcher's notes. One query."""
        rows = (
            self.values("year")
            .annotate(waiting=Count("id", filter=Q(status=status)))
            .order_by("year")
        )
        return [(row["year"], row["waiting"]) for row in rows]

    def township_rows(self, township, year: int) -> tuple[list, dict]:
        """The township dashboard's table: (village, its list with `with_project_counts` or
        None) for every village of the township, and the totals row. Two queries."""
        lists = (
            self.for_year(year)
            .in_township(township)
            .with_project_counts()
            .select_related("village")
        )
        by_village = {pledge_list.village_id: pledge_list for pledge_list in lists}
        rows = [(village, by_village.get(village.pk)) for village in township.villages.all()]
        return rows, PledgeList.totals(by_village.values())

    def township_summary(self, *, district, year: int, published_only: bool = False) -> list:
        """The district page: each township with its lists by status and project counts
        (every count present, 0 for a township without lists this year). Two queries
        whatever the number of townships or villages."""
        today = timezone.localdate()
        project = Project.Status
        counts = {
            "list_count": Count("id", distinct=True),
            "published_count": Count(
                "id", distinct=True, filter=Q(status=PledgeList.Status.PUBLISHED)
            ),
            "waiting_review_count": Count(
                "id", distinct=True, filter=Q(status=PledgeList.Status.SUBMITTED)
            ),
            "project_count": Count("projects", filter=~Q(projects__status=project.CANCELLED)),
            "verified_count": Count("projects", filter=Q(projects__status=project.VERIFIED)),
            "completed_count": Count("projects", filter=Q(projects__status=project.COMPLETED)),
            "overdue_count": Count("projects", filter=Project.overdue_q(today, "projects__")),
        }
        rows = {
            row["village__township"]: row
            for row in (self.published() if published_only else self)
            .filter(year=year, village__township__district=district)
            .values("village__township")
            .annotate(**counts)
            .order_by()
        }
        none = dict.fromkeys(counts, 0)
        townships = list(Township.objects.filter(district=district).with_village_count())
        for township in townships:
            township.summary = {**none, **rows.get(township.pk, {})}
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
        _("year"), validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]
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

    @staticmethod
    def working_year(pledge_lists) -> int:
        """The year a village's page opens on: a list the committee still has to draft or
        revise, else this year (or the nearest year that has a list)."""
        pledge_lists = list(pledge_lists)
        unfinished = [pl.year for pl in pledge_lists if pl.is_editable]
        if unfinished:
            return max(unfinished)
        return working_year([pl.year for pl in pledge_lists], timezone.localdate().year)

    @property
    def is_editable(self) -> bool:
        """Drafts and returned lists are edited freely; later, only by change request."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def submission_problems(self) -> list[str]:
        """What stops this list from being submitted: the counts and the 4+2 record (its
        four meetings, the deciding meeting's quorum and majority) are enforced here, not on
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
        return problems + DecisionRecord.problems_of(self.decision_record())

    def decision_record(self) -> DecisionRecord | None:
        """The 4+2 record with its meetings (two queries), or None when nothing is recorded
        yet (one query)."""
        return DecisionRecord.objects.filter(pledge_list=self).with_meetings().first()

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

    def of_year(self, year: int):
        return self.filter(pledge_list__year=year)

    def in_township(self, township):
        return self.filter(pledge_list__village__township=township)

    def in_district(self, district):
        return self.filter(pledge_list__village__township__district=district)

    def adoptable(self, *, village, year: int):
        """What a suggestion of `year` may be adopted into: the village's projects of that
        year's list or a later one, not cancelled."""
        return (
            self.filter(pledge_list__village=village, pledge_list__year__gte=year)
            .exclude(status=Project.Status.CANCELLED)
            .select_related("pledge_list")
        )

    def with_photos(self):
        """Projects with their updates' photos in two more queries, for thumbnails: the
        updates come newest first (ProgressUpdate's ordering), so `latest_photo` needs none."""
        return self.prefetch_related("updates", "updates__photos")

    def outcomes(self, *by: str):
        """The year's measurable results: completed and verified quantities summed by category
        and unit (e.g. 1,923 盏 of street lamps), from published lists only. `by` groups them
        further (the figures app sums them per village and year)."""
        return (
            self.filter(
                status__in=[Project.Status.COMPLETED, Project.Status.VERIFIED],
                pledge_list__status=PledgeList.Status.PUBLISHED,
                target_quantity__isnull=False,
            )
            .exclude(unit="")
            .values(*by, "category", "unit")
            .annotate(total=models.Sum("target_quantity"), projects=Count("id"))
            .order_by(*by, "category", "unit")
        )

    def outcome_rows(self) -> list[dict]:
        """`outcomes()` with each category's label, ready for a template."""
        return [{**row, "category": Category(row["category"]).label} for row in self.outcomes()]

    def left_from(self, *, year: int, village_ids):
        """What a carry-over into the next year looks at: the projects of `year`'s published
        lists of these villages that are not struck off, planned or in progress (carried) or
        completed and waiting for verification (not carried: the township verifies them
        first, see services.pledge_list_carry_over)."""
        return self.filter(
            pledge_list__year=year,
            pledge_list__status=PledgeList.Status.PUBLISHED,
            pledge_list__village_id__in=village_ids,
            status__in=[*Project.ACTIVE, Project.Status.COMPLETED],
        ).select_related("pledge_list__village")

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
