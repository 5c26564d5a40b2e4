from django import forms
from django.utils.translation import gettext_lazy as _

from lib.years import YEAR_MAX, YEAR_MIN

from . import services
from .reading import FileProblem


class ImportUploadForm(forms.Form):
    """A township's Excel file of pledge lists (checked further in reading.py)."""

    year = forms.IntegerField(label=_("Year"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_(
            "Start from the template. The visible sheet with the header row is read; hidden "
            "sheets are not."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def create_job(self, *, township, by):
        """The checked upload as an import job; None, with the file's problem on the form,
        when the file cannot be imported at all."""
        try:
            return services.import_job_create(
                township=township,
                year=self.cleaned_data["year"],
                upload=self.cleaned_data["file"],
                by=by,
            )
        except FileProblem as problem:
            self.add_error("file", str(problem))
            return None
