"""Working days in mainland China: public holidays and adjusted working days (调休) from `chinese_calendar`.

Overrides recorded by city admins take precedence (a date → working or not). Past the package's known years the
count falls back to Monday–Friday and logs a warning, so deadlines still come out instead of failing.
"""

import datetime as dt
import logging
from collections.abc import Mapping

import chinese_calendar

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


def is_workday(day: dt.date, overrides: Mapping[dt.date, bool] | None = None) -> bool:
    if overrides and day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "chinese_calendar does not cover %s; counting Monday–Friday as working days", day.year
            )
        return day.weekday() < 5


def add_workdays(start: dt.date, count: int, overrides: Mapping[dt.date, bool] | None = None) -> dt.date:
    """The date `count` working days after `start` (start itself not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_workday(day, overrides):
            remaining -= 1
    return day


def workdays_between(start: dt.date, end: dt.date, overrides: Mapping[dt.date, bool] | None = None) -> int:
    """Working days in (start, end]."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day, overrides):
            count += 1
    return count
