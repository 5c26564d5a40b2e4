"""What every form page does the same way."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


def bound(request, files: bool = False) -> tuple:
    """Form arguments: bound on POST (even an empty one, so it shows its errors)."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def confirmed(request) -> bool:
    """Acts that cannot be undone take two posts: the first shows what will happen (with the
    figures), only the second, carrying confirmed=1, acts. No JavaScript needed."""
    return request.method == "POST" and request.POST.get("confirmed") == "1"


def status_for(request) -> int:
    """A form page answers 400 to a POST that did not validate (the page shows why)."""
    return 400 if request.method == "POST" else 200


class DateInput(forms.DateInput):
    """The phone's own date picker."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


# U+FFFD is what the request's decoding put where bytes were not UTF-8; surrogates come from
# a broken copy and paste. Nobody types either on purpose.
_UNREADABLE = re.compile(r"[\ufffd\ud800-\udfff]")


class ReadableText(ProhibitNullCharactersValidator):
    """Django's check of every text field (a NUL byte, which PostgreSQL cannot store) with
    a message that says what is wrong, and where; and a refusal of the characters that could
    not be read, which would otherwise be stored as "�"."""

    message = _(
        "The text contains an invisible control character (at character %(position)s). "
        "Delete it, or type the text again."
    )
    unreadable = _(
        "The text contains characters that could not be read (at character %(position)s). "
        "Type it again, or paste it as plain text."
    )

    def __call__(self, value) -> None:
        text = str(value)
        if "\x00" in text:
            raise ValidationError(
                self.message, code=self.code, params={"position": text.index("\x00") + 1}
            )
        if unreadable := _UNREADABLE.search(text):
            raise ValidationError(
                self.unreadable, code="unreadable", params={"position": unreadable.start() + 1}
            )

    @classmethod
    def replace_in(cls, field: forms.Field) -> None:
        """In place of the field's ProhibitNullCharactersValidator (every CharField has one)."""
        if isinstance(field, forms.CharField):
            field.validators = [
                v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
            ]
            field.validators.append(cls())


def text_problem(text: str) -> str:
    """ReadableText's message for a text that is no form field (a comment read straight from
    the post, a cell of an Excel sheet); "" when the text is fine."""
    try:
        ReadableText()(text)
    except ValidationError as error:
        return error.messages[0]
    return ""


def readable_texts(form: forms.BaseForm) -> None:
    """ReadableText for every text field the form has now (limit_texts calls it too)."""
    for field in form.fields.values():
        ReadableText.replace_in(field)


class ReadableTexts:
    """A form whose text fields are all ReadableText: put it before forms.Form or ModelForm."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        readable_texts(self)


class RobotTrap(ReadableTexts, forms.Form):
    """A honeypot for the forms anyone may post: robots fill every field, people never see
    this one; the view then says thanks and stores nothing. Every text is ReadableText."""

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

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        ReadableText.replace_in(self)

    def widget_attrs(self, widget) -> dict:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


def limit_texts(form: forms.BaseForm, default: int | None = None) -> None:
    """LongText's behaviour for the text fields a form already has (a ModelForm's too): the
    field's maximum, or `default` where it has none, with TOO_LONG and no maxlength; and
    ReadableText for every one."""
    readable_texts(form)
    for field in form.fields.values():
        limit = getattr(field, "max_length", None) or default
        if not isinstance(field, forms.CharField) or limit is None:
            continue
        field.max_length = limit
        field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        field.validators.append(MaxLengthValidator(limit, message=TOO_LONG))
        field.widget.attrs.pop("maxlength", None)
