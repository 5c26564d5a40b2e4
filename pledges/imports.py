"""Excel imports and exports of pledge lists: what the web page, the admin, the management
command and the Celery task share around `resources.PledgeItemResource`.

- `read_upload` refuses what is not an .xlsx or is too large, and reads the sheet that holds
  the data into a clean Dataset (`resources.normalise_rows`).
- `run_import` is the dry run (preview) or the real, all-or-nothing import; `preview_rows`
  turns its result into one plain entry per row (new / changed / unchanged / error).
- `ImportJob` services carry an upload from the preview to the confirmed import: small files
  in the request, large ones in one Celery task with a progress figure in the cache.
- `template_bytes` and `workbook_bytes` write the template and the exports.
"""

import datetime
import io
import logging
import zipfile
from decimal import Decimal
from functools import partial
from itertools import islice

import tablib
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .models import Category, ImportJob
from .open_data import SHEET_TITLE_FORBIDDEN, spreadsheet_text
from .resources import (
    COLUMNS,
    HEADER,
    HEADER_SEARCH_ROWS,
    KIND_LABELS,
    ROW,
    FileProblem,
    PledgeItemResource,
    _find_header,
    normalise_rows,
)

logger = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- Reading an upload ----------------------------------------------------------------------


def check_upload(upload) -> None:
    """Refuse before opening: too large, or not an .xlsx (a zip file) at all."""
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


def _open_workbook(file):
    file.seek(0)
    try:
        return load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        logger.info("unreadable xlsx: %s", error)
        raise FileProblem(
            _("The file cannot be read as an Excel workbook; save it again as .xlsx.")
        ) from None


def _data_sheet(workbook):
    """The first sheet with the template's header in its first rows (so a notes sheet or a
    cover sheet in front does not matter), and that header's position."""
    problem = None
    for sheet in workbook.worksheets:
        # islice rather than max_row=: a sheet that does not state its size would be read
        # whole just to find it.
        first = list(islice(sheet.iter_rows(values_only=True), HEADER_SEARCH_ROWS))
        try:
            index, _keys = _find_header(first)
        except FileProblem as error:
            problem = problem or error
            continue
        return sheet, index
    raise problem or FileProblem(_("The workbook has no sheet."))


def count_rows(file) -> int:
    """Data rows below the header, from the sheet's stated size: cheap, for choosing between
    the request and the worker (blank rows at the end are counted too)."""
    workbook = _open_workbook(file)
    try:
        sheet, index = _data_sheet(workbook)
        return max((sheet.max_row or 0) - index - 1, 0)
    finally:
        workbook.close()


def read_upload(file) -> tablib.Dataset:
    """The data sheet as a clean Dataset with the template's headers and each row's number
    in the sheet (see resources.normalise_rows)."""
    workbook = _open_workbook(file)
    try:
        sheet, _index = _data_sheet(workbook)
        try:
            rows = sheet.iter_rows(min_row=1, values_only=True)
            dataset = normalise_rows(rows, first_row_number=1)
        except (zipfile.BadZipFile, KeyError, OSError) as error:
            logger.info("unreadable xlsx sheet: %s", error)
            raise FileProblem(
                _("The file cannot be read as an Excel workbook; save it again as .xlsx.")
            ) from None
    finally:
        workbook.close()
    if not len(dataset):
        raise FileProblem(_("The sheet has a header but no rows to import."))
    return dataset


# --- Importing --------------------------------------------------------------------------------


def run_import(dataset, *, year, places, user=None, dry_run: bool, on_progress=None):
    """The preview (`dry_run`, writes nothing) or the import (one transaction: every row is
    written or none). Returns django-import-export's Result."""
    resource = PledgeItemResource(user=user, year=year, places=places, on_progress=on_progress)
    return resource.import_data(dataset, dry_run=dry_run)


def _shown(value, name: str = "") -> str:
    if value is None:
        return ""
    if name == "category" and value in Category.values:
        return str(Category(value).label)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


STATUS_OF = {"new": "new", "update": "changed", "skip": "unchanged"}


