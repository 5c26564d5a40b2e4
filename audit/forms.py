from django import forms
from django.utils.translation import gettext_lazy as _

from lib.forms import ReadableTexts

from .models import SecurityEvent


class EventFilterForm(ReadableTexts, forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"), choices=[("", _("all"))] + SecurityEvent.Kind.choices, required=False
    )
    username = forms.CharField(label=_("username"), max_length=150, required=False)
    since = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class OneTimeCodeForm(ReadableTexts, forms.Form):
    code = forms.CharField(
        label=_("Code from the authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
        error_messages={
            "min_length": _("Enter the 6 digits shown in the app."),
            "max_length": _("Enter the 6 digits shown in the app."),
        },
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isascii() or not code.isdigit():
            raise forms.ValidationError(_("Enter the 6 digits shown in the app."))
        return code
