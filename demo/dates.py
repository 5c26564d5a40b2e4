"""Days and moments inside a demo year, drawn so the draws never depend on today's date.

Every builder dates its rows through one `DemoYear`: a seed then gives the same rows whatever
the day it runs, only clipped to `as_of` so nothing lies in the future.
"""

import datetime
import random
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone


@dataclass(frozen=True)
class DemoYear:
    """A pledge year as the demo sees it: its first and last day, the day it has reached
    (`as_of`: today, or the year's end for a past year) and the moment the seed started."""

    year: int
    start: datetime.date
    end: datetime.date
    as_of: datetime.date
    now: datetime.datetime
    zone: datetime.tzinfo

    @classmethod
    def of(cls, year: int) -> "DemoYear":
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return cls(
            year=year,
            start=start,
            end=end,
            as_of=min(max(timezone.localdate(), start), end),
            now=timezone.now(),
            zone=timezone.get_current_timezone(),
        )

    def day(self, first: datetime.date, last: datetime.date, rng: random.Random) -> datetime.date:
        """A day from first to last (first when last is earlier). One random() whatever the
        span: randint's draws vary with its range, which here depends on today's date."""
        span = max(0, (last - first).days)
        return first + timedelta(days=int(rng.random() * (span + 1)))

    def office_hours(self, day: datetime.date, rng: random.Random) -> datetime.datetime:
        """A time in office hours on `day`, never in the future."""
        at = datetime.time(rng.randint(8, 17), rng.randint(0, 59), tzinfo=self.zone)
        return min(self.now, datetime.datetime.combine(day, at))

    def moment(
        self, first: datetime.date, last: datetime.date, rng: random.Random
    ) -> datetime.datetime:
        """Office hours on a day from first to last, never in the future."""
        return self.office_hours(self.day(first, last, rng), rng)

    def later(
        self, moment: datetime.datetime, low: int, high: int, rng: random.Random
    ) -> datetime.datetime:
        """Office hours `low` to `high` days after `moment`: a review after a submission."""
        day = timezone.localtime(moment).date()
        return self.moment(day + timedelta(days=low), day + timedelta(days=high), rng)
