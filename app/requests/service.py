"""Request lifecycle: open, verify identity, start, pause/resume, extend, refuse, complete.

Every step is one `session.write(...)` (audit entry + timeline event in the same transaction).
Audit details hold the request id, type, status and lengths of typed reasons — never the text
a clerk typed and never a customer's data. Reasons live on the request's timeline, which an
erasure of the member scrubs.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import TYPE_CHECKING, Any, cast

from app.calendar import DueDate, HolidayTables, add_working_days
from app.clock import iso
from app.erasure import is_erased
from app.errors import NotFound, UserError, ValidationError
from app.purchases.cards import check_free_text
from app.requests import model as M
from app.staff.permissions import requires

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries

_MAX_TEXT = 500


def today_of(session: Session) -> dt.date:
    return session.clock.now().date()


def due_date(db: Queries, received_on: dt.date, days: int = M.DUE_WORKING_DAYS) -> DueDate:
    """15 working days after receipt on the Chinese calendar (RIG-2). Returns app.calendar.DueDate."""
    return add_working_days(received_on, days, HolidayTables.from_db(db))


def get_request(db: Queries, request_id: str) -> M.RequestRecord:
    row = db.one("SELECT * FROM requests WHERE id = ?", (request_id,))
    if row is None:
        raise NotFound("requests.not_found")
    out = dict(row)
    out["result_summary"] = json.loads(out.get("result_summary") or "{}")
    return cast(M.RequestRecord, out)


def timeline(db: Queries, request_id: str) -> list[M.RequestEvent]:
    rows = db.all(
        "SELECT e.*, s.display_name AS staff_name FROM request_events e LEFT JOIN staff s"
        " ON s.id = e.staff_id WHERE request_id = ? ORDER BY e.id",
        (request_id,),
    )
    out = []
    for r in rows:
        d = dict(r)
        d["data"] = json.loads(d.get("data") or "{}")
        out.append(cast(M.RequestEvent, d))
    return out


def _event(
    tx: Tx,
    request_id: str,
    event: str,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    tx.execute(
        "INSERT INTO request_events(request_id, ts, staff_id, event, from_status, to_status, note, data)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (
            request_id,
            iso(tx.session.clock.now()),
            tx.session.staff.id,
            event,
            from_status,
            to_status,
            note,
            json.dumps(data or {}, sort_keys=True),
        ),
    )


def _clean_text(text: str | None, key: str = "requests.reason_required", field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(key, field=field)
    check_free_text({field: text})  # PAY-1: a note is free text that reaches the database
    return text[:_MAX_TEXT]


def _next_number(tx: Tx, store_code: str, day: dt.date) -> str:
    """Next number of the day, read inside the write transaction (BEGIN IMMEDIATE: no two alike)."""
    prefix = f"{store_code}-{day.strftime('%Y%m%d')}-"
    n = tx.scalar("SELECT count(*) FROM requests WHERE request_no LIKE ?", (prefix + "%",))
    return f"{prefix}{int(n) + 1:03d}"


def _received_day(session: Session, channel: str, received_on: dt.date | None) -> dt.date:
    """The day the clock starts (RIG-1, RIG-2): today at the desk; for a request taken by phone or online, the
    day it came in (entered at the desk later, within LATE_ENTRY_DAYS), so a late entry never moves the due date."""
    if channel not in M.CHANNELS:
        raise ValidationError("requests.channel_invalid", field="channel")
    today = today_of(session)
    if received_on is None:
        return today
    if not isinstance(received_on, dt.date) or isinstance(received_on, dt.datetime):
        raise ValidationError("requests.received_on_invalid", field="received_on", days=M.LATE_ENTRY_DAYS)
    earliest = today - dt.timedelta(days=M.LATE_ENTRY_DAYS if channel != "desk" else 0)
    if not earliest <= received_on <= today:
        raise ValidationError("requests.received_on_invalid", field="received_on", days=M.LATE_ENTRY_DAYS)
    return received_on


def open_request(
    session: Session,
    req_type: str,
    member_id: str | None,
    *,
    identity_method: str | None = None,
    customer_found: bool = True,
    channel: str = "desk",
    received_on: dt.date | None = None,
) -> str:
    """Record a request received at the desk, or by the hotline or online service (`channel`, and
    `received_on` = the day it came in; the same 15-working-day clock). `member_id=None, customer_found=False`
    records a customer who is not a member (the letter will say no information was found). Returns the id."""
    session.require(M.REQUEST_OPEN)
    if req_type not in M.TYPES:
        raise ValidationError("requests.type_invalid", field="type")
    received = _received_day(session, channel, received_on)
    if identity_method is not None and identity_method not in M.IDENTITY_METHODS:
        raise ValidationError("requests.identity_invalid", field="identity_method")
    if customer_found:
        if not member_id:
            raise ValidationError("requests.member_missing", field="member")
        row = session.db.one("SELECT restricted FROM members WHERE id = ?", (member_id,))
        if row is None:
            if is_erased(session.db, member_id):
                raise UserError("requests.member_erased")
            raise NotFound("requests.member_missing")
        if row["restricted"] and not session.can(M.MEMBER_RESTRICTED_VIEW):
            raise UserError("requests.restricted_member")
    else:
        member_id = None
    rid = secrets.token_hex(8)
    with session.write("request.open", "request", rid) as tx:
        insert_request(tx, rid, req_type, member_id, received, identity_method, channel, customer_found)
    return rid


def insert_request(
    tx: Tx,
    rid: str,
    req_type: str,
    member_id: str | None,
    received: dt.date,
    identity_method: str | None,
    channel: str,
    customer_found: bool,
) -> None:
    """The request's row, timeline and journal inside the caller's write (checked by the caller: `open_request`,
    `app.requests.unknown.open_for_unknown`). Sets `tx.details` for the write's audit entry."""
    session = tx.session
    now = session.clock.now()
    due = due_date(session.db, received)
    status = "verified" if identity_method else "received"
    details = {
        "request_id": rid,
        "type": req_type,
        "customer_found": bool(customer_found),
        "identity_method": identity_method,
        "channel": channel,
        "due_on": due.date.isoformat(),
    }
    tx.details = details
    number = _next_number(tx, session.store_code, received)
    tx.execute(
        "INSERT INTO requests(id, request_no, type, member_id, customer_found, status, identity_method,"
        " channel, received_at, received_on, base_due_on, due_on, table_missing, store_code, opened_by, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            rid,
            number,
            req_type,
            member_id,
            1 if customer_found else 0,
            status,
            identity_method,
            channel,
            iso(now),
            received.isoformat(),
            due.date.isoformat(),
            due.date.isoformat(),
            ",".join(str(y) for y in due.missing_years),
            session.store_code,
            session.staff.id,
            iso(now),
        ),
    )
    _event(tx, rid, "received", None, "received", data={"type": req_type, "channel": channel})
    if identity_method:
        _event(tx, rid, "verified", "received", "verified", data={"method": identity_method})
    if member_id:
        tx.audit("member.request", "member", member_id, {"request_id": rid, "type": req_type})
    tx.journal(
        "request",
        rid,
        "upsert",
        {
            "type": req_type,
            "status": status,
            "channel": channel,
            "due_on": due.date.isoformat(),
            "member_id": member_id,
        },
        member_id=member_id,
    )


