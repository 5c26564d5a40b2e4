"""Excel pages: a township's upload, the preview and confirmation of an import (with a
progress bar for large files), the template, and the xlsx exports of a place.

The work is in pledges/imports.py and pledges/resources.py; these views check role and
scope, bind the form and render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villages.models import District, Township, Village
from villages.views import get_township_for_user

from . import imports
from .forms import ImportUploadForm
from .models import ImportJob, PledgeList, Project, Suggestion
from .resources import (
    FileProblem,
    PledgeItemResource,
    ProgressResource,
    SuggestionResource,
    visible_villages,
)

PREVIEW_PAGE_SIZE = 200
RECENT_JOBS = 10


def _this_year() -> int:
    return timezone.localdate().year


def _year(request) -> int:
    text = request.GET.get("year", "")
    if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return _this_year()


def get_import_job_for_user(request, pk: int) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("township__district"), pk=pk)
    if not request.user.has_perm("pledges.import_pledge_lists", job.township):
        raise PermissionDenied
    return job


@login_required
@require_http_methods(["GET", "POST"])
def township_import(request, code: str):
    """Upload a file of the township's villages' lists (its cadres; small files are checked
    at once), and the township's exports (everyone who may view the township)."""
    township = get_township_for_user(request, code)
    can_import = request.user.has_perm("pledges.import_pledge_lists", township)
    if request.method == "POST" and not can_import:
        raise PermissionDenied
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
    else:
        form = ImportUploadForm(initial={"year": _year(request)})
    if form.is_valid():
        try:
            job = imports.import_job_create(
                township=township,
                year=form.cleaned_data["year"],
                upload=form.cleaned_data["file"],
                by=request.user,
            )
        except FileProblem as problem:
            form.add_error("file", str(problem))
        else:
            return redirect(job)
    jobs = township.import_jobs.select_related("created_by")[:RECENT_JOBS] if can_import else []
    return render(
        request,
        "pledges/imports/upload.html",
        {
            "township": township,
            "form": form if can_import else None,
            "jobs": jobs,
            "exports": export_links(township, _year(request)),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def import_job(request, pk: int):
    """The preview (every row: new, changed, unchanged or in error), the progress bar while a
    worker runs, or the outcome."""
    job = get_import_job_for_user(request, pk)
    show = request.GET.get("show", "")
    rows = [row for row in job.rows if row["status"] == show] if show else job.rows
    page = Paginator(rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pledges/imports/job.html",
        {
            "job": job,
            "township": job.township,
            "page": page,
            "show": show,
            "filters": [
                ("", _("all"), job.row_count),
                ("error", _("in error"), job.counts.get("error", 0)),
                ("new", _("new"), job.counts.get("new", 0)),
                ("changed", _("changed"), job.counts.get("changed", 0)),
                ("unchanged", _("unchanged"), job.counts.get("unchanged", 0)),
            ],
            "progress": imports.job_progress(job) if job.is_running else None,
        },
    )


@login_required
@require_GET
def import_job_status(request, pk: int):
    """What the progress bar polls (static/js/import-progress.js)."""
    job = get_import_job_for_user(request, pk)
    return JsonResponse({**imports.job_progress(job), "url": job.get_absolute_url()})


@login_required
@require_POST
def import_job_confirm(request, pk: int):
    job = get_import_job_for_user(request, pk)
    if imports.import_job_confirm(job=job, by=request.user):
        job.refresh_from_db()
        if job.status == ImportJob.Status.DONE:
            messages.success(request, _("Imported: every row was written."))
        elif job.status == ImportJob.Status.PREVIEWED:
            messages.error(request, job.message)
    else:
        messages.info(request, _("This file cannot be imported (again); see its rows."))
    return redirect(job)


XLSX_TYPE = imports.XLSX_TYPE


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def import_template(request):
    return _xlsx_response(imports.template_bytes(), "pledge-lists-template.xlsx")


PLACES = {
    6: (District, "villages.view_district", "township__district"),
    9: (Township, "villages.view_township", "township"),
    12: (Village, "villages.view_village", "pk"),
}
EXPORTS = ("lists", "progress", "suggestions")


def _place_for_user(request, code: str, perm: str | None = None):
    """A district, township or village by the length of its code, which the user may view;
    and the filter on Village for the villages in it."""
    if len(code) not in PLACES or not code.isdigit():
        raise Http404
    model, view_perm, path = PLACES[len(code)]
    place = get_object_or_404(model, code=code)
    if not request.user.has_perm(perm or view_perm, place):
        raise PermissionDenied
    return place, {path: place.pk}


@login_required
@require_GET
def export(request, code: str, what: str):
    """/pledges/export/<place code>/<lists|progress|suggestions>.xlsx?year=: the place's
    rows for the year, scoped in the query to the places the user has a role in. (Review
    results are exported by the reviews app.)"""
    if what not in EXPORTS:
        raise Http404
    year = _year(request)
    if what == "suggestions":
        perm = "pledges.view_suggestion" if len(code) == 12 else "pledges.view_suggestion_backlog"
        place, in_place = _place_for_user(request, code, perm)
        villages = Village.objects.filter(**in_place).filter(
            visible_villages(request.user, for_suggestions=True)
        )
        private = request.user.has_perm("pledges.export_private_suggestions", place)
        suggestions = (
            Suggestion.objects.filter(village__in=villages, year=year)
            .select_related("village")
            .order_by("village__code", "received", "pk")
        )
        dataset = SuggestionResource(private=private).export(suggestions)
    else:
        place, in_place = _place_for_user(request, code)
        villages = Village.objects.filter(**in_place).filter(visible_villages(request.user))
        if what == "lists":
            lists = PledgeList.objects.filter(village__in=villages, year=year)
            dataset = PledgeItemResource().export(lists)
        else:
            projects = (
                Project.objects.filter(pledge_list__village__in=villages, pledge_list__year=year)
                .select_related("pledge_list__village")
                .order_by("pledge_list__village__code", "number")
            )
            dataset = ProgressResource().export(projects)
    content = imports.workbook_bytes(f"{place.name} {year}", dataset)
    return _xlsx_response(content, f"{what}-{code}-{year}.xlsx")


def export_links(place, year: int) -> list[tuple[str, str]]:
    """(label, url) of the exports of a place, for templates."""
    labels = {
        "lists": _("Pledge lists"),
        "progress": _("Progress"),
        "suggestions": _("Suggestions"),
    }
    return [
        (labels[what], f"{reverse('pledges:export', args=[place.code, what])}?year={year}")
        for what in EXPORTS
    ]
