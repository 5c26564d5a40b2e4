"""What a village's notice says: the facts, read for a whole township in a fixed number of
queries, rendered through the township's template in a sandbox.

The template is text a township cadre edits, rendered by Django's template engine from a
string. It is sandboxed three ways: the engine has no template loaders and no tag libraries
(no `{% include %}`, `{% extends %}` or `{% load %}` can reach a file or another library), only
the tags in ALLOWED_TAGS may appear, and the context holds plain values (strings, numbers,
dates, lists and dicts of them), never a model, so a template can call nothing.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pledges.models import PledgeList, ProgressUpdate, Project
from residents.models import Challenge
from suggestions.models import Suggestion
from villages.models import Township, Village

from .models import (
    Notice,
    TownshipNoticeSettings,
    VillageNoticeSettings,
    period_end,
    period_start,
    previous_period,
)

# The placeholders a template may use; the township's template page lists them.
PLACEHOLDERS = [
    ("township", gettext_lazy("Township name")),
    ("village", gettext_lazy("Village name")),
    ("period", gettext_lazy("The month, e.g. 2026-05")),
    ("year", gettext_lazy("The pledge year")),
    ("message", gettext_lazy("The township's own message")),
    ("has_list", gettext_lazy("Whether the year's list is published")),
    ("list_status", gettext_lazy("The list's status when it is not published")),
    (
        "projects",
        gettext_lazy("Every project: number, title, status, percent, planned_finish, lead"),
    ),
    (
        "progress",
        gettext_lazy("Projects with progress since the last notice: title, percent, updates, note"),
    ),
    ("overdue", gettext_lazy("Overdue projects (as in projects)")),
    (
        "awaiting_verification",
        gettext_lazy("Completed projects waiting for the township to verify them"),
    ),
    ("deadlines", gettext_lazy("Projects due in the notice's month")),
    (
        "suggestions",
        gettext_lazy("Suggestions waiting for a reply: received, days, is_overdue, text"),
    ),
    (
        "challenges",
        gettext_lazy(
            "Projects residents challenge as not really done, one line each: number, title, "
            "count (of challenges), days (since the first)"
        ),
    ),
]

ALLOWED_TAGS = {
    "if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith", "firstof",
    "cycle", "resetcycle", "ifchanged", "endifchanged", "spaceless", "endspaceless",
    "comment", "endcomment", "filter", "endfilter", "widthratio", "now", "templatetag",
}  # fmt: skip

# No loaders, no libraries: nothing outside the string and the context is reachable.
_ENGINE = Engine(loaders=[], libraries={}, autoescape=False, string_if_invalid="")
_TAG = re.compile(r"{%-?\s*(\w+)")
_DEFAULT_DIR = Path(__file__).resolve().parent / "default_template"
TEXT_LIMIT = 80  # characters of a note or a suggestion quoted in a notice


def default_template(language: str | None = None) -> str:
    language = language or settings.LANGUAGE_CODE
    path = _DEFAULT_DIR / f"{language}.txt"
    if not path.exists():
        path = _DEFAULT_DIR / "zh-hans.txt"
    return path.read_text(encoding="utf-8")


def check_template(text: str) -> None:
    """Raise TemplateSyntaxError (with a message for the cadre) unless the template compiles,
    uses only allowed tags, and renders the sample notice."""
    for name in _TAG.findall(text):
        if name not in ALLOWED_TAGS:
            raise TemplateSyntaxError(
                _("The tag {%% %(name)s %%} is not allowed in a notice template.") % {"name": name}
            )
    template = _ENGINE.from_string(text)
    try:
        template.render(_context(sample_context()))
    except Exception as error:  # a template that compiles may still fail on real data
        raise TemplateSyntaxError(str(error)) from error


def _context(values: dict) -> Context:
    """Plain text, never HTML: the notice goes to an inbox page (which escapes it once),
    e-mails and group robots. Escaped here too, `'` and `<` would reach readers as `&#x27;`
    and `&lt;` (a Context escapes by default, whatever the engine says)."""
    return Context(values, autoescape=False)


def render(template, context: dict) -> str:
    text = template.render(_context(context))
    # Tags on lines of their own leave blank lines and trailing spaces behind.
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def sample_context() -> dict:
    today = timezone.localdate()
    project = {
        "number": 1,
        "title": "安装太阳能路灯",
        "status": "in progress",
        "percent": 60,
        "planned_finish": today,
        "lead": "杨健",
    }
    return {
        "township": "海龙镇",
        "village": "龙江村",
        "period": f"{today:%Y-%m}",
        "year": today.year,
        "message": "",
        "has_list": True,
        "list_status": "",
        "projects": [project],
        "progress": [{**project, "updates": 2, "note": "已安装30盏", "date": today}],
        "overdue": [project],
        "awaiting_verification": [project],
        "deadlines": [project],
        "suggestions": [{"received": today, "days": 3, "is_overdue": False, "text": "修路"}],
        "challenges": [{"number": 1, "title": project["title"], "days": 2, "count": 2}],
    }


@dataclass
class Draft:
    """A notice before it is saved: its text, its figures and the channels it goes to."""

    village: Village
    body: str
    figures: dict
    channels: list = field(default_factory=list)


def _project_row(row: dict) -> dict:
    return {
        "number": row["number"],
        "title": row["title"],
        "status": str(Project.Status(row["status"]).label),
        "percent": row["percent_done"],
        "planned_finish": row["planned_finish"],
        "lead": row["lead_name"],
    }


def drafts_for_township(
    township: Township, period: str, village_ids=None, today: datetime.date | None = None
) -> list[Draft]:
    """The notices of a township's villages (or of `village_ids` among them) for a month.

    Seven queries whatever the number of villages: the township's settings, the villages
    with theirs, the year's lists, their projects, the previous notices, progress since
    then, and unanswered suggestions. Written in the site's language (LANGUAGE_CODE): the
    text is what every channel sends, whoever asked for it.
    """
    today = today or timezone.localdate()
    year = period_start(period).year
    month_end = period_end(period)
    with translation.override(settings.LANGUAGE_CODE):
        township_settings = TownshipNoticeSettings.objects.filter(township=township).first()
        villages = Village.objects.filter(township=township).select_related("notice_settings")
        if village_ids is not None:
            villages = villages.filter(pk__in=list(village_ids))
        villages = list(villages)
        if not villages:
            return []
        ids = [village.pk for village in villages]

        lists = {
            row["village_id"]: row
            for row in PledgeList.objects.filter(village_id__in=ids, year=year).values(
                "id", "village_id", "status"
            )
        }
        projects = {}
        for row in (
            Project.objects.filter(
                pledge_list__village_id__in=ids,
                pledge_list__year=year,
                pledge_list__status=PledgeList.Status.PUBLISHED,
            )
            .exclude(status=Project.Status.CANCELLED)
            .values(
                "id",
                "pledge_list__village_id",
                "number",
                "title",
                "status",
                "percent_done",
                "planned_finish",
                "lead_name",
            )
            .order_by("number")
        ):
            projects.setdefault(row["pledge_list__village_id"], []).append(row)

        # Progress counts from the last notice, or from the month before this one.
        first_day = period_start(previous_period(period))
        since = {
            row["village_id"]: timezone.localtime(row["last"]).date()
            for row in Notice.objects.filter(village_id__in=ids, period__lt=period)
            .values("village_id")
            .annotate(last=Max("created"))
            .order_by()
        }
        earliest = min([first_day, *since.values()])
        updates = {}
        for row in (
            ProgressUpdate.objects.filter(
                project__pledge_list__village_id__in=ids,
                project__pledge_list__year=year,
                project__pledge_list__status=PledgeList.Status.PUBLISHED,
                date__gte=earliest,
            )
            .values("project_id", "project__pledge_list__village_id", "date", "note")
            .order_by("date", "pk")
        ):
            village_id = row["project__pledge_list__village_id"]
            if row["date"] >= since.get(village_id, first_day):
                updates.setdefault(row["project_id"], []).append(row)

        reply_days = settings.SUGGESTION_REPLY_DAYS
        suggestions = {}
        for row in (
            Suggestion.objects.unanswered()
            .filter(village_id__in=ids)
            .values("village_id", "received", "text")
            .order_by("received", "pk")
        ):
            days = (today - row["received"]).days
            suggestions.setdefault(row["village_id"], []).append(
                {
                    "received": row["received"],
                    "days": days,
                    "is_overdue": days > reply_days,
                    "text": Truncator(row["text"]).chars(TEXT_LIMIT),
                }
            )

        # One line per project, however many residents challenge it: they are ruled on
        # together (residents.services.challenge_rule).
        challenges = {}
        for row in (
            Challenge.objects.open()
            .filter(project__pledge_list__village_id__in=ids)
            .values(
                "project_id",
                "project__pledge_list__village_id",
                "project__number",
                "project__title",
                "created",
            )
            .order_by("created", "pk")
        ):
            village_rows = challenges.setdefault(row["project__pledge_list__village_id"], {})
            line = village_rows.setdefault(
                row["project_id"],
                {
                    "number": row["project__number"],
                    "title": row["project__title"],
                    "days": (today - timezone.localtime(row["created"]).date()).days,
                    "count": 0,
                },
            )
            line["count"] += 1

        template_text = (township_settings and township_settings.template) or default_template()
        try:
            template = _ENGINE.from_string(template_text)
        except TemplateSyntaxError:
            template = _ENGINE.from_string(default_template())
        message = township_settings.message if township_settings else ""
        drafts = []
        for village in villages:
            context = _village_context(
                township=township,
                village=village,
                period=period,
                year=year,
                message=message,
                pledge_list=lists.get(village.pk),
                projects=projects.get(village.pk, []),
                updates=updates,
                suggestions=suggestions.get(village.pk, []),
                challenges=list(challenges.get(village.pk, {}).values()),
                today=today,
                month_end=month_end,
            )
            try:
                body = render(template, context)
            except Exception:  # a saved template that fails on real data: the standard one
                body = render(_ENGINE.from_string(default_template()), context)
            drafts.append(
                Draft(
                    village=village,
                    body=body,
                    figures={
                        "projects": len(context["projects"]),
                        "overdue": len(context["overdue"]),
                        "awaiting": len(context["awaiting_verification"]),
                        "deadlines": len(context["deadlines"]),
                        "suggestions": len(context["suggestions"]),
                        "challenges": len(context["challenges"]),
                        "overdue_suggestions": sum(s["is_overdue"] for s in context["suggestions"]),
                        "has_list": context["has_list"],
                    },
                    channels=VillageNoticeSettings.for_village(village).channels(),
                )
            )
        return drafts


def _village_context(
    *,
    township,
    village,
    period,
    year,
    message,
    pledge_list,
    projects,
    updates,
    suggestions,
    challenges,
    today,
    month_end,
) -> dict:
    rows = [_project_row(row) for row in projects]
    progress = []
    for row, project in zip(projects, rows, strict=True):
        reports = updates.get(row["id"])
        if reports:
            last = reports[-1]
            progress.append(
                {
                    **project,
                    "updates": len(reports),
                    "note": Truncator(last["note"]).chars(TEXT_LIMIT),
                    "date": last["date"],
                }
            )
    active = set(Project.ACTIVE)
    # Still ahead: a date already passed is in `overdue`.
    month_first = max(month_end.replace(day=1), today)
    is_published = bool(pledge_list) and pledge_list["status"] == PledgeList.Status.PUBLISHED
    if pledge_list:
        list_status = str(PledgeList.Status(pledge_list["status"]).label)
    else:
        list_status = _("no list yet")
    return {
        "township": township.name,
        "village": village.name,
        "period": period,
        "year": year,
        "message": message,
        "has_list": is_published,
        "list_status": list_status,
        "projects": rows,
        "progress": progress,
        "overdue": [
            project
            for row, project in zip(projects, rows, strict=True)
            if row["status"] in active and row["planned_finish"] and row["planned_finish"] < today
        ],
        "awaiting_verification": [
            project
            for row, project in zip(projects, rows, strict=True)
            if row["status"] == Project.Status.COMPLETED
        ],
        "deadlines": [
            project
            for row, project in zip(projects, rows, strict=True)
            if row["status"] in active
            and row["planned_finish"]
            and month_first <= row["planned_finish"] <= month_end
        ],
        "suggestions": suggestions,
        "challenges": challenges,
    }
