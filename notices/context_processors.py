"""The unread-notices badge in every page's header, for village committee members.

Kept out of the database on almost every page: the user's committee villages and each
village's unread count live in the cache, written at login (see signals.py) and forgotten
when a notice reaches or leaves the inbox (services._forget_badges). A cache miss costs one
query; users who are not on a village committee cost none once their login is cached.
"""

import logging

from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from villages.models import Membership

from .models import Notice

logger = logging.getLogger(__name__)

BADGE_SECONDS = 600


def _villages_key(user_id: int) -> str:
    return f"notices:committee:{user_id}"


def badge_key(village_id: int) -> str:
    return f"notices:unread:{village_id}"


def unread_badge(user, *, refresh: bool = False) -> dict:
    """{"show": is the user on a village committee, "unread": unread notices of theirs}."""
    try:
        village_ids = None if refresh else cache.get(_villages_key(user.pk))
        if village_ids is None:
            village_ids = sorted(Membership.objects.scope_for(user).committee_village_ids)
            cache.set(_villages_key(user.pk), village_ids, BADGE_SECONDS)
        if not village_ids:
            return {"show": False, "unread": 0}
        keys = {badge_key(village_id): village_id for village_id in village_ids}
        counts = {} if refresh else cache.get_many(list(keys))
        missing = [village_id for key, village_id in keys.items() if key not in counts]
        if missing:
            fresh = Notice.objects.unread_counts(missing)
            cache.set_many({badge_key(v): n for v, n in fresh.items()}, BADGE_SECONDS)
            counts.update({badge_key(v): n for v, n in fresh.items()})
        return {"show": True, "unread": sum(counts.values())}
    except Exception:  # the cache is down: the page still answers, from the database
        logger.warning("unread badge from the database (cache error)", exc_info=True)
        village_ids = Membership.objects.scope_for(user).committee_village_ids
        if not village_ids:
            return {"show": False, "unread": 0}
        return {"show": True, "unread": sum(Notice.objects.unread_counts(village_ids).values())}


def notice_badge(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notice_badge": SimpleLazyObject(lambda: unread_badge(user))}
