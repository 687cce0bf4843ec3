"""Chinese working-day calendar for the 15-working-day request clock (RIG-2) and the
30-working-day destruction of paper originals (STO-2).

chinese-calendar knows public holidays and adjusted working weekends (调休上班日) up to
2026. Later years come from holiday tables delivered by head office or imported by a
manager (table holiday_tables). A year with no table counts only weekends as days off, so
a deadline computed then is never later than the true one; `DueDate.missing_years` tells
the UI to warn that the table is missing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import chinese_calendar

from app.clock import iso
from app.errors import ValidationError
from app.messages import add_messages
from app.staff import permissions as P

add_messages(
    {
        "calendar.table_missing": (
            "{years} 年的节假日安排尚未导入，截止日期按仅周末休息计算（可能早于实际截止日）。",
            "No holiday table for {years}: the due date counts only weekends as days off (it may be earlier "
            "than the real one).",
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
    def from_db(cls, db) -> HolidayTables:
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
    return day.weekday() < 5  # no table: weekends only (never later than the true date)


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
    session, year: int, data: dict, source: str = "manager_import", *, feed: object = None
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
