"""Pledge lists and projects fetched for the user asking, with a permission."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from villages.access import get_for_user

from .models import (
    ChangeRequest,
    DecisionMeeting,
    Escalation,
    OpenYearJob,
    PledgeList,
    ProgressUpdate,
    Project,
)


def get_pledge_list_for_user(request, pk: int, perm: str = "pledges.view_pledge_list"):
    return get_for_user(request, PledgeList.objects.with_tree(), perm, pk=pk)


def get_project_for_user(request, pk: int, perm: str = "pledges.view_pledge_list"):
    queryset = Project.objects.with_list().select_related("carried_from__pledge_list")
    return get_for_user(request, queryset, perm, pk=pk)


def get_change_request_for_user(request, pk: int) -> ChangeRequest:
    """A change request, for those who may decide on its project."""
    queryset = ChangeRequest.objects.select_related("project__pledge_list__village__township")
    return get_for_user(request, queryset, "pledges.decide_change", pk=pk)


def get_escalation_for_user(request, pk: int) -> Escalation:
    queryset = Escalation.objects.select_related("village__township", "project")
    return get_for_user(request, queryset, "pledges.answer_escalation", pk=pk)


def get_open_year_job_for_user(request, pk: int) -> OpenYearJob:
    """An opening of a year, for those who may open a year in its district (its district
    administrators, `OpenYearJob.objects.visible_to`): anyone else's is not found (404)."""
    queryset = OpenYearJob.objects.visible_to(request.user).select_related("district")
    return get_object_or_404(queryset, pk=pk)


def get_progress_update_for_photo(request, name: str) -> ProgressUpdate:
    """The progress update one of whose photos (or thumbnails) is stored as `name`, for those
    who may see it (`pledges.view_progress`)."""
    queryset = ProgressUpdate.objects.select_related(
        "project__pledge_list__village__township"
    ).filter(Q(photos__image=name) | Q(photos__thumbnail=name))
    return get_for_user(request, queryset, "pledges.view_progress")


def get_decision_meeting_for_minutes(request, name: str) -> DecisionMeeting:
    """The 4+2 meeting whose signed minutes (or their thumbnail) are stored as `name`, for
    those who may read its list (the minutes carry villagers' signatures: never public)."""
    found = DecisionMeeting.objects.filter(Q(image=name) | Q(thumbnail=name))
    if not found.exists():
        raise Http404
    # The demo's records share one file: any meeting in the user's scope will do.
    lists = PledgeList.objects.visible_to(request.user)
    meeting = (
        found.filter(record__pledge_list__in=lists)
        .select_related("record__pledge_list__village__township")
        .first()
    )
    if meeting is None or not request.user.has_perm(
        "pledges.view_pledge_list", meeting.record.pledge_list
    ):
        raise PermissionDenied
    return meeting
