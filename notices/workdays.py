"""Working days in mainland China: the `chinese-calendar` package, wrapped.

The package knows only the years it was released for (1.11.0: up to 2026) and raises for
later ones; the State Council publishes each year's holidays in the autumn before. So: an
administrator's `CalendarDay` rows win, then the package, then plain Monday–Friday. A 2027
date never crashes a scheduled job.
"""

import datetime
import logging

import chinese_calendar

from .models import CalendarDay

logger = logging.getLogger(__name__)

# Longer than any run of holidays and weekends (Spring Festival: 8–9 days).
LOOKAHEAD_DAYS = 31


def _package_says(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        logger.warning(
            "chinese-calendar has no data for %s: Monday to Friday assumed; add the year's "
            "holidays as calendar days in the admin",
            day.year,
        )
        return day.weekday() < 5


def is_working_day(day: datetime.date, overrides: dict | None = None) -> bool:
    if overrides is None:
        overrides = dict(CalendarDay.objects.filter(date=day).values_list("date", "is_working_day"))
    if day in overrides:
        return overrides[day]
    return _package_says(day)


def next_working_day(day: datetime.date) -> datetime.date:
    """`day` itself when it is a working day, else the first working day after it. One query
    (the overrides of the next month)."""
    overrides = dict(
        CalendarDay.objects.filter(
            date__gte=day, date__lte=day + datetime.timedelta(days=LOOKAHEAD_DAYS)
        ).values_list("date", "is_working_day")
    )
    for offset in range(LOOKAHEAD_DAYS + 1):
        candidate = day + datetime.timedelta(days=offset)
        if is_working_day(candidate, overrides):
            return candidate
    return day  # a month without a working day: an impossible calendar; do not hold notices
