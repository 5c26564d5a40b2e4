"""What the figures are counted from, and how each write reaches its village's year.

Every save and delete of a pledge list, project, suggestion or meeting recounts the parts of
its village's year that the write can change (services.refresh), in the write's own
transaction, so a page never sums figures that disagree with the rows they come from. A
signal and not a call in every write path, as for the board's stamps: the services, model
methods, formsets and the admin all save through here. Bulk writes that send no model
signals (imports, seeding, opening a year) say so with pledges.signals.written_in_bulk.

A save that names its fields (`save(update_fields=…)`) and none that counts, such as a
progress report's percentage, costs nothing. A move to another village or year (the admin)
recounts both. Writes that bypass the models (a queryset's update(), raw SQL) are not seen:
send written_in_bulk after them, or run `manage.py check_figures --fix`.
"""

from django.db import models
from django.db.models.signals import post_delete, post_init, post_save, pre_delete, pre_save

from pledges import signals as pledge_signals
from pledges.models import PledgeList, Project
from suggestions.models import Meeting, Suggestion
from villages.models import Township, Village

from . import services
from .counting import MEETINGS, OUTCOMES, PARTS, PROJECTS, SUGGESTIONS

PUBLISHED = PledgeList.Status.PUBLISHED
BOTH = frozenset((PROJECTS, OUTCOMES))

# Per model: the fields a figure is counted from, and which parts each can change.
COUNTED_FIELDS = {
    PledgeList: {"village": BOTH, "year": BOTH, "status": BOTH},
    Project: {
        "pledge_list": BOTH,
        "status": BOTH,
        "planned_finish": {PROJECTS},
        "verified_at": {PROJECTS},
        "category": {OUTCOMES},
        "target_quantity": {OUTCOMES},
        "unit": {OUTCOMES},
    },
    Suggestion: dict.fromkeys(
        ("village", "year", "status", "received", "replied_at"), {SUGGESTIONS}
    ),
    Meeting: {"village": {MEETINGS}, "date": {MEETINGS}},
}
# The fields that say which village and year a row counts in.
KEY_FIELDS = {
    PledgeList: {"village", "year"},
    Project: {"pledge_list"},
    Suggestion: {"village", "year"},
    Meeting: {"village", "date"},
}
# Every part a model's rows count in (what a save without update_fields recounts).
ALL_PARTS = {model: frozenset().union(*fields.values()) for model, fields in COUNTED_FIELDS.items()}


def _names(update_fields) -> set[str] | None:
    """The field names of `update_fields` (an attname such as "village_id" counts as its
    field), or None for a save of every field."""
    if update_fields is None:
        return None
    return {name.removesuffix("_id") for name in update_fields}


def _parts(model, update_fields) -> set[str]:
    names = _names(update_fields)
    if names is None:
        return set(ALL_PARTS[model])
    return {part for name in names for part in COUNTED_FIELDS[model].get(name, ())}


def _stored_place(model, pk) -> tuple | None:
    """(village id, year, whether it counts, the project's list id) of the row as the
    database holds it: a list or a project counts only in a published list; a suggestion or
    a meeting always does. One query."""
    if model is Project:
        fields = ["pledge_list__village_id", "pledge_list__year", "pledge_list__status"]
        fields.append("pledge_list_id")
    elif model is Meeting:
        fields = ["village_id", "date"]
    else:
        fields = ["village_id", "year", *(["status"] if model is PledgeList else [])]
    found = model._base_manager.filter(pk=pk).values_list(*fields).first()
    return None if found is None else _place(model, *found)


def _place(model, village_id, year, status=PUBLISHED, list_id=None) -> tuple:
    if model is Meeting:
        year = year.year  # a meeting counts in the year of its date
    return village_id, year, status == PUBLISHED, list_id


def _place_now(model, instance, before) -> tuple | None:
    """Where the row counts after the write: read from the instance, but a project's list
    from the database (unless it is the list it was in before the save: no query)."""
    if model is Project:
        if before is not None and before[3] == instance.pledge_list_id:
            return before
        found = (
            PledgeList._base_manager.filter(pk=instance.pledge_list_id)
            .values_list("village_id", "year", "status")
            .first()
        )
        return None if found is None else _place(model, *found, instance.pledge_list_id)
    if model is Meeting:
        return _place(model, instance.village_id, instance.date)
    status = instance.status if model is PledgeList else PUBLISHED
    return _place(model, instance.village_id, instance.year, status)


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    """Where an existing row counted before a save that may move it (a save of every field,
    or one that names a key field): one query. Nothing otherwise."""
    instance._figures_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    names = _names(update_fields)
    if names is not None and not names & KEY_FIELDS[sender]:
        return
    instance._figures_before = _stored_place(sender, instance.pk)


