"""Fill the unread badge's cache at login, so the pages after it ask the database nothing
for the badge (see context_processors.py)."""

import logging

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .context_processors import unread_badge

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="notices_warm_badge")
def warm_badge(sender, request, user, **kwargs):
    try:
        unread_badge(user, refresh=True)
    except Exception:  # logging in must never fail because of a badge
        logger.warning("could not warm the unread badge", exc_info=True)
