"""Who may do what with pledge lists and projects.

Objects reach their place through `village` (a PledgeList) or `pledge_list.village` (a Project):
`villages.rules.place_ids` resolves both. The state checks (is the list still editable?) live
on the models; these predicates answer only "is this person allowed here".
"""

import rules

from villages.rules import (
    is_city_admin_of,
    is_district_admin_of,
    is_reviewer_of,
    is_township_cadre_of,
    is_village_committee_of,
)

from .models import Escalation, PledgeList, Project


def _pledge_list(obj) -> PledgeList | None:
    if isinstance(obj, PledgeList):
        return obj
    if isinstance(obj, Project):
        return obj.pledge_list
    return getattr(obj, "project", None) and obj.project.pledge_list


@rules.predicate
def list_is_editable(user, obj) -> bool:
    pledge_list = _pledge_list(obj)
    return pledge_list is not None and pledge_list.is_editable


@rules.predicate
def list_is_published(user, obj) -> bool:
    pledge_list = _pledge_list(obj)
    return pledge_list is not None and pledge_list.is_public


def _as_village(obj):
    pledge_list = _pledge_list(obj)
    return pledge_list.village if pledge_list is not None else obj


@rules.predicate
def is_committee(user, obj) -> bool:
    return is_village_committee_of(user, _as_village(obj))


@rules.predicate
def is_cadre(user, obj) -> bool:
    return is_township_cadre_of(user, _as_village(obj))


@rules.predicate
def is_district_admin(user, obj) -> bool:
    return is_district_admin_of(user, _as_village(obj))


@rules.predicate
def is_city_admin(user, obj) -> bool:
    return is_city_admin_of(user, _as_village(obj))


@rules.predicate
def is_reviewer(user, obj) -> bool:
    return is_reviewer_of(user, _as_village(obj))


@rules.predicate
def escalation_at_township(user, escalation) -> bool:
    return escalation.level == Escalation.Level.TOWNSHIP


oversees = is_cadre | is_district_admin
works_here = is_committee | is_cadre

# Reading: everyone with a role in the place (the public sees published lists on the board),
# and the city administrator, who reads everything in the city's districts (its 4+2 record
# too) and writes nothing: `is_city_admin` is in no rule below that changes anything.
rules.add_perm("pledges.view_pledge_list", oversees | is_committee | is_reviewer | is_city_admin)
# Drafting: the village committee, or a township cadre on its behalf, while editable.
rules.add_perm("pledges.change_pledge_list", works_here & list_is_editable)
rules.add_perm("pledges.submit_pledge_list", works_here & list_is_editable)
# The 4+2 record: the committee writes what its meetings decided; the township reads it.
rules.add_perm("pledges.record_decision", is_committee & list_is_editable)
# Reviewing, returning, approving, publishing: the township.
rules.add_perm("pledges.review_pledge_list", is_cadre)
# Opening a year for every village of a district.
rules.add_perm("pledges.open_year", is_district_admin_of)
# A progress update's photos (obj: the ProgressUpdate): everyone once its list is published
# (the board shows them), else the village's committee, its township and district.
rules.add_perm("pledges.view_progress", list_is_published | oversees | is_committee | is_city_admin)
# Fulfilling a published list.
rules.add_perm("pledges.add_progress", is_committee & list_is_published)
rules.add_perm("pledges.complete_project", is_committee & list_is_published)
rules.add_perm("pledges.verify_project", is_cadre & list_is_published)
rules.add_perm("pledges.request_change", works_here & list_is_published)
rules.add_perm("pledges.decide_change", is_cadre)
rules.add_perm("pledges.raise_escalation", works_here & list_is_published)
# The township answers what reached it or passes it on; the district answers everything.
rules.add_perm("pledges.answer_escalation", (is_cadre & escalation_at_township) | is_district_admin)
