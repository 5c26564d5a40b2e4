"""Writing workbooks: the empty template with its notes, and the exports."""

import datetime
import io

import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lib.spreadsheets import sheet_title, spreadsheet_text
from pledges.models import Category

from .reading import COLUMNS, HEADER, KIND_LABELS

TEXT_COLUMNS = {"村(社区)代码", "回执码", "电话"}  # digits that must stay text in Excel
TEMPLATE_FORMATTED_ROWS = 1000


def _cell_value(value):
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return spreadsheet_text(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _write_sheet(sheet, headers: list[str], rows, *, formatted_rows: int = 0) -> None:
    """Header in bold, frozen; text cells written as strings (never formulas, and escaped
    as spreadsheet_text does); code and phone columns formatted as text."""
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    text_columns = [index for index, header in enumerate(headers, 1) if header in TEXT_COLUMNS]
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 (count used after the loop)
        sheet.append([_cell_value(value) for value in row])
        for cell in sheet[count + 1]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
            if cell.column in text_columns:
                cell.number_format = "@"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    # Empty rows below, pre-formatted as text, so typed codes keep all their digits.
    for row_number in range(count + 2, max(count + 2, formatted_rows + 2)):
        for column in text_columns:
            sheet.cell(row=row_number, column=column).number_format = "@"
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, 1):
        width = 16 if header in TEXT_COLUMNS else max(10, min(30, len(header) * 2 + 4))
        sheet.column_dimensions[get_column_letter(index)].width = width


def workbook_bytes(title: str, dataset: tablib.Dataset, more: tuple = ()) -> bytes:
    """`dataset` on the first sheet (the one an import reads back), then each (title,
    dataset) of `more` on a sheet of its own."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(title)
    _write_sheet(sheet, list(dataset.headers), dataset)
    for more_title, more_dataset in more:
        _write_sheet(
            workbook.create_sheet(sheet_title(more_title)), list(more_dataset.headers), more_dataset
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _notes() -> list[tuple[str, str]]:
    projects, prohibitions = settings.PLEDGE_PROJECT_COUNT, settings.PLEDGE_PROHIBITION_COUNT
    limit = filesizeformat(settings.PLEDGE_IMPORT_MAX_BYTES)
    return [
        ("填写说明", "每行一件民生实事或一个不准事项；同一村的各行可以连续填写。"),
        (HEADER["village_code"], "12 位统计用区划代码（必填）。本列已设为文本格式，请勿改为数字。"),
        (HEADER["village_name"], "供核对，导入时不使用。"),
        (HEADER["year"], "如 2026；留空则按上传时选择的年度。"),
        (HEADER["kind"], "民生实事 或 不准事项；留空按民生实事。"),
        (
            HEADER["number"],
            f"1、2、3……（必填）。每村每年民生实事最多 {projects} 件、"
            f"不准事项最多 {prohibitions} 个，序号不得重复。",
        ),
        (HEADER["title"], "必填。民生实事最多 100 字，不准事项最多 200 字。"),
        (HEADER["category"], "、".join(str(label) for label in Category.labels) + "；留空为其他。"),
        (HEADER["lead_name"], "书记领办的责任人姓名。"),
        (HEADER["target_quantity"], "不小于 0 的数字；可写成“30盏”，单位会自动放入单位列。"),
        (HEADER["unit"], "盏、米、公里、亩、户、个……填了目标数量就要填单位。"),
        (HEADER["budget"], "单位为万元，不小于 0。"),
        (HEADER["planned_start"], "日期，如 2026/3/1、2026-03-01、2026年3月（按当月1日）。"),
        (HEADER["planned_finish"], "日期，如 2026/10/31 或 2026年10月（按当月最后一天）。"),
        (HEADER["description"], "具体内容，可留空。"),
        ("不准事项", "只填代码、年度、类型、序号和名称，其他列留空。"),
        (
            "导入规则",
            "先预览：每行显示新增、修改、不变或错误；全部无误后确认，全部导入或全部不导入。",
        ),
        ("已公示的清单", "不能通过导入修改，请在项目页面提交变更申请。"),
        (
            "文件",
            f"只接受 .xlsx 文件，最大 {limit}；表头上方可以有标题行；只读取可见的工作表。"
            "公式须在 Excel 或 WPS 中保存过计算结果。",
        ),
    ]


def template_bytes() -> bytes:
    """The empty template: the data sheet first (the admin reads the first sheet), with
    drop-down lists for the kind and the category, then the notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "清单"
    headers = [header for _key, header in COLUMNS]
    _write_sheet(sheet, headers, [], formatted_rows=TEMPLATE_FORMATTED_ROWS)
    last = TEMPLATE_FORMATTED_ROWS + 1
    for key, choices in (
        ("kind", list(KIND_LABELS.values())),
        ("category", [str(label) for label in Category.labels]),
    ):
        letter = get_column_letter([k for k, _h in COLUMNS].index(key) + 1)
        validation = DataValidation(
            type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
        )
        validation.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(validation)
    notes = workbook.create_sheet("填写说明")
    for row in _notes():
        notes.append(row)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 90
    for cell in notes["A"]:
        cell.font = Font(bold=True)
    for cell in notes["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
