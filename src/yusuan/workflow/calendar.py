"""Working days on the Chinese calendar (法定节假日 and 调休 working weekends).

chinese-calendar knows the State Council's announced years; an administrator can add or correct
days (``CalendarDay``) for a year the library does not know yet. Beyond both, Saturdays and
Sundays and the fixed-date statutory holidays are the days off (and the due date says it is an
estimate).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import chinese_calendar

LOCAL = ZoneInfo("Asia/Shanghai")
MAX_SCAN_DAYS = 400
# 《全国年节及纪念日放假办法》 (2024 revision): the holidays with fixed solar dates.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


def is_workday(day: dt.date, overrides: Mapping[dt.date, bool]) -> tuple[bool, bool]:
    """(is it a working day, is that known rather than estimated)."""
    if day in overrides:
        return overrides[day], True
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS, False


def due_after(
    start: dt.datetime, working_days: int, overrides: Mapping[dt.date, bool]
) -> tuple[dt.datetime, bool]:
    """End of the ``working_days``-th working day after ``start``'s local date, and whether exact.

    A step that starts on Wednesday 30 September 2026 with 2 working days is due at the end of
    Friday 9 October: 1–7 October 2026 is the National Day holiday, 8 and 9 October are the two
    working days.
    """
    day = start.astimezone(LOCAL).date()
    counted = 0
    exact = True
    for _ in range(MAX_SCAN_DAYS):
        day += dt.timedelta(days=1)
        working, known = is_workday(day, overrides)
        exact = exact and known
        if working:
            counted += 1
            if counted == working_days:
                break
    # The last second of that working day, so that its date is the date people read as "due".
    end_of_day = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LOCAL)
    return end_of_day.astimezone(dt.UTC), exact


def working_days_between(
    start: dt.datetime, end: dt.datetime, overrides: Mapping[dt.date, bool]
) -> int:
    """Whole working days from ``start``'s local date (exclusive) to ``end``'s (inclusive)."""
    day = start.astimezone(LOCAL).date()
    last = end.astimezone(LOCAL).date()
    count = 0
    while day < last:
        day += dt.timedelta(days=1)
        if is_workday(day, overrides)[0]:
            count += 1
    return count
