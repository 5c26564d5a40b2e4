"""Reading the files people really have: which sheet holds the list (the visible one),
where its header is (one row, or two with merged cells), and every cell cleaned into the
template's columns (`normalise_rows`) before a resource sees it: a title row above the
header, Traditional characters in the headers, full-width digits, dates as 2025年6月,
2025/6/30 or an Excel date number, "30盏" in the quantity cell, blank rows at the end.
Anything that makes the whole file unreadable is a `FileProblem`; so is a file that would
take minutes or hundreds of MB to read (see "Opening the workbook").
"""

import contextlib
import datetime
import itertools
import logging
import re
import unicodedata
import zipfile
from typing import NamedTuple

import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from lib.spreadsheets import FORMULA_START

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


class FileProblem(ValueError):
    """The file as a whole cannot be read (not xlsx, no header, a column missing...)."""


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


# --- Opening the workbook --------------------------------------------------------------------
# openpyxl's load_workbook(read_only=True) reads a sheet that does not state its size (no
# <dimension>) through once just to find it, keeping a trace of every row it passed, and
# reads a formula cell whose result the file does not hold as empty. So we take its parts
# (the shared strings, the styles, the list of sheets, its cell parser) and read the one
# sheet once, an element at a time, dropping what was read: memory stays flat whatever the
# file holds. The zip directory is checked first: nothing is unpacked beyond what it states.

MAX_COLUMN = 16384  # XFD, Excel's last column
# openpyxl reads the other XML parts (the workbook, its styles…) whole, as trees that take
# about ten times their size: Excel's own limits keep them far below this.
_WHOLE_PART_BYTES = 16 * 1024 * 1024
_MAX_CELL_ELEMENTS = 10_000  # rich-text runs and their fonts in one cell or shared string
_MAIN = f"{{{SHEET_MAIN_NS}}}"
_CELL, _ROW, _SHEET_DATA, _DIMENSION, _FORMULA, _STRING = (
    _MAIN + tag for tag in ("c", "row", "sheetData", "dimension", "f", "si")
)


class _NoValue:
    """A cell holding a formula whose result the file does not hold: written by a program
    and never opened in Excel or WPS, which would have saved the result with it."""

    def __repr__(self) -> str:
        return "<formula without a value>"


NO_VALUE = _NoValue()


def _unreadable() -> str:
    return _(
        "This file cannot be read. Save it again as .xlsx from Excel or WPS and upload it again."
    )


