"""Thin tasks: primary keys in, one service call each. Every one is safe to run twice
(acks_late redelivers a task whose worker died): see notices/services.py."""

import datetime

from celery import shared_task

from villages.models import Township

from . import services
from .models import NoticeRun


@shared_task
def fire_monthly_notices(move_to_working_day: bool | None = None) -> int:
    """The monthly schedule (django-celery-beat, editable in the admin)."""
    return services.notice_run_monthly(move_to_working_day=move_to_working_day).pk


@shared_task
def continue_notice_run(run_id: int) -> int:
    run = NoticeRun.objects.filter(pk=run_id).first()
    return services.notice_run_continue(run=run) if run else 0


@shared_task
def generate_township_notices(run_id: int, township_id: int) -> dict:
    run = NoticeRun.objects.filter(pk=run_id).first()
    township = Township.objects.filter(pk=township_id).first()
    if run is None or township is None:
        return {}
    return services.notices_generate_and_deliver(run=run, township=township)


@shared_task
def deliver_notice(delivery_id: int) -> str:
    return services.delivery_attempt(delivery_id=delivery_id)


@shared_task
def deliver_township_robot(township_id: int, period: str, kind: str) -> str:
    return services.township_robot_send(township_id=township_id, period=period, kind=kind)


@shared_task
def sweep_notices(stale_seconds: float | None = None) -> dict:
    """Every few minutes (django-celery-beat): finish what a lost task left."""
    stale = None if stale_seconds is None else datetime.timedelta(seconds=stale_seconds)
    return services.notices_sweep(stale=stale)
