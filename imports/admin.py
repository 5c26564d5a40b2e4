"""The admin's Excel import and export of pledge lists (for the district administrator): the
pledge lists' own admin page, with the import-export buttons added."""

import io

from django.contrib import admin
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import XLSX

from pledges.admin import PledgeListAdmin
from pledges.models import PledgeList

from .reading import FileProblem, read_upload
from .resources import PledgeItemResource


class TemplateXLSX(XLSX):
    """The template's xlsx read as the pages read it (reading.read_upload): the visible
    sheet, the guards against files that unpack to too much, formulas without a value."""

    def create_dataset(self, in_stream):
        return read_upload(io.BytesIO(in_stream))


class PledgeListExcelAdmin(ImportExportMixin, PledgeListAdmin):
    """Imports and exports the template's xlsx (resources.py): a district administrator
    imports and exports their own district's lists only."""

    resource_classes = [PledgeItemResource]
    import_formats = [TemplateXLSX]
    export_formats = [XLSX]

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, FileProblem):  # what is wrong with the file, not an exception's name
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

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
