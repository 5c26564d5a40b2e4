"""Excel in and out with django-import-export.

One ModelResource per importable model (`ProjectResource`, `ProhibitionResource`) with explicit
fields and the natural key (village code, year, number); `PledgeItemResource` reads the
template, where projects and prohibitions share one sheet, and hands each row to the right
one. The web page, the admin, `manage.py import_pledges` and the Celery task all import
through `PledgeItemResource.import_data`, so they accept the same files and give the same
errors.

Why it is fast (bench/import): the file's villages, lists and items are read in four queries
before the first row (`_Context`), rows are compared with what was loaded instead of with a
deep copy, and the writes are bulk inserts and updates with their history rows
(django-simple-history's bulk helpers: bulk writes send no signals). A dry run writes
nothing at all.

The files people really have (`normalise_rows`): a title row above the header, Traditional
characters in the headers, full-width digits, dates as 2025年6月, 2025/6/30 or an Excel date
number, "30盏" in the quantity cell, blank rows at the end.
"""

import calendar
import datetime
import itertools
import logging
import re
import unicodedata
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from openpyxl.utils.datetime import from_excel
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from villages.models import District, Membership, Township, Village

from .models import Category, PledgeList, Prohibition, Project, Suggestion
from .open_data import FORMULA_START

# --- The columns of the template ------------------------------------------------------------

ROW = "__row__"  # the row's number in the sheet, carried through for error messages
PROJECT, PROHIBITION = "project", "prohibition"
KIND_LABELS = {PROJECT: "民生实事", PROHIBITION: "不准事项"}

# (key, header). The headers are the file format, Chinese whatever the page language.
COLUMNS = [
    ("village_code", "村(社区)代码"),
    ("village_name", "村(社区)名称"),
    ("year", "年度"),
    ("kind", "类型"),
    ("number", "序号"),
    ("title", "名称"),
    ("category", "类别"),
    ("lead_name", "领办人"),
    ("target_quantity", "目标数量"),
    ("unit", "单位"),
    ("budget", "预算(万元)"),
    ("planned_start", "计划开始"),
    ("planned_finish", "计划完成"),
    ("description", "内容说明"),
]
HEADER = dict(COLUMNS)
REQUIRED = ("village_code", "number", "title")
# Only projects have these; on a prohibition's row they must stay empty.
PROJECT_ONLY = (
    "category",
    "lead_name",
    "target_quantity",
    "unit",
    "budget",
    "planned_start",
    "planned_finish",
    "description",
)
STATUS_HEADER = "清单状态"  # export only: the import ignores it

# Other names the same columns go by (compared after `_fold`: Simplified, no spaces, half-width).
ALIASES = {
    "village_code": [
        "区划代码",
        "统计用区划代码",
        "村代码",
        "社区代码",
        "村(社区)区划代码",
        "代码",
    ],
    "village_name": ["村(社区)", "村名", "村名称", "社区名称", "村(社区)名", "村庄名称"],
    "year": ["年份", "年"],
    "kind": ["清单类型", "事项类型", "种类", "类型(民生实事/不准事项)"],
    "number": ["编号", "序", "号"],
    "title": ["项目名称", "事项名称", "事项", "标题", "实事名称", "名称(事项)"],
    "category": ["分类", "项目类别"],
    "lead_name": ["领办领导", "领办人员", "负责人", "责任人"],
    "target_quantity": ["数量", "目标", "建设规模", "目标任务"],
    "unit": ["计量单位"],
    "budget": ["预算", "预算资金(万元)", "投资(万元)", "资金(万元)"],
    "planned_start": ["开始时间", "计划开工", "开工时间", "计划开始时间"],
    "planned_finish": ["完成时间", "计划完成时间", "完成时限", "计划竣工"],
    "description": ["说明", "描述", "备注", "具体内容", "内容"],
}

# Traditional → Simplified for the characters that occur in headers and kind labels.
_TRADITIONAL = dict(
    zip(
        "區劃碼稱類號領辦負責數單預資計開時間說內標題項實務準莊導備註規設別萬額種編據與為個業門狀態",
        "区划码称类号领办负责数单预资计开时间说内标题项实务准庄导备注规设别万额种编据与为个业门状态",
        strict=True,
    )
)
_TRADITIONAL_TABLE = str.maketrans(_TRADITIONAL)


