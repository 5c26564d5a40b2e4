"""Opening an .xlsx upload without trusting it: the zip directory checked before anything
is unpacked, the one sheet read once, an element at a time, with openpyxl's own parsers.
"""

import logging
import re
import zipfile
from typing import NamedTuple

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

logger = logging.getLogger(__name__)


class FileProblem(ValueError):
    """The file as a whole cannot be read (not xlsx, no header, a column missing...)."""


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


def unreadable() -> str:
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
        raise FileProblem(unreadable()) from None
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


class Sheet(NamedTuple):
    name: str
    path: str
    is_visible: bool
    is_active: bool


class Workbook:
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
                    self.sheets.append(Sheet(sheet.name, rel.target, visible, index == active))
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

    def stated_rows(self, sheet: Sheet) -> int | None:
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

    def rows(self, sheet: Sheet, *, limit: int | None = None):
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
