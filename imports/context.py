"""What the file's rows refer to, loaded before the first row: the villages, lists and items
a file names, in four queries, and the checks that need the whole file."""

import datetime
import re
from collections import defaultdict

import tablib
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.instance_loaders import BaseInstanceLoader
from simple_history.utils import bulk_create_with_history

from pledges.models import DecisionRecord, PledgeList, Prohibition, Project
from villages.models import District, Township, Village

from .reading import FORMULAS, HEADER, KINDS, PROHIBITION, PROJECT, ROW, fold, is_blank
from .widgets import NumberWidget


def _place_names(places) -> str:
    return "、".join(place.name for place in places)


class _Context:
    """The villages, lists and items the file's rows name, loaded in four queries, and the
    checks that need the whole file (duplicates, the 11th project, scope). Rows look their
    instance up here: no query per row.

    `year`: the year imported (rows may leave it empty; another year is an error), or None
    (the admin: each row's year column). `places`: Townships and Districts the importer may
    write in, or None for everywhere (the management command)."""

    def __init__(self, dataset: tablib.Dataset, *, year: int | None, places):
        self.year = year
        self.places = places
        self.errors = defaultdict(dict)  # row number → {column header: [message]}
        self.keys = {}  # row number → (kind, village, year, number) for rows that have one
        self.new_lists = {}  # (village id, year) → unsaved PledgeList shared by its rows
        self.touched_village_ids = set()
        rows = list(dataset.dict)
        codes = {row[HEADER["village_code"]] for row in rows}
        self.villages = {
            village.code: village
            for village in Village.objects.filter(code__in=codes).select_related("township")
        }
        years = {self._year(row) for row in rows} - {None}
        self.lists = {}
        self.items = {PROJECT: {}, PROHIBITION: {}}
        # Numbers each list holds already (cancelled projects do not count): list id → set.
        self.held = {PROJECT: defaultdict(set), PROHIBITION: defaultdict(set)}
        if self.villages and years:
            for pledge_list in PledgeList.objects.filter(
                village__in=self.villages.values(), year__in=years
            ).order_by():
                self.lists[pledge_list.village_id, pledge_list.year] = pledge_list
            by_id = {pledge_list.pk: pledge_list for pledge_list in self.lists.values()}
            for kind, model in ((PROJECT, Project), (PROHIBITION, Prohibition)):
                if by_id:
                    for item in model.objects.filter(pledge_list__in=by_id).order_by():
                        item.pledge_list = by_id[item.pledge_list_id]
                        self.items[kind][item.pledge_list_id, item.number] = item
                        if getattr(item, "status", None) != Project.Status.CANCELLED:
                            self.held[kind][item.pledge_list_id].add(item.number)
        self._check_rows(rows)

    # Building messages: every one names the row, the column, the value and what is expected.
    def problem(self, row: dict, key: str, problem: str) -> str:
        value = row.get(HEADER[key])
        if is_blank(value):
            return _("Row %(row)s, %(column)s is empty: %(problem)s") % {
                "row": row[ROW],
                "column": HEADER[key],
                "problem": problem,
            }
        if isinstance(value, datetime.datetime):
            value = value.date()
        shown = value.isoformat() if isinstance(value, datetime.date) else str(value)
        return _("Row %(row)s, %(column)s “%(value)s”: %(problem)s") % {
            "row": row[ROW],
            "column": HEADER[key],
            "value": shown[:40],
            "problem": problem,
        }

    def _add(self, row: dict, key: str, problem: str) -> None:
        if HEADER[key] in self.errors.get(row[ROW], {}):
            return  # one message per cell: the formula without a value says it all
        self.errors[row[ROW]].setdefault(HEADER[key], []).append(self.problem(row, key, problem))

    def _add_formulas(self, row: dict) -> None:
        """Cells holding a formula but no value (see reading.NO_VALUE): the file was written
        by a program and never saved by Excel or WPS, which would have stored the results."""
        for key in filter(None, (row.get(FORMULAS) or "").split(",")):
            self.errors[row[ROW]].setdefault(HEADER[key], []).append(
                _(
                    "Row %(row)s, %(column)s is a formula, but the file holds no calculated "
                    "value for it: open the file in Excel or WPS, save it and upload it again."
                )
                % {"row": row[ROW], "column": HEADER[key]}
            )

    def _year(self, row: dict) -> int | None:
        text = row[HEADER["year"]]
        if not text:
            return self.year
        return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else None

    def kind(self, row: dict) -> str | None:
        text = row[HEADER["kind"]]
        return KINDS.get(fold(text)) if text else PROJECT

    def _may_write(self, village: Village) -> bool:
        if self.places is None:
            return True
        for place in self.places:
            if isinstance(place, Township) and village.township_id == place.pk:
                return True
            if isinstance(place, District) and village.township.district_id == place.pk:
                return True
        return False

    def _check_rows(self, rows: list[dict]) -> None:
        first_seen = {}  # (kind, village id, year, number) → row number
        numbers = defaultdict(set)  # (kind, village id, year) → numbers the list will hold
        for row in rows:
            self._add_formulas(row)
            kind, village, year, number = self._row_key(row)
            if None in (kind, village, year, number):
                continue
            key = (kind, village.pk, year, number)
            if key in first_seen:
                self._add(
                    row,
                    "number",
                    _("the same number is in row %(other)s for this village, year and kind")
                    % {"other": first_seen[key]},
                )
                continue
            first_seen[key] = row[ROW]
            self.keys[row[ROW]] = (kind, village, year, number)
            self.touched_village_ids.add(village.pk)
            held = numbers[kind, village.pk, year]
            if not held:
                held.update(self._numbers_held(kind, village, year))
            if number in held or self.existing(kind, village, year, number):
                continue
            held.add(number)
            limit = self._limit(kind)
            if len(held) > limit:
                message = (
                    _(
                        "this would be project %(nth)s of the %(village)s list for %(year)s; "
                        "a list has %(count)s projects"
                    )
                    if kind == PROJECT
                    else _(
                        "this would be prohibition %(nth)s of the %(village)s list for "
                        "%(year)s; a list has %(count)s prohibitions"
                    )
                )
                self._add(
                    row,
                    "number",
                    message
                    % {"nth": len(held), "village": village.name, "year": year, "count": limit},
                )

    def _row_key(self, row: dict) -> tuple:
        kind = self.kind(row)
        if kind is None:
            self._add(row, "kind", _("expected 民生实事 (project) or 不准事项 (prohibition)"))
        village = None
        code = row[HEADER["village_code"]]
        if not re.fullmatch(r"\d{12}", code):
            self._add(
                row,
                "village_code",
                _(
                    "expected the 12-digit statistical division code of a village "
                    "(format the column as text in Excel)"
                ),
            )
        elif code not in self.villages:
            self._add(
                row,
                "village_code",
                _("no village or community has this code; check the division code"),
            )
        elif not self._may_write(self.villages[code]):
            self._add(
                row,
                "village_code",
                _("%(village)s is not in %(place)s: you may import your own villages only")
                % {"village": self.villages[code].name, "place": _place_names(self.places)},
            )
        else:
            village = self.villages[code]
        year = self._year(row)
        if year is None:
            self._add(row, "year", _("expected a year from 2000 to 2100, such as 2026"))
        elif self.year is not None and year != self.year:
            self._add(row, "year", _("this import is for %(year)s") % {"year": self.year})
            year = None
        try:
            number = NumberWidget().clean(row[HEADER["number"]])
        except ValueError as error:
            self._add(row, "number", str(error))
            number = None
        return kind, village, year, number

    @staticmethod
    def _limit(kind: str) -> int:
        return (
            settings.PLEDGE_PROJECT_COUNT if kind == PROJECT else settings.PLEDGE_PROHIBITION_COUNT
        )

    def _numbers_held(self, kind: str, village: Village, year: int) -> set:
        pledge_list = self.lists.get((village.pk, year))
        return set(self.held[kind][pledge_list.pk]) if pledge_list else set()

    def existing(self, kind: str, village: Village, year: int, number: int):
        pledge_list = self.lists.get((village.pk, year))
        return pledge_list and self.items[kind].get((pledge_list.pk, number))

    def pledge_list_for(self, village: Village, year: int) -> PledgeList:
        """The village's list for the year, or a new (unsaved) draft shared by its rows."""
        found = self.lists.get((village.pk, year))
        if found is None:
            found = self.new_lists.get((village.pk, year))
        if found is None:
            found = self.new_lists[village.pk, year] = PledgeList(village=village, year=year)
        return found

    def save_new_lists(self, *, user, reason: str) -> None:
        """Create the new lists (with their history) before the items that point at them.
        A list of a past year comes without its 4+2 meetings (a township migrating old
        years): it is marked as imported without a record, which lets it be submitted;
        a list of this year or a later one still needs its meetings recorded."""
        unsaved = [pledge_list for pledge_list in self.new_lists.values() if pledge_list.pk is None]
        if unsaved:
            bulk_create_with_history(
                unsaved,
                PledgeList,
                batch_size=1000,
                default_user=user,
                default_change_reason=reason,
            )
            this_year = timezone.localdate().year
            past = [
                DecisionRecord(pledge_list_id=pledge_list.pk, imported_without_record=True)
                for pledge_list in unsaved
                if pledge_list.year < this_year
            ]
            if past:
                bulk_create_with_history(
                    past,
                    DecisionRecord,
                    batch_size=1000,
                    default_user=user,
                    default_change_reason=reason,
                )


class _ContextLoader(BaseInstanceLoader):
    """Existing items from the context: no query per row."""

    def get_instance(self, row):
        key = self.resource.context.keys.get(row[ROW])
        return self.resource.context.existing(*key) if key else None
