"""Writes that touch several models. Each runs in one transaction; views call these, never
the other way round. What apps above react to is announced through signals.py once the
transaction commits."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, F, OuterRef, Subquery, Value, Window
from django.db.models.expressions import DatabaseDefault
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from lib.signals import announce
from ops.services import enqueue
from villages.models import District, Village

from .models import (
    ChangeRequest,
    DecisionMeeting,
    DecisionRecord,
    Escalation,
    OpenYearJob,
    Photo,
    PledgeList,
    ProgressUpdate,
    Project,
)
from .signals import project_verified, written_in_bulk

logger = logging.getLogger(__name__)


# --- Opening a year -----------------------------------------------------------------------

# Villages per batch: each batch is one transaction, so the progress moves every second or so
# and a failure loses at most one batch.
OPEN_YEAR_BATCH = 200
# What a job has counted so far (read back after a failed batch rolled its part back).
_FIGURES = ["total", "done", "lists_created", "projects_carried", "awaiting_verification"]


def open_year_job_start(*, district: District, year: int, by, carry_over: bool) -> OpenYearJob:
    """Ask a worker to open `year` for every village of the district that has no list for
    it yet; where no broker is set it runs once this commits, before this returns (the job
    returned is as it was queued: read it again for its figures). While a job for the
    same district and year is queued or running, that job is returned instead (queued again
    when it has stalled, see OpenYearJob.claim)."""
    with transaction.atomic():
        job, created = open_year_job_create(
            district=district, year=year, by=by, carry_over=carry_over
        )
        if created or job.is_stalled:
            enqueue("pledges.tasks.open_year_job_run", job.pk)
    return job


def open_year_job_create(
    *, district: District, year: int, by, carry_over: bool
) -> tuple[OpenYearJob, bool]:
    """(the district's queued or running job for `year`, False), or (a new queued one,
    True): the unique constraint keeps a second one out when two people ask at once."""
    job = OpenYearJob.objects.active_for(district, year)
    if job is not None:
        return job, False
    total = villages_to_open(year, [district]).count()
    job = OpenYearJob(
        district=district, year=year, carry_over=carry_over, created_by=by, total=total
    )
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        # Someone asked at the same moment: theirs, whatever it has done since.
        return OpenYearJob.objects.filter(district=district, year=year).latest("created"), False
    return job, True


def open_year_job_run(
    *, job_pk: int, batch_size: int = OPEN_YEAR_BATCH, on_batch=None
) -> OpenYearJob:
    """Open the job's year, `batch_size` villages per transaction, until every village of
    the district has a list for it; `on_batch(job)` after each batch (the command prints
    progress). Safe to run twice: the job is claimed first, and villages that have a list
    already are skipped. An error stops the job as failed with a message; the batches
    committed before it stay, and opening again finishes the rest."""
    job = OpenYearJob.objects.select_related("district", "created_by").get(pk=job_pk)
    if not job.claim():
        return job
    try:
        while True:
            handled = _open_year_batch(job, batch_size)
            if handled and on_batch is not None:
                on_batch(job)
            if handled < batch_size:  # none was left beyond this batch
                break
    except Exception:
        logger.exception("opening %s for %s stopped", job.year, job.district)
        job.refresh_from_db(fields=_FIGURES)
        job.fail(
            _(
                "Stopped by an error after %(done)s villages; their lists are kept. "
                "Open the year again to finish the others."
            )
            % {"done": job.done}
        )
    else:
        job.finish()
    return job


def pledge_list_open_year(*, district: District, year: int, by, carry_over: bool = False) -> int:
    """Open `year` for the district here and now (what the worker does with a job); running
    it again creates nothing. Returns how many lists were created."""
    job, _created = open_year_job_create(district=district, year=year, by=by, carry_over=carry_over)
    return open_year_job_run(job_pk=job.pk).lists_created


def villages_to_open(year: int, districts):
    """The villages of `districts` (districts or their ids) that have no list for `year`."""
    return Village.objects.filter(township__district__in=districts).exclude(
        Exists(PledgeList.objects.filter(village=OuterRef("pk"), year=year))
    )


@transaction.atomic
def _open_year_batch(job: OpenYearJob, size: int) -> int:
    """Give the next `size` villages of the job's district that have no list for its year an
    empty draft, with last year's unfinished projects when the job carries over (what
    `_carry_over` does for one list), and tell the apps above (written_in_bulk) in the same
    transaction. Returns how many villages; 0 when none is left.

    The database copies the rows itself (INSERT … SELECT), and writes the first history row
    of each as bulk_create_with_history would (type "+", by who asked): no Python object per
    row, and the same queries whatever `size` (see the tests): the villages, the lists and
    their history, the copies and their history, the count of projects left for verification,
    the job's figures, and what the receivers of written_in_bulk ask. At a province's size
    (30,000 lists, 100,000 copies, as many history rows) building model objects for them
    would cost several times the copying."""
    village_ids = list(
        villages_to_open(job.year, [job.district])
        .order_by("pk")[:size]
        .values_list("pk", flat=True)
    )
    if not village_ids:
        return 0
    now, by = timezone.now(), job.created_by
    new_lists = PledgeList.objects.filter(village__in=village_ids, year=job.year)
    lists = _insert_with_history(
        PledgeList,
        Village.objects.filter(pk__in=village_ids),
        _new_rows(PledgeList(year=job.year), now, village=F("pk")),
        inserted=new_lists,
        now=now,
        by=by,
    )
    carried = awaiting = 0
    if job.carry_over:
        left = Project.objects.left_from(year=job.year - 1, village_ids=village_ids)
        # Numbered 1, 2, … in last year's order (the new lists are empty), each linked to
        # the project it continues; completed ones wait for the township's verification.
        copies = _new_rows(
            Project(),
            now,
            pledge_list=Subquery(
                PledgeList.objects.filter(
                    village=OuterRef("pledge_list__village"), year=job.year
                ).values("pk")
            ),
            number=Window(RowNumber(), partition_by=[F("pledge_list")], order_by="number"),
            carried_from=F("pk"),
            **{name: F(name) for name in CARRIED_FIELDS},
        )
        carried = _insert_with_history(
            Project,
            left.filter(status__in=Project.ACTIVE).select_related(None),
            copies,
            inserted=Project.objects.filter(pledge_list__in=new_lists),
            now=now,
            by=by,
        )
        awaiting = left.filter(status=Project.Status.COMPLETED).count()
    written_in_bulk.send(sender=PledgeList, village_ids=village_ids, years=[job.year])
    job.record_batch(villages=len(village_ids), lists=lists, carried=carried, awaiting=awaiting)
    return len(village_ids)


def _insert_with_history(model, source, columns: dict, *, inserted, now, by) -> int:
    """Insert the rows `columns` makes of each row of `source` (see _insert_select), then
    the first history row of each of them (`inserted`: the rows just inserted, nothing else),
    as django-simple-history's bulk_create_with_history writes it. Two queries; returns how
    many rows were inserted."""
    count = _insert_select(model, source, columns)
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):  # as simple_history's helpers
        return count
    history = model.history.model
    _insert_select(
        history,
        inserted,
        {
            **{field.name: F(field.attname) for field in history.tracked_fields},
            **_constants(history, history_date=now, history_type="+", history_user_id=by and by.pk),
        },
    )
    return count


def _new_rows(template, now, **taken) -> dict:
    """The columns of new rows of the model of `template`: the expressions `taken` gives,
    and for every other field what save() would give `template`: its value (the field's
    default unless set), `now` for created and modified. NULLs and database defaults are
    left to the database."""
    values = {}
    for field in template._meta.concrete_fields:
        if field.primary_key or field.name in taken:
            continue
        is_timestamp = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        value = now if is_timestamp else field.pre_save(template, add=True)
        if not isinstance(value, DatabaseDefault):
            values[field.name] = value
    return {**taken, **_constants(type(template), **values)}


def _constants(model, **values) -> dict:
    """Each value that is not NULL as a constant typed like the field it fills: PostgreSQL
    cannot tell the type of a bare parameter in a prepared statement's SELECT list."""
    fields = {name: model._meta.get_field(name) for name in values}
    return {
        fields[name].name: Cast(Value(value), output_field=fields[name])
        for name, value in values.items()
        if value is not None
    }


