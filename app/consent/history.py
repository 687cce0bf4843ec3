"""A member's consent history as the member page shows it (moved out of app.consent.service, issue #18).

`consent_history(db, member_id)`: every local consent record, newest first, with its items (no personal values).
`with_references=True` adds the consents an adopted member brought along by reference (app.consent.references):
one entry per original record — which store recorded it, which record at head office is the evidence, under which
notice version — beside the local records.
"""

from __future__ import annotations

from app.consent.references import references
from app.storage.db import Queries


def consent_history(db: Queries, member_id: str, *, with_references: bool = False) -> list[dict]:
    """Every consent record of a member, newest first, with its items (no personal values).

    `with_references=True` (the member page's history): the consents a member adopted from another store brought
    along by reference (app.consent.references) are listed beside the local records, one entry per original
    record: kind "reference", `store_code` = the store that recorded it, `origin_record_id` = the record at head
    office (the evidence), the notice version, `created_at` = when it was decided, `adopted_at`. The data copy
    lists references separately (its own exporter), so it calls this without them."""
    out: list[dict] = []
    for r in db.all(
        "SELECT c.*, s.display_name AS staff_name FROM consent_records c LEFT JOIN staff s"
        " ON s.id = c.staff_id WHERE c.member_id = ? ORDER BY c.created_at DESC, c.rowid DESC",
        (member_id,),
    ):
        items = {
            i[0]: bool(i[1])
            for i in db.all("SELECT purpose_code, granted FROM consent_items WHERE record_id = ?", (r["id"],))
        }
        evidence = db.scalar("SELECT count(*) FROM consent_evidence WHERE record_id = ?", (r["id"],))
        out.append(
            {
                "id": r["id"],
                "kind": r["kind"],
                "created_at": r["created_at"],
                "notice_version": r["notice_version"],
                "notice_lang": r["notice_lang"],
                "notice_hash": r["notice_hash"],
                "method": r["method"],
                "staff_id": r["staff_id"],
                "staff_name": r["staff_name"],
                "store_code": r["store_code"],
                "terminal": r["terminal"],
                "evidence_ref": r["evidence_ref"],
                "signatures": evidence,
                "guardian": bool(r["guardian_name_enc"]),
                "guardian_relation": r["guardian_relation"],
                "items": items,
            }
        )
    if with_references:
        out = sorted(out + _reference_entries(db, member_id), key=lambda h: str(h["created_at"]), reverse=True)
    return out


def _reference_entries(db: Queries, member_id: str) -> list[dict]:
    by_record: dict[tuple[str, str], dict] = {}
    for ref in references(db, member_id):
        key = (str(ref["origin_store"] or ""), str(ref["origin_record_id"] or ""))
        entry = by_record.setdefault(
            key,
            {
                "id": f"{key[0]}:{key[1]}",
                "kind": "reference",
                "created_at": str(ref["decided_at"] or ref["adopted_at"] or ""),
                "notice_version": ref["notice_version"] or "",
                "notice_lang": "",
                "notice_hash": "",
                "method": "reference",
                "staff_id": None,
                "staff_name": None,
                "store_code": key[0],
                "terminal": None,
                "evidence_ref": None,
                "signatures": 0,
                "guardian": False,
                "guardian_relation": None,
                "origin_record_id": key[1],
                "adopted_at": ref["adopted_at"],
                "items": {},
            },
        )
        entry["items"][ref["purpose"]] = bool(ref["granted"])
        entry["created_at"] = max(entry["created_at"], str(ref["decided_at"] or ""))
    return list(by_record.values())
