"""Tables as downloads: xlsx and CSV that open right in Excel and WPS, with Chinese text,
codes kept as text, and no cell that a spreadsheet would run as a formula."""

import csv
import io
import re

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

# A cell starting with one of these is a formula to Excel or LibreOffice (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def spreadsheet_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_bytes(columns: list, rows: list[dict]) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Chinese right; text quoted, numbers bare.
    `columns` are (key of the row, header)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([header for _key, header in columns])
    for row in rows:
        writer.writerow(
            [
                spreadsheet_text(value) if isinstance(value, str) else value
                for value in (row[key] for key, _header in columns)
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def sheet_title(title: str) -> str:
    """What Excel accepts as a sheet's name: 31 characters, none of \\ / * ? : [ ]."""
    return SHEET_TITLE_FORBIDDEN.sub(" ", title)[:31] or "Sheet1"


def xlsx_bytes(title: str, columns: list, rows: list[dict]) -> bytes:
    """Text cells are written as strings, never as formulas; codes are text (format "@")."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(title)
    sheet.append([header for _key, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, row in enumerate(rows, start=2):
        for column_number, (key, _header) in enumerate(columns, start=1):
            value = row[key]
            cell = sheet.cell(row=row_number, column=column_number)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"  # "=…" would otherwise be stored as a formula
            else:
                cell.value = value
            if key == "code":
                cell.number_format = "@"
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 20
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(content: bytes, filename: str) -> HttpResponse:
    """An attachment, typed by the file name's ending (.xlsx or .csv)."""
    content_type = CSV_TYPE if filename.endswith(".csv") else XLSX_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_download(title: str, columns: list, rows: list[dict], filename: str) -> HttpResponse:
    """The table as xlsx or CSV, by the file name's ending."""
    if filename.endswith(".csv"):
        return download(csv_bytes(columns, rows), filename)
    return download(xlsx_bytes(title, columns, rows), filename)
