"""Deadlines in working days, with China's statutory holidays and adjusted working days (调休).

The calendar is the `holidays` library's China calendar, which knows both the public holidays and
the weekend days that are worked in exchange; nothing here is a hand-written calendar.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

CHINA = ZoneInfo("Asia/Shanghai")


@lru_cache(maxsize=8)
def _calendar(first_year: int, last_year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=range(first_year, last_year + 1))


def calendar_for(day: dt.date) -> holidays.HolidayBase:
    return _calendar(day.year - 1, day.year + 2)


def is_working_day(day: dt.date) -> bool:
    return bool(calendar_for(day).is_working_day(day))


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n >= 1); `day` itself never counts."""
    if n < 1:
        raise ValueError("n must be at least 1")
    current = day
    remaining = n
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def deadline(start: dt.datetime, working_days: int) -> dt.datetime:
    """End (23:59:59 China time) of the n-th working day after the day `start` falls on in China."""
    local_day = start.astimezone(CHINA).date()
    due = add_working_days(local_day, working_days)
    return dt.datetime.combine(due, dt.time(23, 59, 59), tzinfo=CHINA)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        count += is_working_day(current)
    return count
