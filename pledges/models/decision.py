"""How the village decided its list (四议两公开记录): the four meetings of the 4+2 procedure —
the Party branch proposes (提议), the two committees discuss (商议), the Party members' meeting
reviews (审议), the villagers' meeting or the villagers' representatives' meeting decides
(决议) — and the rules of the Organic Law of Villagers' Committees the deciding meeting must
meet (quorum and majority, `settings.PLEDGE_DECISION_QUORUM` / `PLEDGE_DECISION_MAJORITY`).

A list cannot be submitted until its record is complete and its vote passed
(`PledgeList.submission_problems`); the problems come back in words, one per step. Lists
imported from old years carry a record marked `imported_without_record` instead.

This module imports nothing from lists.py (the list is named by its label) so that lists.py
can ask it for a list's problems.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _text
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from lib.photos import store_photo

User = settings.AUTH_USER_MODEL


def meets(count: int, total: int, rule: tuple) -> bool:
    """Whether `count` of `total` meets `rule`, ("at_least" | "more_than", numerator,
    denominator), in integers: at least two thirds is 3 × count ≥ 2 × total, never a float."""
    kind, numerator, denominator = rule
    if kind == "more_than":
        return count * denominator > total * numerator
    return count * denominator >= total * numerator


def share_text(rule: tuple) -> str:
    """A rule in words: "more than half", "at least two thirds", "at least 3/5"."""
    kind, numerator, denominator = rule
    if (kind, numerator, denominator) == ("more_than", 1, 2):
        return _text("more than half")
    if (kind, numerator, denominator) == ("at_least", 2, 3):
        return _text("at least two thirds")
    words = {"more_than": _text("more than %(share)s"), "at_least": _text("at least %(share)s")}
    return words[kind] % {"share": f"{numerator}/{denominator}"}


class DecisionRecordQuerySet(models.QuerySet):
    def with_meetings(self):
        return self.prefetch_related("meetings")


class DecisionRecord(models.Model):
    """The 4+2 record of one list: its four meetings (`meetings`), or, for a list imported
    from an old year, the mark that it has none."""

    pledge_list = models.OneToOneField(
        "pledges.PledgeList",
        models.CASCADE,
        related_name="decision",
        verbose_name=_("pledge list"),
    )
    imported_without_record = models.BooleanField(
        _("imported without a 4+2 record"),
        default=False,
        help_text=_("Lists of old years brought in from Excel: no meetings were recorded."),
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = DecisionRecordQuerySet.as_manager()

    class Meta:
        ordering = ["pledge_list"]
        verbose_name = _("4+2 decision record")
        verbose_name_plural = _("4+2 decision records")

    def __str__(self) -> str:
        return str(self.pledge_list)

    def by_step(self) -> dict:
        """{step: meeting} from the prefetched meetings (`with_meetings`)."""
        return {meeting.step: meeting for meeting in self.meetings.all()}

    def rows(self) -> list[tuple]:
        """(step, its meeting or None) for the four steps in order, for pages."""
        meetings = self.by_step()
        return [(step, meetings.get(step)) for step in DecisionMeeting.Step]

    @property
    def deciding_meeting(self):
        return self.by_step().get(DecisionMeeting.Step.DECIDE)

    @property
    def is_imported_only(self) -> bool:
        """Imported without a record and no meeting entered since: shown as such."""
        return self.imported_without_record and not self.by_step()

    @staticmethod
    def problems_of(record: "DecisionRecord | None") -> list[str]:
        """What is missing or failed, step by step, in words; [] when the list may go to
        the township. `record` None: nothing was recorded yet."""
        if record is not None and record.is_imported_only:
            return []
        meetings = record.by_step() if record is not None else {}
        problems, previous = [], None
        for step in DecisionMeeting.Step:
            meeting = meetings.get(step)
            if meeting is None:
                problems.append(
                    _text("The record of the %(step)s meeting is missing.") % {"step": step.label}
                )
                continue
            problems += meeting.problems()
            if previous is not None and meeting.date < previous.date:
                problems.append(
                    _text("The %(step)s meeting is dated before the %(previous)s meeting.")
                    % {"step": step.label, "previous": previous.get_step_display()}
                )
            previous = meeting
        return problems


def _minutes_path(instance, filename: str) -> str:
    return f"minutes/{timezone.now():%Y/%m}/{filename}"


class DecisionMeeting(models.Model):
    """One meeting of the 4+2 procedure. The deciding meeting (决议) also says what kind of
    meeting it was, the votes on the whole list and carries the signed minutes."""

    class Step(models.TextChoices):
        PROPOSE = "propose", pgettext_lazy("4+2 step", "proposal")
        DISCUSS = "discuss", pgettext_lazy("4+2 step", "discussion")
        REVIEW = "review", pgettext_lazy("4+2 step", "review")
        DECIDE = "decide", pgettext_lazy("4+2 step", "decision")

    class Kind(models.TextChoices):
        REPRESENTATIVES = "representatives", _("villagers' representatives' meeting")
        ADULTS = "adults", _("villagers' meeting (adult villagers)")
        HOUSEHOLDS = "households", _("villagers' meeting (households' representatives)")

    record = models.ForeignKey(
        DecisionRecord, models.CASCADE, related_name="meetings", verbose_name=_("record")
    )
    step = models.CharField(_("step"), max_length=10, choices=Step)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100)
    chaired_by = models.CharField(_("chaired by"), max_length=30)
    entitled = models.PositiveIntegerField(
        _("entitled to attend"),
        help_text=_(
            "Members of the meeting; for a villagers' meeting the adult villagers or the "
            "households, as chosen above."
        ),
    )
    present = models.PositiveIntegerField(_("present"))
    outcome = models.TextField(_("outcome of the meeting"))
    kind = models.CharField(_("kind of meeting"), max_length=16, choices=Kind, blank=True)
    votes_for = models.PositiveIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("votes against"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_("abstentions"), null=True, blank=True)
    image = models.ImageField(_("signed minutes"), upload_to=_minutes_path, blank=True)
    thumbnail = models.ImageField(upload_to=_minutes_path, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    recorded_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["record", "date", "pk"]
        verbose_name = _("4+2 meeting")
        verbose_name_plural = _("4+2 meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["record", "step"], name="decision_meeting_one_per_step"
            ),
            models.CheckConstraint(
                condition=Q(present__lte=F("entitled")), name="decision_meeting_present_le_entitled"
            ),
            models.CheckConstraint(
                condition=Q(votes_for__isnull=True)
                | Q(votes_against__isnull=True)
                | Q(votes_abstain__isnull=True)
                | Q(present__gte=F("votes_for") + F("votes_against") + F("votes_abstain")),
                name="decision_meeting_votes_le_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record} · {self.get_step_display()} {self.date}"

    @property
    def is_deciding(self) -> bool:
        return self.step == self.Step.DECIDE

    @property
    def votes_cast(self) -> int:
        return (self.votes_for or 0) + (self.votes_against or 0) + (self.votes_abstain or 0)

    def quorum_rule(self) -> tuple:
        return settings.PLEDGE_DECISION_QUORUM[self.kind]

    def has_quorum(self) -> bool:
        return meets(self.present, self.entitled, self.quorum_rule())

    def has_passed(self) -> bool:
        """More than half of those present voted for (abstentions count as not for)."""
        return meets(self.votes_for or 0, self.present, settings.PLEDGE_DECISION_MAJORITY)

    def problems(self) -> list[str]:
        """What this meeting lacks or failed, in words. Any meeting needs people present;
        the deciding one its kind, a quorum, the votes, a majority and the signed minutes."""
        step = self.get_step_display()
        if self.present == 0 or self.present > self.entitled:
            return [
                _text("The %(step)s meeting: %(present)s present of %(entitled)s entitled.")
                % {"step": step, "present": self.present, "entitled": self.entitled}
            ]
        if not self.is_deciding:
            return []
        if not self.kind:
            return [_text("Say which meeting decided: villagers' or representatives'.")]
        problems = []
        if not self.has_quorum():
            problems.append(
                _text(
                    "The %(kind)s had no quorum: %(present)s present of %(entitled)s; "
                    "%(share)s must attend."
                )
                % {
                    "kind": self.get_kind_display(),
                    "present": self.present,
                    "entitled": self.entitled,
                    "share": share_text(self.quorum_rule()),
                }
            )
        if self.votes_for is None:
            problems.append(_text("The votes of the deciding meeting are missing."))
        elif self.votes_cast > self.present:
            problems.append(
                _text("%(votes)s votes were cast but only %(present)s were present.")
                % {"votes": self.votes_cast, "present": self.present}
            )
        elif not self.has_passed():
            problems.append(self._failed_vote())
        if not self.image:
            problems.append(_text("The photo or scan of the signed minutes is missing."))
        return problems

    def _failed_vote(self) -> str:
        rule = settings.PLEDGE_DECISION_MAJORITY
        values = {"votes": self.votes_for, "present": self.present, "share": share_text(rule)}
        if tuple(rule) == ("more_than", 1, 2):
            text = _text(
                "The decision did not pass: %(votes)s votes for, not more than half of the "
                "%(present)s present."
            )
        else:
            text = _text(
                "The decision did not pass: %(votes)s votes for, short of %(share)s of the "
                "%(present)s present."
            )
        return text % values

    def store_minutes(self, upload) -> None:
        """Keep a checked photo or scan of the signed minutes (see lib.photos), re-encoded
        as JPEG with a thumbnail, as progress photos are."""
        store_photo(self, upload)