def preview_rows(dataset, result) -> tuple[list[dict], dict]:
    """One plain (JSON-ready) entry per data row, in the file's order, and the counts:
    {"row", "kind", "village", "number", "title", "status": new/changed/unchanged/error,
    "errors": [message], "changes": [[column, before, after]]}. Errors that belong to no row
    (a failed write) come back as entries with "row": None."""
    rows = []
    counts = {"new": 0, "changed": 0, "unchanged": 0, "error": 0}
    for data, row_result in zip(dataset.dict, result.rows, strict=False):
        entry = {
            "row": data[ROW],
            "kind": KIND_LABELS.get(getattr(row_result, "kind", ""), ""),
            "village": data[HEADER["village_code"]],
            "name": getattr(row_result, "village_name", "") or data[HEADER["village_name"]],
            "number": _shown(data[HEADER["number"]]),
            "title": _shown(data[HEADER["title"]])[:60],
            "errors": [],
            "changes": [],
        }
        if row_result.validation_error is not None:
            entry["status"] = "error"
            for messages in row_result.validation_error.message_dict.values():
                entry["errors"].extend(messages)
        elif row_result.errors:
            entry["status"] = "error"
            entry["errors"] = [str(error.error) for error in row_result.errors]
        else:
            entry["status"] = STATUS_OF.get(row_result.import_type, "error")
            entry["changes"] = [
                [HEADER[name], _shown(before, name), _shown(after, name)]
                for name, before, after in (getattr(row_result, "changes", None) or [])
            ]
        counts[entry["status"]] += 1
        rows.append(entry)
    for error in result.base_errors:
        counts["error"] += 1
        rows.append({"row": None, "status": "error", "errors": [str(error.error)], "changes": []})
    return rows, counts


def error_lines(rows: list[dict]) -> list[str]:
    return [message for row in rows for message in row["errors"]]


# --- Import jobs: from the upload to the confirmed import --------------------------------------


def _progress_key(job_pk: int) -> str:
    return f"import-job:{job_pk}:progress"


def job_progress(job: ImportJob) -> dict:
    """What the progress bar shows (polled by static/js/import-progress.js)."""
    progress = cache.get(_progress_key(job.pk)) or {}
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "running": job.is_running,
        "done": progress.get("done", 0),
        "total": progress.get("total", job.row_count),
    }


def _reporter(job_pk: int):
    def report(done: int, total: int) -> None:
        cache.set(_progress_key(job_pk), {"done": done, "total": total}, timeout=3600)

    return report


def _queue(task, job: ImportJob) -> None:
    """`task.delay_on_commit(job.pk)`, and a broker that is down fails the job with a message
    (after about 4 s, see CELERY_BROKER_TRANSPORT_OPTIONS) instead of breaking the page or
    leaving the job waiting forever."""
    transaction.on_commit(partial(_send, task, job.pk))


def _send(task, job_pk: int) -> None:
    try:
        task.delay(job_pk)
    except OperationalError:
        logger.exception("could not queue import job %s", job_pk)
        ImportJob.objects.filter(pk=job_pk, status__in=ImportJob.RUNNING).update(
            status=ImportJob.Status.FAILED,
            message=_("The background worker cannot be reached; try again in a few minutes."),
            finished_at=timezone.now(),
        )


def import_job_create(*, township, year: int, upload, by) -> ImportJob:
    """Store the upload and check it: at once for a small file, by the worker for a large
    one. Raises FileProblem for a file that cannot be imported at all."""
    from .tasks import import_job_check as import_job_check_task

    check_upload(upload)
    rows = count_rows(upload)
    dataset = read_upload(upload) if rows <= settings.PLEDGE_IMPORT_SYNC_ROWS else None
    if dataset is not None and len(dataset) > settings.PLEDGE_IMPORT_SYNC_ROWS:
        dataset = None  # the sheet did not state its size: the worker takes it after all
    job = ImportJob(
        township=township,
        year=year,
        file_name=upload.name[:200],
        row_count=len(dataset) if dataset is not None else rows,
        created_by=by,
    )
    upload.seek(0)
    job.file.save("upload.xlsx", upload, save=False)
    job.save()
    if dataset is not None:
        job.claim((ImportJob.Status.PREVIEW_QUEUED,), ImportJob.Status.PREVIEWING)
        _preview(job, dataset)
    else:
        _queue(import_job_check_task, job)
    return job


