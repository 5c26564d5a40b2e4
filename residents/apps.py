from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("Residents' follow-up")

    def ready(self):
        from . import signals

        signals.connect()
