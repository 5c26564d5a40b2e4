"""The default schedule, kept in the database so an administrator can change it in the admin
(Periodic tasks): the monthly notices on the 1st at 09:00 Asia/Shanghai, moved to the next
working day when the 1st is a weekend or public holiday, and the sweeper every 5 minutes."""

import json

from django.db import migrations

MONTHLY = "Monthly progress notices (一月一通报)"
SWEEPER = "Notices sweeper: finish runs and deliveries left pending"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="9",
        day_of_month="1",
        month_of_year="*",
        day_of_week="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=MONTHLY,
        defaults={
            "task": "notices.tasks.fire_monthly_notices",
            "crontab": crontab,
            "kwargs": json.dumps({"move_to_working_day": True}),
            "description": (
                "Writes and sends this month's notice to every village. "
                'kwargs "move_to_working_day": true moves a weekend or holiday to the next '
                "working day (chinese-calendar, then the holidays table, then Monday–Friday)."
            ),
        },
    )
    every_5_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEPER,
        defaults={
            "task": "notices.tasks.sweep_notices",
            "interval": every_5_minutes,
            "description": (
                "Starts runs that are due, finishes batches a lost task or a killed worker "
                "left, and sends deliveries that are still pending."
            ),
        },
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[MONTHLY, SWEEPER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
