from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lib.contacts import ContactField
from lib.forms import RobotTrap, limit_texts
from lib.photos import validate_photo

from .models import TEXT_MAX


class FollowForm(RobotTrap):
    contact = ContactField(
        label=_("Mobile number or e-mail"),
        help_text=_("Used only to send you the news; every message has a link to stop it."),
    )


class ResidentPostForm(RobotTrap):
    text = forms.CharField(
        label=_("What did you see?"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say where and when. At most 500 characters."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        validators=[validate_photo],
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    contact = ContactField(
        label=_("Mobile number or e-mail (optional, only the township sees it)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_texts(self)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if len(text) < 5:
            raise ValidationError(_("Write a little more: at least 5 characters."))
        return text

    @property
    def contact_text(self) -> str:
        contact = self.cleaned_data.get("contact")
        return contact[1] if contact else ""


ANSWER_MAX = 1000


class DecisionForm(forms.Form):
    """The township's decision on a challenge or a report. Nothing happens on the first
    valid post: the page says what will happen, with figures, and posts again with
    `confirmed` and `seen` (how many challenges the ruling covered when it was shown)."""

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    answer = forms.CharField(
        label=_("Public answer"),
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("It shows on the public board: say what was found. At most 1000 characters."),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    seen = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = choices
        limit_texts(self)

    @property
    def wants_change(self) -> bool:
        """The confirmation page's "change the decision" button: back to the form."""
        return "change" in self.data

    def is_confirmed(self, covers: int = 1) -> bool:
        """Confirmed for what the ruling covers now: a challenge that arrived after the
        confirmation page was shown asks for the confirmation again."""
        return bool(self.cleaned_data["confirmed"]) and self.cleaned_data["seen"] == covers
