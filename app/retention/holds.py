"""Legal hold (法律保全): a dispute or an investigation keeps a member (and all their records) or one
record past its retention period. Placing and releasing are manager steps, audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from app.clock import iso
from app.erasure import register_blocker
from app.errors import NotFound, ValidationError
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

LEGAL_HOLD = P.grant("retention.legal_hold", P.MANAGER)
SUBJECTS = {"member": ("members", "id"), "purchase": ("purchases", "id"), "service_record": ("service_records", "id")}


def place_hold(session: Session, subject_type: str, subject_id: object, case_ref: str) -> int:
    session.require(LEGAL_HOLD)
    if subject_type not in SUBJECTS:
        raise ValidationError("retention.hold_subject_invalid", field="subject_type")
    case_ref = (case_ref or "").strip()
    if not case_ref or len(case_ref) > 64:
        raise ValidationError("retention.hold_case_required", field="case_ref")
    table, col = SUBJECTS[subject_type]
    subject_id = str(subject_id)
    if session.db.one(f"SELECT 1 FROM {table} WHERE {col} = ?", (subject_id,)) is None:
        raise NotFound()
    existing = active_hold(session.db, subject_type, subject_id)
    if existing:
        return existing["id"]
    with session.write("retention.hold.place", subject_type, subject_id, {"case_ref_len": len(case_ref)}) as tx:
        hid = tx.execute(
            "INSERT INTO legal_holds(subject_type, subject_id, case_ref, placed_at, placed_by) VALUES (?,?,?,?,?)",
            (subject_type, subject_id, case_ref, iso(session.clock.now()), session.staff.id),
        ).lastrowid
        tx.journal(
            "legal_hold",
            str(hid),
            "upsert",
            {"subject_type": subject_type, "subject_id": subject_id, "case_ref": case_ref},
            member_id=subject_id if subject_type == "member" else None,
        )
    return cast(int, hid)  # an INSERT's rowid


def release_hold(session: Session, hold_id: int) -> None:
    session.require(LEGAL_HOLD)
    row = session.db.one(
        "SELECT subject_type, subject_id FROM legal_holds WHERE id = ? AND released_at IS NULL", (hold_id,)
    )
    if row is None:
        raise NotFound()
    with session.write("retention.hold.release", row["subject_type"], row["subject_id"], {"hold": hold_id}) as tx:
        tx.execute(
            "UPDATE legal_holds SET released_at = ?, released_by = ? WHERE id = ?",
            (iso(session.clock.now()), session.staff.id, hold_id),
        )
        tx.journal("legal_hold", str(hold_id), "delete", {})


def active_hold(db: Queries, subject_type: str, subject_id: object) -> dict | None:
    row = db.one(
        "SELECT * FROM legal_holds WHERE subject_type = ? AND subject_id = ? AND released_at IS NULL",
        (subject_type, str(subject_id)),
    )
    return dict(row) if row else None


def list_holds(db: Queries, include_released: bool = False) -> list[dict]:
    sql = "SELECT id, subject_type, subject_id, case_ref, placed_at, placed_by, released_at FROM legal_holds"
    if not include_released:
        sql += " WHERE released_at IS NULL"
    return [dict(r) for r in db.all(sql + " ORDER BY placed_at DESC")]


def resolve_subject(db: Queries, kind: str, text: str, store_code: str) -> str:
    """What a manager types for a hold (会员号 / 交易号 / service record id) -> the internal id (NotFound)."""
    if kind == "member":
        row = db.one("SELECT id FROM members WHERE member_no = ? OR id = ?", (text, text))
    elif kind == "purchase":
        row = db.one("SELECT id FROM purchases WHERE store_code = ? AND pos_txn_id = ?", (store_code, text))
    else:
        row = db.one("SELECT id FROM service_records WHERE id = ?", (text,))
    if row is None:
        raise NotFound()
    return str(row[0])


def subject_label(db: Queries, hold: dict) -> str:
    """How the holds list names a hold's subject: member number, POS transaction number, or the id."""
    if hold["subject_type"] == "member":
        return db.scalar("SELECT member_no FROM members WHERE id = ?", (hold["subject_id"],)) or hold["subject_id"]
    if hold["subject_type"] == "purchase":
        return db.scalar("SELECT pos_txn_id FROM purchases WHERE id = ?", (hold["subject_id"],)) or hold["subject_id"]
    return hold["subject_id"]


def any_active(db: Queries) -> bool:
    return db.one("SELECT 1 FROM legal_holds WHERE released_at IS NULL LIMIT 1") is not None


def _erasure_blocker(db: Queries, member_id: str) -> str | None:
    """A member under legal hold is not erased by a request (the hold is the legal basis to refuse)."""
    return "erasure.blocked_hold" if active_hold(db, "member", member_id) else None


register_blocker("legal_hold", _erasure_blocker)
