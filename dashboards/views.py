"""Where each person lands after logging in: `/` is their work queue (待办) for every place
they hold a role in; the district's overview and the township's dashboard show the year's
figures, one tap from the queue."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lib.year_nav import working_year, year_nav
from lib.years import year_param
from pledges.models import ChangeRequest, Escalation, PledgeList
from pledges.work import year_to_open
from residents.models import open_counts
from suggestions.models import Suggestion
from villages.access import get_city_for_user, get_district_for_user, get_township_for_user
from villages.models import Village

from .queue import work_for


@require_GET
def home(request):
    """The landing page after logging in: what waits for the person in each of their places
    (待办), soonest due first, each line one tap from the page that does it."""
    if not request.user.is_authenticated:
        return redirect("board:board")
    today = timezone.localdate()
    places = work_for(request.user, today)
    return render(request, "dashboards/home.html", {"places": places, "today": today})


def _answerable(request, escalations) -> list:
    """The escalations, each knowing whether the person may answer it (`may_answer`): those
    who only read (a city administrator) see the problem without a link to the answer form.
    Their lists and villages come in the same query, so asking adds none."""
    escalations = list(escalations.select_related("project__pledge_list__village__township"))
    for escalation in escalations:
        escalation.may_answer = request.user.has_perm("pledges.answer_escalation", escalation)
    return escalations


def _years(lists, request, status: str, note: str) -> tuple[int, list[dict]]:
    """The year asked for (or the working year) and the switcher, each year noting how many
    lists wait in `status`."""
    rows = lists.years_waiting(status)
    this_year = timezone.localdate().year
    year = year_param(request, default=working_year([y for y, _n in rows], this_year))
    notes = [(y, note % {"n": n} if n else "") for y, n in rows]
    return year, year_nav(notes, year)


@login_required
@require_GET
def city_overview(request, code: str):
    """The city administrator's page: the city's districts, each one tap from its overview
    and its public board page, and the city's own board page (the comparison)."""
    city = get_city_for_user(request, code)
    context = {"city": city, "districts": city.districts.all()}
    return render(request, "dashboards/city_overview.html", context)


@login_required
@require_GET
def district_overview(request, code: str):
    district = get_district_for_user(request, code)
    lists = PledgeList.objects.in_district(district)
    year, year_links = _years(lists, request, PledgeList.Status.SUBMITTED, _("%(n)s to review"))
    context = {
        "district": district,
        "year": year,
        "year_links": year_links,
        "townships": PledgeList.objects.township_summary(district=district, year=year),
        "escalations": _answerable(
            request,
            Escalation.objects.visible_to(request.user).open_for_district(district).with_project(),
        ),
        "figures": Suggestion.objects.figures(
            year=year, villages=Village.objects.in_district(district)
        ),
        "year_to_open": request.user.has_perm("pledges.open_year", district)
        and year_to_open(district, timezone.localdate()),
    }
    return render(request, "dashboards/district_overview.html", context)


@login_required
@require_GET
def township_dashboard(request, code: str):
    township = get_township_for_user(request, code)
    lists = PledgeList.objects.in_township(township)
    year, year_links = _years(lists, request, PledgeList.Status.SUBMITTED, _("%(n)s to review"))
    rows, totals = PledgeList.objects.visible_to(request.user).township_rows(township, year)
    context = {
        "township": township,
        "year": year,
        "year_links": year_links,
        "rows": rows,
        "totals": totals,
        "escalations": _answerable(
            request,
            Escalation.objects.visible_to(request.user).open_for_township(township).with_project(),
        ),
        "changes": ChangeRequest.objects.pending()
        .filter(project__pledge_list__village__township=township)
        .select_related("project__pledge_list__village"),
        "residents_open": open_counts(township),
    }
    return render(request, "dashboards/township_dashboard.html", context)
