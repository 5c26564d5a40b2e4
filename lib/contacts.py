"""How a resident can be reached: a mainland mobile number or an e-mail address."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

SMS, EMAIL = "sms", "email"
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def parse_contact(text: str) -> tuple[str, str]:
    """A mainland mobile number or an e-mail address → (channel, address), the channel
    being `SMS` or `EMAIL`."""
    text = (text or "").strip().replace(" ", "").replace("-", "")
    if text.startswith("+86"):
        text = text[3:]
    if MOBILE.match(text):
        return SMS, text
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationError(
            _("Enter an 11-digit mobile number or an e-mail address."), code="contact"
        ) from None
    return EMAIL, text.lower()


class ContactField(forms.CharField):
    """A mainland mobile number or an e-mail address, cleaned to (channel, address)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "tel email"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return parse_contact(value) if value else None
