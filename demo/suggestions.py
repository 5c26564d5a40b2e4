"""The opinion collection (民意征集) of a demo year: the meetings where opinions were collected,
the residents' suggestions and their replies, escalations of those passed up, and the links
of adopted ones to their projects.

In the proportions of seed 000 (342 meetings and 626 suggestions for 119 villages): most
adopted into a project of the village's list, some answered as not adopted, passed up to the
township, closed, or still waiting for a reply (some overdue). 龙江村 has suggestions waiting
for its `village` user, one of them overdue.

Meetings and suggestions draw from their own `random.Random(seed * 7 + 1)`, so adding them
changed no list, and receipt codes from one seeded by the seed and the year, so another year's
codes do not repeat this year's (a code already in the database is drawn again).
"""

import random
from collections import defaultdict
from datetime import timedelta

from django.conf import settings

from demo.bulk import BATCH, create_with_history
from demo.dates import DemoYear
from demo.places import DemoPeople
from demo.words import (
    ADOPTED_REPLY,
    CLOSED_REPLIES,
    COMMUNITY_CATEGORIES,
    COMMUNITY_SUGGESTION_PLACES,
    DRAFT_ADOPTED_REPLY,
    HIDDEN_REASON,
    HIDDEN_REPLY,
    HIDDEN_TEXTS,
    MEETING_NOTES,
    NOT_ADOPTED_REPLIES,
    PASSED_UP_REPLY,
    RESIDENT_TITLES,
    SUGGESTION_ENDINGS,
    SUGGESTION_PLACES,
    SUGGESTION_TEXTS,
    SURNAMES,
    VILLAGE_CATEGORIES,
    for_kind,
)
from pledges.models import Category, Escalation, PledgeList, Project
from suggestions.models import (
    RECEIPT_ALPHABET,
    HistoricalSuggestion_projects,  # made by simple_history for Suggestion.projects
    Meeting,
    Suggestion,
)
from villages.models import Village

# Seed 000: about 2.9 meetings and 5.3 suggestions a village.
MEETING_COUNT_WEIGHTS = {1: 15, 2: 25, 3: 30, 4: 20, 5: 10}
SUGGESTION_COUNT_WEIGHTS = {2: 7, 3: 12, 4: 17, 5: 20, 6: 18, 7: 13, 8: 8, 9: 5}
MEETING_KIND_WEIGHTS = {
    Meeting.Kind.MASS_MEETING: 65,
    Meeting.Kind.VISITS: 20,
    Meeting.Kind.REPRESENTATIVES: 15,
}
MEETING_ATTENDANCE = {
    Meeting.Kind.MASS_MEETING: (40, 120),
    Meeting.Kind.VISITS: (20, 60),
    Meeting.Kind.REPRESENTATIVES: (20, 45),
}
MEETING_DAYS = (2, 75)  # after 1 January: opinions are collected in the first months

SUGGESTION_STATUS_WEIGHTS = {
    Suggestion.Status.ADOPTED: 45,
    Suggestion.Status.NOT_ADOPTED: 25,
    Suggestion.Status.PASSED_UP: 5,
    Suggestion.Status.RECEIVED: 7,
    Suggestion.Status.CONSIDERING: 8,
    Suggestion.Status.CLOSED: 10,
}
# Answered suggestions mostly come from the meetings early in the year; those still open came
# in more often lately, another way.
MEETING_SHARE = 0.8
OPEN_MEETING_SHARE = 0.3
OTHER_CHANNEL_WEIGHTS = {
    Suggestion.Channel.ONLINE: 45,
    Suggestion.Channel.VISIT: 25,
    Suggestion.Channel.PHONE: 15,
    Suggestion.Channel.REPRESENTATIVE: 15,
}
OVERDUE_OPEN_SHARE = 0.5  # of the open ones not from a meeting: received over 15 days ago
NAMED_SHARE = 0.3  # residents who leave a name; some of them a phone number too
PHONE_SHARE = 0.6
HIDDEN_EVERY = 50  # one village in 50 (the 26th, the 76th …) has a suggestion hidden
REPLY_DAYS = (2, 40)
# 龙江村: a bit of everything, and two waiting for a reply (the first one overdue).
DEMO_SUGGESTION_STATUSES = [
    Suggestion.Status.ADOPTED,
    Suggestion.Status.NOT_ADOPTED,
    Suggestion.Status.RECEIVED,
    Suggestion.Status.ADOPTED,
    Suggestion.Status.CLOSED,
    Suggestion.Status.CONSIDERING,
    Suggestion.Status.ADOPTED,
    Suggestion.Status.PASSED_UP,
]


