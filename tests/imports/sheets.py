"""Excel files for the import tests, built with openpyxl as Excel or WPS would save them."""

import io

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
