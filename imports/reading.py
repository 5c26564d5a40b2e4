"""Reading the files people really have: which sheet holds the list (the visible one),
where its header is (one row, or two with merged cells), and every cell cleaned into the
template's columns (`normalise_rows`) before a resource sees it: a title row above the
header, Traditional characters in the headers, full-width digits, dates as 2025年6月,
2025/6/30 or an Excel date number, "30盏" in the quantity cell, blank rows at the end.
Anything that makes the whole file unreadable is a `FileProblem`; so is a file that would
take minutes or hundreds of MB to read (see xlsx.py).
"""

import contextlib
import datetime
import itertools
import logging
import re
import unicodedata
from typing import NamedTuple

import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from lib.spreadsheets import FORMULA_START

from .xlsx import NO_VALUE, FileProblem, Sheet, Workbook, unreadable, unzipped_size

# --- The columns of the template ------------------------------------------------------------

ROW = "__row__"  # the row's number in the sheet, carried through for error messages
FORMULAS = "__formulas__"  # the keys of the row's cells that hold a formula but no value
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

# Other names the same columns go by (compared after `fold`: Simplified, no spaces, half-width).
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


def fold(text) -> str:
    """Header or label text as compared: half-width (NFKC), Simplified, no spaces or
    required-field marks, lower case."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_TRADITIONAL_TABLE)
    return re.sub(r"\s+|\*|\(必填\)|\(选填\)", "", text).lower()


HEADER_KEYS = {
    fold(name): key
    for key, header in COLUMNS
    for name in (header, key, key.replace("_", ""), *ALIASES.get(key, ()))
}

KIND_ALIASES = {
    PROJECT: ["民生实事", "实事", "项目", "民生项目", "十件民生实事", "正面清单", "project"],
    PROHIBITION: ["不准事项", "不准", "禁止事项", "负面清单", "五个不准", "prohibition"],
}
KINDS = {fold(name): kind for kind, names in KIND_ALIASES.items() for name in names}


logger = logging.getLogger(__name__)


# --- Reading the files people really have ---------------------------------------------------


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
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


def half_width(value) -> str:
    """Digits and codes: full-width digits (１２) become ASCII, spaces and commas go."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", cell_text(value))
    return re.sub(r"[\s,]", "", text)


_QUANTITY_AND_UNIT = re.compile(r"^([+-]?\d+(?:\.\d+)?)([^\d.].*)$")


def clean_row(values: dict) -> dict:
    row = {key: cell_text(values.get(key)) for key in HEADER}
    for key in ("village_code", "year", "number", "target_quantity", "budget"):
        row[key] = half_width(values.get(key))
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
        row[key] = value if is_cell_value else half_width(value)
    return row


# --- The header: one row, or two with merged cells -----------------------------------------


class Header(NamedTuple):
    index: int  # the header's (last) row among the rows searched, from 0
    keys: list  # each column's template key, or None for a column the import ignores
    rows: int = 1  # 2: column names over two rows (计划时间 merged over 开始 / 完成)


def _key(cell) -> str | None:
    return HEADER_KEYS.get(fold(cell)) if not is_blank(cell) else None


def _sub_heading_key(above, below: str) -> str | None:
    """The column a sub-heading names under the heading of its merged cell: 村(社区) over
    代码, 计划时间 over 开始 (计划开始), 预算 over 万元 (预算(万元)), 目标任务 over 数量."""
    names = [below]
    if not is_blank(above):
        above = fold(above)
        stem = re.sub(r"(时间|日期)$", "", above)
        names = [
            above + below,
            f"{above}({below})",
            stem + below,
            below + above[len(stem) :],
            below,
        ]
    return next((HEADER_KEYS[fold(name)] for name in names if fold(name) in HEADER_KEYS), None)


