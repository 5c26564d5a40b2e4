from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("Residents' follow-up")

    def ready(self):
        from pledges import open_data

        from .models import Challenge, ViolationReport

        # Their outcomes show on the board.
        for model in (Challenge, ViolationReport):
            open_data.watch(model, model.village_path())
