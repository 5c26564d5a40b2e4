"""The admin's Excel import and export of pledge lists (for the district administrator): the
pledge lists' own admin page, with the import-export buttons added."""

from django.contrib import admin
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import XLSX

from pledges.admin import PledgeListAdmin
from pledges.models import PledgeList

from .resources import PledgeItemResource


class PledgeListExcelAdmin(ImportExportMixin, PledgeListAdmin):
    """Imports and exports the template's xlsx (resources.py): a district administrator
    imports and exports their own district's lists only."""

    resource_classes = [PledgeItemResource]
    import_formats = [XLSX]
    export_formats = [XLSX]

    def has_import_permission(self, request) -> bool:
        return self._districts(request) != [] and self.has_change_permission(request)

    def has_export_permission(self, request) -> bool:
        return self._districts(request) != [] and self.has_view_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs) -> dict:
        return {"user": request.user, "places": self._districts(request)}

    def get_export_resource_kwargs(self, request, **kwargs) -> dict:
        return {}


# The imports app stands above pledges: it extends the lists' admin rather than pledges
# knowing about Excel.
admin.site.unregister(PledgeList)
admin.site.register(PledgeList, PledgeListExcelAdmin)
