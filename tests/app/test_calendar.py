"""Working days with the official Chinese calendar, and without a table (RIG-2, STO-2 groundwork)."""

import datetime as dt

import pytest

from app.calendar import HolidayTables, add_working_days, import_holiday_table, is_working_day
from app.errors import ValidationError

D = dt.date


def test_golden_week_2026_is_skipped():
    # 2026-09-30 (Wed): 1 working day later is not 10-01 but after the National Day break (10-01..10-07).
    due = add_working_days(D(2026, 9, 30), 1)
    assert due.date == D(2026, 10, 8) and not due.table_missing
    assert add_working_days(D(2026, 9, 18), 1).date == D(2026, 9, 20)  # Sunday 09-20 is 调休上班日


def test_adjusted_working_saturday_counts():
    assert is_working_day(D(2026, 10, 10))  # 调休上班日 (Saturday)
    assert not is_working_day(D(2026, 10, 3))


def test_year_without_table_uses_the_never_later_fallback_and_warns():
    due = add_working_days(D(2026, 12, 28), 15)
    assert due.table_missing and due.missing_years == (2027,)
    # The fallback (decision of 2026-12-03, was weekends only = 2027-01-18): New Year's Day is a day off by law,
    # the weekends within two weeks of it may be make-up days and count. Never later than the true date
    # (2027-01-19 with the table of test_imported_table_is_used).
    assert due.date == D(2027, 1, 13)
    assert due.date <= D(2027, 1, 19)  # rule: RIG-2


def test_imported_table_is_used(manager):
    import_holiday_table(manager, 2027, {"2027-01-01": "holiday", "2027-02-20": "workday"})
    tables = HolidayTables.from_db(manager.db)
    due = add_working_days(D(2026, 12, 28), 15, tables)
    assert not due.table_missing and due.date == D(2027, 1, 19)  # New Year's Day now counted as a holiday
    assert is_working_day(D(2027, 2, 20), tables)


def test_bad_table_is_refused(manager):
    with pytest.raises(ValidationError):
        import_holiday_table(manager, 2027, {"2028-01-01": "holiday"})
    with pytest.raises(ValidationError):
        import_holiday_table(manager, 2027, {"2027-01-01": "party"})
