"""Chinese working-day calendar for the 15-working-day request clock (RIG-2) and the
30-working-day destruction of paper originals (STO-2).

chinese-calendar knows public holidays and adjusted working weekends (调休上班日) up to
2026. Later years come from holiday tables delivered by head office or imported by a
manager (table holiday_tables). A year with no table uses `fallback_is_working_day`, which is
provably never later than the true calendar (RIG-2); `DueDate.missing_years` tells the UI to warn.

The fallback (decision of 2026-12-03): weekends-only counting is NOT safe, since a make-up working
Saturday inside the window makes the true due date earlier. Make-up days only fall next to the
statutory holidays, whose dates (lunar ones too) python-holidays computes for any year. So the
fallback counts as a working day every weekday and every weekend day within `FALLBACK_WINDOW_DAYS`
of a statutory holiday, and only the statutory holiday dates themselves (days off by law) and
weekend days far from any holiday as days off. Every possible working day is counted, so the n-th
fallback working day is never later than the n-th true one. Against chinese-calendar's tables for
every start date 2004-2026 (tests/app/test_calendar_fallback.py): make-up days lie at most 10 days
from a statutory holiday, never later, at most `FALLBACK_MAX_EARLY_DAYS` calendar days earlier on the
15-working-day clock (21 on the 30-working-day clock of paper originals).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import chinese_calendar
import holidays

from app.clock import iso
from app.errors import ValidationError
from app.messages import add_messages
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

add_messages(
    {
        "calendar.table_missing": (
            "{years} 年的节假日安排尚未导入：截止日期按保守方法计算（法定节假日前后两周内的周末也算工作日），"
            "不会晚于实际截止日，最多可能早 13 天。请导入节假日表。",
            "No holiday table for {years}: the due date is computed conservatively (weekends within two weeks of a "
            "public holiday count as working days); it is never later than the real one and at most 13 days "
            "earlier. Import the holiday table.",
        ),
        "calendar.table_invalid": ("节假日表格式不正确：{detail}", "The holiday table is not valid: {detail}"),
    }
)

_CC_FIRST, _CC_LAST = 2004, 2026
try:
    chinese_calendar.is_workday(dt.date(2027, 1, 4))
    _CC_LAST = 2027
except NotImplementedError:
    pass


@dataclass
class HolidayTables:
    """Year -> {date: 'holiday' | 'workday'} for years beyond chinese-calendar's data."""

    years: dict[int, dict[dt.date, str]] = field(default_factory=dict)

    @classmethod
    def from_db(cls, db: Queries) -> HolidayTables:
        tables = cls()
        for year, days in db.all("SELECT year, days FROM holiday_tables"):
            tables.years[int(year)] = {dt.date.fromisoformat(k): v for k, v in json.loads(days).items()}
        return tables

    def knows(self, year: int) -> bool:
        return _CC_FIRST <= year <= _CC_LAST or year in self.years


def is_working_day(day: dt.date, tables: HolidayTables | None = None) -> bool:
    tables = tables or HolidayTables()
    if day.year in tables.years:
        kind = tables.years[day.year].get(day)
        if kind == "holiday":
            return False
        if kind == "workday":
            return True
        return day.weekday() < 5
    if _CC_FIRST <= day.year <= _CC_LAST:
        return chinese_calendar.is_workday(day)
    return fallback_is_working_day(day)  # no table: never later than the true date


# A make-up working day (调休上班日) lies at most 10 days from a statutory holiday in 2004-2026
# (2024-05-11, for Labour Day); two weeks leave a margin and cost nothing on the 15-day clock.
FALLBACK_WINDOW_DAYS = 14
FALLBACK_MAX_EARLY_DAYS = 13  # measured 2004-2026, 15 working days (test_calendar_fallback.py)


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> frozenset[dt.date]:
    """The statutory holiday dates of a year, lunar ones computed: days off by law (the State Council's holiday rules).
    python-holidays' own guesses of substitutes ("observed", "Day off") are left out: they are not law."""
    out = set()
    for day, name in holidays.China(years=year, language="en_US").items():
        if "observed" in name or "substituted" in name or name.startswith("Day off"):
            continue
        out.add(day)
    return frozenset(out)


@lru_cache(maxsize=4096)
def fallback_is_working_day(day: dt.date) -> bool:
    """A working day of the never-later fallback calendar: every day that could be a working day is one."""
    near = statutory_holidays(day.year - 1) | statutory_holidays(day.year) | statutory_holidays(day.year + 1)
    if day in near:
        return False  # a statutory holiday is a day off by law
    if day.weekday() < 5:
        return True  # a weekday may be a holiday in lieu, but counting it can only make the date earlier
    return any(abs((day - h).days) <= FALLBACK_WINDOW_DAYS for h in near)  # a possible make-up day


@dataclass(frozen=True)
class DueDate:
    date: dt.date
    missing_years: tuple[int, ...] = ()

    @property
    def table_missing(self) -> bool:
        return bool(self.missing_years)


def add_working_days(start: dt.date, n: int, tables: HolidayTables | None = None) -> DueDate:
    """The n-th working day after `start` (the day of receipt itself does not count)."""
    tables = tables or HolidayTables()
    day, counted, missing = start, 0, set()
    while counted < n:
        day += dt.timedelta(days=1)
        if not tables.knows(day.year):
            missing.add(day.year)
        if is_working_day(day, tables):
            counted += 1
    return DueDate(day, tuple(sorted(missing)))


def working_days_between(start: dt.date, end: dt.date, tables: HolidayTables | None = None) -> int:
    """Working days after `start` up to and including `end` (negative when end < start)."""
    if end < start:
        return -working_days_between(end, start, tables)
    tables = tables or HolidayTables()
    n, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day, tables):
            n += 1
    return n


def parse_holiday_table(year: int, data: dict) -> dict[str, str]:
    """Validate {"YYYY-MM-DD": "holiday"|"workday"} for one year."""
    out = {}
    if not isinstance(data, dict) or not data:
        raise ValidationError("calendar.table_invalid", detail="empty")
    for key, kind in data.items():
        try:
            day = dt.date.fromisoformat(str(key))
        except ValueError:
            raise ValidationError("calendar.table_invalid", detail=str(key)[:20]) from None
        if day.year != year or kind not in ("holiday", "workday"):
            raise ValidationError("calendar.table_invalid", detail=str(key)[:20])
        out[day.isoformat()] = kind
    return out


def import_holiday_table(
    session: Session, year: int, data: dict, source: str = "manager_import", *, feed: object = None
) -> None:
    """Store one year's table. A manager (settings.change) for any source but head office's; the
    head-office source only with the verified feed's capability (`feed`, made by app.sync) (SEC-1)."""
    if source == "head_office" or feed is not None:
        if not P.feed_verified(feed):
            session.require(P.HEAD_OFFICE_FEED)
    else:
        session.require(P.SETTINGS_CHANGE)
    days = parse_holiday_table(int(year), data)
    with session.write("calendar.import", details={"year": int(year), "days": len(days), "source": source}) as tx:
        tx.execute(
            "INSERT INTO holiday_tables(year, days, source, imported_at) VALUES (?,?,?,?) "
            "ON CONFLICT(year) DO UPDATE SET days=excluded.days, source=excluded.source,"
            " imported_at=excluded.imported_at",
            (int(year), json.dumps(days, sort_keys=True), source, iso(session.clock.now())),
        )
