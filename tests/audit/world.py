"""Two townships in two districts, each with public and non-public data, for the all-URLs
scope walk. Every non-public text carries a marker naming its side ("LEAKA…" at home, where
the walking users have their roles; "LEAKB…" in the other district), so a page that shows
data it should not is caught by a plain substring search.

`fillers` maps each kind of URL parameter to the values on each side; the walk combines
them per side (a review of side B with a ballot token of side B).
"""

import datetime

from django.utils import timezone

from audit.models import SecurityEvent
from audit.services import record
from imports.models import ImportJob
from pledges.models import ChangeRequest, Escalation, OpenYearJob, PledgeList, Project
from residents.models import Challenge, Follow, ViolationReport
from reviews.models import AnnualReview, Invitation, token_hash
from suggestions.models import Candidate, Meeting, ReplyTemplate, Suggestion
from tests.factories import (
    DistrictFactory,
    MembershipFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    full_list,
)
from tests.personas import Personas
from villages.models import Membership

YEAR = timezone.localdate().year
SIDES = ("A", "B")
Role = Membership.Role


def _side(side: str, n: int) -> dict:
    """One district → township → village with a published list (this year), a draft list
    (next year) and a piece of every kind of non-public data."""
    district = DistrictFactory(code=f"5{n}0100", name=f"{side}区")
    township = TownshipFactory(district=district, code=f"{district.code}001", name=f"{side}镇")
    village = VillageFactory(township=township, code=f"{township.code}001", name=f"{side}村")
    published = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=YEAR)
    draft = full_list(village=village, year=YEAR + 1)
    draft.projects.filter(number=1).update(title=f"LEAK{side}DRAFT")
    draft.prohibitions.filter(number=1).update(text=f"LEAK{side}DRAFTPROHIBITION")
    # The draft's 4+2 record is the committee's and the township's (the board shows a
    # published list's dates and votes only).
    draft.decision.meetings.filter(step="propose").update(outcome=f"LEAK{side}DECISION")
    project = published.projects.get(number=1)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.VERIFIED)
    completed = published.projects.get(number=2)
    Project.objects.filter(pk=completed.pk).update(status=Project.Status.COMPLETED)
    change = ChangeRequest.objects.create(
        project=completed, reason=f"LEAK{side}CHANGE", title="新名称"
    )
    escalation = Escalation.objects.create(
        village=village, project=project, problem=f"LEAK{side}ESCALATION"
    )
    Meeting.objects.create(village=village, notes=f"LEAK{side}MEETING", attendance=12)
    # The pool of next year's draft: not public (the board shows only a published year's).
    Candidate.objects.create(village=village, year=YEAR + 1, title=f"LEAK{side}CANDIDATE")
    private = Suggestion.objects.create(
        village=village,
        year=YEAR,
        text="希望修路",
        name=f"LEAK{side}NAME",
        phone=f"1390000000{n}",
    )
    hidden = Suggestion.objects.create(
        village=village,
        year=YEAR,
        text=f"LEAK{side}HIDDENTEXT",
        is_hidden=True,
        hidden_reason="含个人信息",
    )
    answered = Suggestion.objects.create(
        village=village,
        year=YEAR,
        text="路灯不亮",
        status=Suggestion.Status.ADOPTED,
        reply="已列入项目",
        replied_at=timezone.now(),
    )
    prohibition = published.prohibitions.get(number=1)
    challenge = Challenge.objects.create(
        project=project, text=f"LEAK{side}CHALLENGE", contact=f"LEAK{side}CONTACT"
    )
    report = ViolationReport.objects.create(
        prohibition=prohibition, text=f"LEAK{side}REPORT", contact=f"1390000001{n}"
    )
    follow = Follow.objects.create(suggestion=private, channel="sms", address=f"1390000002{n}")
    reply = ReplyTemplate.objects.create(
        township=township, title="模板", text=f"LEAK{side}REPLYTEMPLATE"
    )
    now = timezone.now()
    review = AnnualReview.objects.create(
        pledge_list=published,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=6),
    )
    token = f"walk-token-{side.lower()}-0123456789abcdef"
    invitation = Invitation.objects.create(
        review=review,
        name=f"LEAK{side}INVITEE",
        phone=f"1390000003{n}",
        token_hash=token_hash(token),
    )
    job = ImportJob.objects.create(
        township=township, year=YEAR + 1, file="imports/walk.xlsx", file_name=f"LEAK{side}IMPORT"
    )
    opening = OpenYearJob.objects.create(
        district=district,
        year=YEAR + 1,
        status=OpenYearJob.Status.FAILED,
        message=f"LEAK{side}OPENING",
    )
    # An account of this district with security events the other district must not see.
    insider = UserFactory(username=f"LEAK{side}USER")
    MembershipFactory(user=insider, role=Role.VILLAGE_COMMITTEE, village=village)
    record(None, SecurityEvent.Kind.LOGIN_FAILED, user=insider, attempt="walk")
    return {
        "district": district,
        "township": township,
        "village": village,
        "published": published,
        "draft": draft,
        "project": project,
        "draft_project": draft.projects.get(number=1),
        "completed": completed,
        "change": change,
        "escalation": escalation,
        "suggestions": [private, hidden, answered],
        "challenge": challenge,
        "report": report,
        "follow": follow,
        "reply": reply,
        "review": review,
        "invitation": invitation,
        "token": token,
        "import_job": job,
        "open_year_job": opening,
    }


