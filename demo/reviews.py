"""The year-end review (年度评议) of a past demo year.

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
like real ones. Reviews and invitations get their first history row, ballots have none by
design. Published figures are computed in memory with the same code as the results page.
"""

import datetime
import random
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from demo.bulk import BATCH, create_with_history, in_chunks, insert
from demo.dates import DemoYear
from demo.places import DemoPeople
from demo.pledge_lists import add_decisions, quantity_done
from demo.words import (
    APPROVAL_COMMENT,
    COMMUNITY_POSTS,
    COMMUNITY_TITLES,
    COMPLETED_NOTE,
    FUNDING_SOURCES,
    OVERALL_COMMENTS,
    PROHIBITIONS,
    PROJECT_COMMENTS,
    REMARKS,
    VERIFIED_NOTE,
    VILLAGE_POSTS,
    VILLAGE_TITLES,
    full_name,
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
from villages.models import Village

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


def is_loaded(year: int) -> bool:
    return AnnualReview.objects.filter(pledge_list__year=year).exists()


def seed(*, year: int, seed: int) -> dict[str, int]:
    """Published lists where missing and a review of every list of `year`, in one
    transaction; returns how many lists, reviews (published), invitations and ballots."""
    with transaction.atomic():
        return _Reviews(year=year, rng=random.Random(f"reviews {seed} {year}")).seed()


class _Reviews:
    def __init__(self, *, year: int, rng: random.Random):
        self.rng = rng
        self.dates = DemoYear.of(year)
        self.keys = random.Random(f"voter keys {time.time_ns()}")  # like real ones: unlinkable
        people = DemoPeople.find()
        self.cadre_user = people.township_user
        self.demo_village_id = people.village_id
        # Townships by their place in their district: decides who has published.
        self.township_place = {
            township_id: int(code[-3:])
            for township_id, code in (
                Village.objects.values_list("township_id", "township__code").distinct().order_by()
            )
        }

    def seed(self) -> dict[str, int]:
        villages = list(
            Village.objects.order_by("code").values_list("id", "township_id", "kind", "code")
        )
        counts = dict.fromkeys(("lists", "reviews", "published", "invitations", "ballots"), 0)
        for chunk in in_chunks(villages):
            for name, count in self._chunk(chunk).items():
                counts[name] += count
        return counts

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

    def _chunk(self, villages: list[tuple]) -> dict[str, int]:
        year = self.dates.year
        ids = [village[0] for village in villages]
        existing = dict(
            PledgeList.objects.filter(year=year, village_id__in=ids).values_list(
                "village_id", "status"
            )
        )
        new_lists = [
            self._pledge_list(village_id)
            for village_id, *_ in villages
            if village_id not in existing
        ]
        create_with_history(new_lists, PledgeList)
        lists = dict(
            PledgeList.objects.filter(
                year=year, village_id__in=ids, status=PledgeList.Status.PUBLISHED
            ).values_list("village_id", "id")
        )
        added = {pl.village_id for pl in new_lists}
        add_decisions([(lists[v], v) for v in added if v in lists], year=year)
        projects, prohibitions = [], []
        for village_id, _township, kind, _code in villages:
            if village_id in added:
                projects += self._projects(lists[village_id], kind)
                texts = self.rng.sample(PROHIBITIONS, settings.PLEDGE_PROHIBITION_COUNT)
                prohibitions += [
                    Prohibition(pledge_list_id=lists[village_id], number=number, text=text)
                    for number, text in enumerate(texts, 1)
                ]
        create_with_history(projects, Project)
        create_with_history(prohibitions, Prohibition)
        return {"lists": len(new_lists), **self._reviews(villages, lists)}

    def _pledge_list(self, village_id: int) -> PledgeList:
        day = self.dates.start + timedelta(days=self.rng.randint(5, 30))
        submitted = self.dates.office_hours(day, self.rng)
        return PledgeList(
            village_id=village_id,
            year=self.dates.year,
            status=PledgeList.Status.PUBLISHED,
            review_comment=APPROVAL_COMMENT,
            submitted_at=submitted,
            reviewed_at=submitted + timedelta(days=5),
            published_at=submitted + timedelta(days=8),
        )

    def _projects(self, list_id: int, kind: str) -> list[Project]:
        rng, dates = self.rng, self.dates
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
            start = dates.start + timedelta(days=rng.randint(30, 150))
            finish = start + timedelta(days=rng.randint(90, 200))
            target = Decimal(str(rng.choice(quantities))) if quantities else None
            percent = 100 if status != Project.Status.IN_PROGRESS else rng.randint(5, 9) * 10
            done = dates.office_hours(min(finish, datetime.date(dates.year, 12, 15)), rng)
            project = Project(
                pledge_list_id=list_id,
                number=number,
                title=title,
                category=category,
                lead_name=full_name(rng),
                lead_post=rng.choice(posts),
                target_quantity=target,
                unit=unit,
                budget=Decimal(rng.randint(int(budget[0] * 10), budget[1] * 10)) / 10,
                funding_source=rng.choice(FUNDING_SOURCES),
                planned_start=start,
                planned_finish=finish,
                status=status,
                percent_done=percent,
                quantity_done=quantity_done(target, unit, percent),
            )
            if status != Project.Status.IN_PROGRESS:
                project.completed_at = done
                project.status_note = COMPLETED_NOTE
            if status == Project.Status.VERIFIED:
                project.verified_at = done + timedelta(days=rng.randint(1, 10))
                project.status_note = VERIFIED_NOTE
            projects.append(project)
        return projects

    # --- Reviews and ballots -------------------------------------------------------------

    def _window(self, status: str) -> tuple[datetime.datetime, datetime.datetime]:
        now = self.dates.now
        if status == AnnualReview.Status.OPEN:
            return now - timedelta(days=3), now + timedelta(days=11)
        end = datetime.datetime.combine(
            datetime.date(self.dates.year + 1, 1, 10), datetime.time(20), tzinfo=self.dates.zone
        )
        closes = min(end, now - timedelta(hours=2))
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
                review.published_at = min(self.dates.now, closes + timedelta(days=3))
                for name, value in plan["summary"].items():
                    setattr(review, name, value)
            reviews.append(review)
            plans.append(plan)
        create_with_history(reviews, AnnualReview)

        invitations, ballots, ratings = [], [], []
        for review, plan in zip(reviews, plans, strict=True):
            for invitation in plan["invitations"]:
                invitation.review_id = review.pk
                invitations.append(invitation)
            for ballot, answers in plan["ballots"]:
                ballot.review_id = review.pk
                ballots.append(ballot)
                ratings.append(answers)
        create_with_history(invitations, Invitation)
        Ballot.objects.bulk_create(ballots, batch_size=BATCH)
        project_rows, prohibition_rows = [], []
        for ballot, (project_answers, prohibition_answers) in zip(ballots, ratings, strict=True):
            project_rows += [(ballot.pk, *answer) for answer in project_answers]
            prohibition_rows += [(ballot.pk, *answer) for answer in prohibition_answers]
        insert(ProjectRating, ["ballot_id", "project_id", "rating", "comment"], project_rows)
        insert(
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
            Invitation(name=full_name(rng), kind=kind)
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
