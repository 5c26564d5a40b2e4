"""Where each person lands after logging in: `/` sends them to their role's page; the
district's overview and the township's dashboard gather what waits for them from every app
(lists and projects, problems passed up, suggestions, residents' challenges and reports)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from lib.years import year_param
from pledges.models import Escalation, PledgeList
from residents.models import open_counts
from suggestions.models import Suggestion
from villages.access import get_district_for_user, get_township_for_user
from villages.models import Membership, Village

ROLE_HOME = {
    Membership.Role.DISTRICT_ADMIN: "dashboards:district_overview",
    Membership.Role.TOWNSHIP_CADRE: "dashboards:township_dashboard",
    Membership.Role.VILLAGE_COMMITTEE: "pledges:village_list",
    Membership.Role.REVIEWER: "pledges:village_list",
}


@require_GET
def home(request):
    """Send each person to their own place: one membership → straight to its working page."""
    if not request.user.is_authenticated:
        return redirect("board:board")
    memberships = list(Membership.objects.filter(user=request.user).with_places())
    targets = {(ROLE_HOME[m.role], m.place.code) for m in memberships}
    if len(targets) == 1:
        view_name, code = targets.pop()
        return redirect(view_name, code=code)
    for membership in memberships:
        membership.url = redirect(ROLE_HOME[membership.role], code=membership.place.code).url
    return render(request, "dashboards/home.html", {"memberships": memberships})


@login_required
@require_GET
def district_overview(request, code: str):
    district = get_district_for_user(request, code)
    year = year_param(request)
    context = {
        "district": district,
        "year": year,
        "townships": PledgeList.objects.township_summary(district=district, year=year),
        "escalations": Escalation.objects.visible_to(request.user)
        .open_for_district(district)
        .with_project(),
        "figures": Suggestion.objects.figures(
            year=year, villages=Village.objects.in_district(district)
        ),
        "can_open_year": request.user.has_perm("pledges.open_year", district),
    }
    return render(request, "dashboards/district_overview.html", context)


@login_required
@require_GET
def township_dashboard(request, code: str):
    township = get_township_for_user(request, code)
    year = year_param(request)
    rows, totals = PledgeList.objects.visible_to(request.user).township_rows(township, year)
    context = {
        "township": township,
        "year": year,
        "rows": rows,
        "totals": totals,
        "escalations": Escalation.objects.visible_to(request.user)
        .open_for_township(township)
        .with_project(),
        "residents_open": open_counts(township),
    }
    return render(request, "dashboards/township_dashboard.html", context)
