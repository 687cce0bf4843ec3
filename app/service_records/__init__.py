"""Customer-service records (CAT-4): complaints, feedback and survey answers of a member.

Kept 2 years after the service ended (closed_at, RET-3; app.retention sweeps them). An open record
never expires. Deleted with the member on erasure."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.datacopy import register_exporter
from app.erasure import is_erased, register_eraser
from app.errors import NotFound, ValidationError
from app.messages import add_messages
from app.purchases.cards import check_free_text
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

SERVICE_RECORD_WRITE = P.grant("service_record.write", P.CLERK, P.MANAGER)
SERVICE_RECORD_VIEW = P.grant("service_record.view", P.CLERK, P.MANAGER)
KINDS = ("complaint", "feedback", "survey")
MAX_BODY = 2000

add_messages(
    {
        "service.kind_invalid": (
            "请选择记录类型：投诉、意见反馈或满意度调查。",
            "Choose the record type: complaint, feedback or survey.",
        ),
        "service.body_required": ("请填写记录内容。", "Enter the record's text."),
        "service.body_too_long": ("记录内容最多 {max} 个字符。", "The text can have at most {max} characters."),
        "service.already_closed": ("该服务记录已结束。", "This service record is already closed."),
        "service.member_unknown": ("未找到该会员。", "Member not found."),
    }
)


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError("service.body_required", field="body")
    if len(body) > MAX_BODY:
        raise ValidationError("service.body_too_long", field="body", max=MAX_BODY)
    check_free_text({"body": body})  # PAY-1: no card number in a complaint's text either
    return body


def open_record(session: Session, member_id: str, kind: str, body: str, *, closed: bool = False) -> str:
    """Record a complaint, feedback or survey answer. `closed=True` records one handled on the spot."""
    session.require(SERVICE_RECORD_WRITE)
    if kind not in KINDS:
        raise ValidationError("service.kind_invalid", field="kind")
    body = _check_body(body)
    if is_erased(session.db, member_id) or session.db.one("SELECT 1 FROM members WHERE id = ?", (member_id,)) is None:
        raise NotFound("service.member_unknown")
    rid = secrets.token_hex(8)
    now = iso(session.clock.now())
    with session.write(
        "service_record.create", "member", member_id, {"record": rid, "kind": kind, "closed": closed}
    ) as tx:
        tx.execute(
            "INSERT INTO service_records(id, member_id, kind, body, opened_at, closed_at, created_by, closed_by)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (
                rid,
                member_id,
                kind,
                body,
                now,
                now if closed else None,
                session.staff.id,
                session.staff.id if closed else None,
            ),
        )
        tx.journal(
            "service_record",
            rid,
            "upsert",
            {
                "member_id": member_id,
                "kind": kind,
                "body": body,
                "opened_at": now,
                "closed_at": now if closed else None,
            },
            member_id=member_id,
        )
    return rid


def close_record(session: Session, record_id: str) -> None:
    """The service ended: the 2-year retention period (RET-3) starts now."""
    session.require(SERVICE_RECORD_WRITE)
    row = session.db.one("SELECT member_id, closed_at FROM service_records WHERE id = ?", (record_id,))
    if row is None:
        raise NotFound()
    if row["closed_at"]:
        raise ValidationError("service.already_closed")
    now = iso(session.clock.now())
    with session.write("service_record.close", "member", row["member_id"], {"record": record_id}) as tx:
        tx.execute(
            "UPDATE service_records SET closed_at = ?, closed_by = ? WHERE id = ?", (now, session.staff.id, record_id)
        )
        tx.journal("service_record", record_id, "upsert", {"closed_at": now}, member_id=row["member_id"])


def list_records(session: Session, member_id: str) -> list[dict[str, Any]]:
    session.require(SERVICE_RECORD_VIEW)
    session.audit_read("service_record.list", "member", member_id)
    return [
        dict(r)
        for r in session.db.all(
            "SELECT id, kind, body, opened_at, closed_at FROM service_records WHERE member_id = ?"
            " ORDER BY opened_at DESC",
            (member_id,),
        )
    ]


def export_service_records(db: Queries, member_id: str) -> list[dict[str, Any]]:
    """For the member's data copy (RIG-6)."""
    return [
        dict(r)
        for r in db.all(
            "SELECT kind, body, opened_at, closed_at FROM service_records WHERE member_id = ? ORDER BY opened_at",
            (member_id,),
        )
    ]


def _erase_service_records(tx: Queries, member_id: str) -> int:
    return tx.execute("DELETE FROM service_records WHERE member_id = ?", (member_id,)).rowcount


register_eraser("service_records", _erase_service_records)

register_exporter("service_records", export_service_records)  # the customer's data copy (RIG-6)
