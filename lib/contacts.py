"""How a resident can be reached: a mainland mobile number or an e-mail address."""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from lib.forms import ReadableText

SMS, EMAIL = "sms", "email"
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
PHONE = re.compile(r"^\+?[0-9]{5,20}$")
# What people group the digits of a number with: spaces, hyphens, dashes, brackets (after
# NFKC, so the full-width ones of a Chinese input method are among them).
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212()]")


def half_width(text: str) -> str:
    """Full-width digits, letters, ＋, －, ＠ and the ideographic space, as a Chinese input
    method types them, become their ASCII selves (NFKC)."""
    return unicodedata.normalize("NFKC", text or "").strip()


def normalise_phone(text: str) -> str:
    """A phone number as typed → its digits, with a leading + if it has one:
    "＋８６ １３８－１２３４－５６７８" → "+8613812345678". Every form stores a number so; an
    import of phone numbers should call it too."""
    return _PHONE_SEPARATORS.sub("", half_width(text))


def parse_contact(text: str) -> tuple[str, str]:
    """A mainland mobile number or an e-mail address → (channel, address), the channel
    being `SMS` or `EMAIL`."""
    text = half_width(text)
    phone = normalise_phone(text)
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix) :]
    if MOBILE.match(phone):
        return SMS, phone
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
        ReadableText.replace_in(self)

    def clean(self, value):
        value = super().clean(value)
        return parse_contact(value) if value else None


class PhoneField(forms.CharField):
    """Any phone number (a landline too), stored as `normalise_phone` gives it."""

    default_error_messages = {"invalid": _("Enter a phone number (digits only).")}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel"}))
        super().__init__(**kwargs)
        ReadableText.replace_in(self)

    def to_python(self, value) -> str:
        return normalise_phone(super().to_python(value))

    def validate(self, value) -> None:
        super().validate(value)
        if value and not PHONE.match(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