def _fold(text) -> str:
    """Header or label text as compared: half-width (NFKC), Simplified, no spaces or
    required-field marks, lower case."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_TRADITIONAL_TABLE)
    return re.sub(r"\s+|\*|\(必填\)|\(选填\)", "", text).lower()


_HEADER_KEYS = {
    _fold(name): key
    for key, header in COLUMNS
    for name in (header, key, key.replace("_", ""), *ALIASES.get(key, ()))
}

KIND_ALIASES = {
    PROJECT: ["民生实事", "实事", "项目", "民生项目", "十件民生实事", "正面清单", "project"],
    PROHIBITION: ["不准事项", "不准", "禁止事项", "负面清单", "五个不准", "prohibition"],
}
_KINDS = {_fold(name): kind for kind, names in KIND_ALIASES.items() for name in names}


logger = logging.getLogger(__name__)


class FileProblem(ValueError):
    """The file as a whole cannot be read (not xlsx, no header, a column missing...)."""


# --- Reading the files people really have ---------------------------------------------------


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    """A text cell: stripped, and without the apostrophe our exports put before a leading
    = + - @ (so a title survives the round trip)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u00a0", " ").replace("\u200b", "").strip()
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_START:
        text = text[1:]
    return text


def _half_width(value) -> str:
    """Digits and codes: full-width digits (１２) become ASCII, spaces and commas go."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", _text(value))
    return re.sub(r"[\s,]", "", text)


_QUANTITY_AND_UNIT = re.compile(r"^([+-]?\d+(?:\.\d+)?)([^\d.].*)$")


def _clean_row(values: dict) -> dict:
    row = {key: _text(values.get(key)) for key in HEADER}
    for key in ("village_code", "year", "number", "target_quantity", "budget"):
        row[key] = _half_width(values.get(key))
    # 2026年, 第3项, 12万元: the figure, when that is all there is besides the word.
    row["year"] = re.sub(r"^(\d+)年$", r"\1", row["year"])
    row["number"] = re.sub(r"^第?(\d+)[项件条个]?$", r"\1", row["number"])
    row["budget"] = re.sub(r"^([\d.]+)万?元$", r"\1", row["budget"])
    # "30盏" in the quantity cell: the unit goes to the unit column when that one is empty
    # (or says the same); otherwise the cell stays as it is and is reported.
    match = _QUANTITY_AND_UNIT.match(row["target_quantity"])
    if match and (not row["unit"] or row["unit"] == match[2].strip()):
        row["target_quantity"], row["unit"] = match[1], match[2].strip()
    for key in ("planned_start", "planned_finish"):
        value = values.get(key)
        is_cell_value = isinstance(value, datetime.date | int | float)
        row[key] = value if is_cell_value else _half_width(value)
    return row


def _find_header(first_rows: list) -> tuple[int, list]:
    for index, cells in enumerate(first_rows):
        keys = [_HEADER_KEYS.get(_fold(cell)) if not _blank(cell) else None for cell in cells]
        if {"village_code", "title"} <= set(keys):
            return index, keys
    raise FileProblem(
        _(
            "No header row found: one of the first rows must name the columns, such as "
            "村(社区)代码, 序号 and 名称. Start from the template."
        )
    )


HEADER_SEARCH_ROWS = 10


def normalise_rows(raw_rows, first_row_number: int = 1) -> tablib.Dataset:
    """The sheet's rows (tuples of cell values, from the first row) → a Dataset with the
    template's headers, a `__row__` column with each row's number in the sheet, blank rows
    left out and every cell cleaned (see `_clean_row`)."""
    raw_rows = iter(raw_rows)
    first = list(itertools.islice(raw_rows, HEADER_SEARCH_ROWS))
    header_index, keys = _find_header(first)
    seen = set()
    for key in keys:
        if key and key in seen:
            raise FileProblem(
                _("Two columns are both “%(column)s”; keep one.") % {"column": HEADER[key]}
            )
        seen.add(key)
    missing = [HEADER[key] for key in REQUIRED if key not in seen]
    if missing:
        raise FileProblem(
            _("The sheet has no column %(columns)s. Start from the template.")
            % {"columns": "、".join(missing)}
        )
    positions = [(key, index) for index, key in enumerate(keys) if key]
    dataset = tablib.Dataset(headers=[ROW, *(header for _key, header in COLUMNS)])
    limit = settings.PLEDGE_IMPORT_MAX_ROWS
    rows = itertools.chain(first[header_index + 1 :], raw_rows)
    for number, cells in enumerate(rows, start=first_row_number + header_index + 1):
        if all(_blank(cell) for cell in cells):
            continue  # blank rows, at the end or in between
        values = {key: cells[index] if index < len(cells) else None for key, index in positions}
        row = _clean_row(values)
        dataset.append([number, *(row[key] for key, _header in COLUMNS)])
        if len(dataset) > limit:
            raise FileProblem(
                _("The file has more than %(limit)s rows; split it and import the parts.")
                % {"limit": limit}
            )
    return dataset


# --- Widgets: one cell → one value, or a ValueError that says what is expected --------------


class TextWidget(widgets.Widget):
    def __init__(self, max_length: int | None = None):
        super().__init__()
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs) -> str:
        text = _text(value)
        if self.max_length and len(text) > self.max_length:
            raise ValueError(
                _("at most %(count)s characters (this has %(have)s)")
                % {"count": self.max_length, "have": len(text)}
            )
        return text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class NumberWidget(widgets.Widget):
    """The item's number in its list: 1, 2, … (from "1", 1.0, "１" or "第1项")."""

    def clean(self, value, row=None, **kwargs) -> int:
        text = _half_width(value)
        if not text.isdigit() or int(text) < 1:
            raise ValueError(_("expected a whole number from 1 up"))
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return value


