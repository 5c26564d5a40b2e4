"""Once the schedule's data migration; the periodic tasks are now listed in one place
(PERIODIC_TASKS in config/settings.py) and created after every migrate by ops/schedules.py.
Kept, empty, because later migrations depend on it and databases have it applied."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
