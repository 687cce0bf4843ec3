"""Register of paper originals: cabinet, custodian, due date, check-out and return (STO-2).

Each matched form's paper original is registered when its scan is archived. It must be
destroyed within 30 working days of scanning (Chinese calendar: app.calendar). A year without
a holiday table uses app.calendar's never-later fallback (the date is never later than the true one) and the
register remembers which years were missing, so the UI can warn; after a manager imports a
table, `recompute_due_dates` moves the dates.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.calendar import DueDate, HolidayTables, add_working_days, is_working_day, working_days_between
from app.clock import iso
from app.errors import NotFound, UserError, ValidationError
from app.messages import add_messages
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries, Row

DESTROY_WITHIN = 30  # working days after scanning (STO-2)
AMBER_WITHIN = 3  # due within 3 working days: amber

ORIGINALS_EDIT = P.grant("originals.edit", P.CLERK, P.MANAGER)
ORIGINALS_RECOMPUTE = P.grant("originals.recompute", P.MANAGER)

add_messages(
    {
        "originals.not_found": ("登记簿中没有这份纸质原件。", "This paper original is not in the register."),
        "originals.cabinet_required": ("请填写存放的带锁文件柜。", "Enter the locked file cabinet."),
        "originals.custodian_invalid": (
            "请选择一位在职员工作为保管人。",
            "Choose an active staff member as custodian.",
        ),
        "originals.reason_required": ("请填写借出原因。", "Enter the reason for checking it out."),
        "originals.return_date_invalid": (
            "归还日期须为今天或之后、且不晚于销毁截止日。",
            "The return date must be today or later, and no later than the destruction due date.",
        ),
        "originals.not_in_cabinet": (
            "只有在柜中的原件才能借出或销毁（编号 {serial}）。",
            "Only originals in the cabinet can be checked out or destroyed (serial {serial}).",
        ),
        "originals.not_checked_out": ("该原件未被借出。", "This original is not checked out."),
        "originals.destroyed": ("该原件已销毁。", "This original has already been destroyed."),
    }
)


def _now(session: Session) -> str:
    return iso(session.clock.now())


def due_date_for(db: Queries, scanned: dt.date) -> DueDate:
    """30 working days after the scanning day (the scanning day itself does not count)."""
    return add_working_days(scanned, DESTROY_WITHIN, HolidayTables.from_db(db))


def register_original(
    tx: Tx,
    *,
    serial: str,
    document_id: str,
    member_id: str | None,
    content_sha256: str,
    pages: int = 1,
    cabinet: str | None = None,
    custodian_id: str | None = None,
    scanned_at: str | None = None,
) -> str:
    """Inside the matching transaction: register the paper original of a newly archived form.
    `scanned_at` (ISO) is when the scan was imported, when that was before now (it waited in the inbox):
    the due date counts from the scan."""
    now = tx.session.clock.now()
    scanned = min(dt.datetime.fromisoformat(scanned_at), now) if scanned_at else now
    row = tx.one("SELECT id, status FROM originals WHERE serial = ?", (serial,))
    if row is not None:  # a re-scan the manager accepted: point the register at the new archive copy
        tx.execute(
            "UPDATE originals SET document_id = ?, member_id = ?, content_sha256 = ?, pages = ?, updated_at = ?"
            " WHERE id = ?",
            (document_id, member_id, content_sha256, pages, iso(now), row["id"]),
        )
        return row["id"]
    if cabinet is None:
        last = tx.one("SELECT cabinet FROM originals WHERE cabinet != '' ORDER BY updated_at DESC LIMIT 1")
        cabinet = last[0] if last else ""
    due = due_date_for(tx, scanned.date())
    oid = secrets.token_hex(8)
    tx.execute(
        "INSERT INTO originals(id, serial, document_id, member_id, content_sha256, pages, scanned_at, due_date,"
        " due_missing_years, cabinet, custodian_id, status, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            oid,
            serial,
            document_id,
            member_id,
            content_sha256,
            pages,
            iso(scanned),
            due.date.isoformat(),
            ",".join(str(y) for y in due.missing_years),
            cabinet,
            custodian_id or tx.session.actor_id,
            "in_cabinet",
            iso(now),
        ),
    )
    tx.audit("originals.register", "original", oid, {"serial": serial, "due_date": due.date.isoformat()})
    return oid


@dataclass
class Original:
    id: str
    serial: str
    member_id: str | None
    document_id: str | None
    scanned_at: str
    due_date: dt.date
    missing_years: tuple[int, ...]
    cabinet: str
    custodian_id: str | None
    custodian_name: str
    status: str
    checkout_reason: str | None
    checkout_return: str | None
    destroyed_at: str | None
    urgency: str  # overdue | due_soon | ok | done
    working_days_left: int  # negative when overdue


def working_day_offsets(today: dt.date, dates: Iterable[dt.date], tables: HolidayTables) -> dict[dt.date, int]:
    """working_days_between(today, d) for many dates in one pass over the calendar."""
    dates = set(dates)
    if not dates:
        return {}
    lo, hi = min(min(dates), today), max(max(dates), today)
    cum, n, day = {lo: 0}, 0, lo
    while day < hi:
        day += dt.timedelta(days=1)
        if is_working_day(day, tables):
            n += 1
        cum[day] = n
    return {d: cum[d] - cum[today] for d in dates}


def urgency_of(
    status: str, due: dt.date, today: dt.date, tables: HolidayTables, left: int | None = None
) -> tuple[str, int]:
    if status == "destroyed":  # no day-by-day count for the (growing) history
        return "done", 0
    if left is None:
        left = working_days_between(today, due, tables)
    if due < today:
        return "overdue", left
    if left <= AMBER_WITHIN:
        return "due_soon", left
    return "ok", left


def list_originals(db: Queries, today: dt.date, *, status: str | None = None, serial_like: str = "") -> list[Original]:
    sql = (
        "SELECT o.*, s.display_name AS custodian_name FROM originals o LEFT JOIN staff s ON s.id = o.custodian_id"
        " WHERE 1=1"
    )
    params: list = []
    if status == "open":
        sql += " AND o.status != 'destroyed'"
    elif status:
        sql += " AND o.status = ?"
        params.append(status)
    if serial_like:
        sql += " AND o.serial LIKE ?"
        params.append(f"%{serial_like.strip()}%")
    sql += " ORDER BY o.status = 'destroyed', o.due_date, o.serial"
    tables = HolidayTables.from_db(db)
    rows = db.all(sql, params)
    offsets = working_day_offsets(
        today, (dt.date.fromisoformat(r["due_date"]) for r in rows if r["status"] != "destroyed"), tables
    )
    out = []
    for r in rows:
        due = dt.date.fromisoformat(r["due_date"])
        urg, left = urgency_of(r["status"], due, today, tables, offsets.get(due))
        missing = tuple(int(y) for y in r["due_missing_years"].split(",") if y)
        out.append(
            Original(
                r["id"],
                r["serial"],
                r["member_id"],
                r["document_id"],
                r["scanned_at"],
                due,
                missing,
                r["cabinet"],
                r["custodian_id"],
                r["custodian_name"] or "",
                r["status"],
                r["checkout_reason"],
                r["checkout_return"],
                r["destroyed_at"],
                urg,
                left,
            )
        )
    return out


def get_original(db: Queries, original_id: str, today: dt.date) -> Original:
    for o in list_originals(db, today):
        if o.id == original_id:
            return o
    raise NotFound("originals.not_found")


def counts(db: Queries, today: dt.date) -> dict[str, int]:
    """The dashboard: in cabinet, checked out, destroyed, overdue, due within 3 working days, due this week."""
    out = {
        "in_cabinet": 0,
        "checked_out": 0,
        "destroyed": 0,
        "overdue": 0,
        "due_soon": 0,
        "due_this_week": 0,
        "missing_table": 0,
    }
    week_end = today + dt.timedelta(days=6 - today.weekday())
    for o in list_originals(db, today):
        out[o.status] += 1
        if o.status == "destroyed":
            continue
        if o.urgency == "overdue":
            out["overdue"] += 1
        elif o.urgency == "due_soon":
            out["due_soon"] += 1
        if today <= o.due_date <= week_end:
            out["due_this_week"] += 1
        if o.missing_years:
            out["missing_table"] += 1
    return out


def _load_open(tx: Tx, original_id: str) -> Row:
    row = tx.one("SELECT * FROM originals WHERE id = ?", (original_id,))
    if row is None:
        raise NotFound("originals.not_found")
    if row["status"] == "destroyed":
        raise UserError("originals.destroyed")
    return row


def custodians(db: Queries) -> list[tuple[str, str]]:
    """(staff id, display name) of the staff who can keep originals: active accounts."""
    return [
        (r["id"], r["display_name"])
        for r in db.all(
            "SELECT id, display_name FROM staff WHERE disabled = 0 AND removed_at IS NULL ORDER BY display_name"
        )
    ]


def _check_custodian(db: Queries, custodian_id: str) -> None:
    row = db.one("SELECT 1 FROM staff WHERE id = ? AND disabled = 0 AND removed_at IS NULL", (custodian_id or "",))
    if row is None:
        raise ValidationError("originals.custodian_invalid", field="custodian")


def set_location(session: Session, original_id: str, cabinet: str, custodian_id: str) -> None:
    session.require(ORIGINALS_EDIT)
    cabinet = (cabinet or "").strip()
    if not cabinet:
        raise ValidationError("originals.cabinet_required", field="cabinet")
    _check_custodian(session.db, custodian_id)
    with session.write("originals.locate", "original", original_id, {"custodian_id": custodian_id}) as tx:
        _load_open(tx, original_id)
        tx.execute(
            "UPDATE originals SET cabinet = ?, custodian_id = ?, updated_at = ? WHERE id = ?",
            (cabinet[:64], custodian_id, _now(session), original_id),
        )


def check_out(session: Session, original_id: str, reason: str, return_date: dt.date) -> None:
    session.require(ORIGINALS_EDIT)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("originals.reason_required", field="reason")
    with session.write(
        "originals.check_out",
        "original",
        original_id,
        {"reason_len": len(reason), "return_date": return_date.isoformat()},
    ) as tx:
        row = _load_open(tx, original_id)
        if row["status"] != "in_cabinet":
            raise UserError("originals.not_in_cabinet", serial=row["serial"])
        if return_date < session.clock.today() or return_date > dt.date.fromisoformat(row["due_date"]):
            raise ValidationError("originals.return_date_invalid", field="return_date")
        tx.execute(
            "UPDATE originals SET status = 'checked_out', checkout_reason = ?, checkout_return = ?,"
            " checked_out_by = ?, checked_out_at = ?, updated_at = ? WHERE id = ?",
            (reason[:200], return_date.isoformat(), session.staff.id, _now(session), _now(session), original_id),
        )


def check_in(session: Session, original_id: str) -> None:
    session.require(ORIGINALS_EDIT)
    with session.write("originals.check_in", "original", original_id) as tx:
        row = _load_open(tx, original_id)
        if row["status"] != "checked_out":
            raise UserError("originals.not_checked_out")
        tx.execute(
            "UPDATE originals SET status = 'in_cabinet', checkout_reason = NULL, checkout_return = NULL,"
            " checked_out_by = NULL, checked_out_at = NULL, updated_at = ? WHERE id = ?",
            (_now(session), original_id),
        )


def recompute_due_dates(session: Session) -> int:
    """After a holiday table arrives: recompute the due dates counted without one. Returns rows moved."""
    session.require(ORIGINALS_RECOMPUTE)
    tables = HolidayTables.from_db(session.db)
    rows = session.db.all(
        "SELECT id, scanned_at, due_date FROM originals WHERE status != 'destroyed' AND due_missing_years != ''"
    )
    changed = 0
    with session.write("originals.recompute") as tx:
        for r in rows:
            due = add_working_days(dt.datetime.fromisoformat(r["scanned_at"]).date(), DESTROY_WITHIN, tables)
            tx.execute(
                "UPDATE originals SET due_date = ?, due_missing_years = ?, updated_at = ? WHERE id = ?",
                (due.date.isoformat(), ",".join(str(y) for y in due.missing_years), _now(session), r["id"]),
            )
            changed += due.date.isoformat() != r["due_date"]
        tx.details = {"candidates": len(rows), "changed": changed}
    return changed
