"""The year a page is about, from its query string or its path."""

from django.http import Http404
from django.utils import timezone

YEAR_MIN, YEAR_MAX = 2000, 2100  # as PledgeList.year's validators


def parse_year(text: str) -> int | None:
    """A plausible year written in ASCII digits, else None ("²" is a digit to isdigit(),
    not to int())."""
    text = text or ""
    if not (text.isascii() and text.isdigit()):
        return None
    year = int(text)
    return year if YEAR_MIN <= year <= YEAR_MAX else None


def year_param(request, default: int | None = None) -> int:
    """?year=, or `default` (this year) when it is missing or not a plausible year."""
    year = parse_year(request.GET.get("year", ""))
    if year is not None:
        return year
    return default if default is not None else timezone.localdate().year


def year_or_404(year: int) -> int:
    """A year from a page's path (/board/<village>/<year>/): 404 when no list can have it
    (0, 10000, 99999), rather than a page about a year that cannot exist."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Http404("No list can have this year.")
    return year


def asked_year(request, default: int | None = None) -> int:
    """?year= exactly as asked, for public pages: `default` (this year) only when it is
    missing or empty; 404 when it is given but is no year a list can have (?year=1999,
    ?year=abc), so a page never silently shows another year than the one asked for."""
    text = request.GET.get("year", "")
    if not text:
        return default if default is not None else timezone.localdate().year
    year = parse_year(text)
    if year is None:
        raise Http404("No list can have this year.")
    return year
