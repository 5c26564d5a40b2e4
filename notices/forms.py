from django import forms
from django.template import TemplateSyntaxError
from django.utils.translation import gettext_lazy as _

from lib.forms import ReadableTexts, limit_texts

from .content import check_template, default_template
from .models import TownshipNoticeSettings, VillageNoticeSettings, validate_period


class SendForm(ReadableTexts, forms.Form):
    period = forms.CharField(
        label=_("Month"), max_length=7, validators=[validate_period], help_text="YYYY-MM"
    )
    village = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    # Sending to all villages asks first (notices cannot be called back): see send_confirm.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _robot_url_field() -> forms.URLField:
    field = TownshipNoticeSettings._meta.get_field("robot_url")
    return forms.URLField(
        label=field.verbose_name,
        help_text=field.help_text,
        max_length=field.max_length,
        required=False,
        assume_scheme="https",
    )


class _RobotSecretMixin:
    """The signing secret is never shown again; an empty field keeps the saved one."""

    def _keep_secret(self, cleaned: dict) -> None:
        if cleaned.get("robot_kind") != "dingtalk":
            cleaned["robot_secret"] = ""
        elif not cleaned.get("robot_secret") and self.instance.pk:
            cleaned["robot_secret"] = self._saved_secret


class TownshipNoticeSettingsForm(_RobotSecretMixin, forms.ModelForm):
    robot_url = _robot_url_field()

    class Meta:
        model = TownshipNoticeSettings
        fields = ["message", "template", "robot_kind", "robot_url", "robot_secret"]
        widgets = {
            "message": forms.Textarea(attrs={"rows": 3}),
            "template": forms.Textarea(attrs={"rows": 18, "class": "code"}),
            "robot_secret": forms.PasswordInput(render_value=False),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_secret = self.instance.robot_secret
        if not self.is_bound and not self.instance.template:
            self.initial["template"] = default_template()
        self.fields["robot_secret"].help_text = _(
            "Only for a DingTalk robot with signing (加签). Leave empty to keep the saved one."
        )
        self.fields["message"].help_text = _(
            "Added to every village's notice, e.g. a reminder for the month. At most 1000 "
            "characters."
        )
        self.fields["template"].help_text = _(
            "Leave empty to use the standard template. At most 4000 characters."
        )
        limit_texts(self)

    def clean_template(self) -> str:
        text = self.cleaned_data["template"].replace("\r\n", "\n")
        if text.strip() == default_template().strip():
            return ""  # the standard template: later improvements to it apply
        try:
            check_template(text)
        except TemplateSyntaxError as error:
            raise forms.ValidationError(
                _("The template has an error: %(error)s"), params={"error": error}
            ) from error
        return text

    def clean(self):
        cleaned = super().clean()
        self._keep_secret(cleaned)
        return cleaned


class VillageNoticeSettingsForm(_RobotSecretMixin, forms.ModelForm):
    robot_url = _robot_url_field()

    class Meta:
        model = VillageNoticeSettings
        fields = [
            "by_inbox",
            "by_email",
            "emails",
            "robot",
            "robot_kind",
            "robot_url",
            "robot_secret",
        ]
        widgets = {
            "emails": forms.Textarea(attrs={"rows": 2}),
            "robot": forms.RadioSelect,
            "robot_secret": forms.PasswordInput(render_value=False),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_secret = self.instance.robot_secret
        self.fields["robot_secret"].help_text = _(
            "Only for a DingTalk robot with signing (加签). Leave empty to keep the saved one."
        )
        self.fields["emails"].help_text = _(
            "One or more, separated by commas or new lines. At most 1000 characters."
        )
        limit_texts(self)

    def clean(self):
        cleaned = super().clean()
        self._keep_secret(cleaned)
        if cleaned.get("robot") != VillageNoticeSettings.RobotChoice.OWN:
            # Not used: do not keep an address or secret nobody sees.
            cleaned.update(robot_kind="", robot_url="", robot_secret="")
        return cleaned
