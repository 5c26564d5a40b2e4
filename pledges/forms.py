from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import inlineformset_factory
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lib.forms import TOO_LONG, DateInput, limit_texts, text_problem
from lib.photos import PhotosField, validate_photo

from .models import (
    ChangeRequest,
    DecisionMeeting,
    Escalation,
    PledgeList,
    Prohibition,
    Project,
)

# Notes, reasons, descriptions and answers: about a page of typing. Titles and names keep
# their column's length.
LONG_TEXT = 2000


@dataclass(frozen=True)
class ErrorLink:
    """One line of a form's error summary: what is wrong, and the id of where to fix it."""

    anchor: str
    label: str
    message: str

    def __str__(self) -> str:
        if not self.label:
            return self.message
        return gettext("%(label)s: %(message)s") % {"label": self.label, "message": self.message}


class PledgeForm:
    """What every pledges form does: a maximum on each text field, and an error summary
    whose lines link to the fields (`error_links`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_texts(self, default=LONG_TEXT)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea) and not field.help_text:
                field.help_text = _("At most %(limit)s characters.") % {"limit": field.max_length}

    def links_to_errors(self, heading: str = "") -> list[ErrorLink]:
        """One line per error; `heading` (e.g. "Project 3") starts each line of a formset
        row, whose own errors link to its fieldset (id = the form's prefix)."""
        links = []
        for name, errors in self.errors.items():
            if name == NON_FIELD_ERRORS:
                anchor, label = self.prefix or "", heading
            else:
                field = self[name]
                anchor = field.auto_id
                label = f"{heading} · {field.label}" if heading else str(field.label)
            links.extend(ErrorLink(anchor, label, message) for message in errors)
        return links

    @cached_property
    def error_links(self) -> list[ErrorLink]:
        return self.links_to_errors()


class ProjectForm(PledgeForm, forms.ModelForm):
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


class ProhibitionForm(PledgeForm, forms.ModelForm):
    class Meta:
        model = Prohibition
        fields = ["number", "text"]
        labels = {"text": _("Wording")}  # the row is already headed "Prohibition n"
        widgets = {"number": forms.NumberInput(attrs={"min": 1, "max": 99})}


class _NumberedFormSet(forms.BaseInlineFormSet):
    """Numbers unique within the list, and no more items than the list may have."""

    limit_setting = ""
    heading = ""  # "Project %(n)s": how a row is named in the error summary

    @cached_property
    def error_links(self) -> list[ErrorLink]:
        """The summary of the list editor: the set's own errors (linked to its heading,
        id = the prefix), then each row's, named as the page names the row."""
        links = [ErrorLink(self.prefix, "", message) for message in self.non_form_errors()]
        for n, form in enumerate(self.forms, start=1):
            links.extend(form.links_to_errors(self.heading % {"n": n}))
        return links

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
    heading = _("Project %(n)s")


class ProhibitionFormSet(_NumberedFormSet):
    limit_setting = "PLEDGE_PROHIBITION_COUNT"
    heading = _("Prohibition %(n)s")


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


class ReviewForm(PledgeForm, forms.Form):
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

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.projects = projects
        self.item_errors: dict[int, str] = {}

    @property
    def item_rows(self) -> list[tuple]:
        """(project, field name, text, error) per project: the comment as typed when the
        form comes back with errors, else the one saved."""
        rows = []
        for project in self.projects:
            name = f"comment-{project.pk}"
            text = self.data.get(name, "") if self.is_bound else project.review_comment
            rows.append((project, name, text, self.item_errors.get(project.pk, "")))
        return rows

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not data.get("comment", "").strip():
            self.add_error("comment", _("Say what the village should change."))
        # The feasibility comment typed beside each project (comment-<project id>).
        data["item_comments"], unreadable = {}, False
        for project in self.projects:
            text = self.data.get(f"comment-{project.pk}", "").strip()
            if problem := text_problem(text):
                self.item_errors[project.pk], unreadable = problem, True
            elif len(text) > LONG_TEXT:
                self.item_errors[project.pk] = TOO_LONG % {
                    "limit_value": LONG_TEXT,
                    "show_value": len(text),
                }
            data["item_comments"][project.pk] = text
        if unreadable:
            raise ValidationError(_("A feasibility comment cannot be read; it is marked below."))
        if self.item_errors:
            raise ValidationError(_("A feasibility comment is too long; it is marked below."))
        return data

    @cached_property
    def error_links(self) -> list[ErrorLink]:
        links = [link for link in self.links_to_errors() if link.anchor]
        for project, name, _text, error in self.item_rows:
            if error:
                links.append(ErrorLink(name, f"{project.number}. {project.title}", error))
        return links


class ProgressForm(PledgeForm, forms.Form):
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
        max_length=LONG_TEXT,
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


class CompleteForm(PledgeForm, forms.Form):
    quantity_done = forms.DecimalField(
        label=_("Quantity done in total"),
        min_value=0,
        required=False,
        max_digits=12,
        decimal_places=2,
    )
    note = forms.CharField(
        label=_("What was done (evidence)"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(label=_("Photos of the finished work"))


class VerifyForm(PledgeForm, forms.Form):
    DECISIONS = [("verify", _("Verified: strike it off")), ("send_back", _("Not done: send back"))]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "send_back" and not data.get("note", "").strip():
            self.add_error("note", _("Say why the project is not done yet."))
        return data


class ChangeRequestForm(PledgeForm, forms.ModelForm):
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


class DecideChangeForm(PledgeForm, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Approve")), ("no", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not data.get("note", "").strip():
            self.add_error("note", _("Say why the change is refused."))
        return data


class EscalationForm(PledgeForm, forms.ModelForm):
    class Meta:
        model = Escalation
        fields = ["problem", "need", "resources"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in fields}


class AnswerEscalationForm(PledgeForm, forms.Form):
    ACTIONS = [("answer", _("Answer")), ("pass", _("Pass on to the district"))]
    action = forms.ChoiceField(
        label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect, initial="answer"
    )
    answer = forms.CharField(
        label=_("Answer"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "answer" and not data.get("answer", "").strip():
            self.add_error("answer", _("Write the answer."))
        return data


class DecisionMeetingForm(PledgeForm, forms.ModelForm):
    """One meeting of the 4+2 procedure. The deciding meeting also asks its kind, the votes
    on the whole list and the signed minutes (required once, kept when not sent again). The
    counts are checked against each other here; whether the quorum and the majority were
    reached is the record's to say (a failed vote is recorded as it happened)."""

    minutes = forms.FileField(
        label=_("Photo or scan of the signed minutes"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
        ),
    )

    class Meta:
        model = DecisionMeeting
        fields = [
            "date",
            "place",
            "chaired_by",
            "kind",
            "entitled",
            "present",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "outcome",
        ]
        widgets = {
            "date": DateInput(),
            "kind": forms.RadioSelect,
            "outcome": forms.Textarea(attrs={"rows": 3}),
            "entitled": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
            "present": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
            "votes_for": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "votes_against": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "votes_abstain": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        }
        help_texts = {"outcome": _("What the meeting agreed, in a sentence or two.")}

    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.step = step
        if step != DecisionMeeting.Step.DECIDE:
            for name in ("kind", "votes_for", "votes_against", "votes_abstain", "minutes"):
                del self.fields[name]
            return
        self.fields["kind"].required = True
        self.fields["kind"].choices = DecisionMeeting.Kind.choices
        for name in ("votes_for", "votes_against", "votes_abstain"):
            self.fields[name].required = True
        self.fields["minutes"].required = not self.instance.image

    def clean_minutes(self):
        upload = self.cleaned_data.get("minutes")
        if upload:
            validate_photo(upload)
        return upload

    def clean(self):
        data = super().clean()
        entitled, present = data.get("entitled"), data.get("present")
        if entitled is not None and entitled < 1:
            self.add_error("entitled", _("Give how many were entitled to attend (at least 1)."))
        elif entitled is not None and present is not None and present > entitled:
            self.add_error(
                "present",
                _("%(present)s present is more than the %(entitled)s entitled to attend.")
                % {"present": present, "entitled": entitled},
            )
        votes = [data.get(name) for name in ("votes_for", "votes_against", "votes_abstain")]
        if present is not None and None not in votes and sum(votes) > present:
            self.add_error(
                "votes_for",
                _("The votes add up to %(votes)s, more than the %(present)s present.")
                % {"votes": sum(votes), "present": present},
            )
        return data
