from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .access import get_district_for_user, get_township_for_user, get_village_for_user


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