def _insert_select(model, source, columns: dict) -> int:
    """INSERT INTO the table of `model` the rows of `source` (a queryset), `columns` naming
    each field to fill and the expression over `source` that fills it. One query; nothing
    is read into Python. Returns how many rows were inserted."""
    aliases = {f"insert_{name}": expression for name, expression in columns.items()}
    rows = source.order_by().annotate(**aliases).values_list(*aliases)
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) {sql}", params)
        return cursor.rowcount


class CarryOver(int):
    """What a carry-over did. As a number (what callers got before): how many projects were
    carried. `carried` holds the new copies; `awaiting_verification` last year's projects
    that are completed but not yet verified: they are not copied (one may be struck off
    minutes later), the township verifies them first."""

    carried: list
    awaiting_verification: list

    def __new__(cls, carried: list, awaiting_verification: list) -> "CarryOver":
        result = super().__new__(cls, len(carried))
        result.carried = carried
        result.awaiting_verification = awaiting_verification
        return result


def _carry_over(drafts, *, by) -> CarryOver:
    """Copy last year's unfinished projects (planned or in progress) into each of `drafts`
    (draft lists of one year), numbered after what the draft already holds, each linked to
    the project it continues. A project already carried into the draft is not carried again.
    Completed projects waiting for verification stay where they are and are returned in
    `awaiting_verification`. Four queries, whatever the number of lists."""
    drafts = {d.village_id: d for d in drafts.filter(status=PledgeList.Status.DRAFT)}
    if not drafts:
        return CarryOver([], [])
    year = next(iter(drafts.values())).year
    left = Project.objects.left_from(year=year - 1, village_ids=list(drafts))
    taken = dict(
        Project.objects.filter(pledge_list__in=drafts.values())
        .values("pledge_list")
        .annotate(n=models.Max("number"))
        .values_list("pledge_list", "n")
    )
    carried = set(
        Project.objects.filter(
            pledge_list__in=drafts.values(), carried_from__isnull=False
        ).values_list("carried_from", flat=True)
    )
    copies, awaiting = [], []
    for old in left.order_by("pledge_list__village_id", "number"):
        if old.status == Project.Status.COMPLETED:
            awaiting.append(old)
            continue
        if old.pk in carried:
            continue
        draft = drafts[old.pledge_list.village_id]
        taken[draft.pk] = (taken.get(draft.pk) or 0) + 1
        copies.append(
            Project(
                pledge_list=draft,
                number=taken[draft.pk],
                carried_from=old,
                **{field: getattr(old, field) for field in CARRIED_FIELDS},
            )
        )
    bulk_create_with_history(copies, Project, batch_size=1000, default_user=by)
    return CarryOver(copies, awaiting)


