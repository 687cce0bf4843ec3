"""Match a scanned form to its printed serial, its member and the consent it proves.

Printed forms are recorded in `form_serials` (app.printing, migration 0003: serial, member_id,
...). A consent given on paper names the form in `consent_records.evidence_ref` (0002).
A serial scanned twice: the same content is a duplicate (not stored again); other content
is a conflict a manager decides (app.scans.inbox.resolve_conflict).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from app.clock import iso
from app.errors import NotFound
from app.members.records import member_exists
from app.originals.tracking import register_original
from app.printing.serials import match_form_serial
from app.scans import archive

if TYPE_CHECKING:
    from app.staff.session import Tx
    from app.storage.db import Queries


class FormRef(TypedDict):
    """An issued form found by its serial: the serial as printed, its member and the consent it proves."""

    serial: str
    member_id: str | None
    consent_id: str | None


def lookup_serial(tx: Queries, serial: str) -> FormRef | None:
    """The issued form with this serial: {'serial', 'member_id', 'consent_id'} or None. The consent is the
    one the form was linked to, else the newest consent record naming the form as its evidence."""
    row = tx.one(
        "SELECT serial, matched_member_id, matched_consent_id FROM form_serials WHERE serial = ?",
        (serial.strip().upper(),),
    )
    if row is None:
        return None
    out = FormRef(serial=row[0], member_id=row[1], consent_id=row[2])
    if out["consent_id"] is None:
        c = tx.one(
            "SELECT id FROM consent_records WHERE evidence_ref = ? ORDER BY created_at DESC LIMIT 1", (out["serial"],)
        )
        out["consent_id"] = c[0] if c else None
    return out


def finish_document(
    tx: Tx,
    doc_id: str,
    serial: str | None,
    content: str,
    *,
    cabinet: str | None = None,
    custodian_id: str | None = None,
    member_id: str | None = None,
    manual: bool = False,
) -> tuple[str, str | None, str | None]:
    """Decide a document's fate inside the import (or manual-match) transaction.

    Returns (status, inbox_reason, serial); status is matched | inbox | duplicate | conflict.
    """
    same = tx.one(
        "SELECT id FROM scan_documents WHERE content_sha256 = ? AND id != ? AND status != 'discarded'"
        " AND (serial IS ? OR serial IS NULL OR ? IS NULL)",
        (content, doc_id, serial, serial),
    )
    if same is not None and not manual:
        archive.delete_document(tx, doc_id)
        tx.audit("scans.duplicate", "scan_document", same[0], {"serial": serial})
        return "duplicate", None, serial
    if serial is None:
        return _to_inbox(tx, doc_id, "no_qr"), "no_qr", None
    form = lookup_serial(tx, serial)
    if form is not None:
        serial = form["serial"]
    if form is None:
        return _to_inbox(tx, doc_id, "unknown_serial"), "unknown_serial", serial
    member_id = form["member_id"] or member_id
    if not member_exists(tx, member_id):
        return _to_inbox(tx, doc_id, "member_missing"), "member_missing", serial
    existing = tx.one(
        "SELECT id, content_sha256 FROM scan_documents WHERE serial = ? AND status = 'matched' AND id != ?",
        (serial, doc_id),
    )
    if existing is not None:
        if existing["content_sha256"] == content:
            archive.delete_document(tx, doc_id)
            tx.audit("scans.duplicate", "scan_document", existing["id"], {"serial": serial})
            return "duplicate", None, serial
        tx.execute(
            "UPDATE scan_documents SET status = 'conflict', inbox_reason = 'serial_conflict', serial = ?,"
            " member_id = ?, consent_id = ?, conflict_with = ? WHERE id = ?",
            (serial, member_id, form["consent_id"], existing["id"], doc_id),
        )
        tx.audit("scans.conflict", "scan_document", doc_id, {"serial": serial, "with": existing["id"]})
        return "conflict", "serial_conflict", serial
    link(tx, doc_id, serial, member_id, form["consent_id"], content, cabinet=cabinet, custodian_id=custodian_id)
    return "matched", None, serial


def link(
    tx: Tx,
    doc_id: str,
    serial: str,
    member_id: str | None,
    consent_id: str | None,
    content: str,
    *,
    cabinet: str | None = None,
    custodian_id: str | None = None,
) -> None:
    """Mark a document matched and register (or re-point) the paper original."""
    now = iso(tx.session.clock.now())
    tx.execute(
        "UPDATE scan_documents SET status = 'matched', inbox_reason = NULL, conflict_with = NULL, serial = ?,"
        " member_id = ?, consent_id = ?, matched_at = ?, matched_by = ? WHERE id = ?",
        (serial, member_id, consent_id, now, tx.session.actor_id, doc_id),
    )
    match_form_serial(tx, serial, member_id=member_id, consent_id=consent_id, scan_id=doc_id)
    tx.journal(
        "scan_document",
        doc_id,
        "upsert",
        {"serial": serial, "member_id": member_id, "consent_id": consent_id, "content_sha256": content},
        member_id=member_id,
    )
    doc = tx.one("SELECT page_count, created_at FROM scan_documents WHERE id = ?", (doc_id,))
    if doc is None:  # updated above in this transaction: only a caller's wrong id gets here
        raise NotFound()
    # the 30 working days run from the scan, also for one that waited in the inbox (STO-2)
    register_original(
        tx,
        serial=serial,
        document_id=doc_id,
        member_id=member_id,
        content_sha256=content,
        pages=doc["page_count"],
        cabinet=cabinet,
        custodian_id=custodian_id,
        scanned_at=doc["created_at"],
    )


def adopt_waiting_scans(tx: Tx, serial: str, member_id: str, consent_id: str | None) -> list[str]:
    """Inside a paper registration's transaction (app.flows.enrolment: a registration or a re-consent on paper): the
    signed form was scanned before the member was registered, so its scan waits in the inbox (member_missing).
    Match it now, as the import would have: archived, the paper original registered. A second, different scan of
    the same form becomes a conflict for the manager, as at import. Returns the documents matched."""
    matched = []
    for doc in tx.all(
        "SELECT id, content_sha256 FROM scan_documents"
        " WHERE status = 'inbox' AND upper(qr_serial) = ? ORDER BY created_at, rowid",
        (serial,),
    ):
        status, _reason, _serial = finish_document(
            tx, doc["id"], serial, doc["content_sha256"], member_id=member_id, manual=True
        )
        tx.audit("scans.match_on_registration", "scan_document", doc["id"], {"serial": serial, "status": status})
        if status == "matched":
            matched.append(doc["id"])
    return matched


def _to_inbox(tx: Tx, doc_id: str, reason: str) -> str:
    tx.execute("UPDATE scan_documents SET status = 'inbox', inbox_reason = ? WHERE id = ?", (reason, doc_id))
    return "inbox"
