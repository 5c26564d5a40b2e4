from django import forms
from django.utils.translation import gettext_lazy as _

from lib.years import YEAR_MAX, YEAR_MIN


class ImportUploadForm(forms.Form):
    """A township's Excel file of pledge lists (checked further in reading.py)."""

    year = forms.IntegerField(label=_("Year"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("Start from the template; the first sheet with its header row is read."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
