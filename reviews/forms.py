import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.contacts import half_width, normalise_phone
from lib.forms import LongText

from .models import AnnualReview, Invitation, Rating

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
PEOPLE_MAX_LENGTH = 5000  # about 200 reviewers a time: more than any village invites


def text(max_length: int, **kwargs) -> forms.CharField:
    """A text field whose maximum is said plainly when passed; the typed text stays."""
    return LongText(max_length=max_length, **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class ReviewWindowForm(forms.ModelForm):
    class Meta:
        model = AnnualReview
        fields = ["opens_at", "closes_at"]
        widgets = {"opens_at": DateTimeInput(), "closes_at": DateTimeInput()}
        help_texts = {
            "closes_at": _("Ballot links stop working at this moment."),
        }

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Voting must close after it opens."))
        elif closes and closes <= timezone.now():
            self.add_error("closes_at", _("Choose a closing time in the future."))
        return data


# One reviewer a line: a name, then optionally a phone number after a space or a comma.
LINE = re.compile(r"^(?P<name>[^,，、\t\d+]+?)\s*(?:[\s,，、\t]\s*(?P<phone>[\d+\- ]{5,20}))?$")


class InvitationsForm(forms.Form):
    kind = forms.ChoiceField(label=_("They are"), choices=Invitation.Kind.choices)
    people = text(
        PEOPLE_MAX_LENGTH,
        label=_("Names"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One reviewer a line: the name, then the phone number if you have it."),
    )

    def clean_people(self) -> list[tuple[str, str]]:
        people, errors = [], []
        for number, line in enumerate(self.cleaned_data["people"].splitlines(), 1):
            line = half_width(line)  # ＋８６ １３８… as a Chinese input method types it
            if not line:
                continue
            match = LINE.match(line)
            name = match and match["name"].strip()
            if not match or not name:
                errors.append(
                    _("Line %(number)s (“%(line)s”): write a name, then a phone number.")
                    % {"number": number, "line": line[:40]}
                )
            elif len(name) > 30:
                errors.append(
                    _("Line %(number)s: a name has at most 30 characters.") % {"number": number}
                )
            else:
                people.append((name, normalise_phone(match["phone"] or "")))
        if errors:
            raise ValidationError(errors)
        if not people:
            raise ValidationError(_("Write at least one name."))
        return people


class BallotForm(forms.Form):
    """Every project (满意 / 基本满意 / 不满意, with a comment) and every prohibition (kept /
    not kept, with a remark) of the list, and an overall comment. Online every item must be
    answered; on paper an item left blank is allowed (it is not a valid vote for that item)."""

    KEPT_CHOICES = [("yes", _("kept")), ("no", _("not kept"))]

    comment = text(
        1000,
        label=_("Overall comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, projects, prohibitions, paper: bool = False, ballot=None, **kw):
        super().__init__(*args, **kw)
        self.projects, self.prohibitions, self.paper = list(projects), list(prohibitions), paper
        blank = [("", _("blank or invalid"))] if paper else []
        ratings = {}
        kept = {}
        if ballot is not None:
            ratings = {r.project_id: r for r in ballot.project_ratings.all()}
            kept = {r.prohibition_id: r for r in ballot.prohibition_ratings.all()}
            self.initial.setdefault("comment", ballot.comment)
        for project in self.projects:
            name = f"project_{project.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"{project.number}. {project.title}",
                choices=[*Rating.choices, *blank],
                widget=forms.RadioSelect,
                required=not paper,
                error_messages={
                    "required": _("Choose satisfied, basically satisfied or dissatisfied.")
                },
            )
            self.fields[f"{name}_comment"] = text(
                200, label=_("Comment (optional)"), required=False
            )
            if project.pk in ratings:
                self.initial[name] = ratings[project.pk].rating
                self.initial[f"{name}_comment"] = ratings[project.pk].comment
        for prohibition in self.prohibitions:
            name = f"prohibition_{prohibition.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"{prohibition.number}. {prohibition.text}",
                choices=[*self.KEPT_CHOICES, *blank],
                widget=forms.RadioSelect,
                required=not paper,
                error_messages={"required": _("Say whether it was kept.")},
            )
            self.fields[f"{name}_remark"] = text(200, label=_("Remark (optional)"), required=False)
            if prohibition.pk in kept:
                self.initial[name] = "yes" if kept[prohibition.pk].kept else "no"
                self.initial[f"{name}_remark"] = kept[prohibition.pk].remark
        if paper:
            for name, field in self.fields.items():
                if isinstance(field, forms.ChoiceField):
                    self.initial.setdefault(name, "")

    def project_rows(self):
        return [
            (p, self[f"project_{p.pk}"], self[f"project_{p.pk}_comment"]) for p in self.projects
        ]

    def prohibition_rows(self):
        return [
            (p, self[f"prohibition_{p.pk}"], self[f"prohibition_{p.pk}_remark"])
            for p in self.prohibitions
        ]

    @property
    def has_unanswered(self) -> bool:
        """Whether an item lacks its answer (rather than a comment being too long)."""
        return any(isinstance(self.fields.get(name), forms.ChoiceField) for name in self.errors)

    def clean(self):
        data = super().clean()
        if self.paper and not any(
            data.get(name) for name in self.fields if not name.endswith(("_comment", "_remark"))
        ):
            raise ValidationError(_("The ballot is empty: enter at least one answer."))
        return data

    def ballot_data(self) -> dict:
        """The answers as services.ballot_cast and paper_ballot_enter take them."""
        data = self.cleaned_data
        return {
            "projects": {
                p.pk: (data[f"project_{p.pk}"], data[f"project_{p.pk}_comment"].strip())
                for p in self.projects
            },
            "prohibitions": {
                p.pk: (
                    {"yes": True, "no": False}.get(data[f"prohibition_{p.pk}"]),
                    data[f"prohibition_{p.pk}_remark"].strip(),
                )
                for p in self.prohibitions
            },
            "comment": data["comment"].strip(),
        }


class PublishForm(forms.Form):
    announcement = text(
        2000,
        label=_("Announcement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The township's remarks published with the results (通报). Optional."),
    )