class AmountWidget(widgets.Widget):
    """A quantity or budget: not negative, two decimal places; "1,923" and "30" are fine
    (the unit of "30盏" was split off when the file was read)."""

    LIMIT = Decimal("1e10")  # max_digits=12, decimal_places=2

    def clean(self, value, row=None, **kwargs) -> Decimal | None:
        text = _half_width(value)
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("expected a number, such as 30 or 30盏")) from None
        if not amount.is_finite():
            raise ValueError(_("expected a number, such as 30 or 30盏"))
        if amount < 0:
            raise ValueError(_("must not be negative"))
        if amount >= self.LIMIT:
            raise ValueError(_("is too large"))
        return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


_FULL_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?(底|末|初)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Excel's day numbers for 2000-01-01 and 2100-12-31: a plain 5-digit number is one of them.
_SERIAL_RANGE = (36526, 73415)


class DateWidget(widgets.Widget):
    """A date cell, or 2025/6/30, 2025-06-30, 2025.6.30, 2025年6月30日, 20250630, an Excel
    date number, or a month alone (2025年6月: the first day, or the last for a finish)."""

    def __init__(self, month_end: bool = False):
        super().__init__()
        self.month_end = month_end

    def clean(self, value, row=None, **kwargs) -> datetime.date | None:
        if _blank(value):
            return None
        try:
            date = self._parse(value)
        except (ValueError, OverflowError, TypeError):
            date = None
        if date is None or not 2000 <= date.year <= 2100:
            raise ValueError(
                _("expected a date such as 2025/6/30, 2025-06-30, 2025年6月 or an Excel date")
            )
        return date

    def _parse(self, value) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = value if isinstance(value, str) else _half_width(value)
        if re.fullmatch(r"\d{5}(\.0+)?", text):
            serial = int(float(text))
            return (
                from_excel(serial).date()
                if _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]
                else None
            )
        match = _FULL_DATE.match(text) or _COMPACT_DATE.match(text)
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        match = _MONTH.match(text)
        if match:
            year, month = int(match[1]), int(match[2])
            at_end = match[3] in ("底", "末") or (self.month_end and match[3] != "初")
            day = calendar.monthrange(year, month)[1] if at_end else 1
            return datetime.date(year, month, day)
        return None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class CategoryWidget(widgets.Widget):
    """A category by its label (Chinese or English) or its code; empty means "other"."""

    def _choices(self) -> dict:
        choices = {}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                choices.update({_fold(label): value for value, label in Category.choices})
        choices.update({_fold(value): value for value in Category.values})
        choices[_fold("其它")] = Category.OTHER
        return choices

    def clean(self, value, row=None, **kwargs) -> str:
        if _blank(value):
            return Category.OTHER
        if not hasattr(self, "_cache"):
            self._cache = self._choices()
        category = self._cache.get(_fold(value))
        if category is None:
            raise ValueError(
                _("expected one of: %(choices)s")
                % {"choices": "、".join(str(label) for label in Category.labels)}
            )
        return category

    def render(self, value, obj=None, **kwargs):
        return str(Category(value).label) if value else ""