def _transition(
    session: Session,
    request_id: str,
    step: str,
    *,
    permission: str = M.REQUEST_HANDLE,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    audit: dict[str, Any] | None = None,
    extra_sql: tuple[str, tuple[Any, ...]] | None = None,
) -> M.RequestRecord:
    session.require(permission)
    req = get_request(session.db, request_id)
    allowed, target = M.TRANSITIONS[step]
    if req["status"] not in allowed:
        raise UserError("requests.bad_state", status=M.label(M.STATUS_LABELS, req["status"]))
    now = iso(session.clock.now())
    details = {"request_id": request_id, "type": req["type"], "from": req["status"], "to": target}
    details.update(audit or {})
    with session.write(f"request.{step}", "request", request_id, details) as tx:
        tx.execute("UPDATE requests SET status = ?, updated_at = ? WHERE id = ?", (target, now, request_id))
        if extra_sql:
            tx.execute(*extra_sql)
        event = {"verify": "verified", "start": "started", "complete": "completed", "refuse": "refused"}[step]
        _event(tx, request_id, event, req["status"], target, note=note, data=data)
        tx.journal("request", request_id, "upsert", {"status": target}, member_id=req["member_id"])
    return get_request(session.db, request_id)


@requires(M.REQUEST_HANDLE)
def verify_identity(session: Session, request_id: str, method: str) -> M.RequestRecord:
    """Record how identity was checked. The ID number itself is never stored."""
    if method not in M.IDENTITY_METHODS:
        raise ValidationError("requests.identity_invalid", field="identity_method")
    return _transition(
        session,
        request_id,
        "verify",
        data={"method": method},
        audit={"method": method},
        extra_sql=("UPDATE requests SET identity_method = ? WHERE id = ?", (method, request_id)),
    )


