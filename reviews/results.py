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

from lib.rates import Rate, percent, standing
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
    ("satisfied", "满意(含基本满意)评价数"),
    ("rated", "有效评价数"),
    ("satisfaction", "满意率(%)"),
    ("kept_count", "不准事项遵守评价数"),
    ("kept_rated", "不准事项有效评价数"),
    ("kept", "不准事项遵守率(%)"),
    ("score", "综合得分"),
    ("grade", "等次"),
    ("ballots", "有效票"),
    ("note", "说明"),
]


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal place; None when nothing was counted (lib.rates)."""
    return percent(part, whole)


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
    def satisfaction(self) -> Rate:
        """(满意 + 基本满意) of the valid ballots."""
        return Rate(self.satisfied + self.basically, self.valid)

    @property
    def rate(self) -> Decimal | None:
        return self.satisfaction.percent

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
    def kept_share(self) -> Rate:
        return Rate(self.kept, self.valid)

    @property
    def rate(self) -> Decimal | None:
        return self.kept_share.percent


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
    def satisfaction(self) -> Rate:
        """Over every valid project rating of every ballot: (满意 + 基本满意) of them."""
        good = sum(p.satisfied + p.basically for p in self.projects)
        return Rate(good, sum(p.valid for p in self.projects))

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return self.satisfaction.percent

    @property
    def kept(self) -> Rate:
        return Rate(sum(p.kept for p in self.prohibitions), sum(p.valid for p in self.prohibitions))

    @property
    def kept_rate(self) -> Decimal | None:
        return self.kept.percent

    @property
    def project_count(self) -> int:
        return len(self.projects)

    @property
    def verified_count(self) -> int:
        return sum(p.is_done for p in self.projects)

    @property
    def completion(self) -> Rate:
        """Projects verified and struck off (销号) by the year's end."""
        return Rate(self.verified_count, self.project_count)

    @property
    def completion_rate(self) -> Decimal | None:
        return self.completion.percent

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
            "satisfied_count": self.satisfaction.part,
            "rated_count": self.satisfaction.whole,
            "kept_rate": self.kept_rate,
            "kept_count": self.kept.part,
            "kept_rated_count": self.kept.whole,
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
            "satisfaction": Rate(row["good"], row["valid"]),
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
    # Published, but fewer ballots than RANKING_MIN_RESULTS: listed, not ranked.
    too_few: bool = False
    # Ranked, with a satisfaction under RANKING_THRESHOLD percent.
    below: bool = False

    @property
    def satisfaction(self) -> Rate:
        return self.review.satisfaction if self.review else Rate(0, 0)

    @property
    def completion(self) -> Rate:
        return self.review.completion if self.review else Rate(0, 0)

    @property
    def kept(self) -> Rate:
        return self.review.kept if self.review else Rate(0, 0)

    @property
    def ballots(self) -> int:
        """The ballots behind the results; 0 without a score (nothing was rated)."""
        review = self.review
        if review is None or review.score is None:
            return 0
        return review.ballot_count or 0

    def note(self) -> str:
        if self.below:
            return f"满意率低于{settings.RANKING_THRESHOLD}%"
        if self.too_few:
            return f"有效票少于{settings.RANKING_MIN_RESULTS}张，不排名"
        if self.review is None:
            return "未公布"
        return ""

    def export_row(self) -> dict:
        """RANKING_COLUMNS' row: the figures stored when the review was published, each rate
        with the counts it is made of."""
        review = self.review
        satisfaction, kept = self.satisfaction, self.kept
        return {
            "rank": self.rank,
            "code": self.village.code,
            "name": self.village.name,
            "township": self.village.township.name,
            "projects": review.project_count if review else None,
            "verified": review.verified_count if review else None,
            "completion": _number(review.completion_rate) if review else None,
            "satisfied": satisfaction.part if satisfaction.whole else None,
            "rated": satisfaction.whole if satisfaction.whole else None,
            "satisfaction": _number(review.satisfaction_rate) if review else None,
            "kept_count": kept.part if kept.whole else None,
            "kept_rated": kept.whole if kept.whole else None,
            "kept": _number(review.kept_rate) if review else None,
            "score": _number(review.score) if review else None,
            "grade": review.get_grade_display() if review and review.grade else "",
            "ballots": review.ballot_count if review else None,
            "note": self.note(),
        }


@dataclass
class Ranking:
    """A comparison of villages (亮晒评) that cannot mislead: `ranked` are the villages with
    enough ballots (RANKING_MIN_RESULTS) by score, equal scores sharing a rank; `below` are
    those of them whose satisfaction is under RANKING_THRESHOLD percent, worst first, shown
    before the ranking; `too_few` published with fewer ballots, listed, not ranked;
    `not_published` have no published review of the year."""

    ranked: list[RankingRow]
    below: list[RankingRow]
    too_few: list[RankingRow]
    not_published: list[RankingRow]
    min_ballots: int
    threshold: Decimal

    @property
    def rows(self) -> list[RankingRow]:
        """Every village once: the ranked, then the too few, then the unpublished."""
        return self.ranked + self.too_few + self.not_published

    @property
    def reviewed(self) -> int:
        return len(self.ranked) + len(self.too_few)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def ranking(villages, year: int) -> Ranking:
    """Villages (a queryset: a township's or a district's) ranked by the overall score of
    their published review of `year`, then satisfaction and completion (lib.rates.standing:
    enough ballots to be ranked, who falls below the threshold). Two queries: the stored
    figures make it cheap at any size."""
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
    published = [row for row in rows if row.review is not None]
    not_published = sorted(
        (row for row in rows if row.review is None), key=lambda row: row.village.code
    )
    # Equal scores share a rank; among them, the better satisfaction and completion first.
    published.sort(
        key=lambda row: (
            -(row.review.satisfaction_rate or 0),
            -(row.review.completion_rate or 0),
            row.village.code,
        )
    )
    result = standing(
        published,
        rate=lambda row: row.satisfaction,
        count=lambda row: row.ballots,
        order=lambda row: -row.review.score,
    )
    for placed in result.ranked:
        placed.row.rank = placed.place
    for placed in result.below:
        placed.row.below = True
    for placed in result.too_few:
        placed.row.too_few = True
    return Ranking(
        ranked=[placed.row for placed in result.ranked],
        below=[placed.row for placed in result.below],
        too_few=[placed.row for placed in result.too_few],
        not_published=not_published,
        min_ballots=result.min_whole,
        threshold=result.threshold,
    )