def _read_job_file(job: ImportJob) -> tablib.Dataset:
    with job.file.open("rb") as file:
        return read_upload(io.BytesIO(file.read()))


def _places(job: ImportJob) -> list:
    return [job.township]


def _preview(job: ImportJob, dataset) -> None:
    result = run_import(
        dataset,
        year=job.year,
        places=_places(job),
        user=job.created_by,
        dry_run=True,
        on_progress=_reporter(job.pk),
    )
    job.rows, job.counts = preview_rows(dataset, result)
    job.row_count = len(dataset)
    job.status = ImportJob.Status.PREVIEWED
    job.save(update_fields=["rows", "counts", "row_count", "status", "modified"])


def _fail(job: ImportJob, message: str) -> None:
    job.status = ImportJob.Status.FAILED
    job.message = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at", "modified"])


def import_job_check(*, job_pk: int) -> None:
    """The worker's dry run of a large file. Safe to run twice: the job is claimed first."""
    job = ImportJob.objects.select_related("township", "created_by").get(pk=job_pk)
    if not job.claim((ImportJob.Status.PREVIEW_QUEUED,), ImportJob.Status.PREVIEWING):
        return
    try:
        _preview(job, _read_job_file(job))
    except FileProblem as problem:
        _fail(job, str(problem))
    except Exception:
        logger.exception("import job %s: check failed", job_pk)
        _fail(job, _("The check failed unexpectedly; nothing was imported."))
        raise


def import_job_confirm(*, job: ImportJob, by) -> bool:
    """Import a checked file: in the request when small, else by the worker. False when the
    job cannot be imported (errors, nothing to write, already confirmed)."""
    from .tasks import import_job_import as import_job_import_task

    if not job.may_confirm:
        return False
    if job.row_count <= settings.PLEDGE_IMPORT_SYNC_ROWS:
        if not job.claim((ImportJob.Status.PREVIEWED,), ImportJob.Status.IMPORTING):
            return False
        _import(job, by)
        return True
    if not job.claim((ImportJob.Status.PREVIEWED,), ImportJob.Status.IMPORT_QUEUED):
        return False
    ImportJob.objects.filter(pk=job.pk).update(confirmed_by=by)
    _queue(import_job_import_task, job)
    return True


def import_job_import(*, job_pk: int) -> None:
    """The worker's import of a large, confirmed file. Safe to run twice."""
    job = ImportJob.objects.select_related("township", "confirmed_by").get(pk=job_pk)
    if not job.claim((ImportJob.Status.IMPORT_QUEUED,), ImportJob.Status.IMPORTING):
        return
    try:
        _import(job, job.confirmed_by)
    except Exception:
        logger.exception("import job %s: import failed", job_pk)
        _fail(job, _("The import failed unexpectedly; nothing was imported."))
        raise


def _import(job: ImportJob, by) -> None:
    """Check again (the lists may have changed since the preview) and write everything or
    nothing. With an error the job goes back to the preview, showing it."""
    try:
        dataset = _read_job_file(job)
    except FileProblem as problem:
        _fail(job, str(problem))
        return
    result = run_import(
        dataset,
        year=job.year,
        places=_places(job),
        user=by,
        dry_run=False,
        on_progress=_reporter(job.pk),
    )
    job.rows, job.counts = preview_rows(dataset, result)
    job.confirmed_by = by
    if result.has_errors() or result.has_validation_errors():
        job.status = ImportJob.Status.PREVIEWED
        job.message = _(
            "Nothing was imported: the lists changed since the check. See the rows in error."
        )
    else:
        job.status = ImportJob.Status.DONE
        job.message = ""
        job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "rows",
            "counts",
            "status",
            "message",
            "confirmed_by",
            "finished_at",
            "modified",
        ]
    )


# --- Writing workbooks: the template and the exports -------------------------------------------

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


def workbook_bytes(title: str, dataset: tablib.Dataset) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE_FORBIDDEN.sub(" ", title)[:31] or "Sheet1"
    _write_sheet(sheet, list(dataset.headers), dataset)
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
        ("文件", f"只接受 .xlsx 文件，最大 {limit}；表头上方可以有标题行。"),
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
