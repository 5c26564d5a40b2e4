"""Each village's figures for a year, kept beside the rows they are counted from, so the board's
township and district pages add up one row per village instead of grouping every project and
suggestion of the place on each visit; and each district's sums of them (DistrictYear,
DistrictOutcome), so the city page adds up one row per district.

A row holds what the board shows of a village's year: its published list (a draft or a list in
review counts nowhere on the board) with its projects by status, how many are overdue and how
many were verified in each month of the year (the board's month-by-month chart), the
results by category and unit (`Outcome`), the residents' suggestions and meetings, and the
days each answered suggestion waited for its reply (`ReplyWait`: a median cannot be added up,
a count of suggestions per number of days can). `watch.py` recounts a village's year in the
same transaction as every write that changes it; `counting.py` counts them from the source
tables; `manage.py check_figures` compares the two.

A village-year without a published list, a suggestion or a meeting has no row: the pages read
it as zeros. Rows are keyed by village, so a village moved to another township, or a township
to another district, is summed where it now is.
"""

import datetime

from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from pledges.models import Category, PledgeList, Project
from villages.models import District, Township, Village

# The figures of the projects of a village's published list, as the board names them.
PROJECT_FIGURES = (
    "project_count",
    "in_progress_count",
    "completed_count",
    "verified_count",
    "overdue_count",
)
# The projects of a village's published list verified in each month of the list's year
# (January first; one verified in a later year is in none of them): the board's chart of the
# year month by month, summed without reading a project.
VERIFIED_MONTHS = tuple(f"verified_month_{month}" for month in range(1, 13))
# The suggestions and meetings of a village's year (`figures` on the board).
SUGGESTION_FIGURES = ("received", "answered", "adopted", "meetings")
# The answered suggestions of `answered` replied to within settings.SUGGESTION_REPLY_DAYS days
# (the city page's "answered on time"), counted with the setting of the day they were counted:
# after a change of the setting, `manage.py check_figures --fix` counts them again.
ON_TIME = "answered_on_time"


def _overdue_sql(row: str, today: datetime.date) -> tuple[str, list]:
    """SQL for the overdue count of the VillageYear aliased `row` on `today`: the stored
    count while it holds (see VillageYear.overdue_until), else counted now from the projects
    of its published list (only rows the daily recount has not reached yet)."""
    project, pledge_list = Project._meta.db_table, PledgeList._meta.db_table
    sql = (
        f"CASE WHEN {row}.overdue_until <= %s OR {row}.overdue_on > %s THEN"
        f" CAST((SELECT COUNT(*) FROM {project} p JOIN {pledge_list} l"
        f" ON p.pledge_list_id = l.id WHERE l.village_id = {row}.village_id"
        f" AND l.year = {row}.year AND l.status = %s AND p.status IN (%s, %s)"
        f" AND p.planned_finish < %s) AS INTEGER)"
        f" ELSE {row}.overdue_count END"
    )
    return sql, [today, today, PledgeList.Status.PUBLISHED, *Project.ACTIVE, today]


class VillageYearQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(year=year)

    def in_township(self, township):
        return self.filter(village__township=township)

    def in_district(self, district):
        return self.filter(village__township__district=district)

    def published(self):
        return self.filter(is_published=True)

    def stale(self, today: datetime.date):
        """Rows whose overdue count no longer holds on `today` (what the daily recount does)."""
        return self.filter(Q(overdue_until__lte=today) | Q(overdue_on__gt=today))

    def years(self) -> list[int]:
        """The years of these rows, oldest first. One query."""
        return list(self.order_by("year").values_list("year", flat=True).distinct())

    # The two queries below are written in SQL on purpose: they run for every cold township
    # and district page, where building them through the ORM (a dozen conditional sums) cost
    # more than running them.

    def of_villages(self, township, year: int, today: datetime.date) -> list[tuple]:
        """The township page: (village, its figures of `year`) for every village of the
        township, by code; the figures are an unsaved VillageYear whose overdue count holds on
        `today`, with `is_published` False and zeros where the village has no row. One query."""
        figures = VillageYear._meta.db_table
        overdue, params = _overdue_sql("f", today)
        counted = [
            name for name in (*PROJECT_FIGURES, *SUGGESTION_FIGURES) if name != "overdue_count"
        ]
        columns = ", ".join(f"f.{name} AS f_{name}" for name in counted)
        villages = Village.objects.raw(
            f"SELECT v.id, v.township_id, v.code, v.name, f.is_published AS f_is_published,"
            f" {columns}, {overdue} AS f_overdue_count"
            f" FROM {Village._meta.db_table} v LEFT JOIN {figures} f"
            f" ON f.village_id = v.id AND f.year = %s"
            f" WHERE v.township_id = %s ORDER BY v.code",
            [*params, year, township.pk],
        )
        rows = []
        for village in villages:
            found = VillageYear(village=village, year=year)
            if village.f_is_published is not None:  # the village has a row
                found.is_published = bool(village.f_is_published)
                for name in (*counted, "overdue_count"):
                    setattr(found, name, getattr(village, f"f_{name}"))
            rows.append((village, found))
        return rows

    def by_township(self, district, year: int, today: datetime.date) -> list:
        """The district page: every township of the district, by code, with `village_count`
        and `summary`, the sums of its villages' rows of `year` (published lists only for the
        projects: `list_count`, `project_count` … `overdue_count`; every village for the
        suggestions). One query."""
        township, village, figures = (m._meta.db_table for m in (Township, Village, VillageYear))
        overdue, params = _overdue_sql("f", today)
        sums = [
            f"SUM(CASE WHEN f.is_published THEN f.{name} ELSE 0 END) AS {name}"
            for name in PROJECT_FIGURES
            if name != "overdue_count"
        ]
        sums.append(f"SUM(CASE WHEN f.is_published THEN {overdue} ELSE 0 END) AS overdue_count")
        sums += [f"COALESCE(SUM(f.{name}), 0) AS {name}" for name in SUGGESTION_FIGURES]
        townships = list(
            Township.objects.raw(
                f"SELECT t.id, t.district_id, t.code, t.name, COUNT(v.id) AS village_count,"
                f" SUM(CASE WHEN f.is_published THEN 1 ELSE 0 END) AS list_count,"
                f" {', '.join(sums)}"
                f" FROM {township} t LEFT JOIN {village} v ON v.township_id = t.id"
                f" LEFT JOIN {figures} f ON f.village_id = v.id AND f.year = %s"
                f" WHERE t.district_id = %s GROUP BY t.id, t.district_id, t.code, t.name"
                f" ORDER BY t.code",
                [*params, year, district.pk],
            )
        )
        for place in townships:
            place.summary = {
                "list_count": place.list_count,
                "published_count": place.list_count,
                **{name: getattr(place, name) for name in (*PROJECT_FIGURES, *SUGGESTION_FIGURES)},
            }
        return townships


