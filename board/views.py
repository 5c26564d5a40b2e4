"""The public board (no account): district, township and village pages, the A4 poster and
the tables as downloads (the open data API is api.py's). Pages are built in pages.py and
served from their data stamp by responses.py."""

import re
from functools import wraps

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from lib import spreadsheets
from lib.qr import qr_svg
from lib.years import asked_year, year_or_404
from pledges.models import PledgeList, Project
from villages.models import City, District, Township, Village

from . import open_data, pages, replica
from .forms import BoardSearchForm
from .responses import cached_page, read_only


@require_GET
@replica.reads_may_lag
def board(request):
    """The entry: straight to the district when there is only one."""
    districts = list(District.objects.all()[:2])
    if len(districts) == 1:
        return redirect("board:board_place", code=districts[0].code)
    return render(
        request,
        "board/index.html",
        {
            "cities": City.objects.all(),
            "districts": District.objects.all(),
            "form": BoardSearchForm(),
        },
    )


@require_GET
@replica.reads_may_lag
def board_search(request):
    form = BoardSearchForm(request.GET)
    villages = []
    if form.is_valid():
        villages = Village.objects.search(form.cleaned_data["q"]).with_tree()[:50]
    return render(request, "board/search.html", {"form": form, "villages": villages})


def digit_code(view):
    """A division code is ASCII digits: any other `code` names no place and is not looked
    up (PostgreSQL answers a NUL in a query's text with an error, a 500)."""

    @wraps(view)
    def wrapper(request, code: str, *args, **kwargs):
        if not (code.isascii() and code.isdigit()):
            raise Http404
        return view(request, code, *args, **kwargs)

    return wrapper


PLACE_PAGES = {
    6: ("district", pages.district_page, "board/district.html"),
    9: ("township", pages.township_page, "board/township.html"),
}


@require_GET
@digit_code
def board_place(request, code: str):
    """/board/<code>/?year=: a city (4 digits), district (6), township (9) or village (12);
    the year asked for (this year when none), 404 for a year no list can have (lib.years)."""
    year = asked_year(request)
    if len(code) == 12:
        return board_village(request, code, year)
    if len(code) == 4:
        return board_city(request, code, year)
    if len(code) not in PLACE_PAGES:
        raise Http404
    kind, page, template = PLACE_PAGES[len(code)]
    return cached_page(
        request,
        kind=kind,
        code=code,
        year=year,
        template=template,
        context=lambda: page(code, year),
    )


def board_city(request, code: str, year: int):
    """A city's districts side by side (pages.city_page), sorted by ?sort= (one of
    pages.CITY_SORTS, 404 otherwise); each order is its own copy of the page, cached under
    the city's stamp."""
    sort = request.GET.get("sort", "code")
    if sort not in pages.CITY_SORTS:
        raise Http404
    return cached_page(
        request,
        kind="city",
        code=code,
        year=year,
        part="" if sort == "code" else f"sort-{sort}",
        template="board/city.html",
        context=lambda: pages.city_page(code, year, sort),
    )


@require_GET
@digit_code
def board_village(request, code: str, year: int):
    """A village's published list for a year (pages.village_page)."""
    return cached_page(
        request,
        kind="village",
        code=code,
        year=year_or_404(year),
        template="board/village.html",
        context=lambda: pages.village_page(code, year),
    )


@require_GET
@digit_code
def board_project(request, code: str, year: int, number: int):
    """One project of a village's published list (pages.project_page), cached with the
    village's pages: a progress report, a verification, an approved change or a ruling
    changes the village's stamp, and so this page."""
    return cached_page(
        request,
        kind="village",
        code=code,
        year=year_or_404(year),
        part=f"project-{number}",
        template="board/project.html",
        context=lambda: pages.project_page(code, year, number),
    )


def _plate_qr(url: str) -> str:
    """The QR code as wide as the plate: the SVG's own width attribute (its viewBox keeps it
    square), since the poster's stylesheet sizes only its small .qr and CSP allows no
    inline style."""
    svg = re.sub(r'width="[^"]*" height="[^"]*"', 'width="100%"', str(qr_svg(url)), count=1)
    return mark_safe(svg)


@require_GET
@digit_code
@replica.reads_may_lag
def board_project_plate(request, code: str, year: int, number: int):
    """A printable A4 plate for the work site (民生码): a big QR code that opens the project's
    page, its title, the village and the date it is promised for."""
    project = pages.published_project(code, year_or_404(year), number)
    url = request.build_absolute_uri(reverse("board:board_project", args=[code, year, number]))
    context = {
        "project": project,
        "village": project.pledge_list.village,
        "year": year,
        "project_url": url,
        "qr_svg": _plate_qr(url),
    }
    return render(request, "board/plate.html", context)


@require_GET
@digit_code
@replica.reads_may_lag
def board_poster(request, code: str, year: int):
    """An A4 public notice (公示) of the published list, with a QR code to the online board."""
    village = get_object_or_404(Village.objects.with_tree(), code=code)
    pledge_list = get_object_or_404(
        PledgeList.objects.published(), village=village, year=year_or_404(year)
    )
    board_url = request.build_absolute_uri(
        reverse("board:board_village", args=[village.code, year])
    )
    context = {
        "village": village,
        "pledge_list": pledge_list,
        "board_url": board_url,
        "projects": pledge_list.projects.exclude(status=Project.Status.CANCELLED),
        "prohibitions": pledge_list.prohibitions.all(),
        "decision": pledge_list.decision_record(),
        "qr_svg": qr_svg(board_url),
    }
    return render(request, "board/poster.html", context)


# --- Downloads ---
# The district and township tables as CSV and xlsx (builders: open_data.py; the JSON of the
# same data is the API's, api.py).

EXPORT_TABLES = {
    4: (City, open_data.city_table),
    6: (District, open_data.district_table),
    9: (Township, open_data.township_table),
}


@read_only
@replica.reads_may_lag
def board_export(request, code: str, fmt: str):
    """/board/<code>/export.csv|.xlsx?year=: the city (4 digits), district (6 digits) or
    township (9 digits) table of the board, published lists only."""
    year = asked_year(request)
    if len(code) not in EXPORT_TABLES:
        raise Http404
    model, table = EXPORT_TABLES[len(code)]
    place = open_data.find(model.objects.all(), code, len(code))
    if place is None:
        raise Http404
    columns, rows = table(place, year)
    filename = f"pledges-{code}-{year}.{fmt}"
    return spreadsheets.table_download(f"{place.name} {year}", columns, rows, filename)


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
