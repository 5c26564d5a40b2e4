"""Who may see what in the administrative tree.

Predicates take any object that belongs to a place: a District, Township or Village, or a
later model with a `village` or `township` attribute. The user's memberships are read once
per request (`Membership.objects.scope_for`).

A city administrator reads everything in the city's districts and writes nothing of the
villages': `is_city_admin_of` (and each app's wrapper of it) appears only in the rules that
read (`view_*`, `see_*`), never in a rule that changes anything; what a district administrator
reads in the city, the city administrator reads (tests/villages/test_city_admin.py lists them
and posts to every URL).
"""

import rules

from .models import City, District, Membership, Township, Village


def place_ids(obj) -> tuple[int | None, int | None, int | None]:
    """(district id, township id, village id) of the place an object belongs to."""
    if isinstance(obj, District):
        return obj.pk, None, None
    if isinstance(obj, Township):
        return obj.district_id, obj.pk, None
    if isinstance(obj, Village):
        return obj.township.district_id, obj.township_id, obj.pk
    if getattr(obj, "village", None) is not None:
        return place_ids(obj.village)
    if getattr(obj, "township", None) is not None:
        return place_ids(obj.township)
    return None, None, None


def _scope(user):
    return Membership.objects.scope_for(user)


@rules.predicate
def is_city_admin_of(user, obj) -> bool:
    scope = _scope(user)
    if isinstance(obj, City):
        return obj.pk in scope.city_ids
    district_id, _, _ = place_ids(obj)
    return district_id in scope.city_district_ids


@rules.predicate
def is_district_admin_of(user, obj) -> bool:
    district_id, _, _ = place_ids(obj)
    return district_id in _scope(user).district_ids


@rules.predicate
def is_township_cadre_of(user, obj) -> bool:
    _, township_id, _ = place_ids(obj)
    return township_id in _scope(user).township_ids


@rules.predicate
def is_village_committee_of(user, obj) -> bool:
    _, _, village_id = place_ids(obj)
    return village_id in _scope(user).committee_village_ids


@rules.predicate
def is_reviewer_of(user, obj) -> bool:
    _, _, village_id = place_ids(obj)
    return village_id in _scope(user).reviewer_village_ids


oversees = is_district_admin_of | is_township_cadre_of

rules.add_perm("villages.view_city", is_city_admin_of)
rules.add_perm("villages.view_district", is_district_admin_of | is_city_admin_of)
rules.add_perm("villages.view_township", oversees | is_city_admin_of)
rules.add_perm(
    "villages.view_village",
    oversees | is_village_committee_of | is_reviewer_of | is_city_admin_of,
)
rules.add_perm("villages.change_village_contact", oversees | is_village_committee_of)
