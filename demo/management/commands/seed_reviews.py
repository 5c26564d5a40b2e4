"""`seed_reviews`: the year-end review (年度评议) layer of `seed_demo`, for a past year.

Every village gets a published list for the year if it has none (ten projects, most verified
and struck off by the year's end, five prohibitions), and a review of it: party members and
resident representatives invited, most of them voted, some on paper at a meeting, with
ballots that are mostly 满意 / 基本满意 and some 不满意, fewer where projects were left
unfinished. Most townships have published their results; in each district two have closed
voting without publishing yet, two are still voting. In the demo township (the `township`
user's) everything is published except the demo village 龙江村, whose review is open and has
reviewers without a slip yet, so the demo walks through printing slips, voting by link,
closing and publishing.

Deterministic for a seed (one `random.Random`), except the voter keys, which are random
like real ones. Rows go in with bulk inserts a few hundred villages at a time; reviews and
invitations get their first history row (`bulk_create_with_history`), ballots have none by
design. Published figures are computed in memory with the same code as the results page.
"""

import datetime
import random
import time
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from demo.management.commands.seed_demo import (
    COMMUNITY_POSTS,
    COMMUNITY_TITLES,
    FUNDING_SOURCES,
    GIVEN_NAMES,
    PROHIBITIONS,
    SURNAMES,
    VILLAGE_POSTS,
    VILLAGE_TITLES,
)
from pledges.models import PledgeList, Prohibition, Project
from reviews.models import (
    AnnualReview,
    Ballot,
    Invitation,
    ProhibitionRating,
    ProjectRating,
    Rating,
)
from reviews.results import ProhibitionResult, ProjectResult, ReviewResults
from villages.models import Membership, Village

CHUNK = 500  # villages per round
BATCH = 1000  # rows per INSERT
CHANGE_REASON = "演示数据"

# A year gone by: nearly everything done by the year's end.
YEAR_END_STATUS_WEIGHTS = {
    Project.Status.VERIFIED: 88,
    Project.Status.COMPLETED: 6,
    Project.Status.IN_PROGRESS: 6,
}
PARTY_MEMBERS = (8, 15)
REPRESENTATIVES = (6, 12)
TURNOUT = (0.8, 1.0)  # of the invited, in a finished review
OPEN_TURNOUT = (0.3, 0.6)  # voted so far in an open one
PAPER_SHARE = 0.15  # of the voters: at the meeting, on paper
SATISFIED_SHARE = 0.62  # of the content ones: 满意 rather than 基本满意
KEPT_SHARE = 0.97
COMMENT_SHARE = 0.08
OVERALL_COMMENT_SHARE = 0.15

PROJECT_COMMENTS = {
    True: ["效果很好，群众很满意", "希望以后多办这样的实事", "质量不错", "进度快，办得实在"],
    False: [
        "还没有完工，希望加快进度",
        "质量还需要提高",
        "施工影响出行，希望改进",
        "后期管护要跟上",
    ],
}
REMARKS = ["有个别干部办事拖拉", "希望继续保持", "村务公开还可以更及时"]
OVERALL_COMMENTS = [
    "今年村里变化很大，为村干部点赞。",
    "希望明年继续把群众的事放在心上。",
    "建议多召开群众会议，听听大家的意见。",
    "总体满意，个别项目进度偏慢。",
    "希望加强项目建成后的管护。",
]


def _done(target: Decimal | None, unit: str, percent: int) -> Decimal | None:
    """The quantity a percentage has reached, rounded down (as seed_demo reports it)."""
    if target is None:
        return None
    step = Decimal("0.1") if unit == "公里" else Decimal("1")
    return (target * percent / 100).quantize(step, rounding=ROUND_DOWN)


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Plain INSERTs for the millions of ratings of a province-sized seed: about five times
    faster than bulk_create, which builds a model instance per row and reads back ids that
    nothing here needs. Ratings have no history and no save() logic to skip."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        for first in range(0, len(rows), 10 * BATCH):
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", rows[first : first + 10 * BATCH]
            )