class Opinions:
    """Writes a year's meetings and suggestions a chunk of villages at a time, right after
    `demo.pledge_lists` has written the chunk's projects (adopted suggestions point at them)."""

    def __init__(self, *, dates: DemoYear, people: DemoPeople, seed: int):
        self.dates = dates
        self.people = people
        self.rng = random.Random(seed * 7 + 1)
        self.code_rng = random.Random(f"receipt codes {seed} {dates.year}")
        self.villages_seen = 0

    def add(
        self, villages: list[tuple], lists: list[PledgeList], list_ids: dict[int, int]
    ) -> dict[str, int]:
        """The chunk's meetings and suggestions, the escalations of those passed up and the
        links of adopted ones to their projects. Suggestions point at meetings and escalations
        by the ids bulk_create sets on them (PostgreSQL, SQLite 3.35+, MariaDB 10.5+)."""
        projects = defaultdict(list)
        for list_id, *project in (
            Project.objects.filter(pledge_list_id__in=list(list_ids.values()))
            .order_by("pledge_list_id", "number")
            .values_list("pledge_list_id", "id", "number", "category", "title")
        ):
            projects[list_id].append(project)
        meetings, suggestions, escalations, adoptions = [], [], [], []
        for pledge_list, (village_id, _, kind) in zip(lists, villages, strict=True):
            community = kind == Village.Kind.COMMUNITY
            new_meetings, new_suggestions = self._opinions(
                village_id, community, pledge_list.status, projects[list_ids[village_id]]
            )
            meetings += new_meetings
            for suggestion, escalation, project_id in new_suggestions:
                suggestions.append(suggestion)
                if escalation is not None:
                    escalations.append(escalation)
                if project_id is not None:
                    adoptions.append((suggestion, project_id))
        create_with_history(meetings, Meeting)
        create_with_history(escalations, Escalation)
        self._set_receipt_codes(suggestions)
        create_with_history(suggestions, Suggestion)
        self._adopt(adoptions)
        return {"meetings": len(meetings), "suggestions": len(suggestions)}

    def _opinions(
        self, village_id: int, community: bool, list_status: str, projects: list
    ) -> tuple[list, list]:
        """A village's meetings, and its suggestions as (suggestion, escalation or None,
        project id adopted into or None)."""
        rng = self.rng
        is_demo = village_id == self.people.village_id
        recorder = self.people.village_user if is_demo else None
        count = rng.choices(list(MEETING_COUNT_WEIGHTS), weights=MEETING_COUNT_WEIGHTS.values())[0]
        meetings = [self._meeting(village_id, community, recorder) for _ in range(count)]
        count = rng.choices(
            list(SUGGESTION_COUNT_WEIGHTS), weights=SUGGESTION_COUNT_WEIGHTS.values()
        )[0]
        statuses = rng.choices(
            list(SUGGESTION_STATUS_WEIGHTS), weights=SUGGESTION_STATUS_WEIGHTS.values(), k=count
        )
        hidden_at = rng.randrange(count)
        if self.villages_seen % HIDDEN_EVERY != HIDDEN_EVERY // 2:
            hidden_at = None
        self.villages_seen += 1
        if is_demo:
            statuses, hidden_at = DEMO_SUGGESTION_STATUSES, None
        suggestions = []
        open_before = 0
        for index, status in enumerate(statuses):
            # 龙江村: the first one waiting is overdue, the others are not.
            overdue = open_before == 0 if is_demo else None
            suggestions.append(
                self._suggestion(
                    village_id,
                    community,
                    status,
                    meetings,
                    projects,
                    list_status,
                    is_demo=is_demo,
                    hidden=index == hidden_at,
                    overdue=overdue,
                )
            )
            open_before += status in Suggestion.OPEN
        return meetings, suggestions

    def _meeting(self, village_id: int, community: bool, recorder) -> Meeting:
        rng, dates = self.rng, self.dates
        kind = rng.choices(list(MEETING_KIND_WEIGHTS), weights=MEETING_KIND_WEIGHTS.values())[0]
        low, high = MEETING_ATTENDANCE[kind]
        places = COMMUNITY_SUGGESTION_PLACES if community else SUGGESTION_PLACES
        first = min(dates.start + timedelta(days=MEETING_DAYS[0]), dates.as_of)
        last = min(dates.start + timedelta(days=MEETING_DAYS[1]), dates.as_of)
        meeting = Meeting(
            village_id=village_id,
            date=dates.day(first, last, rng),
            kind=kind,
            attendance=rng.randint(low, high),
            notes=for_kind(rng.choice(MEETING_NOTES[kind]), community).format(
                place=rng.choice(places)
            ),
            created_by=recorder,
        )
        if recorder:
            meeting._history_user = recorder
        return meeting

    def _suggestion(
        self,
        village_id: int,
        community: bool,
        status: str,
        meetings: list,
        projects: list,
        list_status: str,
        *,
        is_demo: bool,
        hidden: bool,
        overdue: bool | None,
    ) -> tuple:
        """One suggestion, dated to fit its status on `as_of`: an answered one has had its
        reply, an open one is overdue or recent as `overdue` says (drawn when None)."""
        rng, dates = self.rng, self.dates
        if hidden:
            status = Suggestion.Status.CLOSED
        if status == Suggestion.Status.ADOPTED and not projects:
            status = Suggestion.Status.NOT_ADOPTED
        is_open = status in Suggestion.OPEN

        # What it asks for: an adopted one, what its project does.
        project = rng.choice(projects) if status == Suggestion.Status.ADOPTED else None
        if project is not None:
            category = project[2]
        elif hidden:
            category = Category.OTHER
        else:
            category = rng.choice(COMMUNITY_CATEGORIES if community else VILLAGE_CATEGORIES)
        if hidden:
            template = rng.choice(HIDDEN_TEXTS)
        else:
            asks = SUGGESTION_TEXTS[category]
            if project is not None:  # what the project does, if some text asks for it
                asks = [ask for ask in asks if project[3] in ask[1]] or asks
            template = rng.choice(asks)[0]
        ending = rng.choice(SUGGESTION_ENDINGS)
        places = COMMUNITY_SUGGESTION_PLACES if community else SUGGESTION_PLACES
        text = for_kind(template + ending, community).format(place=rng.choice(places))

        # How it came in, and who left a name.
        share = OPEN_MEETING_SHARE if is_open else MEETING_SHARE
        by_meeting = rng.random() < share and bool(meetings) and not (is_demo and is_open)
        meeting = rng.choice(meetings) if by_meeting else None
        channel = (
            Suggestion.Channel.MEETING
            if by_meeting
            else rng.choices(list(OTHER_CHANNEL_WEIGHTS), weights=OTHER_CHANNEL_WEIGHTS.values())[0]
        )
        name = phone = ""
        if rng.random() < NAMED_SHARE:
            name = rng.choice(SURNAMES) + rng.choice(RESIDENT_TITLES)
            if rng.random() < PHONE_SHARE:
                phone = f"1380000{rng.randint(0, 9999):04d}"  # not a real number

        # When: one draw per date whatever the date, so the sequence never depends on it.
        late = rng.random() < OVERDUE_OPEN_SHARE
        overdue = late if overdue is None else overdue
        reply_days = settings.SUGGESTION_REPLY_DAYS
        if meeting is not None:
            received = meeting.date
        elif not is_open:
            received = dates.day(dates.start, dates.as_of - timedelta(days=REPLY_DAYS[0]), rng)
        elif overdue:
            received = dates.day(
                max(dates.start, dates.as_of - timedelta(days=60)),
                dates.as_of - timedelta(days=reply_days + 1),
                rng,
            )
        else:
            received = dates.day(
                max(dates.start, dates.as_of - timedelta(days=reply_days - 3)), dates.as_of, rng
            )
        replied_at = None
        if not is_open:
            last = max(received, min(received + timedelta(days=REPLY_DAYS[1]), dates.as_of))
            first = min(received + timedelta(days=REPLY_DAYS[0]), last)
            replied_at = dates.moment(first, last, rng)

        reply = ""
        if status == Suggestion.Status.ADOPTED:
            published = list_status in (PledgeList.Status.PUBLISHED, PledgeList.Status.APPROVED)
            reply = (ADOPTED_REPLY if published else DRAFT_ADOPTED_REPLY).format(
                number=project[1], title=project[3]
            )
        elif status == Suggestion.Status.NOT_ADOPTED:
            reply = rng.choice(NOT_ADOPTED_REPLIES)
        elif status == Suggestion.Status.PASSED_UP:
            reply = PASSED_UP_REPLY
        elif status == Suggestion.Status.CLOSED:
            reply = HIDDEN_REPLY if hidden else rng.choice(CLOSED_REPLIES)
        reply = for_kind(reply, community)

        escalation = None
        if status == Suggestion.Status.PASSED_UP:
            escalation = Escalation(
                village_id=village_id,
                problem=text,
                level=Escalation.Level.TOWNSHIP,
                raised_by=None,
            )
        suggestion = Suggestion(
            village_id=village_id,
            year=dates.year,
            channel=channel,
            meeting=meeting,
            text=text,
            category=category,
            name=name,
            phone=phone,
            received=received,
            status=status,
            receipt_code="",  # set by _set_receipt_codes: the default would draw from secrets
            reply=reply,
            replied_at=replied_at,
            replied_by=self.people.village_user if is_demo and replied_at else None,
            escalation=escalation,
            is_hidden=hidden,
            hidden_reason=HIDDEN_REASON if hidden else "",
        )
        if is_demo and channel != Suggestion.Channel.ONLINE:
            # Recorded by the village committee.
            suggestion._history_user = self.people.village_user
        return suggestion, escalation, project[0] if project is not None else None

    def _set_receipt_codes(self, suggestions: list) -> None:
        """Codes from the seeded generator, unique in the chunk and in the database: a code
        already taken (by an earlier chunk, another year or a resident) is drawn again."""
        drawn = set()
        pending = suggestions
        while pending:
            for suggestion in pending:
                code = self._receipt_code()
                while code in drawn:
                    code = self._receipt_code()
                drawn.add(code)
                suggestion.receipt_code = code
            taken = set(
                Suggestion.objects.filter(
                    receipt_code__in=[suggestion.receipt_code for suggestion in pending]
                )
                .order_by()
                .values_list("receipt_code", flat=True)
            )
            pending = [suggestion for suggestion in pending if suggestion.receipt_code in taken]

    def _receipt_code(self) -> str:
        code = "".join(self.code_rng.choices(RECEIPT_ALPHABET, k=8))
        return f"{code[:4]}-{code[4:]}"

    def _adopt(self, adoptions: list[tuple]) -> None:
        """Adopted suggestions → their projects, and the same links on each suggestion's
        first history row, as `projects.set()` would have recorded them."""
        if not adoptions:
            return
        through = Suggestion.projects.through
        links = through.objects.bulk_create(
            [
                through(suggestion_id=suggestion.pk, project_id=project_id)
                for suggestion, project_id in adoptions
            ],
            batch_size=BATCH,
        )
        history_ids = dict(
            Suggestion.history.filter(
                id__in=[link.suggestion_id for link in links], history_type="+"
            )
            .order_by("history_id")  # the newest first row wins, should an id come back
            .values_list("id", "history_id")
        )
        HistoricalSuggestion_projects.objects.bulk_create(
            [
                HistoricalSuggestion_projects(
                    history_id=history_ids[link.suggestion_id],
                    id=link.pk,
                    suggestion_id=link.suggestion_id,
                    project_id=link.project_id,
                )
                for link in links
            ],
            batch_size=BATCH,
        )
