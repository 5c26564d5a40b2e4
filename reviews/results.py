"""Results of year-end reviews: only ever counts, never a single ballot.

`compute(review)` is what the results page, the export and publication use; `for_pledge_list`
is the one function the public board calls (the pledges app never reads our models);
`ranking` is the comparison of villages (亮晒评).
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from pledges.models import PledgeList, Prohibition, Project
from residents.models import ViolationReport

from .models import (
    KEPT_POINTS,
    RATING_POINTS,
    AnnualReview,
    Ballot,
    Grade,
    Invitation,
    ProhibitionRating,
    ProjectRating,
    Rating,
)

ONE_PLACE = Decimal("0.1")

# The exports' columns: (key of the row, header).
RESULT_COLUMNS = [
    ("kind", "类别"),
    ("number", "序号"),
    ("title", "内容"),
    ("status", "年末状态"),
    ("good", "满意/遵守"),
    ("fair", "基本满意"),
    ("bad", "不满意/未遵守"),
    ("valid", "有效票"),
    ("rate", "满意率/遵守率(%)"),
]
RANKING_COLUMNS = [
    ("rank", "名次"),
    ("code", "区划代码"),
    ("name", "村(社区)"),
    ("township", "镇(街道)"),
    ("projects", "民生实事"),
    ("verified", "已销号"),
    ("completion", "完成率(%)"),
    ("satisfaction", "满意率(%)"),
    ("kept", "不准事项遵守率(%)"),
    ("score", "综合得分"),
    ("grade", "等次"),
    ("ballots", "有效票"),
]


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal place; None when nothing was counted."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def grade_for(score: Decimal | None, ballots: int) -> str:
    """The grade for a score, or "" below the quorum (REVIEW_QUORUM ballots): too few
    ballots grade nobody. Thresholds: REVIEW_GRADE_THRESHOLDS."""
    if score is None or ballots < settings.REVIEW_QUORUM:
        return ""
    thresholds = settings.REVIEW_GRADE_THRESHOLDS
    for grade in (Grade.EXCELLENT, Grade.GOOD, Grade.PASS):
        if grade.value in thresholds and score >= Decimal(str(thresholds[grade.value])):
            return grade.value
    return Grade.FAIL.value


def _number(value: Decimal | None) -> float | None:
    """A spreadsheet cell's number."""
    return float(value) if value is not None else None


def year_end(year: int) -> datetime.datetime:
    """The last moment of the list's year in the site's time zone."""
    return timezone.make_aware(datetime.datetime(year + 1, 1, 1)) - datetime.timedelta(
        microseconds=1
    )


def year_end_statuses(pledge_list: PledgeList, projects) -> dict[int, str]:
    """Each project's status on 31 December of the list's year, from its history (one query);
    a project with no history row by then (or a year not over yet) has its current status."""
    cutoff = min(timezone.now(), year_end(pledge_list.year))
    statuses = {project.pk: project.status for project in projects}
    rows = (
        Project.history.filter(pledge_list_id=pledge_list.pk, history_date__lte=cutoff)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "status")
    )
    for project_id, status in rows:
        if project_id in statuses:
            statuses[project_id] = status
    return statuses


@dataclass
class ProjectResult:
    project: Project
    status: str
    satisfied: int
    basically: int
    dissatisfied: int
    comments: list = field(default_factory=list)

    @property
    def valid(self) -> int:
        return self.satisfied + self.basically + self.dissatisfied

    @property
    def rate(self) -> Decimal | None:
        """(满意 + 基本满意) / valid ballots."""
        return rate(self.satisfied + self.basically, self.valid)

    @property
    def status_label(self) -> str:
        return str(Project.Status(self.status).label)

    @property
    def is_done(self) -> bool:
        return self.status == Project.Status.VERIFIED


@dataclass
class ProhibitionResult:
    prohibition: Prohibition
    kept: int
    broken: int
    remarks: list = field(default_factory=list)
    # Residents' reports of a breach that the township confirmed (residents app).
    confirmed_reports: int = 0

    @property
    def valid(self) -> int:
        return self.kept + self.broken

    @property
    def rate(self) -> Decimal | None:
        return rate(self.kept, self.valid)


