"""The work-queue count in every page's header, from the cache only: the landing page writes
it (dashboards.queue.work_for), so no other page pays a query for it."""

from django.core.cache import cache

from .queue import count_key


def work_badge(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    try:
        return {"work_count": cache.get(count_key(user.pk))}
    except Exception:  # the cache is down: the header shows the link without a number
        return {"work_count": None}