# --- What the file's rows refer to, loaded before the first row -----------------------------


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
        if _blank(value):
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
        self.errors[row[ROW]].setdefault(HEADER[key], []).append(self.problem(row, key, problem))

    def _year(self, row: dict) -> int | None:
        text = row[HEADER["year"]]
        if not text:
            return self.year
        return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else None

    def kind(self, row: dict) -> str | None:
        text = row[HEADER["kind"]]
        return _KINDS.get(_fold(text)) if text else PROJECT

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
        """Create the new lists (with their history) before the items that point at them."""
        unsaved = [pledge_list for pledge_list in self.new_lists.values() if pledge_list.pk is None]
        if unsaved:
            bulk_create_with_history(
                unsaved,
                PledgeList,
                batch_size=1000,
                default_user=user,
                default_change_reason=reason,
            )


class _ContextLoader(BaseInstanceLoader):
    """Existing items from the context: no query per row."""

    def get_instance(self, row):
        key = self.resource.context.keys.get(row[ROW])
        return self.resource.context.existing(*key) if key else None


# --- One resource per model -------------------------------------------------------------------


def _history_reason() -> str:
    return _("Imported from Excel")


class WriteConflict(Exception):
    """The rows passed every check, but the database refused a write: most likely someone
    else added the same list or item at the same moment."""


def _write_error(error: Exception) -> Exception:
    if isinstance(error, IntegrityError):
        logger.warning("import write refused: %s", error)
        return WriteConflict(
            _(
                "These lists were changed by someone else during the import; nothing was "
                "imported. Upload the file again to see the changes."
            )
        )
    return error


