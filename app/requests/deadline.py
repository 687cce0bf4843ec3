"""The request's clock (RIG-2, issue #15): pause while waiting for the customer, resume on the customer's
answer, one extension by a manager.

The due date is `base_due_on` (15 working days after receipt, fixed) moved only by
- the working days a pause waited for the customer (identity proof or a clarification), counted up to the
  day the customer answered (not the day the clerk records it), and
- one extension of 1-15 working days by a manager, with a reason; the customer is told by letter
  (`app.requests.letters.extension_letter_bytes`).
Migration 0013's triggers refuse any other later due date, a second extension and a shrinking pause count.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from app.calendar import HolidayTables, add_working_days, working_days_between
from app.clock import iso
from app.errors import UserError, ValidationError
from app.purchases.cards import check_free_text
from app.requests import model as M
from app.requests.service import _MAX_TEXT, _clean_text, _event, get_request, today_of

if TYPE_CHECKING:
    from app.staff.session import Session


def _merge_missing(old: str, years: tuple[int, ...] | list[int]) -> str:
    found = {int(y) for y in (old or "").split(",") if y} | {int(y) for y in years}
    return ",".join(str(y) for y in sorted(found))


def pause(session: Session, request_id: str, reason: str, *, waits_for: str) -> M.RequestRecord:
    """Pause the clock while the store waits for the customer (`waits_for`: identity_proof | clarification),
    with a reason (audited by length). Only `resume` with the customer's answer ends it."""
    session.require(M.REQUEST_HANDLE)
    reason = _clean_text(reason)
    if waits_for not in M.WAITS_FOR:
        raise ValidationError("requests.waits_for_invalid", field="waits_for")
    req = get_request(session.db, request_id)
    if req["status"] not in ("received", "verified", "in_progress"):
        raise UserError("requests.bad_state", status=M.label(M.STATUS_LABELS, req["status"]))
    if waits_for == "identity_proof" and req["status"] != "received":
        raise UserError("requests.identity_already_verified")
    now = session.clock.now()
    with session.write(
        "request.pause",
        "request",
        request_id,
        {"request_id": request_id, "from": req["status"], "waits_for": waits_for, "reason_len": len(reason)},
    ) as tx:
        tx.execute(
            "UPDATE requests SET status = 'paused', paused_from = ?, paused_on = ?, pause_waits_for = ?,"
            " updated_at = ? WHERE id = ?",
            (req["status"], now.date().isoformat(), waits_for, iso(now), request_id),
        )
        _event(tx, request_id, "paused", req["status"], "paused", note=reason, data={"waits_for": waits_for})
    return get_request(session.db, request_id)


def resume(session: Session, request_id: str, *, answer: str, answered_on: dt.date | None = None) -> M.RequestRecord:
    """The customer answered (`answer`: provided | clarified | declined, on `answered_on`, default today):
    the clock runs again and the due date moves by the working days waited, up to the answer's day."""
    session.require(M.REQUEST_HANDLE)
    req = get_request(session.db, request_id)
    if req["status"] != "paused":
        raise UserError("requests.bad_state", status=M.label(M.STATUS_LABELS, req["status"]))
    today = today_of(session)
    if req["paused_on"] is None:  # a paused request has its day (the pause sets both)
        raise UserError("requests.bad_state", status=M.label(M.STATUS_LABELS, req["status"]))
    paused_on = dt.date.fromisoformat(req["paused_on"])
    answered_on = today if answered_on is None else answered_on
    if (
        answer not in M.ANSWERS
        or not isinstance(answered_on, dt.date)
        or isinstance(answered_on, dt.datetime)
        or not paused_on <= answered_on <= today
    ):
        raise ValidationError("requests.answer_invalid", field="answer")
    tables = HolidayTables.from_db(session.db)
    waited = max(0, working_days_between(paused_on, answered_on, tables))
    total = int(req["paused_days"]) + waited
    due = add_working_days(dt.date.fromisoformat(req["base_due_on"]), total + int(req["extended_days"]), tables)
    due_on = max(due.date.isoformat(), req["due_on"]) if waited else req["due_on"]
    missing = _merge_missing(req["table_missing"], due.missing_years if waited else ())
    now = iso(session.clock.now())
    with session.write(
        "request.resume",
        "request",
        request_id,
        {"request_id": request_id, "answer": answer, "paused_days": waited, "due_on": due_on},
    ) as tx:
        tx.execute(
            "UPDATE requests SET status = ?, paused_from = NULL, paused_on = NULL, pause_waits_for = NULL,"
            " paused_days = ?, due_on = ?, table_missing = ?, updated_at = ? WHERE id = ?",
            (req["paused_from"], total, due_on, missing, now, request_id),
        )
        data = {"paused_days": waited, "due_on": due_on, "answer": answer, "answered_on": answered_on.isoformat()}
        _event(tx, request_id, "resumed", "paused", req["paused_from"], data=data)
    return get_request(session.db, request_id)


def extend(session: Session, request_id: str, days: int, reason: str) -> M.RequestRecord:
    """Extend the deadline once by 1-15 working days: manager only, with a reason (audited by length).
    The customer is told by letter (`letters.extension_letter_bytes`)."""
    session.require(M.REQUEST_EXTEND)
    reason = (reason or "").strip()[:_MAX_TEXT]
    if not reason or not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= M.MAX_EXTENSION_DAYS:
        raise ValidationError("requests.extension_invalid", field="days", max=M.MAX_EXTENSION_DAYS)
    check_free_text({"reason": reason})  # PAY-1
    req = get_request(session.db, request_id)
    if req["status"] not in M.OPEN_STATUSES:
        raise UserError("requests.bad_state", status=M.label(M.STATUS_LABELS, req["status"]))
    if int(req["extended_days"]) > 0:
        raise UserError("requests.extension_once")
    tables = HolidayTables.from_db(session.db)
    new_due = add_working_days(dt.date.fromisoformat(req["base_due_on"]), int(req["paused_days"]) + days, tables)
    due_on = max(new_due.date.isoformat(), req["due_on"])
    now = iso(session.clock.now())
    with session.write(
        "request.extend",
        "request",
        request_id,
        {"request_id": request_id, "days": days, "due_on": due_on, "reason_len": len(reason)},
    ) as tx:
        tx.execute(
            "UPDATE requests SET due_on = ?, extended_days = ?, table_missing = ?, updated_at = ? WHERE id = ?",
            (due_on, days, _merge_missing(req["table_missing"], new_due.missing_years), now, request_id),
        )
        _event(tx, request_id, "extended", note=reason, data={"days": days, "due_on": due_on})
    return get_request(session.db, request_id)
