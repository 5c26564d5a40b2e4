from django.db import migrations


def schedule(apps, schema_editor):
    """Every 5 minutes, send messages to followers that were left pending (a lost task, a
    broker that was down). Editable in the admin like the other schedules."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="residents: send messages left pending",
        defaults={"task": "residents.tasks.sweep_messages", "interval": every},
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name="residents: send messages left pending").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