# What a carried-over project keeps of last year's: what was promised, not how far it got.
CARRIED_FIELDS = (
    "title",
    "category",
    "description",
    "lead_name",
    "lead_post",
    "target_quantity",
    "unit",
    "budget",
    "funding_source",
)


@transaction.atomic
def pledge_list_carry_over(*, pledge_list: PledgeList, by) -> CarryOver:
    """Carry last year's unfinished projects into this (draft) list. The result counts as
    the number carried, and names the completed projects left for the township to verify."""
    return _carry_over(PledgeList.objects.filter(pk=pledge_list.pk), by=by)


@transaction.atomic
def pledge_list_save(*, pledge_list: PledgeList, project_formset, prohibition_formset, by):
    """Save the editor's two formsets together: all or nothing."""
    if not pledge_list.is_editable:
        raise ValidationError(_("This list can no longer be edited; ask for a change instead."))
    for formset in (project_formset, prohibition_formset):
        for obj in formset.save(commit=False):
            obj.pledge_list = pledge_list
            obj._history_user = by
            obj.save()
        for obj in formset.deleted_objects:
            obj._history_user = by
            obj.delete()
    pledge_list._history_user = by
    pledge_list.save(update_fields=["modified"])


@transaction.atomic
def pledge_list_approve(
    *,
    pledge_list: PledgeList,
    by,
    comment: str = "",
    item_comments: dict[int, str] | None = None,
    publish: bool = False,
) -> bool:
    """Approve a submitted list, keeping the township's feasibility comment on each project,
    and publish it at once when asked."""
    _save_item_comments(pledge_list, item_comments, by)
    if not pledge_list.approve(by=by, comment=comment):
        return False
    if publish:
        pledge_list.publish(by=by)
    return True


@transaction.atomic
def pledge_list_return(
    *, pledge_list: PledgeList, by, comment: str, item_comments: dict[int, str] | None = None
) -> bool:
    """Send a submitted list back for revision (修改完善) with the township's comments."""
    _save_item_comments(pledge_list, item_comments, by)
    return pledge_list.return_for_revision(by=by, comment=comment)


def pledge_list_decide(
    *, pledge_list: PledgeList, by, decision: str, comment: str, item_comments: dict[int, str]
) -> bool:
    """The township's decision on a submitted list (ReviewForm): "return" for revision,
    "approve", or "publish" (approve and publish at once)."""
    if decision == "return":
        return pledge_list_return(
            pledge_list=pledge_list, by=by, comment=comment, item_comments=item_comments
        )
    return pledge_list_approve(
        pledge_list=pledge_list,
        by=by,
        comment=comment,
        item_comments=item_comments,
        publish=decision == "publish",
    )


