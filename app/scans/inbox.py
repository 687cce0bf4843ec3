"""The inbox: scans without a readable or known QR, and re-scans that differ (manager decides)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.errors import NotFound, UserError, ValidationError
from app.members.records import member_exists
from app.scans import archive
from app.scans.decode import is_serial
from app.scans.matching import finish_document, link, lookup_serial
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries, Row

SCAN_MATCH = P.grant("scans.match", P.CLERK, P.MANAGER)
SCAN_DECIDE = P.grant("scans.decide", P.MANAGER)  # conflicts and discarding a scan


@dataclass
class InboxItem:
    id: str
    status: str  # inbox | conflict
    reason: str  # no_qr | unknown_serial | member_missing | serial_conflict
    qr_serial: str | None
    serial: str | None
    pages: int
    created_at: str
    conflict_with: str | None


def list_inbox(db: Queries) -> list[InboxItem]:
    return [
        InboxItem(
            r["id"],
            r["status"],
            r["inbox_reason"] or "",
            r["qr_serial"],
            r["serial"],
            r["page_count"],
            r["created_at"],
            r["conflict_with"],
        )
        for r in db.all("SELECT * FROM scan_documents WHERE status IN ('inbox', 'conflict') ORDER BY created_at, id")
    ]


def inbox_count(db: Queries) -> int:
    return int(db.scalar("SELECT count(*) FROM scan_documents WHERE status IN ('inbox', 'conflict')", default=0))


def _doc(tx: Tx, doc_id: str) -> Row:
    row = tx.one("SELECT * FROM scan_documents WHERE id = ?", (doc_id,))
    if row is None:
        raise NotFound()
    return row


def match_document(session: Session, doc_id: str, serial: str, *, member_no: str | None = None) -> str:
    """Manual matching: the clerk reads the serial printed next to the QR (and, for a form not yet
    tied to a member, the member number). Returns the resulting status (matched | conflict | duplicate)."""
    session.require(SCAN_MATCH)
    serial = (serial or "").strip().upper()
    if not is_serial(serial):
        raise ValidationError("scans.serial_invalid", field="serial")
    with session.write("scans.match", "scan_document", doc_id, {"serial": serial}) as tx:
        doc = _doc(tx, doc_id)
        if doc["status"] != "inbox":
            raise UserError("scans.not_in_inbox")
        form = lookup_serial(tx, serial)
        if form is None:
            raise ValidationError("scans.serial_unknown", field="serial", serial=serial)
        member_id = form["member_id"]
        if member_id is None and member_no:
            row = tx.one("SELECT id FROM members WHERE member_no = ?", (member_no.strip(),))
            member_id = row[0] if row else None
        if not member_exists(tx, member_id):
            raise ValidationError("scans.member_missing", field="member_no")
        status, _reason, _serial = finish_document(
            tx, doc_id, form["serial"], doc["content_sha256"], member_id=member_id, manual=True
        )
        if status == "inbox":  # cannot happen after the checks above; keep the data, refuse loudly
            raise UserError("scans.not_in_inbox")
    return status


def resolve_conflict(session: Session, doc_id: str, decision: str) -> None:
    """A manager decides a re-scan whose content differs from the archived one:
    'replace' (the new scan becomes the archive copy; the old pages are deleted),
    'keep_both' (both are kept, e.g. a corrected form re-signed), 'discard' (the new scan is deleted)."""
    session.require(SCAN_DECIDE)
    if decision not in ("replace", "keep_both", "discard"):
        raise ValidationError("error.validation", field="decision")
    with session.write("scans.conflict.resolve", "scan_document", doc_id, {"decision": decision}) as tx:
        doc = _doc(tx, doc_id)
        if doc["status"] != "conflict":
            raise UserError("scans.not_conflict")
        if decision == "discard":
            archive.delete_document(tx, doc_id)
            return
        old = doc["conflict_with"]
        if decision == "replace" and old:
            archive.delete_document(tx, old)
        elif old:  # keep both: the earlier copy stays matched; the new one too
            pass
        tx.execute("UPDATE scan_documents SET status = 'inbox' WHERE id = ?", (doc_id,))
        link(tx, doc_id, doc["serial"], doc["member_id"], doc["consent_id"], doc["content_sha256"])


def discard_document(session: Session, doc_id: str) -> None:
    """A manager deletes an inbox scan that is not a form of ours (wrong paper scanned)."""
    session.require(SCAN_DECIDE)
    with session.write("scans.discard", "scan_document", doc_id) as tx:
        doc = _doc(tx, doc_id)
        if doc["status"] not in ("inbox", "conflict"):
            raise UserError("scans.not_in_inbox")
        tx.details = {"pages": archive.delete_document(tx, doc_id)}
