"""Who may do what with year-end reviews.

Objects reach their village through the pledge list: an AnnualReview, a PledgeList (when a
review is opened) or an Invitation. The state checks (is voting open?) live on the model;
these predicates answer only "is this person allowed here". Reviewers need no account: they
vote with the token on their slip, checked in the view, not here. Those who have one (the
reviewer role of a village) see how and when to vote, never a ballot: an account is not linked
to an invitation, so nothing ties a login to a vote.
"""

import rules

from pledges.models import PledgeList
from villages.rules import (
    is_city_admin_of,
    is_district_admin_of,
    is_reviewer_of,
    is_township_cadre_of,
    is_village_committee_of,
)

from .models import AnnualReview, Invitation


def _village(obj):
    if isinstance(obj, Invitation):
        obj = obj.review
    if isinstance(obj, AnnualReview):
        obj = obj.pledge_list
    if isinstance(obj, PledgeList):
        return obj.village
    return obj


@rules.predicate
def is_cadre(user, obj) -> bool:
    return is_township_cadre_of(user, _village(obj))


@rules.predicate
def is_district_admin(user, obj) -> bool:
    return is_district_admin_of(user, _village(obj))


@rules.predicate
def is_city_admin(user, obj) -> bool:
    return is_city_admin_of(user, _village(obj))


@rules.predicate
def is_committee(user, obj) -> bool:
    return is_village_committee_of(user, _village(obj))


@rules.predicate
def is_reviewer(user, obj) -> bool:
    return is_reviewer_of(user, _village(obj))


@rules.predicate
def list_is_published(user, obj) -> bool:
    return isinstance(obj, PledgeList) and obj.is_public


oversees = is_cadre | is_district_admin
# The city administrator reads what the district reads and manages nothing.
reads = oversees | is_city_admin

# Opening a review: the township, for a published list of one of its villages.
rules.add_perm("reviews.add_review", is_cadre & list_is_published)
# Its page, turnout and (once voting is over) results: the township, the district, and the
# committee whose list is reviewed. Never who voted what: nobody can see that.
rules.add_perm("reviews.view_review", reads | is_committee)
# How to vote and when (no figures): the village's reviewers with an account, and whoever
# may see the review's page.
rules.add_perm("reviews.see_voting_guide", is_reviewer | reads | is_committee)
# Names and phones of the reviewers, and whether each has voted: the township and district.
rules.add_perm("reviews.view_invitations", reads)
# Window, invitations, slips, paper ballots, open, close, publish: the township.
rules.add_perm("reviews.manage_review", is_cadre)
