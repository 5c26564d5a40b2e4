from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _
from PIL import Image

from residents.models import parse_contact

from .models import (
    ChangeRequest,
    Escalation,
    Meeting,
    PledgeList,
    Prohibition,
    Project,
    Suggestion,
    normalise_receipt_code,
)

PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # well above any phone camera, far below a decompression bomb
PHOTO_MAX_COUNT = 6


def validate_photo(upload) -> None:
    """A real JPEG, PNG or WebP image of sensible size; anything else is refused by name."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("%(name)s is larger than 10 MB.") % {"name": upload.name})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind, (width, height) = image.format, image.size
            if width * height > PHOTO_MAX_PIXELS:
                raise ValidationError(_("%(name)s has too many pixels.") % {"name": upload.name})
            image.verify()
    except ValidationError:
        raise
    except Exception as error:  # Pillow raises many kinds for a file that is not an image
        raise ValidationError(
            _("%(name)s is not an image we can read.") % {"name": upload.name}
        ) from error
    if kind not in PHOTO_FORMATS:
        raise ValidationError(
            _("%(name)s is a %(kind)s file; send a JPEG, PNG or WebP photo.")
            % {"name": upload.name, "kind": kind}
        )


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos from one <input type=file multiple>, each checked."""

    widget = MultiplePhotoInput(
        attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > PHOTO_MAX_COUNT:
            raise ValidationError(
                _("Send at most %(count)s photos at a time.") % {"count": PHOTO_MAX_COUNT}
            )
        for upload in files:
            validate_photo(upload)
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "number",
            "title",
            "category",
            "lead_name",
            "lead_post",
            "target_quantity",
            "unit",
            "budget",
            "funding_source",
            "planned_start",
            "planned_finish",
            "description",
        ]
        widgets = {
            "planned_start": DateInput(),
            "planned_finish": DateInput(),
            "description": forms.Textarea(attrs={"rows": 2}),
            "number": forms.NumberInput(attrs={"min": 1, "max": 99, "inputmode": "numeric"}),
            "unit": forms.TextInput(attrs={"list": "units", "size": 4}),
            "target_quantity": forms.NumberInput(attrs={"inputmode": "decimal", "min": 0}),
            "budget": forms.NumberInput(attrs={"inputmode": "decimal", "min": 0}),
        }


class ProhibitionForm(forms.ModelForm):
    class Meta:
        model = Prohibition
        fields = ["number", "text"]
        widgets = {"number": forms.NumberInput(attrs={"min": 1, "max": 99})}


class _NumberedFormSet(forms.BaseInlineFormSet):
    """Numbers unique within the list, and no more items than the list may have."""

    limit_setting = ""

    def clean(self):
        # Our checks first: the model formset's own uniqueness check raises and would hide
        # which row repeats a number.
        numbers, kept = set(), 0
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            kept += 1
            number = form.cleaned_data.get("number")
            if number in numbers:
                form.add_error("number", _("Number %(n)s is used twice.") % {"n": number})
            numbers.add(number)
        limit = getattr(settings, self.limit_setting)
        if kept > limit:
            raise ValidationError(
                _("A list has at most %(limit)s of these; remove %(extra)s.")
                % {"limit": limit, "extra": kept - limit}
            )
        if len(numbers) == kept:
            super().clean()


class ProjectFormSet(_NumberedFormSet):
    limit_setting = "PLEDGE_PROJECT_COUNT"


class ProhibitionFormSet(_NumberedFormSet):
    limit_setting = "PLEDGE_PROHIBITION_COUNT"


def project_formset(pledge_list: PledgeList, data=None):
    """All the projects of a list, plus empty rows up to the required count."""
    existing = pledge_list.projects.count() if pledge_list.pk else 0
    FormSet = inlineformset_factory(
        PledgeList,
        Project,
        form=ProjectForm,
        formset=ProjectFormSet,
        can_delete=True,
        extra=max(settings.PLEDGE_PROJECT_COUNT - existing, 0),
    )
    initial = [{"number": n} for n in range(existing + 1, settings.PLEDGE_PROJECT_COUNT + 1)]
    return FormSet(
        data,
        instance=pledge_list,
        prefix="projects",
        initial=initial,
        queryset=pledge_list.projects.order_by("number"),
    )


