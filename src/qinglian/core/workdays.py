"""Working days in mainland China: weekends, public holidays and the adjusted working weekends.

Backed by chinese_calendar, which carries the State Council's holiday arrangements year by year.
For a year it does not know yet (arrangements are published each November), the calendar falls
back to Monday-to-Friday and says so through `is_known_year`, so deadlines never fail to compute.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_known_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def holiday_name(day: date) -> str | None:
    """The public holiday a day belongs to (in English, as chinese_calendar names it), if any."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if on_holiday and name else None


def add_workdays(start: date, count: int) -> date:
    """The day `count` working days after `start` (before it when negative); 0 gives `start`."""
    day, step, left = start, (1 if count >= 0 else -1), abs(count)
    while left:
        day += timedelta(days=step)
        if is_workday(day):
            left -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when end is earlier)."""
    if end < start:
        return -workdays_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_workday(start + timedelta(days=n)))