def _two_row_keys(top, bottom) -> list | None:
    """The keys of a header written over two rows, or None when `bottom` is not its second
    row. It is when it holds only texts, at least one of them under a blank top cell (the
    rest of a merged heading), and each one under a blank or unknown heading or naming a
    column together with the heading above it. (A data row has a value under a known
    heading that names no column: the code under 村(社区)代码, for one.)"""
    if not any(_key(cell) for cell in top):
        return None
    below = [cell for cell in bottom if not is_blank(cell)]
    if not below or not all(isinstance(cell, str) for cell in below):
        return None
    keys, above, is_merged = [], None, False
    for index in range(max(len(top), len(bottom))):
        upper = top[index] if index < len(top) else None
        lower = bottom[index] if index < len(bottom) else None
        if not is_blank(upper):
            above = upper  # a merged heading stands over the blank cells to its right
        if is_blank(lower):
            keys.append(_key(upper))
            continue
        is_merged = is_merged or is_blank(upper)
        key = _sub_heading_key(above, lower)
        if key is None and _key(upper) is not None:
            return None
        keys.append(key)
    return keys if is_merged else None


def find_header(first_rows: list) -> Header:
    """The first row (or pair of rows) among `first_rows` that names at least the village
    code and the title columns."""
    for index, cells in enumerate(first_rows):
        if index + 1 < len(first_rows):
            keys = _two_row_keys(cells, first_rows[index + 1])
            if keys is not None and {"village_code", "title"} <= set(keys):
                return Header(index + 1, keys, rows=2)
        keys = [_key(cell) for cell in cells]
        if {"village_code", "title"} <= set(keys):
            return Header(index, keys)
    raise FileProblem(
        _(
            "No header row found: one of the first rows must name the columns, such as "
            "村(社区)代码, 序号 and 名称. Start from the template."
        )
    )


def _check_header(header: Header, row: int) -> None:
    """Each column once, the required ones there. `row`: the header's (last) row."""
    seen = set()
    for key in header.keys:
        if key and key in seen:
            if header.rows == 2:
                raise FileProblem(
                    _(
                        "Rows %(first)s and %(second)s together are the header (column names "
                        "over two rows, with merged cells), and read together they name "
                        "“%(column)s” twice. Write the header in one row, one name per "
                        "column as in the template (such as 计划开始 and 计划完成), and "
                        "delete the other row."
                    )
                    % {"first": row - 1, "second": row, "column": HEADER[key]}
                )
            raise FileProblem(
                _("Row %(row)s: two columns are both “%(column)s”; keep one.")
                % {"row": row, "column": HEADER[key]}
            )
        seen.add(key)
    missing = [HEADER[key] for key in REQUIRED if key not in seen]
    if missing:
        raise FileProblem(
            _("The sheet has no column %(columns)s. Start from the template.")
            % {"columns": "、".join(missing)}
        )


HEADER_SEARCH_ROWS = 10


def normalise_rows(raw_rows, first_row_number: int = 1) -> tablib.Dataset:
    """The sheet's rows (tuples of cell values, from the first row) → a Dataset with the
    template's headers, a `__row__` column with each row's number in the sheet, a
    `__formulas__` column naming the cells that hold a formula but no value (see
    `NO_VALUE`), blank rows left out and every cell cleaned (see `clean_row`)."""
    raw_rows = iter(raw_rows)
    first = list(itertools.islice(raw_rows, HEADER_SEARCH_ROWS))
    header = find_header(first)
    _check_header(header, first_row_number + header.index)
    positions = [(key, index) for index, key in enumerate(header.keys) if key]
    read = {index for _key, index in positions}
    dataset = tablib.Dataset(headers=[ROW, *(name for _key, name in COLUMNS), FORMULAS])
    limit = settings.PLEDGE_IMPORT_MAX_ROWS
    rows = itertools.chain(first[header.index + 1 :], raw_rows)
    for number, cells in enumerate(rows, start=first_row_number + header.index + 1):
        # Blank rows, at the end or in between, are left out; so are formulas without a
        # value in the columns the import does not read (a 合计 column never calculated).
        if all(
            is_blank(cell) or (cell is NO_VALUE and index not in read)
            for index, cell in enumerate(cells)
        ):
            continue
        values = {key: cells[index] if index < len(cells) else None for key, index in positions}
        formulas = [key for key, value in values.items() if value is NO_VALUE]
        row = clean_row({key: None if key in formulas else value for key, value in values.items()})
        dataset.append([number, *(row[key] for key, _header in COLUMNS), ",".join(formulas)])
        if len(dataset) > limit:
            raise FileProblem(
                _("The file has more than %(limit)s rows; split it and import the parts.")
                % {"limit": limit}
            )
    return dataset


