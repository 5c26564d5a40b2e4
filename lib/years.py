"""The year a page is about, from its query string."""

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
