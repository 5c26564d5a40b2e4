"""One helper per type that fetches an object for the user asking, with a permission: every
working page reaches its objects through one of these (or the same pattern in its own app's
`access.py`), so a page cannot forget the check."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import City, District, Township, Village


def get_for_user(request, queryset, perm: str, **lookup):
    """The object of `queryset` matching `lookup` (404 when there is none), provided the user
    holds `perm` on it (403 otherwise)."""
    obj = get_object_or_404(queryset, **lookup)
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied
    return obj


def get_city_for_user(request, code: str, perm: str = "villages.view_city") -> City:
    return get_for_user(request, City.objects.all(), perm, code=code)


def get_district_for_user(request, code: str, perm: str = "villages.view_district") -> District:
    return get_for_user(request, District.objects.all(), perm, code=code)


def get_township_for_user(request, code: str, perm: str = "villages.view_township") -> Township:
    return get_for_user(request, Township.objects.select_related("district"), perm, code=code)


def get_village_for_user(request, code: str, perm: str = "villages.view_village") -> Village:
    return get_for_user(request, Village.objects.with_tree(), perm, code=code)