def _after_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    parts = _parts(sender, update_fields)
    if parts:
        before = getattr(instance, "_figures_before", None)
        _recount(parts, before, _place_now(sender, instance, before))


def _recount(parts, *places) -> None:
    """Recount `parts` where the row counted before and after the write, if it counts in
    either (a draft's project counts nowhere)."""
    keys = {place[:2] for place in places if place is not None and place[2]}
    for village_id, year in sorted(keys):
        services.refresh(villages=[village_id], years=[year], parts=parts)


def _deleted_by(origin) -> type | None:
    if isinstance(origin, models.Model):
        return type(origin)
    return getattr(origin, "model", None)


# Deleting one of these deletes the rows below it, and their figures with it (a list
# recounts itself; a village's figures go with the village).
DELETED_WITH = {Project: (PledgeList, Village), Suggestion: (Village,), Meeting: (Village,)}


def _before_delete(sender, instance, origin=None, **kwargs):
    instance._figures_before = None
    if _deleted_by(origin) in DELETED_WITH.get(sender, ()):
        return
    if sender is Project:
        instance._figures_before = _stored_place(sender, instance.pk)
    else:
        instance._figures_before = _place_now(sender, instance, None)


def _after_delete(sender, instance, **kwargs):
    before = getattr(instance, "_figures_before", None)
    if before is not None:
        _recount(ALL_PARTS[sender], before)


def _written_in_bulk(sender, village_ids, years=None, **kwargs):
    """Rows of these villages were written without model signals: recount every part of
    their years (of `years` only, when the sender says which)."""
    services.refresh(villages=list(village_ids), years=years, parts=PARTS)


# A district's sums (DistrictYear) add up its villages' rows: a village moved to another
# township, or a township to another district, takes its rows' figures from one district's
# sums to another's, and a village deleted (alone or with its township) takes them away. The
# districts' sums are then summed again from the village rows (services.rebuild_districts),
# in the move's transaction: a move is rare (the admin), so this does not add to the sums
# like the everyday writes. Per model: the field that places it in a district.
PLACED_BY = {Village: "township_id", Township: "district_id"}


def _placed(sender, instance, **kwargs):
    """post_init: where the row is as loaded (no query: a deferred field is not read)."""
    instance._figures_placed = instance.__dict__.get(PLACED_BY[sender])


def _districts_of(sender, place_id) -> set[int]:
    if place_id is None:
        return set()
    if sender is Township:
        return {place_id}
    return set(Township.objects.filter(pk=place_id).values_list("district_id", flat=True))


def _after_place_save(sender, instance, created=False, raw=False, **kwargs):
    """A village or township moved: sum its old and new districts again. No query for a
    save that moves nothing."""
    before = getattr(instance, "_figures_placed", None)
    now = instance.__dict__.get(PLACED_BY[sender])
    instance._figures_placed = now
    if raw or created or before is None or before == now:
        return
    districts = _districts_of(sender, before) | _districts_of(sender, now)
    services.rebuild_districts(sorted(districts))


def _before_place_delete(sender, instance, **kwargs):
    instance._figures_district = _districts_of(sender, instance.__dict__.get("township_id"))


def _after_place_delete(sender, instance, **kwargs):
    """A village deleted: sum its district again without its rows (its VillageYear rows went
    with it)."""
    districts = getattr(instance, "_figures_district", set())
    if districts:
        services.rebuild_districts(sorted(districts))


def watch_sources() -> None:
    """Connect the receivers; called from FiguresConfig.ready()."""
    for model in PLACED_BY:
        uid = f"figures:{model._meta.label}"
        post_init.connect(_placed, sender=model, dispatch_uid=uid + ":init")
        post_save.connect(_after_place_save, sender=model, dispatch_uid=uid + ":moved")
    # A township with villages cannot be deleted, nor a village with a list (PROTECT); a
    # village with only suggestions and meetings can.
    uid = f"figures:{Village._meta.label}"
    pre_delete.connect(_before_place_delete, sender=Village, dispatch_uid=uid + ":pre-delete")
    post_delete.connect(_after_place_delete, sender=Village, dispatch_uid=uid + ":deleted")
    for model in COUNTED_FIELDS:
        uid = f"figures:{model._meta.label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid + ":pre-save")
        post_save.connect(_after_save, sender=model, dispatch_uid=uid + ":save")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=uid + ":pre-delete")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=uid + ":delete")
    pledge_signals.written_in_bulk.connect(_written_in_bulk, dispatch_uid="figures:bulk")
