"""Consent brought along by an adopted member (issue #18), by reference to the original records.

A member registered at store A and taken on at store B (app.flows.adoption) keeps the consent state A recorded:
B holds, per purpose, the decision, its notice version and time and WHERE the evidence is (origin store + record
id at head office) in `consent_references` (migration 0014), and the current state in `member_consents` names the
original record. Nothing of the original record (method, evidence, signatures) is copied: it stays the evidence
at head office. A later consent at B is an ordinary `record_consent` and replaces the state for its purposes.

Written only here (inside the adoption's `session.write`); erased with the member (eraser `consent_references`);
part of the data copy (RIG-6).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from app.datacopy import register_exporter
from app.erasure import register_eraser
from app.errors import UserError
from app.notices import get_notice

if TYPE_CHECKING:
    from app.staff.session import Tx
    from app.storage.db import Queries


def record_references(tx: Tx, member_id: str, consents: Iterable[Any], adopted_at: str) -> dict[str, bool]:
    """Store each purpose's decision by reference and make it the member's current state. `consents`: objects with
    purpose, granted, notice_version, decided_at, store, record_id (app.sync.chain.ChainConsent). A notice version
    this store does not hold gives no purpose hash: the purpose then counts as changed (CON-5, fail closed) until
    the member consents here. Returns {purpose: granted}."""
    state: dict[str, bool] = {}
    for c in consents:
        purpose_hash = ""
        if c.notice_version:
            try:
                p = get_notice(tx, str(c.notice_version), "zh_CN").purpose(c.purpose)
                purpose_hash = p.purpose_hash if p is not None else ""
            except UserError:
                purpose_hash = ""
        tx.execute(
            "INSERT INTO consent_references(member_id, purpose_code, granted, notice_version, decided_at,"
            " origin_store, origin_record_id, adopted_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                member_id,
                c.purpose,
                int(bool(c.granted)),
                c.notice_version,
                c.decided_at,
                c.store,
                c.record_id,
                adopted_at,
            ),
        )
        tx.execute(
            "INSERT INTO member_consents(member_id, purpose_code, granted, record_id, notice_version, purpose_hash,"
            " updated_at) VALUES (?,?,?,?,?,?,?)",
            (
                member_id,
                c.purpose,
                int(bool(c.granted)),
                f"{c.store}:{c.record_id}",
                c.notice_version or "",
                purpose_hash,
                c.decided_at or adopted_at,
            ),
        )
        state[c.purpose] = bool(c.granted)
    return state


def references(db: Queries, member_id: str) -> list[dict]:
    rows = db.all(
        "SELECT purpose_code, granted, notice_version, decided_at, origin_store, origin_record_id, adopted_at"
        " FROM consent_references WHERE member_id = ? ORDER BY purpose_code",
        (member_id,),
    )
    return [
        {
            "purpose": r[0],
            "granted": bool(r[1]),
            "notice_version": r[2],
            "decided_at": r[3],
            "origin_store": r[4],
            "origin_record_id": r[5],
            "adopted_at": r[6],
        }
        for r in rows
    ]


def _erase(tx: Tx, member_id: str) -> int:
    return int(tx.execute("DELETE FROM consent_references WHERE member_id = ?", (member_id,)).rowcount)


register_eraser("consent_references", _erase)
register_exporter("consent_references", references, ("同意记录（其他门店）", "Consent records (other stores)"))