def unzipped_size(file) -> int:
    """What the file's parts take unpacked, as its zip directory states (nothing is
    unpacked to know it; a part that unpacks to more than stated cannot be read either).
    Refuses a file beyond PLEDGE_IMPORT_MAX_UNZIPPED_BYTES: a small file of a few hundred
    KB can unpack to hundreds of MB."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except Exception as error:  # noqa: BLE001 (any damage: the same answer)
        logger.info("unreadable xlsx: %r", error)
        raise FileProblem(_unreadable()) from None
    finally:
        file.seek(0)
    limit = settings.PLEDGE_IMPORT_MAX_UNZIPPED_BYTES
    if size > limit:
        raise FileProblem(
            _(
                "The file unpacks to %(size)s (an .xlsx file is compressed); files up to "
                "%(limit)s unpacked can be imported. Delete the empty rows and the "
                "formatting below the data, or split the file and import the parts."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    return size


def _elements(source, tags: frozenset, whole: frozenset):
    """The elements of an XML part whose tag is in `tags`, each as it ends; the elements
    whose tag is in `whole` keep their content until then. Everything else is dropped as
    soon as it is read, so memory stays flat however large the part."""
    parents = []
    inside = kept = 0  # open `whole` elements; elements inside the current one
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            parents.append(element)
            if element.tag in whole:
                inside, kept = inside + 1, 0
            elif inside:
                kept += 1
                if kept > _MAX_CELL_ELEMENTS:
                    raise ValueError("too many elements inside one cell")
            continue
        parents.pop()
        if element.tag in whole:
            inside -= 1
        elif inside:
            continue  # read with the cell or string it belongs to
        if element.tag in tags:
            yield element
        if parents:
            parents[-1].remove(element)  # the only child left: removing it costs nothing


class _Sheet(NamedTuple):
    name: str
    path: str
    is_visible: bool
    is_active: bool


class _Workbook:
    """An .xlsx opened for reading the values of one sheet, once (see the banner)."""

    def __init__(self, file):
        # keep_links=False: the cached copies of other workbooks that links carry are not read.
        reader = ExcelReader(file, read_only=True, data_only=True, keep_links=False)
        self.archive = reader.archive
        try:
            for info in self.archive.infolist():
                if info.file_size > _WHOLE_PART_BYTES and not _is_streamed(info.filename):
                    raise ValueError(f"{info.filename} is too large to be read whole")
            reader.read_manifest()
            reader.read_workbook()
            workbook = reader.wb
            apply_stylesheet(reader.archive, workbook)
            self.epoch = workbook.epoch
            self.date_formats = workbook._date_formats
            self.timedelta_formats = workbook._timedelta_formats
            self.strings = self._shared_strings(reader.package.find(SHARED_STRINGS))
            self.sheets = []
            active = workbook._active_sheet_index
            for index, sheet in enumerate(reader.parser.sheets):
                rel = reader.parser.rels[sheet.id]  # KeyError: a sheet the file lost
                if rel.Type.endswith("/worksheet"):  # not a chart sheet
                    reader.archive.getinfo(rel.target)  # KeyError: its part is missing
                    visible = sheet.state in (None, "visible")
                    self.sheets.append(_Sheet(sheet.name, rel.target, visible, index == active))
        except BaseException:
            self.archive.close()
            raise

    def _shared_strings(self, part) -> list[str]:
        if part is None:
            return []
        with self.archive.open(part.PartName[1:]) as source:
            return [
                Text.from_tree(element).content.replace("x005F_", "")
                for element in _elements(source, frozenset([_STRING]), frozenset([_STRING]))
            ]

    def close(self) -> None:
        self.archive.close()

    def stated_rows(self, sheet: _Sheet) -> int | None:
        """The last row as the sheet states it (<dimension>, before the rows); None when
        it does not."""
        with self.archive.open(sheet.path) as source:
            for _event, element in iterparse(source, events=("start",)):
                if element.tag == _DIMENSION:
                    try:
                        return range_boundaries(element.get("ref", ""))[3]
                    except (ValueError, TypeError):
                        return None
                if element.tag == _SHEET_DATA:
                    return None
        return None

    def rows(self, sheet: _Sheet, *, limit: int | None = None):
        """The sheet's rows from the first, as tuples of values (empty rows as ()), dates
        as dates, NO_VALUE for a formula without a value. With a `limit`, stops with a
        FileProblem at the first row past it, before reading on: a sheet can hold a
        million empty rows, or one row numbered 1048576."""
        parser = WorkSheetParser(
            None,
            self.strings,
            data_only=True,
            epoch=self.epoch,
            date_formats=self.date_formats,
            timedelta_formats=self.timedelta_formats,
        )
        values, expected = {}, 1  # the row being read: column → value; its number
        reference = None  # the cell being read, as its r="…" names it (for messages)
        try:
            with self.archive.open(sheet.path) as source:
                for element in _elements(source, frozenset([_CELL, _ROW]), frozenset([_CELL])):
                    if element.tag == _CELL:
                        reference = element.get("r")
                        cell = parser.parse_cell(element)
                        if cell["column"] > MAX_COLUMN:
                            raise ValueError("beyond the last column")
                        value = cell["value"]
                        if value is None and _has_formula_without_value(element):
                            value = NO_VALUE
                        if value is not None:
                            values[cell["column"]] = value
                        continue
                    number = _row_number(element.get("r"), expected)
                    if limit and number > limit:
                        raise FileProblem(
                            _(
                                "Row %(row)s: the sheet has more than %(limit)s rows, empty "
                                "rows between them included. Delete the empty rows, or split "
                                "the file and import the parts."
                            )
                            % {"row": number, "limit": settings.PLEDGE_IMPORT_MAX_ROWS}
                        )
                    for _gap in range(expected, number):
                        yield ()
                    row = [None] * max(values, default=0)
                    for column, value in values.items():
                        row[column - 1] = value
                    yield tuple(row)
                    values, expected, parser.col_counter, reference = {}, number + 1, 0, None
        except FileProblem:
            raise
        except Exception as error:  # noqa: BLE001 (any damage: the same answer)
            logger.info("unreadable xlsx sheet, row %s, cell %s: %r", expected, reference, error)
            if reference and re.fullmatch(r"[A-Z]{1,3}[1-9]\d*", reference):
                message = _(
                    "Cell %(cell)s of the sheet “%(sheet)s” cannot be read. Save the file "
                    "again as .xlsx from Excel or WPS and upload it again."
                )
            else:
                message = _(
                    "Row %(row)s of the sheet “%(sheet)s” cannot be read. Save the file again "
                    "as .xlsx from Excel or WPS and upload it again."
                )
            where = {"cell": reference, "row": expected, "sheet": sheet.name}
            raise FileProblem(message % where) from None


def _is_streamed(name: str) -> bool:
    """A part read an element at a time (sheets, shared strings), or never (images)."""
    is_xml = name.endswith((".xml", ".rels", ".vml"))
    return not is_xml or name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"


def _row_number(text: str | None, expected: int) -> int:
    """A row's number: its r="…", or the one after the last. Rows come in order."""
    number = expected if text is None else int(float(text))
    if number < expected:
        raise ValueError("rows out of order")
    return number


def _has_formula_without_value(element) -> bool:
    """A formula with no <v>, or an empty one that is not an empty text result (t="str")."""
    return element.find(_FORMULA) is not None and element.get("t") != "str"


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


def _open_workbook(file) -> _Workbook:
    unzipped_size(file)
    try:
        return _Workbook(file)
    except Exception as error:  # noqa: BLE001 (openpyxl raises anything on a damaged file)
        logger.info("unreadable xlsx: %r", error)
        raise FileProblem(_unreadable()) from None


def _data_sheet(workbook: _Workbook) -> tuple[_Sheet, Header]:
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
