"""Import jobs and the places of an export, fetched for the user asking, with a permission."""

from django.http import Http404

from villages.access import get_for_user
from villages.models import District, Township, Village

from .models import ImportJob

# A place by the length of its code: its model, the permission to view it, and the filter
# on Village for the villages in it.
PLACES = {
    6: (District, "villages.view_district", "township__district"),
    9: (Township, "villages.view_township", "township"),
    12: (Village, "villages.view_village", "pk"),
}


def get_import_job_for_user(request, pk: int) -> ImportJob:
    """A job, for the cadres who may import into its township."""
    queryset = ImportJob.objects.select_related("township__district")
    return get_for_user(request, queryset, "imports.import_pledge_lists", pk=pk)


def get_place_for_user(request, code: str, perm: str | None = None) -> tuple:
    """A district, township or village by the length of its code, on which the user holds
    `perm` (by default: may view it); and its villages."""
    if len(code) not in PLACES or not code.isdigit():
        raise Http404
    model, view_perm, path = PLACES[len(code)]
    place = get_for_user(request, model.objects.all(), perm or view_perm, code=code)
    return place, Village.objects.filter(**{path: place.pk})


def get_export_scope_for_user(request, code: str, what: str) -> tuple:
    """(place, its villages cut to the user's roles, whether names and phones may be
    exported) for an export of `what`. Suggestions are not the reviewers' to see."""
    if what != "suggestions":
        place, villages = get_place_for_user(request, code)
        return place, villages.in_scope_of(request.user), False
    perm = (
        "suggestions.view_suggestion" if len(code) == 12 else "suggestions.view_suggestion_backlog"
    )
    place, villages = get_place_for_user(request, code, perm)
    private = request.user.has_perm("imports.export_private_suggestions", place)
    return place, villages.in_scope_of(request.user, reviewers=False), private
