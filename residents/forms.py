from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pledges.forms import validate_photo

from .models import TEXT_MAX, ReplyTemplate, parse_contact


class ContactField(forms.CharField):
    """A mainland mobile number or an e-mail address, cleaned to (channel, address)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "tel email"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return parse_contact(value) if value else None


class RobotTrap(forms.Form):
    # Robots fill every field; people never see this one.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    @property
    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


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

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if len(text) < 5:
            raise ValidationError(_("Write a little more: at least 5 characters."))
        return text

    @property
    def contact_text(self) -> str:
        contact = self.cleaned_data.get("contact")
        return contact[1] if contact else ""


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    answer = forms.CharField(
        label=_("Public answer"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("It shows on the public board: say what was found."),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = choices


class ReplyTemplateForm(forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = ["title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def clean_title(self) -> str:
        # The township is not a field of the form, so Django skips the unique constraint.
        title = self.cleaned_data["title"].strip()
        same = ReplyTemplate.objects.filter(township=self.instance.township, title=title)
        if same.exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("The township already has a standard reply with this name."))
        return title


class BulkAnswerForm(forms.Form):
    suggestions = forms.ModelMultipleChoiceField(
        label=_("Suggestions to answer"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one suggestion.")},
    )
    reply = forms.CharField(
        label=_("Public reply"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Start from a standard reply and adapt it if you need to."),
    )

    def __init__(self, *args, suggestions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suggestions"].queryset = suggestions
        self.fields["suggestions"].label_from_instance = lambda s: (
            f"{s.receipt_code} · {s.received:%Y-%m-%d} · {s.text[:60]}"
        )

    def clean_reply(self) -> str:
        reply = self.cleaned_data["reply"].strip()
        if not reply:
            raise ValidationError(_("Write the public reply."))
        return reply
