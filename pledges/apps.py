from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = _("Pledge lists")

    def ready(self):
        from villages.models import District, Township, Village

        from . import open_data
        from .models import (
            ChangeRequest,
            Meeting,
            Photo,
            PledgeList,
            ProgressUpdate,
            Prohibition,
            Project,
            Suggestion,
        )

        # Everything the board shows, and how each row leads to its village.
        open_data.watch(PledgeList, "village")
        open_data.watch(Project, "pledge_list__village")
        open_data.watch(Prohibition, "pledge_list__village")
        open_data.watch(ChangeRequest, "project__pledge_list__village")
        open_data.watch(ProgressUpdate, "project__pledge_list__village")
        open_data.watch(Photo, "update__project__pledge_list__village")
        open_data.watch(Suggestion, "village")
        open_data.watch(Meeting, "village")
        for model in (District, Township, Village):
            open_data.watch_tree(model)
