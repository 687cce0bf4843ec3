"""The encrypted archive of scanned pages (STO-1) and its erasure with the member (RIG-3).

Page images are stored in `scans.image`, AES-GCM under the field key with the AAD
"scans.image:<id>", so even an opened database shows only ciphertext. `sha256` is over the
plaintext image, so a destruction record can tie the paper batch to what is archived.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.datacopy import register_exporter
from app.erasure import register_eraser
from app.errors import NotFound
from app.staff import permissions as P
from app.storage.fieldcrypt import FieldCipher, register_blob_column

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries

register_blob_column("scans", "id", "image")

SCAN_VIEW = P.grant("scans.view", P.CLERK, P.MANAGER)


def new_id() -> str:
    return secrets.token_hex(8)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document_hash(page_hashes: list[str]) -> str:
    """The content hash of a document: SHA-256 over its pages' SHA-256 values in order."""
    return hashlib.sha256("\n".join(page_hashes).encode("ascii")).hexdigest()


def store_page(
    tx: Tx,
    cipher: FieldCipher,
    *,
    document_id: str,
    page_no: int,
    source_page: int,
    data: bytes,
    mime: str,
    width: int,
    height: int,
) -> tuple[str, str]:
    """Encrypt and insert one page inside the caller's transaction. Returns (scan id, sha256)."""
    sid = new_id()
    digest = sha256_hex(data)
    tx.execute(
        "INSERT INTO scans(id, document_id, page_no, source_page, mime, width, height, sha256, image,"
        " created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            sid,
            document_id,
            page_no,
            source_page,
            mime,
            width,
            height,
            digest,
            cipher.encrypt_bytes(data, f"scans.image:{sid}"),
            iso(tx.session.clock.now()),
        ),
    )
    return sid, digest


def insert_page(
    tx: Tx,
    *,
    scan_id: str,
    document_id: str,
    page_no: int,
    source_page: int,
    blob: bytes,
    sha256: str,
    mime: str,
    width: int,
    height: int,
) -> None:
    """Insert a page already encrypted with aad f"scans.image:{scan_id}"."""
    tx.execute(
        "INSERT INTO scans(id, document_id, page_no, source_page, mime, width, height, sha256, image,"
        " created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (scan_id, document_id, page_no, source_page, mime, width, height, sha256, blob, iso(tx.session.clock.now())),
    )


@dataclass
class PageImage:
    scan_id: str
    page_no: int
    mime: str
    data: bytes
    sha256: str


def document_pages(session: Session, cipher: FieldCipher, document_id: str) -> list[PageImage]:
    """Decrypt a document's pages for the in-app viewer; the read is audited (SEC-2)."""
    session.require(SCAN_VIEW)
    doc = session.db.one("SELECT id, member_id FROM scan_documents WHERE id = ?", (document_id,))
    if doc is None:
        raise NotFound()
    rows = session.db.all(
        "SELECT id, page_no, mime, sha256, image FROM scans WHERE document_id = ? ORDER BY page_no", (document_id,)
    )
    session.audit_read("scan.view", "scan_document", document_id, {"pages": len(rows), "member_id": doc["member_id"]})
    out = []
    for r in rows:
        data = cipher.decrypt_bytes(r["image"], f"scans.image:{r['id']}")
        out.append(PageImage(r["id"], r["page_no"], r["mime"], data, r["sha256"]))
    return out


def delete_document(tx: Tx, document_id: str) -> int:
    """The document's pages go, and the unredacted originals kept beside them (RET-4)."""
    tx.execute("DELETE FROM scan_unredacted WHERE document_id = ?", (document_id,))
    n = tx.execute("DELETE FROM scans WHERE document_id = ?", (document_id,)).rowcount
    tx.execute("DELETE FROM scan_documents WHERE id = ?", (document_id,))
    return n


def _erase_member_scans(tx: Tx, member_id: str) -> int:
    """Eraser: the member's scanned pages and documents go for good; the originals register keeps the
    serial and due date (the paper still has to be destroyed) but loses the link to the member."""
    docs = [r[0] for r in tx.all("SELECT id FROM scan_documents WHERE member_id = ?", (member_id,))]
    n = 0
    for did in docs:
        n += delete_document(tx, did)
    # conflicting re-scans of the member's forms waiting for a manager
    serials = [r[0] for r in tx.all("SELECT serial FROM originals WHERE member_id = ?", (member_id,))]
    for serial in serials:
        for (did,) in tx.all("SELECT id FROM scan_documents WHERE serial = ?", (serial,)):
            n += delete_document(tx, did)
    tx.execute("UPDATE originals SET member_id = NULL, document_id = NULL WHERE member_id = ?", (member_id,))
    return n


register_eraser("scans", _erase_member_scans)


def export_member_scans(db: Queries, member_id: str) -> list[dict[str, Any]]:
    """The customer's data copy (RIG-6): the paper forms scanned for them and where each original is."""
    rows = db.all(
        "SELECT d.serial, d.created_at, d.page_count, d.content_sha256, d.consent_id, o.status AS original,"
        " o.due_date, o.destroyed_at FROM scan_documents d LEFT JOIN originals o ON o.serial = d.serial"
        " WHERE d.member_id = ? AND d.status = 'matched' ORDER BY d.created_at",
        (member_id,),
    )
    return [
        {
            "form_serial": r["serial"],
            "scanned_at": r["created_at"],
            "pages": r["page_count"],
            "scan_sha256": r["content_sha256"],
            "consent_id": r["consent_id"],
            "paper_original": r["original"],
            "destroy_by": r["due_date"],
            "destroyed_at": r["destroyed_at"],
        }
        for r in rows
    ]


register_exporter("scans", export_member_scans)  # the customer's data copy (RIG-6)
