from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from .models import District, Township, Village


def _get_for_user(request, queryset, code: str, perm: str):
    """Look an object up by code and refuse with 403 unless the user holds `perm` on it."""
    obj = get_object_or_404(queryset, code=code)
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied
    return obj


def get_district_for_user(request, code: str, perm: str = "villages.view_district") -> District:
    return _get_for_user(request, District.objects.all(), code, perm)


def get_township_for_user(request, code: str, perm: str = "villages.view_township") -> Township:
    return _get_for_user(request, Township.objects.select_related("district"), code, perm)


def get_village_for_user(request, code: str, perm: str = "villages.view_village") -> Village:
    return _get_for_user(request, Village.objects.with_tree(), code, perm)


@login_required
@require_GET
def district_detail(request, code: str):
    district = get_district_for_user(request, code)
    townships = district.townships.with_village_count()
    return render(
        request, "villages/district_detail.html", {"district": district, "townships": townships}
    )


@login_required
@require_GET
def township_detail(request, code: str):
    township = get_township_for_user(request, code)
    return render(
        request,
        "villages/township_detail.html",
        {"township": township, "villages": township.villages.all()},
    )


@login_required
@require_GET
def village_detail(request, code: str):
    village = get_village_for_user(request, code)
    return render(request, "villages/village_detail.html", {"village": village})


@require_GET
def healthz(request):
    """A trivial view: load balancers probe it, and benchmarks measure against it."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def switch_language(request, code: str):
    """Change the page language with a plain link (a cookie, nothing else): pages then carry
    no per-visitor form, so public pages can be cached whole."""
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response
