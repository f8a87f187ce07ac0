"""Working days in mainland China, checked against the State Council's real 2025 arrangements."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from qinglian.core.workdays import add_workdays, holiday_name, is_known_year, is_workday, workdays_between

NATIONAL_DAY_2025 = [date(2025, 10, d) for d in range(1, 9)]


@pytest.mark.parametrize("day", NATIONAL_DAY_2025, ids=str)
def test_national_day_2025_is_a_holiday_even_on_weekdays(day):
    assert not is_workday(day)
    # 2025-10-06 is the Mid-autumn Festival, which fell inside the National Day break.
    assert holiday_name(day) == ("Mid-autumn Festival" if day == date(2025, 10, 6) else "National Day")


@pytest.mark.parametrize("day", [date(2025, 9, 28), date(2025, 10, 11)], ids=["sunday-0928", "saturday-1011"])
def test_the_adjusted_weekend_days_are_working_days(day):
    assert day.weekday() >= 5
    assert is_workday(day)
    assert holiday_name(day) is None


def test_ordinary_days_around_the_break():
    assert is_workday(date(2025, 9, 30))  # Tuesday before
    assert is_workday(date(2025, 10, 9))  # Thursday after
    assert not is_workday(date(2025, 9, 27))  # an ordinary Saturday
    assert not is_workday(date(2025, 10, 12))  # an ordinary Sunday
    assert holiday_name(date(2025, 10, 12)) is None


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2025, 9, 30), 0, date(2025, 9, 30)),
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # straight over the eight-day break
        (date(2025, 9, 30), 3, date(2025, 10, 11)),  # the adjusted Saturday counts
        (date(2025, 9, 26), 1, date(2025, 9, 28)),  # Friday -> the adjusted Sunday
        (date(2025, 10, 9), -1, date(2025, 9, 30)),  # backwards over the break
        (date(2025, 10, 1), 1, date(2025, 10, 9)),  # from inside the break
        (date(2025, 9, 26), 10, date(2025, 10, 16)),  # 28, 29, 30, 9, 10, 11, 13, 14, 15, 16
    ],
)
def test_add_workdays_across_the_holiday(start, count, expected):
    assert add_workdays(start, count) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2025, 9, 30), date(2025, 10, 8), 0),
        (date(2025, 9, 30), date(2025, 10, 10), 2),
        (date(2025, 9, 26), date(2025, 10, 12), 6),  # 28, 29, 30, 9, 10, 11
        (date(2025, 10, 10), date(2025, 9, 30), -2),
        (date(2025, 9, 30), date(2025, 9, 30), 0),
    ],
)
def test_workdays_between(start, end, expected):
    assert workdays_between(start, end) == expected


def test_workdays_between_agrees_with_add_workdays():
    start = date(2025, 9, 20)
    for n in range(0, 25):
        assert workdays_between(start, add_workdays(start, n)) == n


def test_an_unknown_far_future_year_falls_back_to_monday_to_friday():
    assert not is_known_year(2099)
    assert is_known_year(2025)
    monday = date(2099, 10, 5)
    assert monday.weekday() == 0
    week = [monday + timedelta(days=n) for n in range(7)]
    # 1 October 2099 would be National Day; without a published arrangement only weekends rest.
    assert [is_workday(day) for day in week] == [True] * 5 + [False] * 2
    assert is_workday(date(2099, 10, 1))
    assert holiday_name(date(2099, 10, 1)) is None
    assert add_workdays(date(2099, 10, 9), 1) == date(2099, 10, 12)  # Friday -> Monday
    assert workdays_between(monday, monday + timedelta(days=14)) == 10
