"""A year of pledge lists for every demo village: lists, projects, prohibitions and progress
updates, each with its first history row, and (through `demo.suggestions`) the opinion
collection around them.

The year looks like one in progress: most lists are published and their projects are spread
between planned, in progress (some overdue), completed and verified; a few lists are still in
review. The demo users get what the demo walks through: the `village` user's 龙江村 has a
published list with a project waiting for verification, and the `township` cadre has a
submitted list to review in 海龙镇.

Everything here comes from one `random.Random(seed)`, drawn the same number of times whatever
the date, so a seed always gives the same lists.
"""

import datetime
import io
import random
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from demo.bulk import create_with_history, in_chunks
from demo.dates import DemoYear
from demo.places import DemoPeople
from demo.suggestions import Opinions
from demo.words import (
    APPROVAL_COMMENT,
    CATEGORY_PURPOSES,
    COMMUNITY_PLACES,
    COMMUNITY_POSTS,
    COMMUNITY_TITLES,
    COMPLETED_NOTE,
    EARLY_NOTES,
    FINISH_NOTES,
    FUNDING_SOURCES,
    LATE_NOTES,
    PROHIBITIONS,
    RETURN_COMMENTS,
    VERIFIED_NOTE,
    VILLAGE_PLACES,
    VILLAGE_POSTS,
    VILLAGE_TITLES,
    as_written,
    full_name,
)
from pledges.models import (
    DecisionMeeting,
    DecisionRecord,
    PledgeList,
    ProgressUpdate,
    Prohibition,
    Project,
)
from villages.models import Village

LIST_STATUS_WEIGHTS = {
    PledgeList.Status.PUBLISHED: 70,
    PledgeList.Status.APPROVED: 8,
    PledgeList.Status.SUBMITTED: 8,
    PledgeList.Status.RETURNED: 6,
    PledgeList.Status.DRAFT: 8,
}
PROJECT_STATUS_WEIGHTS = {
    Project.Status.PLANNED: 15,
    Project.Status.IN_PROGRESS: 40,
    Project.Status.COMPLETED: 15,
    Project.Status.VERIFIED: 30,
}
OVERDUE_SHARE = 0.3  # of the projects in progress
# 龙江村, the demo village: a bit of everything, two projects waiting for verification.
DEMO_VILLAGE_STATUSES = [
    Project.Status.VERIFIED,
    Project.Status.IN_PROGRESS,
    Project.Status.COMPLETED,
    Project.Status.VERIFIED,
    Project.Status.IN_PROGRESS,
    Project.Status.PLANNED,
    Project.Status.COMPLETED,
    Project.Status.IN_PROGRESS,
    Project.Status.VERIFIED,
    Project.Status.IN_PROGRESS,
]
STARTED = (Project.Status.IN_PROGRESS, Project.Status.COMPLETED, Project.Status.VERIFIED)


def is_loaded(year: int) -> bool:
    return PledgeList.objects.filter(year=year).exists()


def seed(*, year: int, seed: int) -> dict[str, int]:
    """Lists for `year` in every village, a chunk of villages at a time, each chunk's meetings
    and suggestions right after its projects; returns how many rows of each kind it wrote."""
    dates = DemoYear.of(year)
    people = DemoPeople.find()
    lists = _PledgeLists(dates=dates, people=people, rng=random.Random(seed))
    opinions = Opinions(dates=dates, people=people, seed=seed)
    villages = list(Village.objects.order_by("code").values_list("id", "township_id", "kind"))
    counts = dict.fromkeys(
        ("lists", "projects", "prohibitions", "updates", "meetings", "suggestions"), 0
    )
    for chunk in in_chunks(villages):
        chunk_lists, list_ids, written = lists.add(chunk)
        written.update(opinions.add(chunk, chunk_lists, list_ids))
        for name, count in written.items():
            counts[name] += count
    return counts


DEMO_MINUTES = "minutes/demo/signed-minutes.jpg"
DEMO_MINUTES_THUMBNAIL = "minutes/demo/signed-minutes-thumb.jpg"
DECISION_PLACES = ["村委会会议室", "村党群服务中心", "村文化活动室"]
DECISION_CHAIRS = ["村党组织书记", "村委会主任", "村党组织副书记"]