class VillageYear(models.Model):
    """One village's figures for one year (see the module's docstring)."""

    village = models.ForeignKey(
        Village, models.CASCADE, related_name="figures", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # The projects of the year's published list (none while the list is not published)
    is_published = models.BooleanField(_("list published"), default=False)
    project_count = models.PositiveIntegerField(_("projects (not cancelled)"), default=0)
    in_progress_count = models.PositiveIntegerField(_("in progress"), default=0)
    completed_count = models.PositiveIntegerField(_("waiting for verification"), default=0)
    verified_count = models.PositiveIntegerField(_("verified"), default=0)
    # Overdue is derived from the date: planned or in progress after the planned finish. The
    # count holds from `overdue_on` until the day before `overdue_until`, the day the next open
    # project passes its planned finish (none: no open project has one ahead). The daily
    # recount (tasks.py) recounts the rows past it; until then the pages count those live.
    overdue_count = models.PositiveIntegerField(_("overdue"), default=0)
    overdue_on = models.DateField(_("overdue counted on"), null=True, blank=True)
    overdue_until = models.DateField(_("overdue holds until"), null=True, blank=True)
    # The residents' suggestions of the year, and the meetings held in it
    received = models.PositiveIntegerField(_("suggestions received"), default=0)
    answered = models.PositiveIntegerField(_("suggestions answered"), default=0)
    adopted = models.PositiveIntegerField(_("suggestions adopted"), default=0)
    meetings = models.PositiveIntegerField(_("meetings held"), default=0)
    answered_on_time = models.PositiveIntegerField(_("suggestions answered on time"), default=0)
    # How many of `verified_count` were verified in each month of the year (VERIFIED_MONTHS)
    verified_month_1 = models.PositiveIntegerField(_("verified in January"), default=0)
    verified_month_2 = models.PositiveIntegerField(_("verified in February"), default=0)
    verified_month_3 = models.PositiveIntegerField(_("verified in March"), default=0)
    verified_month_4 = models.PositiveIntegerField(_("verified in April"), default=0)
    verified_month_5 = models.PositiveIntegerField(_("verified in May"), default=0)
    verified_month_6 = models.PositiveIntegerField(_("verified in June"), default=0)
    verified_month_7 = models.PositiveIntegerField(_("verified in July"), default=0)
    verified_month_8 = models.PositiveIntegerField(_("verified in August"), default=0)
    verified_month_9 = models.PositiveIntegerField(_("verified in September"), default=0)
    verified_month_10 = models.PositiveIntegerField(_("verified in October"), default=0)
    verified_month_11 = models.PositiveIntegerField(_("verified in November"), default=0)
    verified_month_12 = models.PositiveIntegerField(_("verified in December"), default=0)

    objects = VillageYearQuerySet.as_manager()

    class Meta:
        ordering = ["year", "village_id"]
        verbose_name = _("village's figures for a year")
        verbose_name_plural = _("villages' figures for a year")
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="village_year_unique"),
        ]
        indexes = [
            models.Index(fields=["overdue_until"], name="village_year_overdue_until"),
            # the rows a district's sums correct live (DistrictYear): found by both dates
            models.Index(fields=["overdue_on"], name="village_year_overdue_on"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year}"


class OutcomeQuerySet(models.QuerySet):
    def summed(self, rows) -> list[dict]:
        """What `ProjectQuerySet.outcomes` gives for the villages of `rows` (VillageYears):
        quantities and projects summed by category and unit. One query."""
        return list(
            self.filter(village_year__in=rows)
            .values("category", "unit")
            .annotate(total=Sum("total"), projects=Sum("projects"))
            .order_by("category", "unit")
        )


class Outcome(models.Model):
    """The completed and verified quantities of a village's published list for one category
    and unit, as `ProjectQuerySet.outcomes` sums them (e.g. 30 盏 of street lamps, 1 project)."""

    village_year = models.ForeignKey(VillageYear, models.CASCADE, related_name="outcomes")
    category = models.CharField(_("category"), max_length=12, choices=Category)
    unit = models.CharField(_("unit"), max_length=10)
    total = models.DecimalField(_("quantity"), max_digits=16, decimal_places=2)
    projects = models.PositiveIntegerField(_("projects"))

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        ordering = ["village_year_id", "category", "unit"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.UniqueConstraint(
                fields=["village_year", "category", "unit"], name="outcome_unique_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.total} {self.unit}"


class ReplyWaitQuerySet(models.QuerySet):
    def median_days(self, rows) -> float | int | None:
        """The median days from receiving a suggestion to its reply in the villages of `rows`
        (VillageYears), as `statistics.median` gives it for the list of every answered
        suggestion's days: the middle one, or the mean of the two middle ones. None when
        nothing was answered. One query."""
        counts = list(
            self.filter(village_year__in=rows)
            .values("days")
            .annotate(n=Sum("suggestions"))
            .order_by("days")
            .values_list("days", "n")
        )
        return median_of_counts(counts)


def median_of_counts(counts: list[tuple[int, int]]) -> float | int | None:
    """The median of a list given as (value, how many times), in increasing value order."""
    total = sum(n for _days, n in counts)
    if not total:
        return None
    wanted = {(total - 1) // 2, total // 2}  # the one or two middle positions
    found, seen = [], 0
    for days, n in counts:
        for position in sorted(wanted):
            if seen <= position < seen + n:
                found.append(days)
        seen += n
    return found[0] if len(found) == 1 else (found[0] + found[1]) / 2


class ReplyWait(models.Model):
    """How many of a village's answered suggestions of a year waited `days` for their reply
    (from the day received to the reply's day in the site's time zone)."""

    village_year = models.ForeignKey(VillageYear, models.CASCADE, related_name="reply_waits")
    days = models.IntegerField(_("days to reply"))
    suggestions = models.PositiveIntegerField(_("suggestions"))

    objects = ReplyWaitQuerySet.as_manager()

    class Meta:
        ordering = ["village_year_id", "days"]
        verbose_name = _("reply wait")
        verbose_name_plural = _("reply waits")
        constraints = [
            models.UniqueConstraint(fields=["village_year", "days"], name="reply_wait_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.days}: {self.suggestions}"


# The figures a district's row adds up from its villages' rows: `list_count` is how many of
# them have a published list (their `is_published`).
DISTRICT_FIGURES = (
    "list_count",
    *(name for name in PROJECT_FIGURES),
    *SUGGESTION_FIGURES,
    ON_TIME,
    *VERIFIED_MONTHS,
)


class DistrictYear(models.Model):
    """The sums of the VillageYear rows of a district's villages for one year, so the city
    page adds up a row per district instead of one per village. Kept by services._write in
    the transaction that writes the village rows, by adding each village row's change; rebuilt
    from the village rows after a village or township moves or goes (watch.py) and by
    `check_figures --fix`. `overdue_count` sums the stored counts: the pages correct the
    rows the daily recount has not reached yet, as they do for a township or district."""

    district = models.ForeignKey(
        District, models.CASCADE, related_name="figures", verbose_name=_("district")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    list_count = models.IntegerField(_("lists published"), default=0)
    project_count = models.IntegerField(_("projects (not cancelled)"), default=0)
    in_progress_count = models.IntegerField(_("in progress"), default=0)
    completed_count = models.IntegerField(_("waiting for verification"), default=0)
    verified_count = models.IntegerField(_("verified"), default=0)
    overdue_count = models.IntegerField(_("overdue"), default=0)
    received = models.IntegerField(_("suggestions received"), default=0)
    answered = models.IntegerField(_("suggestions answered"), default=0)
    adopted = models.IntegerField(_("suggestions adopted"), default=0)
    meetings = models.IntegerField(_("meetings held"), default=0)
    answered_on_time = models.IntegerField(_("suggestions answered on time"), default=0)
    verified_month_1 = models.IntegerField(_("verified in January"), default=0)
    verified_month_2 = models.IntegerField(_("verified in February"), default=0)
    verified_month_3 = models.IntegerField(_("verified in March"), default=0)
    verified_month_4 = models.IntegerField(_("verified in April"), default=0)
    verified_month_5 = models.IntegerField(_("verified in May"), default=0)
    verified_month_6 = models.IntegerField(_("verified in June"), default=0)
    verified_month_7 = models.IntegerField(_("verified in July"), default=0)
    verified_month_8 = models.IntegerField(_("verified in August"), default=0)
    verified_month_9 = models.IntegerField(_("verified in September"), default=0)
    verified_month_10 = models.IntegerField(_("verified in October"), default=0)
    verified_month_11 = models.IntegerField(_("verified in November"), default=0)
    verified_month_12 = models.IntegerField(_("verified in December"), default=0)

    class Meta:
        ordering = ["year", "district_id"]
        verbose_name = _("district's figures for a year")
        verbose_name_plural = _("districts' figures for a year")
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="district_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year}"


class DistrictOutcome(models.Model):
    """The Outcome rows of a district's villages for one year summed by category and unit
    (kept like DistrictYear; a row whose projects fell to 0 is kept and read as none)."""

    district = models.ForeignKey(District, models.CASCADE, related_name="outcomes")
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("category"), max_length=12, choices=Category)
    unit = models.CharField(_("unit"), max_length=10)
    total = models.DecimalField(_("quantity"), max_digits=18, decimal_places=2)
    projects = models.IntegerField(_("projects"))

    class Meta:
        ordering = ["district_id", "year", "category", "unit"]
        verbose_name = _("district's outcome")
        verbose_name_plural = _("districts' outcomes")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "category", "unit"],
                name="district_outcome_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.total} {self.unit}"
