"""Announcing what happened to the apps above, once it is certain."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def announce(signal, sender, **kwargs) -> None:
    """Send `signal` once the current transaction commits (at once outside one), so nothing
    is announced for a write that is rolled back. A receiver that fails is logged and never
    undoes the write or breaks the page that made it."""

    def send():
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "%s failed on %s",
                    getattr(receiver, "__qualname__", receiver),
                    sender,
                    exc_info=result,
                )

    transaction.on_commit(send)
