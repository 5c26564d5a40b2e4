"""Excel pages: a township's upload, the preview and confirmation of an import (with a
progress bar for large files), the template, and the xlsx exports of a place. The work is in
services.py, resources.py and exports.py; these views check role and scope, bind the form
and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lib.forms import status_for
from lib.spreadsheets import download
from lib.years import year_param
from ops.media import file_response
from villages.access import get_for_user, get_township_for_user

from . import services
from .access import get_export_scope_for_user, get_import_job_for_user
from .exports import EXPORTS, export_bytes
from .forms import ImportUploadForm
from .models import ImportJob
from .workbooks import template_bytes

PREVIEW_PAGE_SIZE = 200
RECENT_JOBS = 10


@login_required
@require_http_methods(["GET", "POST"])
def township_import(request, code: str):
    """Upload a file of the township's villages' lists (its cadres; small files are checked
    at once), and the township's exports (everyone who may view the township)."""
    township = get_township_for_user(request, code)
    can_import = request.user.has_perm("imports.import_pledge_lists", township)
    if request.method == "POST" and not can_import:
        raise PermissionDenied
    form = _upload_form(request)
    job = form.create_job(township=township, by=request.user) if form.is_valid() else None
    if job is not None:
        return redirect(job)
    jobs = township.import_jobs.select_related("created_by")[:RECENT_JOBS]
    context = {
        "township": township,
        "form": form if can_import else None,
        "jobs": jobs if can_import else [],
        "exports": export_links(township, year_param(request)),
    }
    return render(request, "imports/upload.html", context, status=status_for(request))


def _upload_form(request) -> ImportUploadForm:
    if request.method == "POST":
        return ImportUploadForm(request.POST, request.FILES)
    return ImportUploadForm(initial={"year": year_param(request)})


@login_required
@require_GET
def import_job(request, pk: int):
    """The preview (every row: new, changed, unchanged or in error), the progress bar while a
    worker runs, or the outcome."""
    job = get_import_job_for_user(request, pk)
    show = request.GET.get("show", "")
    rows = [row for row in job.rows if row["status"] == show] if show else job.rows
    context = {
        "job": job,
        "township": job.township,
        "page": Paginator(rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page")),
        "show": show,
        "filters": [
            ("", _("all"), job.row_count),
            ("error", _("in error"), job.counts.get("error", 0)),
            ("new", _("new"), job.counts.get("new", 0)),
            ("changed", _("changed"), job.counts.get("changed", 0)),
            ("unchanged", _("unchanged"), job.counts.get("unchanged", 0)),
        ],
        "progress": services.job_progress(job) if job.is_running else None,
    }
    return render(request, "imports/job.html", context)


@login_required
@require_GET
def import_job_status(request, pk: int):
    """What the progress bar polls (static/js/import-progress.js)."""
    job = get_import_job_for_user(request, pk)
    return JsonResponse({**services.job_progress(job), "url": job.get_absolute_url()})


@login_required
@require_POST
def import_job_confirm(request, pk: int):
    job = get_import_job_for_user(request, pk)
    if not services.import_job_confirm(job=job, by=request.user, request=request):
        messages.info(request, _("This file cannot be imported (again); see its rows."))
        return redirect(job)
    job.refresh_from_db()
    if job.status == ImportJob.Status.DONE:
        messages.success(request, _("Imported: every row was written."))
    elif job.status == ImportJob.Status.PREVIEWED:
        messages.error(request, job.message)
    return redirect(job)


@login_required
@require_GET
def import_template(request):
    return download(template_bytes(), "pledge-lists-template.xlsx")


@login_required
@require_GET
def export(request, code: str, what: str):
    """/pledges/export/<place code>/<lists|progress|suggestions>.xlsx?year=: the place's
    rows for the year, scoped in the query to the places the user has a role in; exports of
    suggestions go in the security log. (Review results are exported by the reviews app.)"""
    if what not in EXPORTS:
        raise Http404
    year = year_param(request)
    place, villages, private = get_export_scope_for_user(request, code, what)
    title = f"{place.name} {year}"
    # The candidate pool goes with the lists, for those who may read it (not reviewers).
    pool_villages = villages.in_scope_of(request.user, reviewers=False) if what == "lists" else None
    content = export_bytes(
        what,
        villages=villages,
        year=year,
        title=title,
        private=private,
        pool_villages=pool_villages,
    )
    if what == "suggestions":  # residents' texts, and names and phones when `private`
        services.suggestions_export_recorded(
            request, place=place, villages=villages, year=year, personal=private
        )
    return download(content, f"{what}-{code}-{year}.xlsx")


def export_links(place, year: int) -> list[tuple[str, str]]:
    """(label, url) of the exports of a place, for templates."""
    labels = {
        "lists": _("Pledge lists"),
        "progress": _("Progress"),
        "suggestions": _("Suggestions"),
    }
    return [
        (labels[what], f"{reverse('imports:export', args=[place.code, what])}?year={year}")
        for what in EXPORTS
    ]


@login_required
@require_GET
def import_file(request, name: str):
    """MEDIA_URL/imports/...: an uploaded Excel file, for the cadres who may import into its
    township (see ops/media.py)."""
    name = f"imports/{name}"
    queryset = ImportJob.objects.select_related("township__district")
    get_for_user(request, queryset, "imports.import_pledge_lists", file=name)
    return file_response(name)
