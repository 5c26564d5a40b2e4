"""Writes that touch several models. Each runs in one transaction; views call these, never
the other way round. What apps above react to is announced through signals.py once the
transaction commits."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from lib.signals import announce
from villages.models import District, Village

from .models import ChangeRequest, Escalation, Photo, PledgeList, ProgressUpdate, Project
from .signals import project_verified


@transaction.atomic
def pledge_list_open_year(*, district: District, year: int, by, carry_over: bool = False) -> int:
    """Create an empty draft list for every village of the district that has none for the
    year; running it again creates nothing. With `carry_over`, each new list starts with the
    village's unfinished projects of the year before. Returns how many lists were created."""
    villages = list(
        Village.objects.filter(township__district=district).exclude(pledge_lists__year=year)
    )
    created = bulk_create_with_history(
        [PledgeList(village=village, year=year) for village in villages],
        PledgeList,
        batch_size=1000,
        default_user=by,
    )
    if carry_over and created:
        _carry_over(PledgeList.objects.filter(year=year, village__in=villages), by=by)
    return len(created)


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
