"""Excel files for the import tests, built with openpyxl as Excel or WPS would save them."""

import io
import zipfile
from xml.sax.saxutils import escape

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

HEADERS = [
    "村(社区)代码",
    "村(社区)名称",
    "年度",
    "类型",
    "序号",
    "名称",
    "类别",
    "领办人",
    "目标数量",
    "单位",
    "预算(万元)",
    "计划开始",
    "计划完成",
    "内容说明",
]


def row(code, number, title="安装太阳能路灯", *, kind="民生实事", year=2026, **cells) -> list:
    """A data row in the template's column order; `cells` by header key, e.g. unit="盏"."""
    values = {
        "村(社区)代码": code,
        "年度": year,
        "类型": kind,
        "序号": number,
        "名称": title,
    }
    keys = {
        "name": "村(社区)名称",
        "category": "类别",
        "lead": "领办人",
        "quantity": "目标数量",
        "unit": "单位",
        "budget": "预算(万元)",
        "start": "计划开始",
        "finish": "计划完成",
        "description": "内容说明",
    }
    values.update({keys[key]: value for key, value in cells.items()})
    return [values.get(header) for header in HEADERS]


def xlsx_bytes(rows, *, headers=HEADERS, above=(), sheets_before=()) -> bytes:
    workbook = Workbook()
    first = workbook.active
    for title in sheets_before:
        first.title = title
        first.append(["说明"])
        first = workbook.create_sheet("清单")
    for line in above:
        first.append(line)
    first.append(headers)
    for line in rows:
        first.append(line)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "清单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def read_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


# --- Files that real programs and real people leave behind (issue 16) ----------------------


def with_sheets(sheets, *, active: int = 0) -> bytes:
    """A workbook of several sheets: `sheets` are (title, rows, state) with the header as
    the first row; `state` is "visible", "hidden" or "veryHidden"."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows, state in sheets:
        sheet = workbook.create_sheet(title)
        for line in rows:
            sheet.append(line)
        sheet.sheet_state = state
    workbook.active = active
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def edit_part(content: bytes, name: str, change) -> bytes:
    """The same xlsx with the zip member `name` replaced by `change(its text)`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == name:
                data = change(data.decode()).encode()
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def bomb(path, *, unpacked_bytes: int, data_rows=()) -> int:
    """An xlsx whose one sheet states no size (no <dimension>) and unpacks to about
    `unpacked_bytes`: the header, `data_rows`, then styled empty rows, written row by row
    through zipfile (nothing large is held in memory). Returns the file's size."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _BARE_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_START.encode())
            written = len(_SHEET_START)
            for number, values in enumerate([HEADERS, *data_rows], start=1):
                sheet.write(_text_row(number, values).encode())
            # Rows and cells without their r="…" numbers, as some programs write them.
            block = b'<row><c s="0"/><c s="0"/></row>' * 10_000
            while written < unpacked_bytes:
                sheet.write(block)
                written += len(block)
            sheet.write(b"</sheetData></worksheet>")
    return path.stat().st_size


def _text_row(number: int, values) -> str:
    cells = "".join(
        f'<c r="{letter}{number}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'
        for letter, value in zip(_LETTERS, values, strict=False)
        if value is not None
    )
    return f'<row r="{number}">{cells}</row>'


_LETTERS = "ABCDEFGHIJKLMN"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_START = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>'
_BARE_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PACKAGE_RELS}">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
        '<sheets><sheet name="清单" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PACKAGE_RELS}">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        "</Relationships>"
    ),
}