class Command(BaseCommand):
    help = "Add published pledge lists (if missing) and year-end reviews for a past year."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, default=None, help="The reviewed year (default: last year)."
        )
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, year: int | None, seed: int, **options):
        year = year or timezone.localdate().year - 1
        if AnnualReview.objects.filter(pledge_list__year=year).exists():
            self.stdout.write(f"Reviews of {year} are already loaded; nothing to do.")
            return
        started = time.monotonic()
        with transaction.atomic():
            counts = self._seed(year, random.Random(f"reviews {seed} {year}"))
        self.stdout.write(
            self.style.SUCCESS(
                "Year-end reviews of {year}: {lists} lists added, {reviews} reviews "
                "({published} published), {invitations} invitations, {ballots} ballots "
                "in {seconds:.1f} s.".format(
                    year=year, seconds=time.monotonic() - started, **counts
                )
            )
        )

    def _seed(self, year: int, rng: random.Random) -> dict:
        self.rng, self.year = rng, year
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()
        self.year_start = datetime.date(year, 1, 1)
        self.keys = random.Random(f"voter keys {time.time_ns()}")  # like real ones: unlinkable
        self._find_demo()
        villages = list(
            Village.objects.order_by("code").values_list("id", "township_id", "kind", "code")
        )
        counts = dict.fromkeys(("lists", "reviews", "published", "invitations", "ballots"), 0)
        for first in range(0, len(villages), CHUNK):
            for name, count in self._chunk(villages[first : first + CHUNK]).items():
                counts[name] += count
            reset_queries()
        return counts

    def _find_demo(self) -> None:
        cadre = Membership.objects.filter(
            user__username="township", role=Membership.Role.TOWNSHIP_CADRE
        ).first()
        committee = Membership.objects.filter(
            user__username="village", role=Membership.Role.VILLAGE_COMMITTEE
        ).first()
        self.cadre_user = cadre.user if cadre else None
        self.demo_village_id = committee.village_id if committee else None
        # Townships by their place in their district: decides who has published.
        self.township_place = {}
        for township_id, code in (
            Village.objects.values_list("township_id", "township__code").distinct().order_by()
        ):
            self.township_place[township_id] = int(code[-3:])

    def _review_status(self, village_id: int, township_id: int) -> str:
        if village_id == self.demo_village_id:
            return AnnualReview.Status.OPEN
        place = self.township_place.get(township_id, 1) % 15
        if place in (4, 11):
            return AnnualReview.Status.CLOSED
        if place in (6, 13):
            return AnnualReview.Status.OPEN
        return AnnualReview.Status.PUBLISHED

    # --- Lists ---------------------------------------------------------------------------

    def _chunk(self, villages: list[tuple]) -> dict:
        ids = [village[0] for village in villages]
        existing = dict(
            PledgeList.objects.filter(year=self.year, village_id__in=ids).values_list(
                "village_id", "status"
            )
        )
        new_lists = [
            self._pledge_list(village_id)
            for village_id, *_ in villages
            if village_id not in existing
        ]
        self._bulk(new_lists, PledgeList)
        lists = dict(
            PledgeList.objects.filter(
                year=self.year, village_id__in=ids, status=PledgeList.Status.PUBLISHED
            ).values_list("village_id", "id")
        )
        added = {pl.village_id for pl in new_lists}
        projects, prohibitions = [], []
        for village_id, _township, kind, _code in villages:
            if village_id in added:
                projects += self._projects(lists[village_id], kind)
                texts = self.rng.sample(PROHIBITIONS, settings.PLEDGE_PROHIBITION_COUNT)
                prohibitions += [
                    Prohibition(pledge_list_id=lists[village_id], number=number, text=text)
                    for number, text in enumerate(texts, 1)
                ]
        self._bulk(projects, Project)
        self._bulk(prohibitions, Prohibition)
        return {"lists": len(new_lists), **self._reviews(villages, lists)}

    def _bulk(self, objs: list, model) -> list:
        return bulk_create_with_history(
            objs, model, batch_size=BATCH, default_change_reason=CHANGE_REASON
        )

    def _moment(self, day: datetime.date) -> datetime.datetime:
        at = datetime.time(self.rng.randint(8, 17), self.rng.randint(0, 59), tzinfo=self.zone)
        return min(self.now, datetime.datetime.combine(day, at))

    def _pledge_list(self, village_id: int) -> PledgeList:
        submitted = self._moment(self.year_start + timedelta(days=self.rng.randint(5, 30)))
        return PledgeList(
            village_id=village_id,
            year=self.year,
            status=PledgeList.Status.PUBLISHED,
            review_comment="经实地查看和可行性论证，同意实施。",
            submitted_at=submitted,
            reviewed_at=submitted + timedelta(days=5),
            published_at=submitted + timedelta(days=8),
        )

    def _projects(self, list_id: int, kind: str) -> list[Project]:
        rng = self.rng
        community = kind == Village.Kind.COMMUNITY
        posts = COMMUNITY_POSTS if community else VILLAGE_POSTS
        titles = rng.sample(
            COMMUNITY_TITLES if community else VILLAGE_TITLES, settings.PLEDGE_PROJECT_COUNT
        )
        projects = []
        for number, (category, title, unit, quantities, budget) in enumerate(titles, 1):
            status = rng.choices(
                list(YEAR_END_STATUS_WEIGHTS), weights=YEAR_END_STATUS_WEIGHTS.values()
            )[0]
            start = self.year_start + timedelta(days=rng.randint(30, 150))
            finish = start + timedelta(days=rng.randint(90, 200))
            target = Decimal(str(rng.choice(quantities))) if quantities else None
            percent = 100 if status != Project.Status.IN_PROGRESS else rng.randint(5, 9) * 10
            done = self._moment(min(finish, datetime.date(self.year, 12, 15)))
            project = Project(
                pledge_list_id=list_id,
                number=number,
                title=title,
                category=category,
                lead_name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
                lead_post=rng.choice(posts),
                target_quantity=target,
                unit=unit,
                budget=Decimal(rng.randint(int(budget[0] * 10), budget[1] * 10)) / 10,
                funding_source=rng.choice(FUNDING_SOURCES),
                planned_start=start,
                planned_finish=finish,
                status=status,
                percent_done=percent,
                quantity_done=_done(target, unit, percent),
            )
            if status != Project.Status.IN_PROGRESS:
                project.completed_at = done
                project.status_note = "已全部完成，申请验收销号。"
            if status == Project.Status.VERIFIED:
                project.verified_at = done + timedelta(days=rng.randint(1, 10))
                project.status_note = "经随访核查，已按承诺完成，予以销号。"
            projects.append(project)
        return projects

    # --- Reviews and ballots -------------------------------------------------------------

    def _window(self, status: str) -> tuple[datetime.datetime, datetime.datetime]:
        if status == AnnualReview.Status.OPEN:
            return self.now - timedelta(days=3), self.now + timedelta(days=11)
        end = datetime.datetime.combine(
            datetime.date(self.year + 1, 1, 10), datetime.time(20), tzinfo=self.zone
        )
        closes = min(end, self.now - timedelta(hours=2))
        return closes - timedelta(days=21), closes

    def _reviews(self, villages: list[tuple], lists: dict) -> dict:
        list_ids = list(lists.values())
        projects, prohibitions = {}, {}
        for list_id, project_id, status in (
            Project.objects.filter(pledge_list_id__in=list_ids)
            .exclude(status=Project.Status.CANCELLED)
            .order_by("pledge_list_id", "number")
            .values_list("pledge_list_id", "id", "status")
        ):
            projects.setdefault(list_id, []).append((project_id, status))
        for list_id, prohibition_id in (
            Prohibition.objects.filter(pledge_list_id__in=list_ids)
            .order_by("pledge_list_id", "number")
            .values_list("pledge_list_id", "id")
        ):
            prohibitions.setdefault(list_id, []).append(prohibition_id)

        reviews, plans = [], []
        for village_id, township_id, _kind, _code in villages:
            if village_id not in lists:
                continue
            status = self._review_status(village_id, township_id)
            opens, closes = self._window(status)
            review = AnnualReview(
                pledge_list_id=lists[village_id],
                status=status,
                opens_at=opens,
                closes_at=closes,
                opened_at=opens,
                created_by=self.cadre_user if village_id == self.demo_village_id else None,
            )
            if status != AnnualReview.Status.OPEN:
                review.closed_at = closes
            plan = self._plan(
                review, projects[review.pledge_list_id], prohibitions[review.pledge_list_id]
            )
            if status == AnnualReview.Status.PUBLISHED:
                review.published_at = min(self.now, closes + timedelta(days=3))
                for name, value in plan["summary"].items():
                    setattr(review, name, value)
            reviews.append(review)
            plans.append(plan)
        self._bulk(reviews, AnnualReview)

        invitations, ballots, ratings = [], [], []
        for review, plan in zip(reviews, plans, strict=True):
            for invitation in plan["invitations"]:
                invitation.review_id = review.pk
                invitations.append(invitation)
            for ballot, answers in plan["ballots"]:
                ballot.review_id = review.pk
                ballots.append(ballot)
                ratings.append(answers)
        self._bulk(invitations, Invitation)
        Ballot.objects.bulk_create(ballots, batch_size=BATCH)
        project_rows, prohibition_rows = [], []
        for ballot, (project_answers, prohibition_answers) in zip(ballots, ratings, strict=True):
            project_rows += [(ballot.pk, *answer) for answer in project_answers]
            prohibition_rows += [(ballot.pk, *answer) for answer in prohibition_answers]
        _insert(ProjectRating, ["ballot_id", "project_id", "rating", "comment"], project_rows)
        _insert(
            ProhibitionRating, ["ballot_id", "prohibition_id", "kept", "remark"], prohibition_rows
        )
        return {
            "reviews": len(reviews),
            "published": sum(r.status == AnnualReview.Status.PUBLISHED for r in reviews),
            "invitations": len(invitations),
            "ballots": len(ballots),
        }

    def _plan(self, review: AnnualReview, projects: list, prohibitions: list) -> dict:
        """The review's invitations and ballots (not saved yet), and the figures it would
        publish, counted the way reviews.results counts them."""
        rng = self.rng
        people = [
            (Invitation.Kind.PARTY_MEMBER, rng.randint(*PARTY_MEMBERS)),
            (Invitation.Kind.REPRESENTATIVE, rng.randint(*REPRESENTATIVES)),
        ]
        invitations = [
            Invitation(name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES), kind=kind)
            for kind, count in people
            for _ in range(count)
        ]
        is_open = review.status == AnnualReview.Status.OPEN
        share = rng.uniform(*(OPEN_TURNOUT if is_open else TURNOUT))
        voters = rng.sample(invitations, round(len(invitations) * share))
        content = rng.uniform(0.82, 0.98)  # this village's share of 满意 + 基本满意
        counts = {project_id: [0, 0, 0] for project_id, _status in projects}
        kept_counts = {prohibition_id: [0, 0] for prohibition_id in prohibitions}
        ballots = []
        for invitation in voters:
            invitation.has_voted = True
            paper = rng.random() < PAPER_SHARE and not is_open
            ballot = Ballot(
                is_paper=paper,
                voter_key="" if paper else f"{self.keys.getrandbits(256):064x}",
                comment=rng.choice(OVERALL_COMMENTS)
                if rng.random() < OVERALL_COMMENT_SHARE
                else "",
            )
            project_answers = []
            for project_id, status in projects:
                unfinished = status != Project.Status.VERIFIED
                good = rng.random() < (content - (0.25 if unfinished else 0))
                if good:
                    rating = (
                        Rating.SATISFIED
                        if rng.random() < SATISFIED_SHARE
                        else Rating.BASICALLY_SATISFIED
                    )
                else:
                    rating = Rating.DISSATISFIED
                counts[project_id][
                    [Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED].index(
                        rating
                    )
                ] += 1
                comment = ""
                if rng.random() < COMMENT_SHARE:
                    comment = rng.choice(PROJECT_COMMENTS[good and not unfinished])
                project_answers.append((project_id, rating.value, comment))
            prohibition_answers = []
            for prohibition_id in prohibitions:
                kept = rng.random() < KEPT_SHARE
                kept_counts[prohibition_id][0 if kept else 1] += 1
                remark = rng.choice(REMARKS) if not kept and rng.random() < 0.5 else ""
                prohibition_answers.append((prohibition_id, kept, remark))
            ballots.append((ballot, (project_answers, prohibition_answers)))
        found = ReviewResults(
            review=review,
            projects=[
                ProjectResult(None, status, *counts[project_id]) for project_id, status in projects
            ],
            prohibitions=[ProhibitionResult(None, *kept_counts[p]) for p in prohibitions],
            ballots=len(ballots),
            paper_ballots=sum(ballot.is_paper for ballot, _answers in ballots),
            invited=len(invitations),
            voted=len(voters),
        )
        return {"invitations": invitations, "ballots": ballots, "summary": found.summary()}
