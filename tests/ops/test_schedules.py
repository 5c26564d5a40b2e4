"""The periodic tasks are listed once (PERIODIC_TASKS) and created after migrate."""

from django.conf import settings
from django.test import TestCase
from django_celery_beat.models import PeriodicTask

from ops.schedules import install_schedules


class ScheduleTests(TestCase):
    def test_migrate_created_every_listed_task(self):
        names = {entry["name"] for entry in settings.PERIODIC_TASKS}
        self.assertEqual(set(PeriodicTask.objects.values_list("name", flat=True)) & names, names)
        monthly = PeriodicTask.objects.get(task="notices.tasks.fire_monthly_notices")
        self.assertEqual(
            (monthly.crontab.minute, monthly.crontab.hour, monthly.crontab.day_of_month),
            ("0", "9", "1"),
        )
        self.assertEqual(str(monthly.crontab.timezone), "Asia/Shanghai")
        self.assertEqual(monthly.kwargs, '{"move_to_working_day": true}')

    def test_it_never_overwrites_what_an_administrator_changed(self):
        monthly = PeriodicTask.objects.get(task="notices.tasks.fire_monthly_notices")
        monthly.crontab.hour = "8"
        monthly.crontab.save()
        PeriodicTask.objects.filter(task="ops.tasks.send_outbox").update(enabled=False)
        self.assertEqual(install_schedules(), 0)
        monthly.refresh_from_db()
        self.assertEqual(monthly.crontab.hour, "8")
        self.assertFalse(PeriodicTask.objects.get(task="ops.tasks.send_outbox").enabled)

    def test_a_deleted_task_comes_back(self):
        PeriodicTask.objects.filter(task="residents.tasks.sweep_messages").delete()
        self.assertEqual(install_schedules(), 1)
        self.assertTrue(PeriodicTask.objects.filter(task="residents.tasks.sweep_messages").exists())
