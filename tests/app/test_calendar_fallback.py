"""The calendar used for a year without a holiday table is never later than the true one (RIG-2).

Proved against chinese-calendar's real tables (2004-2026, adjusted working weekends included) for every
start date: the fallback's due date is <= the true due date, and the largest gap is the bound the
code and the guides state (decision of 2026-12-03)."""

import bisect
import datetime as dt

import chinese_calendar
import pytest

from app.calendar import add_working_days, workdays as W

D = dt.date
FIRST, LAST = D(2004, 1, 1), D(2026, 12, 31)


def _days(lo: dt.date, hi: dt.date) -> list[dt.date]:
    return [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]


def test_every_make_up_day_lies_in_the_fallback_window_and_no_statutory_day_is_worked():
    far = 0
    for day in _days(FIRST, LAST):
        truth = chinese_calendar.is_workday(day)
        if truth:
            assert W.fallback_is_working_day(day), day  # rule: RIG-2 (a true working day the fallback skips)
        if day.weekday() >= 5 and truth:  # 调休上班日
            near = (
                W.statutory_holidays(day.year - 1) | W.statutory_holidays(day.year) | W.statutory_holidays(day.year + 1)
            )
            far = max(far, min(abs((day - h).days) for h in near))
    assert far <= W.FALLBACK_WINDOW_DAYS
    assert far == 10  # 2024-05-11, ten days after Labour Day: the window keeps a 4-day margin


@pytest.mark.parametrize(("n", "bound"), [(15, W.FALLBACK_MAX_EARLY_DAYS), (30, 21)])
def test_fallback_due_date_is_never_later_than_the_true_one_for_every_start_2004_2026(n, bound):
    days = _days(D(2003, 12, 1), D(2027, 3, 31))
    index = {d: i for i, d in enumerate(days)}
    truth = [i for i, d in enumerate(days) if FIRST <= d <= LAST and chinese_calendar.is_workday(d)]
    fallback = [i for i, d in enumerate(days) if W.fallback_is_working_day(d)]
    worst, later = 0, []
    checked = 0
    for start in _days(FIRST, LAST):
        i = index[start]
        k = bisect.bisect_right(truth, i) + n - 1
        if k >= len(truth):
            break  # the true due date lies beyond chinese-calendar's data
        t = truth[k]
        checked += 1
        f = fallback[bisect.bisect_right(fallback, i) + n - 1]
        if f > t:
            later.append(start)
        worst = max(worst, t - f)
    assert checked > 8300
    assert later == []  # rule: RIG-2 (the due date shown is never later than the true one)
    assert worst == bound  # the stated bound: how much earlier it can be (calendar days)


def test_weekends_only_would_have_been_late_and_the_fallback_is_not():
    # DESIGN.md's counter-example: received 2026-01-26, true due 02-14 (a make-up Saturday), weekends-only 02-16.
    assert add_working_days(D(2026, 1, 26), 15).date == D(2026, 2, 14)
    weekdays_only = D(2026, 1, 26)
    counted = 0
    while counted < 15:
        weekdays_only += dt.timedelta(days=1)
        counted += weekdays_only.weekday() < 5
    assert weekdays_only == D(2026, 2, 16)
    day, counted = D(2026, 1, 26), 0
    while counted < 15:
        day += dt.timedelta(days=1)
        counted += W.fallback_is_working_day(day)
    assert day <= D(2026, 2, 14)  # rule: RIG-2


def test_statutory_holidays_are_computed_for_years_without_a_table():
    for year in (2027, 2030, 2040):
        got = W.statutory_holidays(year)
        assert D(year, 1, 1) in got and D(year, 10, 1) in got and D(year, 5, 1) in got
        assert len(got) >= 11  # New Year, Spring Festival, Qingming, Labour Day, Dragon Boat, Mid-Autumn, National Day
    assert D(2027, 2, 6) in W.statutory_holidays(2027)  # lunar new year 2027, computed
    assert not W.fallback_is_working_day(D(2027, 2, 6))
    assert W.fallback_is_working_day(D(2027, 2, 13))  # a Saturday a week after: may be a make-up day
    assert not W.fallback_is_working_day(D(2027, 3, 20))  # a Saturday far from any holiday