class _ItemResource(resources.ModelResource):
    """What projects and prohibitions share: the natural key, bulk writes with history, the
    comparison with the loaded item (unchanged rows are skipped), the row's checks."""

    village_code = fields.Field(column_name=HEADER["village_code"], readonly=True)
    village_name = fields.Field(column_name=HEADER["village_name"], readonly=True)
    year = fields.Field(column_name=HEADER["year"], readonly=True)
    kind = fields.Field(column_name=HEADER["kind"], readonly=True)
    number = fields.Field(attribute="number", column_name=HEADER["number"], widget=NumberWidget())

    KIND = ""
    # Resource field name → model attribute, for the fields a row writes.
    WRITES: dict = {}

    def __init__(self, *, context: _Context | None = None, user=None, **kwargs):
        super().__init__(**kwargs)
        self.context = context
        self.user = user
        self.last_changes = None  # (field, before, after) of the last row, for the preview

    def get_queryset(self):
        return super().get_queryset().select_related("pledge_list__village")

    # Export
    def dehydrate_village_code(self, item) -> str:
        return item.pledge_list.village.code

    def dehydrate_village_name(self, item) -> str:
        return item.pledge_list.village.name

    def dehydrate_year(self, item) -> int:
        return item.pledge_list.year

    def dehydrate_kind(self, item) -> str:
        return KIND_LABELS[self.KIND]

    # Import
    def init_instance(self, row=None):
        key = self.context.keys.get(row[ROW])
        if key is None:  # the row is in error already; it is checked but never saved
            return self._meta.model()
        _kind, village, year, _number = key
        return self._meta.model(pledge_list=self.context.pledge_list_for(village, year))

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new:
            instance._import_original = {
                attribute: getattr(instance, attribute) for attribute in self.WRITES.values()
            }

    def import_instance(self, instance, row, **kwargs):
        """Set the fields, collecting every cell's problem (not only the first) together
        with the whole-file checks of this row."""
        errors = {
            column: list(messages)
            for column, messages in self.context.errors.get(row[ROW], {}).items()
        }
        for name in self.WRITES:
            field = self.fields[name]
            if field.column_name in errors:
                continue
            try:
                field.save(instance, row, **kwargs)
            except ValueError as error:
                errors[field.column_name] = [self.context.problem(row, name, str(error))]
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged when every written field equals what was loaded (Decimal("30") equals
        Decimal("30.00")); the changed ones are kept for the preview."""
        if import_validation_errors:
            return False
        before = getattr(instance, "_import_original", None)
        if before is None:
            instance._import_changed = list(self.WRITES)
            return False
        self.last_changes = [
            (name, before[attribute], getattr(instance, attribute))
            for name, attribute in self.WRITES.items()
            if getattr(instance, attribute) != before[attribute]
        ]
        instance._import_changed = [name for name, _before, _after in self.last_changes]
        return not self.last_changes

    def row_problems(self, instance, row) -> dict:
        """Checks of the whole row once its cells are read (see validate_instance)."""
        errors = {}
        if not getattr(instance, self.WRITES["title"]):
            errors["title"] = _("give the title of the project or prohibition")
        pledge_list = getattr(instance, "pledge_list", None)
        if pledge_list is not None and pledge_list.pk and not pledge_list.is_editable:
            changed = getattr(instance, "_import_changed", None) or ["title"]
            if pledge_list.is_public:
                problem = _(
                    "the %(village)s list for %(year)s is published: changes need a change "
                    "request (on the project's page)"
                )
            else:
                problem = _(
                    "the %(village)s list for %(year)s is %(status)s: it can no longer be "
                    "changed by import"
                )
            errors.setdefault(
                changed[0],
                problem
                % {
                    "village": pledge_list.village.name,
                    "year": pledge_list.year,
                    "status": pledge_list.get_status_display(),
                },
            )
        return errors

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if not errors:
            row = self._row
            for name, problem in self.row_problems(instance, row).items():
                errors.setdefault(HEADER[name], []).append(self.context.problem(row, name, problem))
        if errors:
            raise ValidationError(errors)

    def before_import_row(self, row, **kwargs):
        self._row = row

    # Bulk writes, with their history rows (bulk writes send no signals).
    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and not dry_run:
            try:
                bulk_create_with_history(
                    self.create_instances,
                    self._meta.model,
                    batch_size=self._meta.batch_size,
                    default_user=self.user,
                    default_change_reason=_history_reason(),
                )
            except Exception as error:
                self.handle_import_error(result, _write_error(error), raise_errors)
        self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.update_instances and not dry_run:
            now = timezone.now()
            for instance in self.update_instances:
                instance.modified = now  # auto_now does not run in bulk_update
            try:
                bulk_update_with_history(
                    self.update_instances,
                    self._meta.model,
                    [*self.WRITES.values(), "modified"],
                    batch_size=self._meta.batch_size,
                    default_user=self.user,
                    default_change_reason=_history_reason(),
                )
            except Exception as error:
                self.handle_import_error(result, _write_error(error), raise_errors)
        self.update_instances.clear()

    class Meta:
        use_bulk = True
        batch_size = 1000
        skip_unchanged = True
        # We compare with the loaded values ourselves (skip_row): no deep copy per row.
        skip_diff = True
        instance_loader_class = _ContextLoader
        import_id_fields = ["village_code", "year", "kind", "number"]


class ProjectResource(_ItemResource):
    title = fields.Field(attribute="title", column_name=HEADER["title"], widget=TextWidget(100))
    category = fields.Field(
        attribute="category", column_name=HEADER["category"], widget=CategoryWidget()
    )
    lead_name = fields.Field(
        attribute="lead_name", column_name=HEADER["lead_name"], widget=TextWidget(30)
    )
    target_quantity = fields.Field(
        attribute="target_quantity", column_name=HEADER["target_quantity"], widget=AmountWidget()
    )
    unit = fields.Field(attribute="unit", column_name=HEADER["unit"], widget=TextWidget(10))
    budget = fields.Field(attribute="budget", column_name=HEADER["budget"], widget=AmountWidget())
    planned_start = fields.Field(
        attribute="planned_start", column_name=HEADER["planned_start"], widget=DateWidget()
    )
    planned_finish = fields.Field(
        attribute="planned_finish",
        column_name=HEADER["planned_finish"],
        widget=DateWidget(month_end=True),
    )
    description = fields.Field(
        attribute="description", column_name=HEADER["description"], widget=TextWidget()
    )

    KIND = PROJECT
    WRITES = {key: key for key, _header in COLUMNS[4:]}

    def row_problems(self, instance, row) -> dict:
        errors = super().row_problems(instance, row)
        if instance.target_quantity is not None and not instance.unit:
            errors.setdefault("unit", _("give the unit of the target quantity (盏, 米, 亩 …)"))
        start, finish = instance.planned_start, instance.planned_finish
        if start and finish and finish < start:
            errors.setdefault("planned_finish", _("the planned finish is before the planned start"))
        return errors

    class Meta(_ItemResource.Meta):
        model = Project
        fields = [key for key, _header in COLUMNS]


class ProhibitionResource(_ItemResource):
    title = fields.Field(attribute="text", column_name=HEADER["title"], widget=TextWidget(200))

    KIND = PROHIBITION
    WRITES = {"number": "number", "title": "text"}

    def import_instance(self, instance, row, **kwargs):
        for key in PROJECT_ONLY:
            if not _blank(row.get(HEADER[key])):
                self.context.errors[row[ROW]].setdefault(HEADER[key], []).append(
                    self.context.problem(
                        row,
                        key,
                        _("a prohibition has no %(column)s; leave it empty")
                        % {"column": HEADER[key]},
                    )
                )
        super().import_instance(instance, row, **kwargs)

    class Meta(_ItemResource.Meta):
        model = Prohibition
        fields = ["village_code", "village_name", "year", "kind", "number", "title"]


# --- The template's rows: projects and prohibitions in one sheet -----------------------------


class PledgeItemResource(resources.Resource):
    """A row of the template is one project or prohibition of a village's list for a year;
    this reads the sheet and hands each row to `ProjectResource` or `ProhibitionResource`.

    Always all or nothing: one transaction, rolled back on any error, validation errors
    included. Arguments: `user` (recorded in history), `year` (see `_Context`), `places`
    (where the importer may write; None: everywhere), `on_progress(done, total)`."""

    village_code = fields.Field(column_name=HEADER["village_code"])
    village_name = fields.Field(column_name=HEADER["village_name"])
    year = fields.Field(column_name=HEADER["year"])
    kind = fields.Field(column_name=HEADER["kind"])
    number = fields.Field(column_name=HEADER["number"])
    title = fields.Field(column_name=HEADER["title"])
    category = fields.Field(column_name=HEADER["category"])
    lead_name = fields.Field(column_name=HEADER["lead_name"])
    target_quantity = fields.Field(column_name=HEADER["target_quantity"])
    unit = fields.Field(column_name=HEADER["unit"])
    budget = fields.Field(column_name=HEADER["budget"])
    planned_start = fields.Field(column_name=HEADER["planned_start"])
    planned_finish = fields.Field(column_name=HEADER["planned_finish"])
    description = fields.Field(column_name=HEADER["description"])

    PROGRESS_EVERY = 250

    class Meta:
        use_bulk = True  # the children collect the rows; they are written at the end
        instance_loader_class = _ContextLoader
        import_id_fields = ["village_code", "number"]

    def __init__(self, *, user=None, year=None, places=None, on_progress=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user if getattr(user, "pk", None) else None
        self.year = year
        self.places = places
        self.on_progress = on_progress
        self.context = None

    @classmethod
    def get_display_name(cls):
        return _("pledge lists (projects and prohibitions)")

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def before_import(self, dataset, **kwargs):
        if ROW not in (dataset.headers or []):
            # From the admin: a Dataset of the raw sheet, its first row taken as the header.
            normalised = normalise_rows([dataset.headers or [], *dataset])
            dataset.wipe()
            dataset.headers = normalised.headers
            for row in normalised:
                dataset.append(row)
        self.context = _Context(dataset, year=self.year, places=self.places)
        options = {"context": self.context, "user": self.user}
        self.children = {
            PROJECT: ProjectResource(**options),
            PROHIBITION: ProhibitionResource(**options),
        }
        self.loaders = {kind: _ContextLoader(child) for kind, child in self.children.items()}
        self.total = len(dataset)

    def import_row(self, row, instance_loader, **kwargs):
        kind = self.context.kind(row) or PROJECT
        child = self.children[kind]
        child.last_changes = None
        row_result = child.import_row(row, self.loaders[kind], **kwargs)
        row_result.kind = kind
        row_result.sheet_row = row[ROW]
        row_result.changes = child.last_changes
        key = self.context.keys.get(row[ROW])
        row_result.village_name = key[1].name if key else ""
        row_result.diff = [row.get(column) for _key, column in COLUMNS]  # for the admin's preview
        done = kwargs.get("row_number", 0)
        if self.on_progress and done % self.PROGRESS_EVERY == 0:
            self.on_progress(done, self.total)
        return row_result

    # The children wrote nothing yet: lists first, then the items, once every row passed.
    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run or result.has_validation_errors() or result.has_errors():
            for child in self.children.values():
                child.create_instances.clear()
            return
        try:
            self.context.save_new_lists(user=self.user, reason=_history_reason())
        except Exception as error:
            self.handle_import_error(result, _write_error(error), raise_errors)
            return
        for child in self.children.values():
            child.bulk_create(using_transactions, dry_run, raise_errors, result=result)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        failed = dry_run or result.has_validation_errors() or result.has_errors()
        for child in self.children.values():
            if failed:
                child.update_instances.clear()
            else:
                child.bulk_update(using_transactions, dry_run, raise_errors, result=result)

    def bulk_delete(self, using_transactions, dry_run, raise_errors, result=None):
        pass  # an import never deletes

    def after_import(self, dataset, result, **kwargs):
        if self.on_progress:
            self.on_progress(self.total, self.total)
        failed = result.has_errors() or result.has_validation_errors()
        if not (kwargs.get("dry_run") or failed) and self.context.touched_village_ids:
            from . import open_data

            open_data.villages_changed(list(self.context.touched_village_ids))

    # Export: the lists' projects, then their prohibitions, village by village.
    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        """`queryset`: PledgeLists. Two queries (projects, prohibitions), whatever the size."""
        lists = list(queryset.select_related("village").order_by("village__code", "year"))
        rows = defaultdict(list)
        for resource in (ProjectResource(), ProhibitionResource()):
            items = resource.get_queryset().filter(pledge_list__in=[pl.pk for pl in lists])
            headers = resource.get_export_headers()
            for item in items.order_by("number"):
                values = dict(zip(headers, resource.export_resource(item), strict=True))
                rows[item.pledge_list_id].append(
                    [values.get(header, "") for _key, header in COLUMNS]
                    + [item.pledge_list.get_status_display()]
                )
        dataset = tablib.Dataset(headers=[header for _key, header in COLUMNS] + [STATUS_HEADER])
        for pledge_list in lists:
            for row in rows[pledge_list.pk]:
                dataset.append(row)
        return dataset


# --- Export-only resources ------------------------------------------------------------------


class ProgressResource(resources.ModelResource):
    """Where every project stands: for meetings and the monthly report (一月一汇报)."""

    village_code = fields.Field(column_name="村(社区)代码")
    village_name = fields.Field(column_name="村(社区)名称")
    year = fields.Field(column_name="年度")
    number = fields.Field(attribute="number", column_name="序号")
    title = fields.Field(attribute="title", column_name="名称")
    category = fields.Field(attribute="category", column_name="类别", widget=CategoryWidget())
    lead_name = fields.Field(attribute="lead_name", column_name="领办人")
    status = fields.Field(column_name="状态")
    percent_done = fields.Field(attribute="percent_done", column_name="完成百分比")
    target_quantity = fields.Field(
        attribute="target_quantity", column_name="目标数量", widget=AmountWidget()
    )
    quantity_done = fields.Field(
        attribute="quantity_done", column_name="已完成数量", widget=AmountWidget()
    )
    unit = fields.Field(attribute="unit", column_name="单位")
    planned_finish = fields.Field(
        attribute="planned_finish", column_name="计划完成", widget=DateWidget()
    )
    is_overdue = fields.Field(column_name="逾期")
    verified_at = fields.Field(column_name="验收销号时间")

    class Meta:
        model = Project
        fields = [
            "village_code",
            "village_name",
            "year",
            "number",
            "title",
            "category",
            "lead_name",
            "status",
            "percent_done",
            "target_quantity",
            "quantity_done",
            "unit",
            "planned_finish",
            "is_overdue",
            "verified_at",
        ]

    def dehydrate_village_code(self, project) -> str:
        return project.pledge_list.village.code

    def dehydrate_village_name(self, project) -> str:
        return project.pledge_list.village.name

    def dehydrate_year(self, project) -> int:
        return project.pledge_list.year

    def dehydrate_status(self, project) -> str:
        return str(project.get_status_display())

    def dehydrate_is_overdue(self, project) -> str:
        return _("yes") if project.is_overdue else ""

    def dehydrate_verified_at(self, project):
        return timezone.localtime(project.verified_at).date() if project.verified_at else ""


class SuggestionResource(resources.ModelResource):
    """Residents' suggestions. Name and phone only with `private=True` (the village's
    committee and its township); otherwise the columns are left out."""

    village_code = fields.Field(column_name="村(社区)代码")
    village_name = fields.Field(column_name="村(社区)名称")
    receipt_code = fields.Field(attribute="receipt_code", column_name="回执码")
    received = fields.Field(attribute="received", column_name="收到日期", widget=DateWidget())
    channel = fields.Field(column_name="渠道")
    category = fields.Field(attribute="category", column_name="类别", widget=CategoryWidget())
    text = fields.Field(column_name="内容")
    name = fields.Field(attribute="name", column_name="姓名")
    phone = fields.Field(attribute="phone", column_name="电话")
    status = fields.Field(column_name="状态")
    reply = fields.Field(attribute="reply", column_name="答复")
    replied_at = fields.Field(column_name="答复时间")

    PRIVATE = ("name", "phone")

    class Meta:
        model = Suggestion
        fields = [
            "village_code",
            "village_name",
            "receipt_code",
            "received",
            "channel",
            "category",
            "text",
            "name",
            "phone",
            "status",
            "reply",
            "replied_at",
        ]

    def __init__(self, *, private: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not private:
            for name in self.PRIVATE:
                del self.fields[name]

    def get_export_order(self):
        return tuple(name for name in super().get_export_order() if name in self.fields)

    def dehydrate_village_code(self, suggestion) -> str:
        return suggestion.village.code

    def dehydrate_village_name(self, suggestion) -> str:
        return suggestion.village.name

    def dehydrate_channel(self, suggestion) -> str:
        return str(suggestion.get_channel_display())

    def dehydrate_status(self, suggestion) -> str:
        return str(suggestion.get_status_display())

    def dehydrate_text(self, suggestion) -> str:
        # Hidden from the public for a reason; the export says so rather than repeat it.
        return _("(hidden)") if suggestion.is_hidden else suggestion.text

    def dehydrate_replied_at(self, suggestion):
        return timezone.localtime(suggestion.replied_at).date() if suggestion.replied_at else ""


# --- Scope: whose rows an export may hold ---------------------------------------------------


def visible_villages(user, *, for_suggestions: bool = False):
    """A filter on Village: the places the user has a role in, so an export's query holds
    nothing else. Suggestions are not the reviewers' to see."""
    scope = Membership.objects.scope_for(user)
    query = (
        Q(township__district_id__in=scope.district_ids)
        | Q(township_id__in=scope.township_ids)
        | Q(id__in=scope.committee_village_ids)
    )
    if not for_suggestions:
        query |= Q(id__in=scope.reviewer_village_ids)
    return query