def _save_item_comments(pledge_list, item_comments, by) -> None:
    for project in pledge_list.projects.filter(pk__in=(item_comments or {}).keys()):
        comment = item_comments[project.pk].strip()
        if comment != project.review_comment:
            project.review_comment = comment
            project._history_user = by
            project.save(update_fields=["review_comment", "modified"])


@transaction.atomic
def decision_meeting_record(*, pledge_list: PledgeList, form, by) -> DecisionMeeting:
    """Save one meeting of the list's 4+2 record (creating the record on the first), with the
    signed minutes when sent. The list is locked and checked again: a list submitted in the
    meantime keeps the record it was submitted with."""
    locked = PledgeList.objects.select_for_update().get(pk=pledge_list.pk)
    if not locked.is_editable:
        raise ValidationError(
            _("The list was submitted meanwhile; its record can no longer change.")
        )
    record, _created = DecisionRecord.objects.get_or_create(pledge_list=locked)
    meeting = form.save(commit=False)
    meeting.record = record
    meeting.recorded_by = by
    if upload := form.cleaned_data.get("minutes"):
        meeting.store_minutes(upload)
    meeting._history_user = by
    meeting.save()
    return meeting


@transaction.atomic
def progress_update_create(
    *,
    project: Project,
    by,
    percent_done=None,
    quantity_done=None,
    note: str = "",
    date=None,
    photos=(),
) -> ProgressUpdate:
    """Record progress with its photos and keep the latest figures on the project."""
    if not project.is_open:
        raise ValidationError(
            _("Progress can only be reported on a project that is not finished or cancelled.")
        )
    update = ProgressUpdate(
        project=project,
        percent_done=percent_done,
        quantity_done=quantity_done,
        note=note,
        author=by,
    )
    if date:
        update.date = date
    update._history_user = by
    update.save()
    for upload in photos:
        Photo.create_from_upload(update=update, upload=upload)
    project._history_user = by
    project.record_progress(percent=percent_done, quantity=quantity_done)
    return update


@transaction.atomic
def project_complete(*, project: Project, by, note: str, quantity_done=None, photos=()) -> bool:
    """The village marks a project done, with the evidence in a last progress update; the
    township still verifies it."""
    if not project.is_open:
        return False
    progress_update_create(
        project=project,
        by=by,
        percent_done=100,
        quantity_done=quantity_done,
        note=note,
        photos=photos,
    )
    return project.complete(by=by, note=note)


@transaction.atomic
def project_verify(*, project: Project, by, verify: bool, note: str = "") -> bool:
    """The township's follow-up (随访) decides: verified and struck off (销号), announced to
    the apps above once it commits; or sent back to the village with the reason. False when
    someone else decided first."""
    if not verify:
        return project.send_back(by=by, reason=note)
    if not project.verify(by=by, note=note):
        return False
    announce(project_verified, Project, project=project)
    return True


@transaction.atomic
def change_request_create(
    *, project: Project, by, kind: str, reason: str, **changes
) -> ChangeRequest:
    if project.change_requests.pending().exists():
        raise ValidationError(_("A change to this project is already waiting for the township."))
    request = ChangeRequest(project=project, kind=kind, reason=reason, requested_by=by, **changes)
    if kind == ChangeRequest.Kind.CHANGE and not request.changes():
        raise ValidationError(_("The request changes nothing: give at least one new value."))
    request._history_user = by
    request.save()
    return request


@transaction.atomic
def change_request_decide(
    *, change_request: ChangeRequest, by, approve: bool, note: str = ""
) -> bool:
    """Approve (apply the new values, or cancel the project) or reject a change request.
    The project's history shows the change and who approved it."""
    if not approve:
        return change_request.reject(by=by, note=note)
    changes = change_request.changes()
    if not change_request.approve(by=by, note=note):
        return False
    project = change_request.project
    if change_request.kind == ChangeRequest.Kind.CANCEL:
        return project.cancel(by=by, reason=change_request.reason)
    for name, value in changes.items():
        setattr(project, name, value)
    project.full_clean()
    project._history_user = by
    project._change_reason = change_request.reason
    project.save(update_fields=[*changes, "modified"])
    return True


@transaction.atomic
def escalation_raise(
    *, project: Project, by, problem: str, need: str = "", resources: str = ""
) -> Escalation:
    escalation = Escalation(
        village=project.pledge_list.village,
        project=project,
        problem=problem,
        need=need,
        resources=resources,
        raised_by=by,
    )
    escalation._history_user = by
    escalation.save()
    return escalation
