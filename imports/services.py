"""Importing pledge lists from an Excel file: what the web page, the admin, the management
command and the Celery task share around `resources.PledgeItemResource`.

- `run_import` is the dry run (preview) or the real, all-or-nothing import; `preview_rows`
  turns its result into one plain entry per row (new / changed / unchanged / error).
- The import job services carry an upload from the preview to the confirmed import: small
  files in the request, large ones in one Celery task with a progress figure in the cache.
"""

import datetime
import io
import logging
from decimal import Decimal

import tablib
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import SecurityEvent
from audit.services import record
from ops.services import enqueue
from pledges.models import Category
from suggestions.models import Suggestion

from .models import ImportJob
from .reading import (
    HEADER,
    KIND_LABELS,
    ROW,
    FileProblem,
    check_upload,
    count_rows,
    read_upload,
    unzipped_size,
)
from .resources import PledgeItemResource

logger = logging.getLogger(__name__)


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


def import_job_create(*, township, year: int, upload, by) -> ImportJob:
    """Store the upload and check it: at once for a small file, by the worker for a large
    one. Raises FileProblem for a file that cannot be imported at all. A broker that is down
    only delays the worker's check: the call waits in the outbox (ops.services.enqueue)."""
    size = check_upload(upload)
    # The request reads only a file that is small unpacked (a sheet need not state its
    # size, and can state a wrong one) and states few rows; the worker reads the others.
    is_small = size <= settings.PLEDGE_IMPORT_SYNC_UNZIPPED_BYTES
    rows = count_rows(upload) if is_small else None
    dataset = None
    if is_small and (rows or 0) <= settings.PLEDGE_IMPORT_SYNC_ROWS:
        dataset = read_upload(upload)
        if len(dataset) > settings.PLEDGE_IMPORT_SYNC_ROWS:
            dataset = None  # more rows than the sheet stated: the worker takes it after all
    job = ImportJob(
        township=township,
        year=year,
        file_name=upload.name[:200],
        row_count=len(dataset) if dataset is not None else rows or 0,
        created_by=by,
    )
    upload.seek(0)
    job.file.save("upload.xlsx", upload, save=False)
    job.save()
    if dataset is not None:
        job.claim((ImportJob.Status.PREVIEW_QUEUED,), ImportJob.Status.PREVIEWING)
        _preview(job, dataset)
    else:
        enqueue("imports.tasks.import_job_check", job.pk)
    return job


def _read_job_file(job: ImportJob) -> tablib.Dataset:
    with job.file.open("rb") as file:
        return read_upload(io.BytesIO(file.read()))


def _is_small(job: ImportJob) -> bool:
    """Small enough unpacked to be read again in the request (see import_job_create)."""
    with job.file.open("rb") as file:
        try:
            return unzipped_size(file) <= settings.PLEDGE_IMPORT_SYNC_UNZIPPED_BYTES
        except FileProblem:
            return False  # the worker says what is wrong with it


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


def import_job_confirm(*, job: ImportJob, by, request=None) -> bool:
    """Import a checked file: in the request when small, else by the worker. False when the
    job cannot be imported (errors, nothing to write, already confirmed). `request` gives
    the security event of the import its address and browser."""
    if not job.may_confirm:
        return False
    if job.row_count <= settings.PLEDGE_IMPORT_SYNC_ROWS and _is_small(job):
        if not job.claim((ImportJob.Status.PREVIEWED,), ImportJob.Status.IMPORTING):
            return False
        _import(job, by, request)
        return True
    if not job.claim((ImportJob.Status.PREVIEWED,), ImportJob.Status.IMPORT_QUEUED):
        return False
    ImportJob.objects.filter(pk=job.pk).update(confirmed_by=by)
    enqueue("imports.tasks.import_job_import", job.pk)
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


def _import(job: ImportJob, by, request=None) -> None:
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
    if job.status == ImportJob.Status.DONE:
        _import_recorded(job, by, request)


# --- The security log: what left or entered through the pages ---------------------------------


def _import_recorded(job: ImportJob, by, request) -> None:
    """A file imported through the pages, in the security log: who confirmed it, which
    township and year, how many rows. Imported by the worker there is no request, so no
    address. The lists hold no personal data beyond the officials who lead each project,
    whose names the board publishes."""
    record(
        request,
        SecurityEvent.Kind.IMPORT,
        user=by,
        district_id=job.township.district_id,
        what="pledge lists",
        via="page",
        place=job.township.code,
        place_name=job.township.name,
        year=job.year,
        file=job.file_name,
        rows=job.row_count,
        new=job.counts.get("new", 0),
        changed=job.counts.get("changed", 0),
        personal=False,
    )


def suggestions_export_recorded(request, *, place, villages, year: int, personal: bool) -> None:
    """A suggestions export through the pages, in the security log: who, which place and
    year, how many rows, and whether names and phones were in it (`personal`)."""
    record(
        request,
        SecurityEvent.Kind.EXPORT,
        what="suggestions",
        via="page",
        place=place.code,
        place_name=place.name,
        year=year,
        rows=Suggestion.objects.for_export(villages=villages, year=year).count(),
        personal=personal,
    )