def prohibition_formset(pledge_list: PledgeList, data=None):
    existing = pledge_list.prohibitions.count() if pledge_list.pk else 0
    FormSet = inlineformset_factory(
        PledgeList,
        Prohibition,
        form=ProhibitionForm,
        formset=ProhibitionFormSet,
        can_delete=True,
        extra=max(settings.PLEDGE_PROHIBITION_COUNT - existing, 0),
    )
    initial = [{"number": n} for n in range(existing + 1, settings.PLEDGE_PROHIBITION_COUNT + 1)]
    return FormSet(
        data,
        instance=pledge_list,
        prefix="prohibitions",
        initial=initial,
        queryset=pledge_list.prohibitions.order_by("number"),
    )


class ReviewForm(forms.Form):
    """The township's decision on a submitted list."""

    DECISIONS = [
        ("approve", _("Approve")),
        ("publish", _("Approve and publish")),
        ("return", _("Return for revision")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comments for the village"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not data.get("comment", "").strip():
            self.add_error("comment", _("Say what the village should change."))
        return data


class ProgressForm(forms.Form):
    percent_done = forms.IntegerField(
        label=_("Percent done"),
        min_value=0,
        max_value=100,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    quantity_done = forms.DecimalField(
        label=_("Quantity done so far"),
        min_value=0,
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal"}),
    )
    note = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(label=_("Photos"))

    def clean(self):
        data = super().clean()
        if not any(
            data.get(name) not in (None, "", [])
            for name in ("percent_done", "quantity_done", "note", "photos")
        ):
            raise ValidationError(_("Give the percent done, the quantity done, a note or a photo."))
        return data


class CompleteForm(forms.Form):
    quantity_done = forms.DecimalField(
        label=_("Quantity done in total"),
        min_value=0,
        required=False,
        max_digits=12,
        decimal_places=2,
    )
    note = forms.CharField(
        label=_("What was done (evidence)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(label=_("Photos of the finished work"))


class VerifyForm(forms.Form):
    DECISIONS = [("verify", _("Verified: strike it off")), ("send_back", _("Not done: send back"))]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "send_back" and not data.get("note", "").strip():
            self.add_error("note", _("Say why the project is not done yet."))
        return data


class ChangeRequestForm(forms.ModelForm):
    class Meta:
        model = ChangeRequest
        fields = [
            "kind",
            "title",
            "target_quantity",
            "unit",
            "planned_start",
            "planned_finish",
            "reason",
        ]
        widgets = {
            "planned_start": DateInput(),
            "planned_finish": DateInput(),
            "reason": forms.Textarea(attrs={"rows": 2}),
            "kind": forms.RadioSelect,
        }


class DecideChangeForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Approve")), ("no", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not data.get("note", "").strip():
            self.add_error("note", _("Say why the change is refused."))
        return data


class EscalationForm(forms.ModelForm):
    class Meta:
        model = Escalation
        fields = ["problem", "need", "resources"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in fields}


class AnswerEscalationForm(forms.Form):
    ACTIONS = [("answer", _("Answer")), ("pass", _("Pass on to the district"))]
    action = forms.ChoiceField(
        label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect, initial="answer"
    )
    answer = forms.CharField(
        label=_("Answer"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "answer" and not data.get("answer", "").strip():
            self.add_error("answer", _("Write the answer."))
        return data


phone_validator = RegexValidator(r"^[0-9+\- ]{5,20}$", _("Enter a phone number (digits only)."))


class PublicSuggestionForm(forms.Form):
    """The residents' form: no account, short, with a honeypot for robots."""

    text = forms.CharField(
        label=_("Your suggestion"),
        max_length=Suggestion.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What should the village do, or stop doing? At most 1000 characters."),
    )
    category = forms.ChoiceField(
        label=_("About"), choices=Suggestion._meta.get_field("category").choices, initial="other"
    )
    name = forms.CharField(
        label=_("Your name (optional, never shown in public)"), max_length=30, required=False
    )
    phone = forms.CharField(
        label=_("Phone (optional, never shown in public)"),
        max_length=20,
        required=False,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    notify = forms.CharField(
        label=_("Tell me when it is answered (optional)"),
        help_text=_("A mobile number or e-mail address; each message has a link to stop it."),
        max_length=254,
        required=False,
    )
    # Robots fill every field; people never see this one.
    website = forms.CharField(required=False, label=_("Leave this empty"))
    token = forms.CharField(widget=forms.HiddenInput, max_length=36, min_length=32)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if len(text) < 5:
            raise ValidationError(_("Write a little more: at least 5 characters."))
        return text

    def clean_notify(self) -> tuple[str, str] | None:
        """(channel, address) to follow the reply, or None."""
        value = self.cleaned_data["notify"].strip()
        return parse_contact(value) if value else None

    @property
    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "placeholder": "ABCD-2345"}),
    )

    def clean_code(self) -> str:
        code = normalise_receipt_code(self.cleaned_data["code"])
        if not code:
            raise ValidationError(_("A receipt code has 8 letters and digits, like ABCD-2345."))
        return code


class MeetingForm(forms.ModelForm):
    """A meeting and, one per line, the suggestions collected at it."""

    suggestions = forms.CharField(
        label=_("Suggestions collected (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    category = forms.ChoiceField(
        label=_("Category of these suggestions"),
        required=False,
        choices=[("", "—"), *Suggestion._meta.get_field("category").choices],
    )

    class Meta:
        model = Meeting
        fields = ["date", "kind", "attendance", "notes"]
        widgets = {"date": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def clean_suggestions(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["suggestions"].splitlines()]
        lines = [line for line in lines if line]
        for number, line in enumerate(lines, start=1):
            if len(line) > Suggestion.TEXT_MAX:
                raise ValidationError(
                    _("Line %(n)s is longer than 1000 characters.") % {"n": number}
                )
        if len(lines) > 200:
            raise ValidationError(_("At most 200 suggestions per meeting."))
        return lines


class SuggestionEntryForm(forms.ModelForm):
    """A suggestion received by visit, phone or through a representative."""

    class Meta:
        model = Suggestion
        fields = ["channel", "received", "text", "category", "name", "phone"]
        widgets = {"received": DateInput(), "text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].validators.append(phone_validator)


class SuggestionAnswerForm(forms.Form):
    ACTIONS = [
        ("consider", _("Under consideration")),
        ("adopt", _("Adopt into a project")),
        ("not_adopted", _("Answer: not adopted")),
        ("pass_up", _("Pass up to the township")),
        ("close", _("Close (the reply is final)")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect)
    projects = forms.ModelMultipleChoiceField(
        label=_("Adopted into"),
        queryset=Project.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reply = forms.CharField(
        label=_("Public reply"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the resident and on the public board."),
    )

    def __init__(self, *args, suggestion: Suggestion, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestion = suggestion
        self.fields["projects"].queryset = (
            Project.objects.filter(
                pledge_list__village=suggestion.village, pledge_list__year__gte=suggestion.year
            )
            .exclude(status=Project.Status.CANCELLED)
            .select_related("pledge_list")
        )
        self.fields["reply"].initial = suggestion.reply

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in ("adopt", "not_adopted", "pass_up") and not data.get("reply", "").strip():
            self.add_error("reply", _("Write the public reply."))
        if action == "adopt" and not data.get("projects"):
            self.add_error("projects", _("Choose the project the suggestion was adopted into."))
        if action == "close" and not (data.get("reply", "").strip() or self.suggestion.reply):
            self.add_error("reply", _("A suggestion cannot be closed without a public reply."))
        return data


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Why hide the text from the public"), max_length=200)


class BoardSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Village name, pinyin or code"),
        max_length=50,
        widget=forms.SearchInput(attrs={"placeholder": "龙江 / longjiang"}),
    )


class ImportUploadForm(forms.Form):
    """A township's Excel file of pledge lists (checked further in pledges/imports.py)."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("Start from the template; the first sheet with its header row is read."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
