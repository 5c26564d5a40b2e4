from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Monthly notices")

    def ready(self):
        from . import signals  # noqa: F401  (warms the unread badge at login)
