from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from .schedules import install_schedules

        post_migrate.connect(install_schedules, sender=self, dispatch_uid="ops.schedules")