@dataclass
class ReviewResults:
    review: AnnualReview
    projects: list[ProjectResult]
    prohibitions: list[ProhibitionResult]
    ballots: int
    paper_ballots: int
    invited: int
    voted: int
    comments: list = field(default_factory=list)

    @property
    def quorum(self) -> int:
        return settings.REVIEW_QUORUM

    @property
    def has_quorum(self) -> bool:
        return self.ballots >= settings.REVIEW_QUORUM

    @property
    def satisfaction_rate(self) -> Decimal | None:
        """Over every valid project rating of every ballot."""
        good = sum(p.satisfied + p.basically for p in self.projects)
        return rate(good, sum(p.valid for p in self.projects))

    @property
    def kept_rate(self) -> Decimal | None:
        return rate(sum(p.kept for p in self.prohibitions), sum(p.valid for p in self.prohibitions))

    @property
    def project_count(self) -> int:
        return len(self.projects)

    @property
    def verified_count(self) -> int:
        return sum(p.is_done for p in self.projects)

    @property
    def completion_rate(self) -> Decimal | None:
        """Projects verified and struck off (销号) by the year's end."""
        return rate(self.verified_count, self.project_count)

    @property
    def score(self) -> Decimal | None:
        """0-100: the mean points of every valid item rating (满意 100, 基本满意 80,
        不满意 0; a prohibition kept 100, not kept 0)."""
        points, count = Decimal(0), 0
        for p in self.projects:
            points += (
                p.satisfied * RATING_POINTS[Rating.SATISFIED]
                + p.basically * RATING_POINTS[Rating.BASICALLY_SATISFIED]
                + p.dissatisfied * RATING_POINTS[Rating.DISSATISFIED]
            )
            count += p.valid
        for p in self.prohibitions:
            points += p.kept * KEPT_POINTS[True] + p.broken * KEPT_POINTS[False]
            count += p.valid
        if not count:
            return None
        return (points / count).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)

    @property
    def grade(self) -> str:
        return grade_for(self.score, self.ballots)

    @property
    def grade_label(self) -> str:
        return str(Grade(self.grade).label) if self.grade else ""

    def export_rows(self) -> list[dict]:
        """RESULT_COLUMNS' rows: counts per project and prohibition, never a row per ballot."""
        projects = [
            {
                "kind": "民生实事",
                "number": p.project.number,
                "title": p.project.title,
                "status": p.status_label,
                "good": p.satisfied,
                "fair": p.basically,
                "bad": p.dissatisfied,
                "valid": p.valid,
                "rate": _number(p.rate),
            }
            for p in self.projects
        ]
        prohibitions = [
            {
                "kind": "不准事项",
                "number": p.prohibition.number,
                "title": p.prohibition.text,
                "status": "",
                "good": p.kept,
                "fair": None,
                "bad": p.broken,
                "valid": p.valid,
                "rate": _number(p.rate),
            }
            for p in self.prohibitions
        ]
        return projects + prohibitions

    def summary(self) -> dict:
        """The figures stored on the review when it is published."""
        return {
            "ballot_count": self.ballots,
            "project_count": self.project_count,
            "verified_count": self.verified_count,
            "completion_rate": self.completion_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "kept_rate": self.kept_rate,
            "score": self.score,
            "grade": self.grade,
        }


def compute(review: AnnualReview, *, with_comments: bool = False) -> ReviewResults:
    """Counts per item, ballots, turnout: five queries, six with the project history, and
    three more with the comments (sorted by text, never grouped by ballot, so no comment can
    be put together with another of the same reviewer)."""
    pledge_list = review.pledge_list
    rated = Q(review_ratings__ballot__review=review)
    projects = list(
        Project.objects.filter(pledge_list=pledge_list)
        .annotate(
            satisfied=Count("review_ratings", filter=rated & Q(review_ratings__rating="satisfied")),
            basically=Count("review_ratings", filter=rated & Q(review_ratings__rating="basically")),
            dissatisfied=Count(
                "review_ratings", filter=rated & Q(review_ratings__rating="dissatisfied")
            ),
        )
        .order_by("number")
    )
    statuses = year_end_statuses(pledge_list, projects)
    project_results = [
        ProjectResult(p, statuses[p.pk], p.satisfied, p.basically, p.dissatisfied)
        for p in projects
        # A project cancelled by change request is not reviewed, unless someone rated it.
        if statuses[p.pk] != Project.Status.CANCELLED or p.satisfied + p.basically + p.dissatisfied
    ]
    prohibitions = (
        Prohibition.objects.filter(pledge_list=pledge_list)
        .annotate(
            kept_count=Count("review_ratings", filter=rated & Q(review_ratings__kept=True)),
            broken_count=Count("review_ratings", filter=rated & Q(review_ratings__kept=False)),
            confirmed_reports=Coalesce(
                Subquery(
                    ViolationReport.objects.confirmed()
                    .filter(prohibition=OuterRef("pk"))
                    .values("prohibition")
                    .annotate(n=Count("id"))
                    .values("n")
                ),
                0,
            ),
        )
        .order_by("number")
    )
    prohibition_results = [
        ProhibitionResult(p, p.kept_count, p.broken_count, confirmed_reports=p.confirmed_reports)
        for p in prohibitions
    ]
    ballots = Ballot.objects.filter(review=review).aggregate(
        total=Count("id"), paper=Count("id", filter=Q(is_paper=True))
    )
    invitations = Invitation.objects.filter(review=review).aggregate(
        invited=Count("id"), voted=Count("id", filter=Q(has_voted=True))
    )
    results = ReviewResults(
        review=review,
        projects=project_results,
        prohibitions=prohibition_results,
        ballots=ballots["total"],
        paper_ballots=ballots["paper"],
        invited=invitations["invited"],
        voted=invitations["voted"],
    )
    if with_comments:
        _add_comments(results)
    return results


