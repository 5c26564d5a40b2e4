from django import forms
from django.utils.translation import gettext_lazy as _

from lib.forms import ReadableTexts


class BoardSearchForm(ReadableTexts, forms.Form):
    q = forms.CharField(
        label=_("Village name, pinyin or code"),
        max_length=50,
        widget=forms.SearchInput(attrs={"placeholder": "龙江 / longjiang"}),
    )