def _demo_minutes() -> None:
    """One page of "signed minutes" that every demo record shows (written once; a real
    record has its own photo)."""
    for name, size in ((DEMO_MINUTES, (900, 1200)), (DEMO_MINUTES_THUMBNAIL, (360, 480))):
        if not default_storage.exists(name):
            out = io.BytesIO()
            Image.new("RGB", size, (250, 250, 245)).save(out, "JPEG", quality=70)
            default_storage.save(name, ContentFile(out.getvalue()))


def add_decisions(lists: list[tuple[int, int]], *, year: int) -> int:
    """A complete 4+2 record for each (list id, village id): four meetings in the first days
    of January, the deciding one a representatives' meeting whose quorum and vote pass.
    Figures come from the village id, not from the seed's generator, so adding records
    leaves every other draw unchanged. Returns the number of records."""
    if not lists:
        return 0
    _demo_minutes()
    records = create_with_history(
        [DecisionRecord(pledge_list_id=list_id) for list_id, _village in lists], DecisionRecord
    )
    record_ids = dict(
        DecisionRecord.objects.filter(
            pledge_list_id__in=[list_id for list_id, _village in lists]
        ).values_list("pledge_list_id", "id")
    )
    meetings = []
    for list_id, village_id in lists:
        members = 30 + village_id % 31  # representatives
        present = members - village_id % (members // 3 + 1)  # at least two thirds
        place = DECISION_PLACES[village_id % len(DECISION_PLACES)]
        for day, step in enumerate(DecisionMeeting.Step, start=1):
            meeting = DecisionMeeting(
                record_id=record_ids[list_id],
                step=step,
                date=datetime.date(year, 1, day),
                place=place,
                chaired_by=DECISION_CHAIRS[0 if step != DecisionMeeting.Step.DECIDE else 1],
                entitled=7 + village_id % 3,
                present=7 + village_id % 3,
                outcome="同意年度“十要五不准”清单（草案）",
            )
            if step == DecisionMeeting.Step.DECIDE:
                against = village_id % 3
                meeting.kind = DecisionMeeting.Kind.REPRESENTATIVES
                meeting.entitled, meeting.present = members, present
                meeting.votes_for = present - against - 1
                meeting.votes_against, meeting.votes_abstain = against, 1
                meeting.image, meeting.thumbnail = DEMO_MINUTES, DEMO_MINUTES_THUMBNAIL
                meeting.outcome = "表决通过年度“十要五不准”清单"
            meetings.append(meeting)
    create_with_history(meetings, DecisionMeeting)
    return len(records)


def quantity_done(target: Decimal | None, unit: str, percent: int) -> Decimal | None:
    """The quantity a percentage has reached, in whole lamps, metres, households … (rounded
    down: a canteen 60% built is not one canteen)."""
    if target is None:
        return None
    step = Decimal("0.1") if unit == "公里" else Decimal("1")
    return (target * percent / 100).quantize(step, rounding=ROUND_DOWN)


class _PledgeLists:
    """Draws every list, project and report from one generator, village by village in code
    order: the order of the draws is what makes a seed reproducible."""

    def __init__(self, *, dates: DemoYear, people: DemoPeople, rng: random.Random):
        self.dates = dates
        self.people = people
        self.rng = rng

    def add(self, villages: list[tuple]) -> tuple[list[PledgeList], dict[int, int], dict]:
        """Lists, then their projects and prohibitions, then progress updates for some, for a
        chunk of villages: returns the lists, each village's list id and the counts. Ids come
        back from a query, not from bulk_create."""
        lists = [
            self._pledge_list(village_id, township_id) for village_id, township_id, _ in villages
        ]
        create_with_history(lists, PledgeList)
        list_ids = dict(
            PledgeList.objects.filter(
                year=self.dates.year, village_id__in=[village[0] for village in villages]
            ).values_list("village_id", "id")
        )

        projects, prohibitions, updates = [], [], []
        for pledge_list, (village_id, _, kind) in zip(lists, villages, strict=True):
            list_id = list_ids[village_id]
            new_projects, new_updates = self._projects(
                list_id, pledge_list.status, kind, village_id
            )
            projects += new_projects
            updates += new_updates
            texts = self.rng.sample(PROHIBITIONS, settings.PLEDGE_PROHIBITION_COUNT)
            prohibitions += [
                Prohibition(pledge_list_id=list_id, number=number, text=text)
                for number, text in enumerate(texts, 1)
            ]
        create_with_history(projects, Project)
        create_with_history(prohibitions, Prohibition)
        add_decisions(
            [
                (list_ids[village_id], village_id)
                for pledge_list, (village_id, _, _) in zip(lists, villages, strict=True)
                if pledge_list.status != PledgeList.Status.DRAFT
            ],
            year=self.dates.year,
        )

        project_ids = {
            (list_id, number): project_id
            for list_id, number, project_id in Project.objects.filter(
                pledge_list_id__in=list(list_ids.values()), status__in=STARTED
            ).values_list("pledge_list_id", "number", "id")
        }
        for list_id, number, update in updates:
            update.project_id = project_ids[list_id, number]
        create_with_history([update for _, _, update in updates], ProgressUpdate)
        written = {
            "lists": len(lists),
            "projects": len(projects),
            "prohibitions": len(prohibitions),
            "updates": len(updates),
        }
        return lists, list_ids, written

    def _pledge_list(self, village_id: int, township_id: int) -> PledgeList:
        rng, dates, people = self.rng, self.dates, self.people
        status = rng.choices(list(LIST_STATUS_WEIGHTS), weights=LIST_STATUS_WEIGHTS.values())[0]
        if village_id == people.village_id:
            status = PledgeList.Status.PUBLISHED
        elif village_id == people.review_village_id:
            status = PledgeList.Status.SUBMITTED
        village_user = people.village_user if village_id == people.village_id else None
        cadre = people.township_user if township_id == people.township_id else None

        # Lists are drawn up early in the year; one still waiting was sent in lately.
        early = dates.moment(dates.start + timedelta(days=5), dates.start + timedelta(days=40), rng)
        lately = dates.moment(max(dates.start, dates.as_of - timedelta(days=14)), dates.as_of, rng)
        reviewed = dates.later(early, 2, 10, rng)
        published = dates.later(reviewed, 1, 5, rng)
        comment = rng.choice(RETURN_COMMENTS)

        pledge_list = PledgeList(village_id=village_id, year=dates.year, status=status)
        if status == PledgeList.Status.DRAFT:
            return pledge_list
        pledge_list.submitted_by = village_user
        if status == PledgeList.Status.SUBMITTED:
            pledge_list.submitted_at = lately
            return pledge_list
        pledge_list.submitted_at = early
        pledge_list.reviewed_at = reviewed
        pledge_list.reviewed_by = cadre
        if status == PledgeList.Status.RETURNED:
            pledge_list.review_comment = comment
            return pledge_list
        pledge_list.review_comment = APPROVAL_COMMENT
        if status == PledgeList.Status.PUBLISHED:
            pledge_list.published_at = published
            pledge_list.published_by = cadre
        return pledge_list

    def _projects(
        self, list_id: int, list_status: str, kind: str, village_id: int
    ) -> tuple[list[Project], list[tuple]]:
        """The list's projects, and its progress updates as (list id, number, update) until the
        projects have ids. Only published lists have work under way."""
        rng, dates = self.rng, self.dates
        is_demo = village_id == self.people.village_id
        community = kind == Village.Kind.COMMUNITY
        posts = COMMUNITY_POSTS if community else VILLAGE_POSTS
        leads = [(full_name(rng), post) for post in [posts[0], *rng.sample(posts[1:], 3)]]
        places = COMMUNITY_PLACES if community else VILLAGE_PLACES
        titles = rng.sample(
            COMMUNITY_TITLES if community else VILLAGE_TITLES, settings.PLEDGE_PROJECT_COUNT
        )
        projects, updates = [], []
        for number, (category, title, unit, quantities, budget) in enumerate(titles, 1):
            status = rng.choices(
                list(PROJECT_STATUS_WEIGHTS), weights=PROJECT_STATUS_WEIGHTS.values()
            )[0]
            if list_status != PledgeList.Status.PUBLISHED:
                status = Project.Status.PLANNED
            elif is_demo:
                status = DEMO_VILLAGE_STATUSES[(number - 1) % len(DEMO_VILLAGE_STATUSES)]
            overdue = rng.random() < OVERDUE_SHARE and status == Project.Status.IN_PROGRESS
            start, finish = self._plan_dates(status, overdue)
            target = Decimal(str(rng.choice(quantities))) if quantities else None
            lead_name, lead_post = rng.choice(leads)
            amount = f"{as_written(target)}{unit}" if target is not None else ""
            project = Project(
                pledge_list_id=list_id,
                number=number,
                title=title,
                category=category,
                description=(
                    f"{title}{amount}，{CATEGORY_PURPOSES[category]}。"
                    f"实施范围：{rng.choice(places)}。"
                ),
                lead_name=lead_name,
                lead_post=lead_post,
                target_quantity=target,
                unit=unit,
                budget=Decimal(rng.randint(int(budget[0] * 10), budget[1] * 10)) / 10,
                funding_source=rng.choice(FUNDING_SOURCES),
                planned_start=start,
                planned_finish=finish,
                status=status,
            )
            # Drawn for every project so the sequence does not depend on the status or date.
            percent = rng.randint(1, 9) * 10
            waited = dates.moment(max(start, dates.as_of - timedelta(days=20)), dates.as_of, rng)
            finished = dates.moment(start, min(finish, dates.as_of - timedelta(days=7)), rng)
            verified = dates.later(finished, 1, 15, rng)

            last_report = dates.as_of
            if status == Project.Status.IN_PROGRESS:
                project.percent_done = percent
                project.quantity_done = quantity_done(target, unit, percent)
            elif status in (Project.Status.COMPLETED, Project.Status.VERIFIED):
                percent = 100
                project.percent_done = 100
                project.quantity_done = target
                project.completed_at = waited if status == Project.Status.COMPLETED else finished
                project.completed_by = self.people.village_user if is_demo else None
                project.status_note = COMPLETED_NOTE
                last_report = project.completed_at.date()
                if status == Project.Status.VERIFIED:
                    project.verified_at = verified
                    project.verified_by = self.people.township_user if is_demo else None
                    project.status_note = VERIFIED_NOTE
            projects.append(project)
            if status in STARTED:
                for update in self._updates(project, percent, last_report, is_demo):
                    updates.append((list_id, number, update))
        return projects, updates

    def _plan_dates(self, status: str, overdue: bool) -> tuple[datetime.date, datetime.date]:
        """Start and finish inside the year that fit the status on `as_of`: planned projects
        start later, open and just-completed ones finish later unless overdue, started ones
        have started."""
        rng, dates = self.rng, self.dates
        start = dates.start + timedelta(days=rng.randint(10, 160))
        finish = min(dates.end, start + timedelta(days=rng.randint(60, 240)))
        later = dates.as_of + timedelta(days=rng.randint(5, 40))
        overdue_by = timedelta(days=rng.randint(1, 30))
        if status == Project.Status.PLANNED:
            start = min(dates.end, max(start, later))
            finish = min(dates.end, max(finish, start + timedelta(days=30)))
            return start, finish
        start = min(start, dates.as_of)
        # Overdue needs room: a finish a month back and a start a month before that.
        if overdue and (dates.as_of - dates.start).days > 60:
            finish = dates.as_of - overdue_by
            start = min(start, finish - timedelta(days=30))
        elif status in (Project.Status.IN_PROGRESS, Project.Status.COMPLETED):
            # Not late: still within its time, or done ahead of it and waiting for the check.
            finish = min(dates.end, max(finish, later))
        return start, finish

    def _updates(
        self, project: Project, final: int, last_day: datetime.date, is_demo: bool
    ) -> list[ProgressUpdate]:
        """One to three reports rising to the project's current percentage: the last one on
        the day it was completed, or within the month before `last_day` (reports are
        monthly)."""
        rng, dates = self.rng, self.dates
        village_user = self.people.village_user
        earlier = list(range(10, final, 10))
        count = min(rng.randint(0, 2), len(earlier))
        percents = [*sorted(rng.sample(earlier, count)), final]
        latest = dates.day(max(project.planned_start, last_day - timedelta(days=30)), last_day, rng)
        if final == 100:
            latest = last_day
        days = [
            *sorted(dates.day(project.planned_start, latest, rng) for _ in percents[:-1]),
            latest,
        ]
        updates = []
        for day, percent in zip(days, percents, strict=True):
            quantity = quantity_done(project.target_quantity, project.unit, percent)
            remark = rng.choice(EARLY_NOTES if percent < 50 else LATE_NOTES)
            if percent == 100:
                note = rng.choice(FINISH_NOTES)
            elif quantity:
                note = f"完成{percent}%（{as_written(quantity)}{project.unit}），{remark}"
            else:
                note = f"完成{percent}%，{remark}"
            update = ProgressUpdate(
                date=day,
                percent_done=percent,
                quantity_done=quantity,
                note=note,
                author=village_user if is_demo else None,
            )
            if is_demo:
                update._history_user = village_user
            updates.append(update)
        return updates
