"""Working days on the Chinese calendar (chinese-calendar, corrections, estimate beyond)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from yusuan.workflow.calendar import due_after, is_workday, working_days_between

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        pytest.param(_at(2026, 9, 30), 2, dt.date(2026, 10, 9), id="national_day_case"),
        pytest.param(_at(2026, 10, 9), 1, dt.date(2026, 10, 10), id="adjusted_saturday_case"),
        pytest.param(_at(2026, 11, 20), 1, dt.date(2026, 11, 23), id="weekend_case"),
        pytest.param(_at(2026, 2, 13), 1, dt.date(2026, 2, 14), id="spring_festival_makeup_case"),
    ],
)
def test_due_dates_follow_the_state_council_calendar(
    start: dt.datetime, days: int, due: dt.date
) -> None:
    moment, exact = due_after(start, days, {})
    local = moment.astimezone(SHANGHAI)
    assert (local.date(), local.time()) == (due, dt.time(23, 59, 59))
    assert exact


def test_corrections_win_and_unknown_years_are_estimates() -> None:
    # 2027 is beyond the library: 1 January is a fixed holiday, the weekend is off, flagged inexact.
    moment, exact = due_after(_at(2026, 12, 31), 1, {})
    assert moment.astimezone(SHANGHAI).date() == dt.date(2027, 1, 4)
    assert not exact
    # An administrator enters the announced 2027 calendar: Monday 4 January off (example).
    overrides = {dt.date(2027, 1, 4): False}
    moment, exact = due_after(_at(2026, 12, 31), 1, overrides)
    assert moment.astimezone(SHANGHAI).date() == dt.date(2027, 1, 5)
    assert is_workday(dt.date(2027, 1, 4), overrides) == (False, True)


def test_working_days_between_skips_the_holiday() -> None:
    assert working_days_between(_at(2026, 9, 30), _at(2026, 10, 9), {}) == 2