# --- Reading an upload ----------------------------------------------------------------------


def check_upload(upload) -> int:
    """Refuse before reading: too large, not an .xlsx (a zip file) at all, or unpacking to
    too much. Returns the unzipped size."""
    limit = settings.PLEDGE_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise FileProblem(
            _("The file is %(size)s; files up to %(limit)s can be imported.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    magic = upload.read(4)
    upload.seek(0)
    if not upload.name.lower().endswith(".xlsx") or magic != b"PK\x03\x04":
        raise FileProblem(
            _(
                "This is not an Excel .xlsx file. Open it in Excel or WPS, save it as "
                "“Excel workbook (*.xlsx)” and upload that."
            )
        )
    return unzipped_size(upload)


def _open_workbook(file) -> Workbook:
    unzipped_size(file)
    try:
        return Workbook(file)
    except Exception as error:  # noqa: BLE001 (openpyxl raises anything on a damaged file)
        logger.info("unreadable xlsx: %r", error)
        raise FileProblem(unreadable()) from None


def _data_sheet(workbook: Workbook) -> tuple[Sheet, Header]:
    """The visible sheet with the template's header in its first rows (a notes or cover
    sheet beside it does not matter; a hidden sheet, often a stale copy, is never read).
    Two visible sheets with the header: which one is meant is the user's to say."""
    visible = sorted(
        (sheet for sheet in workbook.sheets if sheet.is_visible),
        key=lambda sheet: not sheet.is_active,  # the active sheet's problem is the one told
    )
    found, problem = [], None
    for sheet in visible:
        with contextlib.closing(workbook.rows(sheet)) as rows:
            first = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        try:
            found.append((sheet, find_header(first)))
        except FileProblem as error:
            problem = problem or error
    if len(found) > 1:
        names = [sheet.name for sheet in workbook.sheets if sheet in {s for s, _h in found}]
        raise FileProblem(
            _(
                "The workbook has %(count)s sheets that look like the list: %(sheets)s; keep "
                "one (delete the others or move them to another file)."
            )
            % {"count": len(names), "sheets": "、".join(names)}
        )
    if found:
        return found[0]
    raise problem or FileProblem(_("The workbook has no visible sheet."))


def count_rows(file) -> int | None:
    """Data rows below the header, from the sheet's stated size: cheap, for choosing between
    the request and the worker (blank rows at the end are counted too). None when the sheet
    does not state its size."""
    workbook = _open_workbook(file)
    try:
        sheet, header = _data_sheet(workbook)
        last = workbook.stated_rows(sheet)
    finally:
        workbook.close()
    return None if last is None else max(last - header.index - 1, 0)


def read_upload(file) -> tablib.Dataset:
    """The data sheet as a clean Dataset with the template's headers and each row's number
    in the sheet (see `normalise_rows`)."""
    workbook = _open_workbook(file)
    try:
        sheet, _header = _data_sheet(workbook)
        limit = settings.PLEDGE_IMPORT_MAX_ROWS + HEADER_SEARCH_ROWS + 1  # and the header
        with contextlib.closing(workbook.rows(sheet, limit=limit)) as rows:
            dataset = normalise_rows(rows, first_row_number=1)
    finally:
        workbook.close()
    if not len(dataset):
        raise FileProblem(_("The sheet has a header but no rows to import."))
    return dataset
