"""The request queue: filters, sorting by due date, counts, urgency colours, sign-in reminder.

Urgency of an open request on `today`: `overdue` (past its due date: red), `soon` (due within
3 working days: amber), `ok`; closed requests are `closed`. A paused request keeps counting
down from its stored due date (resuming moves it).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict

from app.calendar import HolidayTables, is_working_day, working_days_between
from app.reminders import Reminder, register_provider
from app.requests import model as M

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

DUE_FILTERS = ("all", "open", "overdue", "soon", "closed")


class DueSummary(TypedDict):
    """`requests_due_summary`: open requests, how many are overdue or due soon, how many lack a holiday table."""

    open: int
    overdue: int
    soon: int
    table_missing: bool
    table_missing_count: int


class _Counter:
    """Working days between `today` and many due dates: one pass over the calendar, then prefix sums
    (the queue would otherwise walk the calendar once per row)."""

    def __init__(self, today: dt.date, tables: HolidayTables) -> None:
        self.today, self.tables = today, tables
        self.base = self.end = today
        self.cum = [0]

    def _extend(self, day: dt.date) -> None:
        if day < self.base:
            lo = day
            span = [(lo + dt.timedelta(days=i)) for i in range(1, (self.base - lo).days + 1)]
            add = [0]
            for d in span:
                add.append(add[-1] + (1 if is_working_day(d, self.tables) else 0))
            shift = add[-1]
            self.cum = add[:-1] + [c + shift for c in self.cum]
            self.base = lo
        while self.end < day:
            self.end += dt.timedelta(days=1)
            self.cum.append(self.cum[-1] + (1 if is_working_day(self.end, self.tables) else 0))

    def between(self, start: dt.date, end: dt.date) -> int:
        self._extend(min(start, end))
        self._extend(max(start, end))
        return self.cum[(end - self.base).days] - self.cum[(start - self.base).days]


def urgency(
    status: str, due_on: dt.date, today: dt.date, tables: HolidayTables | None = None, counter: _Counter | None = None
) -> tuple[str, int]:
    """(urgency, working days left). Days left is negative when overdue."""
    left = counter.between(today, due_on) if counter else working_days_between(today, due_on, tables)
    if status not in M.OPEN_STATUSES:
        return "closed", left
    if today > due_on:
        return "overdue", left
    if left <= M.SOON_WORKING_DAYS:
        return "soon", left
    return "ok", left


def list_requests(
    session: Session,
    today: dt.date,
    *,
    req_type: str | None = None,
    status: str | None = None,
    due: str = "all",
    member_id: str | None = None,
) -> list[dict[str, Any]]:
    """Requests sorted by due date (open first), with urgency and working days left.

    Rows carry no personal data: the member appears as its member number (looked up here)
    unless the member is restricted and the viewer is a clerk (RIG-5)."""
    session.require(M.REQUEST_VIEW)
    db = session.db
    where: list[str] = []
    params: list[str] = []
    if req_type:
        where.append("r.type = ?")
        params.append(req_type)
    if status:
        where.append("r.status = ?")
        params.append(status)
    if member_id:
        where.append("r.member_id = ?")
        params.append(member_id)
    if due == "closed":
        where.append("r.status IN ('completed', 'refused')")
    elif due in ("open", "overdue", "soon"):
        where.append("r.status IN ('received', 'verified', 'in_progress', 'paused')")
    sql = (
        "SELECT r.*, m.member_no, m.restricted AS member_restricted FROM requests r"
        " LEFT JOIN members m ON m.id = r.member_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY CASE WHEN r.status IN ('completed', 'refused') THEN 1 ELSE 0 END, r.due_on, r.received_at"
    tables = HolidayTables.from_db(db)
    counter = _Counter(today, tables)
    can_see_restricted = session.can(M.MEMBER_RESTRICTED_VIEW)
    out = []
    for row in db.all(sql, params):
        d = dict(row)
        level, left = urgency(d["status"], dt.date.fromisoformat(d["due_on"]), today, tables, counter)
        if due in ("overdue", "soon") and level != due:
            continue
        d["urgency"], d["days_left"] = level, left
        if d.get("member_restricted") and not can_see_restricted:
            d["member_no"] = None  # hidden from clerks; the request row itself stays visible
        out.append(d)
    return out


def counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts for the queue header: by urgency, status, type and channel; `table_missing`: rows whose due date
    was computed with the never-later fallback calendar (no holiday table)."""
    out: dict[str, Any] = {"total": len(rows), "open": 0, "overdue": 0, "soon": 0, "closed": 0, "table_missing": 0}
    by_type: dict[str, int] = {}
    by_status: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for r in rows:
        if r["urgency"] == "closed":
            out["closed"] += 1
        else:
            out["open"] += 1
            if r["urgency"] in ("overdue", "soon"):
                out[r["urgency"]] += 1
            if r.get("table_missing"):
                out["table_missing"] += 1
        by_type[r["type"]] = by_type.get(r["type"], 0) + 1
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
        channel = r.get("channel") or "desk"
        by_channel[channel] = by_channel.get(channel, 0) + 1
    out.update(by_type=by_type, by_status=by_status, by_channel=by_channel)
    return out


def requests_due_summary(db: Queries, today: dt.date) -> DueSummary:
    """For the manager's sign-in reminder: open, overdue and due-within-3-working-days counts."""
    tables = HolidayTables.from_db(db)
    counter = _Counter(today, tables)
    summary: DueSummary = {"open": 0, "overdue": 0, "soon": 0, "table_missing": False, "table_missing_count": 0}
    for status, due_on, missing in db.all(
        "SELECT status, due_on, table_missing FROM requests WHERE status IN"
        " ('received', 'verified', 'in_progress', 'paused')"
    ):
        level, _ = urgency(status, dt.date.fromisoformat(due_on), today, tables, counter)
        summary["open"] += 1
        if level == "overdue":
            summary["overdue"] += 1
        elif level == "soon":
            summary["soon"] += 1
        if missing:
            summary["table_missing"] = True
            summary["table_missing_count"] += 1
    return summary


def _reminders(db: Queries, today: dt.date) -> list[Reminder]:
    s = requests_due_summary(db, today)
    out = []
    if s["overdue"]:
        out.append(Reminder("reminder.requests_overdue", {"count": s["overdue"]}, "overdue", "requests"))
    if s["soon"]:
        out.append(Reminder("reminder.requests_due", {"count": s["soon"]}, "due", "requests"))
    if s["table_missing_count"]:  # RIG-2: the due dates shown may be early; say so until the table arrives
        out.append(Reminder("reminder.requests_table_missing", {"count": s["table_missing_count"]}, "info", "requests"))
    return out


register_provider("requests", _reminders)