@requires(M.REQUEST_HANDLE)
def start(session: Session, request_id: str) -> M.RequestRecord:
    return _transition(session, request_id, "start")


def refuse(session: Session, request_id: str, reason: str, legal_basis: str) -> M.RequestRecord:
    """Refusal: manager only, with a reason and its legal basis (RIG-4)."""
    session.require(M.REQUEST_REFUSE)
    reason = (reason or "").strip()[:_MAX_TEXT]
    basis = (legal_basis or "").strip()[:_MAX_TEXT]
    if not reason or not basis:
        raise ValidationError("requests.legal_basis_required", field="reason" if not reason else "legal_basis")
    check_free_text({"reason": reason, "legal_basis": basis})  # PAY-1
    now = iso(session.clock.now())
    return _transition(
        session,
        request_id,
        "refuse",
        permission=M.REQUEST_REFUSE,
        note=reason,
        data={"legal_basis": True},
        audit={"reason_len": len(reason), "basis_len": len(basis)},
        extra_sql=(
            "UPDATE requests SET outcome = 'refused', refusal_reason = ?, legal_basis = ?, closed_at = ?,"
            " closed_by = ? WHERE id = ?",
            (reason, basis, now, session.staff.id, request_id),
        ),
    )


@requires(M.REQUEST_HANDLE)
def complete(
    session: Session, request_id: str, outcome: str = "done", summary: dict[str, Any] | None = None
) -> M.RequestRecord:
    now = iso(session.clock.now())
    return _transition(
        session,
        request_id,
        "complete",
        data={"outcome": outcome, **(summary or {})},
        audit={"outcome": outcome},
        extra_sql=(
            "UPDATE requests SET outcome = ?, result_summary = ?, closed_at = ?, closed_by = ? WHERE id = ?",
            (outcome, json.dumps(summary or {}, sort_keys=True), now, session.staff.id, request_id),
        ),
    )


def close_not_found(session: Session, request_id: str) -> M.RequestRecord:
    """Close a request of a customer who is not a member: outcome not_found, letter says so."""
    session.require(M.REQUEST_HANDLE)
    req = get_request(session.db, request_id)
    with session.write(
        "request.complete",
        "request",
        request_id,
        {"request_id": request_id, "type": req["type"], "outcome": "not_found"},
    ) as tx:
        _close_not_found(tx, req)
    return get_request(session.db, request_id)


def _close_not_found(tx: Tx, req: M.RequestRecord) -> None:
    """Inside the caller's write: the request of a customer who is not a member, closed as not found."""
    if req["customer_found"] or req["status"] not in ("received", "verified", "in_progress"):
        raise UserError("requests.bad_state", status=M.label(M.STATUS_LABELS, req["status"]))
    now = iso(tx.session.clock.now())
    request_id = req["id"]
    tx.execute(
        "UPDATE requests SET status = 'completed', outcome = 'not_found', result_summary = ?,"
        " closed_at = ?, closed_by = ?, updated_at = ? WHERE id = ?",
        (json.dumps({"not_found": True}), now, tx.session.staff.id, now, request_id),
    )
    _event(tx, request_id, "not_found", req["status"], "completed", data={"outcome": "not_found"})
    tx.journal("request", request_id, "upsert", {"status": "completed", "outcome": "not_found"})


def record_event(session: Session, request_id: str, event: str, data: dict[str, Any] | None = None) -> None:
    """A timeline entry for a side step (printed a letter, exported a copy)."""
    session.require(M.REQUEST_VIEW)
    get_request(session.db, request_id)
    with session.write(f"request.{event}", "request", request_id, {"request_id": request_id, **(data or {})}) as tx:
        _event(tx, request_id, event, data=data)
