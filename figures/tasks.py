"""Thin tasks: one service call each, safe to run twice."""

from celery import shared_task

from . import services


@shared_task
def recount_overdue() -> int:
    """Daily, just after midnight (PERIODIC_TASKS): the overdue counts that changed with the
    date. Returns how many rows were written."""
    return services.recount_overdue()