def _notices(side: dict) -> dict:
    """Notices (issue 7) when the app has its models in place."""
    try:
        from notices.models import Delivery, Notice
    except ImportError:  # pragma: no cover - the app is being built
        return {}
    letter = side["village"].name[0]
    notice = Notice.objects.create(
        township=side["township"],
        village=side["village"],
        period=f"{YEAR}-01",
        body=f"LEAK{letter}NOTICE",
    )
    delivery = Delivery.objects.create(
        notice=notice, channel="email", target=f"leak{letter.lower()}@example.org"
    )
    return {"notice": notice, "delivery": delivery}


def build() -> dict:
    sides = {}
    for n, side in enumerate(SIDES, start=1):
        sides[side] = _side(side, n)
        sides[side].update(_notices(sides[side]))
    # The walkers work at home (side A); the outsiders of the cast on side B do not walk.
    personas = Personas.around(sides["A"]["village"], other_village=sides["B"]["village"])
    city_admin = MembershipFactory(role=Role.CITY_ADMIN, city=sides["A"]["district"].city).user
    users = {
        "city_admin": city_admin,
        "district_admin": personas.district_admin,
        "township_cadre": personas.cadre,
        "village_committee": personas.committee,
        "reviewer": personas.reviewer,
        "no_role": personas.nobody,
        "anonymous": personas.anonymous,
    }
    return {"sides": sides, "users": users, "fillers": _fillers(sides)}


def _fillers(sides: dict) -> dict:
    """Kind of parameter → {"A": [...], "B": [...]} (or "*": values for both sides)."""

    def each(pick):
        return {side: pick(data) for side, data in sides.items()}

    return {
        "city_code": each(lambda s: [s["district"].city.code]),
        "district_code": each(lambda s: [s["district"].code]),
        "township_code": each(lambda s: [s["township"].code]),
        "village_code": each(lambda s: [s["village"].code]),
        "place_code": each(
            lambda s: [
                s["district"].city.code,
                s["district"].code,
                s["township"].code,
                s["village"].code,
            ]
        ),
        "receipt_code": each(lambda s: [x.receipt_code for x in s["suggestions"]]),
        "pledge_list": each(lambda s: [s["published"].pk, s["draft"].pk]),
        "project": each(lambda s: [s["project"].pk, s["completed"].pk, s["draft_project"].pk]),
        "change_request": each(lambda s: [s["change"].pk]),
        "escalation": each(lambda s: [s["escalation"].pk]),
        "suggestion": each(lambda s: [x.pk for x in s["suggestions"]]),
        "import_job": each(lambda s: [s["import_job"].pk]),
        "open_year_job": each(lambda s: [s["open_year_job"].pk]),
        "reply_template": each(lambda s: [s["reply"].pk]),
        "challenge": each(lambda s: [s["challenge"].pk]),
        "report": each(lambda s: [s["report"].pk]),
        "follow_token": each(lambda s: [s["follow"].token]),
        "review": each(lambda s: [s["review"].pk]),
        "invitation": each(lambda s: [s["invitation"].pk]),
        "ballot_token": each(lambda s: [s["token"]]),
        "notice": each(lambda s: [s["notice"].pk] if "notice" in s else []),
        "delivery": each(lambda s: [s["delivery"].pk] if "delivery" in s else []),
        "year": {"*": [YEAR, YEAR + 1]},
        "number": {"*": [1]},
        "export_what": {"*": ["lists", "progress", "suggestions"]},
        "language": {"*": ["en"]},
        "decision_step": {"*": ["propose", "decide"]},
    }


def markers(role: str) -> list[str]:
    """What `role` must never see: everything of side B; side A's private data unless the
    role works there; a suggestion's name and phone unless the role may answer it."""
    other = [
        "LEAKB",
        "13900000002",  # suggestion phone
        "13900000012",  # violation report contact
        "13900000022",  # follower's phone
        "13900000032",  # invitee's phone
        "leakb@example.org",
    ]
    home_contacts = ["LEAKANAME", "13900000001", "LEAKACONTACT", "13900000011", "13900000021"]
    if role in ("anonymous", "no_role"):
        return other + ["LEAKA", *home_contacts, "13900000031", "leaka@example.org"]
    if role == "reviewer":
        return other + home_contacts
    # The city administrator reads what the district administrator reads in the city's
    # districts (names and phones included, as the district does): only side B is hidden.
    return other
