"""The periodic tasks every installation runs, created when missing after each `migrate`.

The list is one setting (PERIODIC_TASKS in config/settings.py); the rows live in the database
(django-celery-beat), where an administrator changes a time or switches a task off (admin →
Periodic tasks). A row is never overwritten: only a missing name is created, so a task that
was deleted comes back at the next migrate; untick "enabled" to stop one instead.
"""

import json

from django.conf import settings
from django.db import transaction


@transaction.atomic
def install_schedules(**kwargs) -> int:
    """post_migrate: create the PERIODIC_TASKS that have no row of their name yet. Returns
    how many were created."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = 0
    for entry in settings.PERIODIC_TASKS:
        if PeriodicTask.objects.filter(name=entry["name"]).exists():
            continue
        fields = {"task": entry["task"], "description": entry.get("description", "")}
        if "kwargs" in entry:
            fields["kwargs"] = json.dumps(entry["kwargs"])
        if "crontab" in entry:
            every_day = {"day_of_month": "*", "month_of_year": "*", "day_of_week": "*"}
            fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                **{**every_day, **entry["crontab"]}
            )
        else:
            fields["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=entry["every_minutes"], period=IntervalSchedule.MINUTES
            )
        PeriodicTask.objects.create(name=entry["name"], **fields)
        created += 1
    return created