def _add_comments(results: ReviewResults) -> None:
    review = results.review
    by_project = {r.project.pk: r for r in results.projects}
    for project_id, comment in (
        ProjectRating.objects.filter(ballot__review=review)
        .exclude(comment="")
        .order_by("project_id", "comment")
        .values_list("project_id", "comment")
    ):
        if project_id in by_project:
            by_project[project_id].comments.append(comment)
    by_prohibition = {r.prohibition.pk: r for r in results.prohibitions}
    for prohibition_id, remark in (
        ProhibitionRating.objects.filter(ballot__review=review)
        .exclude(remark="")
        .order_by("prohibition_id", "remark")
        .values_list("prohibition_id", "remark")
    ):
        if prohibition_id in by_prohibition:
            by_prohibition[prohibition_id].remarks.append(remark)
    results.comments = list(
        Ballot.objects.filter(review=review)
        .exclude(comment="")
        .order_by("comment")
        .values_list("comment", flat=True)
    )


def for_pledge_list(pledge_list: PledgeList | None) -> dict | None:
    """The published results of a list's review for the public board, or None. Two queries
    (one when there is no published review): the review with its stored figures, and the
    satisfaction counts per project."""
    if pledge_list is None:
        return None
    review = AnnualReview.objects.published().filter(pledge_list=pledge_list).first()
    if review is None:
        return None
    rows = (
        ProjectRating.objects.filter(ballot__review=review)
        .values("project__number", "project__title")
        .annotate(
            valid=Count("id"),
            good=Count("id", filter=~Q(rating=Rating.DISSATISFIED)),
        )
        .order_by("project__number")
    )
    projects = [
        {
            "number": row["project__number"],
            "title": row["project__title"],
            "valid": row["valid"],
            "rate": rate(row["good"], row["valid"]),
        }
        for row in rows
    ]
    return {
        "review": review,
        "grade_label": review.get_grade_display() if review.grade else "",
        "projects": projects,
    }


@dataclass
class RankingRow:
    village: object
    review: AnnualReview | None
    rank: int | None = None

    def export_row(self) -> dict:
        """RANKING_COLUMNS' row: the figures stored when the review was published."""
        review = self.review
        return {
            "rank": self.rank,
            "code": self.village.code,
            "name": self.village.name,
            "township": self.village.township.name,
            "projects": review.project_count if review else None,
            "verified": review.verified_count if review else None,
            "completion": _number(review.completion_rate) if review else None,
            "satisfaction": _number(review.satisfaction_rate) if review else None,
            "kept": _number(review.kept_rate) if review else None,
            "score": _number(review.score) if review else None,
            "grade": review.get_grade_display() if review and review.grade else "",
            "ballots": review.ballot_count if review else None,
        }


def ranking(villages, year: int) -> list[RankingRow]:
    """Villages (a queryset: a township's or a district's) ranked by the overall score of
    their published review of `year`, then satisfaction and completion; villages without a
    published review come last. Two queries: the stored figures make it cheap at any size."""
    reviews = {
        review.pledge_list.village_id: review
        for review in AnnualReview.objects.published()
        .for_year(year)
        .filter(pledge_list__village__in=villages)
        .select_related("pledge_list")
    }
    rows = [
        RankingRow(village, reviews.get(village.pk))
        for village in villages.select_related("township")
    ]

    def order(row: RankingRow):
        review = row.review
        if review is None:
            return (1, 0, 0, 0, row.village.code)
        return (
            0,
            -(review.score if review.score is not None else Decimal(-1)),
            -(review.satisfaction_rate or 0),
            -(review.completion_rate or 0),
            row.village.code,
        )

    rows.sort(key=order)
    previous, rank = None, 0
    for position, row in enumerate(rows, 1):
        if row.review is None or row.review.score is None:
            continue
        if row.review.score != previous:  # equal scores share a rank (1, 2, 2, 4)
            rank, previous = position, row.review.score
        row.rank = rank
    return rows
