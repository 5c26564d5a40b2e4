"""The year switcher on every page that has a year: the years there is something to see, each
with a short note of what waits in it (e.g. "3 to review"), and the one shown marked."""

from collections.abc import Callable, Iterable


def year_nav(
    rows: Iterable[tuple[int, str]], current: int, url: Callable[[int], str] | None = None
) -> list[dict]:
    """`rows` are (year, note) pairs; `url` makes each year's link (by default `?year=`).
    The current year is always listed, even with nothing in it yet."""
    notes = dict(rows)
    notes.setdefault(current, "")
    link = url or (lambda year: f"?year={year}")
    return [
        {"year": year, "note": notes[year], "url": link(year), "current": year == current}
        for year in sorted(notes)
    ]


def working_year(years: Iterable[int], today_year: int) -> int:
    """The year a page opens on when none is asked for: this year if it has anything, else the
    nearest year that has (the last one before, or the coming one)."""
    years = set(years)
    if not years or today_year in years:
        return today_year
    earlier = [year for year in years if year < today_year]
    return max(earlier) if earlier else min(years)
