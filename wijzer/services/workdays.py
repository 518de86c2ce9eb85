"""Working days: Monday to Friday except Dutch public holidays (the ``holidays`` package, country NL).

Deadlines are counted in Dutch local time. A period that starts on a non-working day starts at midnight
of the next working day: a request sent on Saturday 10:00 with two working days to answer is due on
Wednesday 00:00 (Monday and Tuesday are the two days), one sent on Friday 15:00 on Tuesday 15:00.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from wijzer.timeutil import AMS


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(moment: datetime, n: int) -> datetime:
    """``moment`` plus ``n`` working days (aware datetime in, aware UTC-comparable datetime out)."""
    local = moment.astimezone(AMS)
    day = local.date()
    if not is_working_day(day):
        day = next_working_day(day)
        clock = time(0, 0)
    else:
        clock = local.time().replace(tzinfo=None)
    for _ in range(n):
        day = next_working_day(day + timedelta(days=1))
    return datetime.combine(day, clock, tzinfo=AMS)


def add_working_days_to_date(day: date, n: int) -> date:
    """The date ``n`` working days after ``day`` (``day`` itself when n is 0 and it is a working day)."""
    day = next_working_day(day) if n == 0 else day
    for _ in range(n):
        day = next_working_day(day + timedelta(days=1))
    return day
