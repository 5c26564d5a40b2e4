from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FiguresConfig(AppConfig):
    name = "figures"
    verbose_name = _("Figures for the board")

    def ready(self):
        from . import services, watch

        watch.watch_sources()
        post_migrate.connect(services.fill_after_migrate, sender=self)
