"""Rates shown with what they are made of, and standings that cannot mislead.

A `Rate` is a part of a whole: 182 satisfied ballots of 193. It prints as "94.3% (182/193)"
("94.3%（182/193）" in Chinese), never as a bare percent, and as "—" when nothing was counted.

`standing(rows, rate=...)` ranks rows by their rate: only rows with at least
RANKING_MIN_RESULTS counted (fewer are listed in `too_few`, not ranked), equal rates share a
place (1, 2, 2, 4), and `below` names the ranked rows under RANKING_THRESHOLD percent, so that
where nearly everyone scores 100 % a page shows who falls short rather than a league table
ordered by the last decimal.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext

ONE_PLACE = Decimal("0.1")
NO_DATA = "—"


def percent(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal place (half up); None when nothing was counted."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rate:
    """`part` of `whole` counted: satisfied ballots of valid ballots, projects verified of
    projects, prohibitions kept of ratings."""

    part: int
    whole: int

    @property
    def percent(self) -> Decimal | None:
        return percent(self.part, self.whole)

    @property
    def counts(self) -> str:
        """ "(182/193)", for a cell that shows the percent and the counts on two lines."""
        return gettext("(%(part)s/%(whole)s)") % {"part": self.part, "whole": self.whole}

    def __str__(self) -> str:
        if not self.whole:
            return NO_DATA
        return gettext("%(percent)s%% (%(part)s/%(whole)s)") % {
            "percent": self.percent,
            "part": self.part,
            "whole": self.whole,
        }


@dataclass
class Placed:
    """A row of a standing with its rate and its place (None when not ranked; equal rates
    share one). Reads through to the row: `placed.name` is `placed.row.name` (and
    `placed["name"]` for a dict row), so templates and callers use it as the row itself."""

    place: int | None
    row: object
    rate: Rate

    def __getattr__(self, name):
        if name.startswith("__") or name == "row":
            raise AttributeError(name)
        return getattr(self.row, name)

    def __getitem__(self, key):
        return self.row[key]


@dataclass
class Standing:
    """`ranked`: rows with enough results, best first, each with its place; `below`: those
    of them under the threshold (worst first); `too_few`: rows with fewer than `min_whole`
    results, in the order given — listed, not ranked (place None). Every row is a `Placed`."""

    ranked: list[Placed] = field(default_factory=list)
    below: list[Placed] = field(default_factory=list)
    too_few: list[Placed] = field(default_factory=list)
    min_whole: int = 0
    threshold: Decimal = Decimal(0)

    @property
    def all_above(self) -> bool:
        """Every ranked row reaches the threshold."""
        return bool(self.ranked) and not self.below


def _order_by_rate(row_rate: Rate):
    """Best first: the higher percent, then the more results behind it."""
    return (-row_rate.percent, -row_rate.whole)


def standing(
    rows: Iterable,
    *,
    rate: Callable[[object], Rate],
    min_whole: int | None = None,
    threshold: int | Decimal | None = None,
    order: Callable[[object], object] | None = None,
    count: Callable[[object], int] | None = None,
) -> Standing:
    """Rank `rows` by `rate(row)`; see the module's docstring. `order` (row -> sort key,
    smallest first) ranks by something else than the rate, e.g. a review's overall score;
    rows with equal keys share a place. `count` (row -> int) is the number of results that
    must reach `min_whole` when it is not the rate's whole, e.g. a review's ballots while
    its rate counts ratings. Defaults: settings.RANKING_MIN_RESULTS and
    settings.RANKING_THRESHOLD (percent). The order among equals is the input order."""
    min_whole = settings.RANKING_MIN_RESULTS if min_whole is None else min_whole
    threshold = Decimal(str(settings.RANKING_THRESHOLD if threshold is None else threshold))
    min_whole = max(min_whole, 1)  # a rate of nothing counted is never ranked
    enough, too_few = [], []
    for row in rows:
        row_rate = rate(row)
        results = count(row) if count is not None else row_rate.whole
        # Ranked by its rate, a row needs something counted; ranked by `order`, enough results.
        if results >= min_whole and (row_rate.whole or order is not None):
            enough.append((row, row_rate))
        else:
            too_few.append(Placed(None, row, row_rate))

    def key(pair):
        row, row_rate = pair
        return order(row) if order is not None else _order_by_rate(row_rate)

    enough.sort(key=key)
    ranked, previous, place = [], object(), 0
    for position, pair in enumerate(enough, 1):
        this = key(pair) if order is not None else pair[1].percent
        if this != previous:
            place, previous = position, this
        ranked.append(Placed(place, pair[0], pair[1]))
    below = sorted(
        (p for p in ranked if p.rate.whole and p.rate.percent < threshold),
        key=lambda p: (p.rate.percent, -p.rate.whole),
    )
    return Standing(
        ranked=ranked, below=below, too_few=too_few, min_whole=min_whole, threshold=threshold
    )
