"""Status changes that two people may try at once."""

from django.utils import timezone


def conditional_move(obj, to: str, allowed_from: tuple, *, by, **fields) -> bool:
    """Move `obj` to status `to` only if it is still in one of `allowed_from`.

    A conditional UPDATE decides the race (two cadres pressing the same button: one wins, the
    other gets False); then a save() of the same fields records the step, and who took it, in
    the history table, which an UPDATE alone would not.
    """
    fields["status"] = to
    if hasattr(obj, "modified"):
        fields["modified"] = timezone.now()
    updated = type(obj).objects.filter(pk=obj.pk, status__in=allowed_from).update(**fields)
    if updated:
        for name, value in fields.items():
            setattr(obj, name, value)
        obj._history_user = by
        obj.save(update_fields=list(fields))
    return bool(updated)
