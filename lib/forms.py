"""What every form page does the same way."""

from django import forms
from django.utils.translation import gettext_lazy as _


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
