from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lib.contacts import ContactField, PhoneField
from lib.forms import DateInput, LongText, ReadableTexts, RobotTrap, limit_texts
from pledges.models import Project

from .models import Candidate, Meeting, ReplyTemplate, Suggestion, normalise_receipt_code


class PublicSuggestionForm(RobotTrap):
    """The residents' form: no account, short, with a honeypot for robots."""

    text = LongText(
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
    phone = PhoneField(
        label=_("Phone (optional, never shown in public)"), max_length=20, required=False
    )
    # (channel, address) to be told of the reply, or None.
    notify = ContactField(
        label=_("Tell me when it is answered (optional)"),
        help_text=_("A mobile number or e-mail address; each message has a link to stop it."),
        required=False,
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=36, min_length=32)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if len(text) < 5:
            raise ValidationError(_("Write a little more: at least 5 characters."))
        return text

    def contacts(self) -> list[str]:
        """The phone number and the address to be told at, for the per-contact limit."""
        phone = "".join(ch for ch in self.cleaned_data["phone"] if ch.isdigit())
        notify = self.cleaned_data["notify"]
        return [phone, notify[1] if notify else ""]


class TrackForm(ReadableTexts, forms.Form):
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

    NOTES_MAX = 1000
    LINES_MAX = 200

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notes"].max_length = self.NOTES_MAX  # the model's notes have none
        limit_texts(self)

    def clean_suggestions(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["suggestions"].splitlines()]
        lines = [line for line in lines if line]
        for number, line in enumerate(lines, start=1):
            if len(line) > Suggestion.TEXT_MAX:
                raise ValidationError(
                    _(
                        "Line %(n)s has %(length)s characters; a suggestion has at most "
                        "%(limit)s. Shorten it or split it over two lines."
                    )
                    % {"n": number, "length": len(line), "limit": Suggestion.TEXT_MAX}
                )
        if len(lines) > self.LINES_MAX:
            raise ValidationError(
                _("At most %(limit)s suggestions per meeting; there are %(count)s.")
                % {"limit": self.LINES_MAX, "count": len(lines)}
            )
        return lines


class SuggestionEntryForm(ReadableTexts, forms.ModelForm):
    """A suggestion received by visit, phone or through a representative."""

    class Meta:
        model = Suggestion
        fields = ["channel", "received", "text", "category", "name", "phone"]
        widgets = {"received": DateInput(), "text": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"text": LongText, "phone": PhoneField}


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
    reply = LongText(
        label=_("Public reply"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the resident and on the public board."),
    )

    def __init__(self, *args, suggestion: Suggestion, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestion = suggestion
        self.fields["projects"].queryset = Project.objects.adoptable(
            village=suggestion.village, year=suggestion.year
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


class HideForm(ReadableTexts, forms.Form):
    reason = forms.CharField(label=_("Why hide the text from the public"), max_length=200)


class ReplyTemplateForm(ReadableTexts, forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = ["title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"text": LongText}

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
    reply = LongText(
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


class CandidateForm(forms.ModelForm):
    """A candidate for the pool: from a group of suggestions (their ids come hidden, with the
    group's representative text as the title to edit), from a meeting, or typed in."""

    suggestions = forms.ModelMultipleChoiceField(
        queryset=Suggestion.objects.none(), required=False, widget=forms.MultipleHiddenInput
    )

    class Meta:
        model = Candidate
        fields = ["kind", "title", "category", "description", "meeting", "meeting_count"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "meeting_count": _("How many residents asked for it at the meeting (from the minutes).")
        }

    def __init__(self, *args, village, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        limit_texts(self, default=1000)
        self.fields["suggestions"].queryset = Suggestion.objects.for_pool(village, year)
        self.fields["meeting"].queryset = village.meetings.all()
        self.fields["meeting"].label_from_instance = lambda m: (
            f"{m.date:%Y-%m-%d} {m.get_kind_display()}"
        )

    def clean(self):
        data = super().clean()
        if data.get("meeting_count") and not data.get("meeting"):
            self.add_error("meeting", _("Name the meeting where residents asked for it."))
        return data


class PoolDecisionForm(forms.Form):
    """Ticked candidates of the pool: chosen into the draft list, or not this year with a
    reason."""

    ACTIONS = [("choose", _("Choose into the list")), ("decline", _("Not this year"))]
    candidates = forms.ModelMultipleChoiceField(
        label=_("Candidates"),
        queryset=Candidate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one candidate.")},
    )
    action = forms.ChoiceField(choices=ACTIONS)
    reason = LongText(
        label=_("Why not this year"),
        max_length=200,
        required=False,
        help_text=_("Shown to the township, and on the public board once the list is published."),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidates"].queryset = candidates

    def clean(self):
        data = super().clean()
        if data.get("action") == "decline" and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why it is not chosen this year."))
        return data
