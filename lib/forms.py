"""What every form page does the same way."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


def bound(request, files: bool = False) -> tuple:
    """Form arguments: bound on POST (even an empty one, so it shows its errors)."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def status_for(request) -> int:
    """A form page answers 400 to a POST that did not validate (the page shows why)."""
    return 400 if request.method == "POST" else 200


class DateInput(forms.DateInput):
    """The phone's own date picker."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RobotTrap(forms.Form):
    """A honeypot for the forms anyone may post: robots fill every field, people never see
    this one; the view then says thanks and stores nothing."""

    website = forms.CharField(required=False, label=_("Leave this empty"))

    @property
    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


# The one message of a text over its maximum: both lengths, and what to do.
TOO_LONG = ngettext_lazy(
    "At most %(limit_value)d character: this text has %(show_value)d. Please shorten it.",
    "At most %(limit_value)d characters: this text has %(show_value)d. Please shorten it.",
    "limit_value",
)


class LongText(forms.CharField):
    """A text with a maximum that the server keeps and says with TOO_LONG. The browser is not
    told: its maxlength cuts a pasted text short without a word, where the page shows the
    whole text again with the message."""

    default_error_messages = {"max_length": TOO_LONG}

    def widget_attrs(self, widget) -> dict:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


def limit_texts(form: forms.BaseForm, default: int | None = None) -> None:
    """LongText's behaviour for the text fields a form already has (a ModelForm's too): the
    field's maximum, or `default` where it has none, with TOO_LONG and no maxlength."""
    for field in form.fields.values():
        limit = getattr(field, "max_length", None) or default
        if not isinstance(field, forms.CharField) or limit is None:
            continue
        field.max_length = limit
        field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        field.validators.append(MaxLengthValidator(limit, message=TOO_LONG))
        field.widget.attrs.pop("maxlength", None)
