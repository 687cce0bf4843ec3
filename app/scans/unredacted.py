"""Pages with sensitive data in clear: unredacted originals of archived pages, and pages held for a manager.

- `scan_unredacted`: the page as scanned, before its ID-number boxes were blacked out. Only a manager sees it
  (`reveal_page`, audited like any sensitive-field reveal: SEN-3); it is deleted by the retention sweep when the
  member's ID-number business is done, or on `delete_by` (at most 30 days after the import: RET-4), and with the
  member's erasure.
- `scan_held`: a form page whose geometry could not be established, so it could not be redacted. It is not in
  `scans` (no viewer, data copy or sync reads it); a manager looks at it (audited), keeps it held, or discards
  it; the sweep deletes it on `delete_by` like an unredacted page.
Both are sealed to the store's field public key (app.storage.fieldcrypt `sealed=True`, aad "<table>.image:<id>"):
any session can write them at import, only a manager's step-up opens them (`Vault.step_up`: the cipher of that
step-up is what `reveal_page` / `view_held` need; the cipher every session holds raises `fieldcrypt.step_up`).
Pages written before (AES-GCM under the field key, which every session's data key derives) are sealed at the next
sign-in (app.access.fieldkeys.seal_legacy; migration 0017 makes it run once more for these two columns).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import app.scans.messages  # noqa: F401
from app.clock import iso
from app.erasure import register_eraser
from app.errors import NotFound, ValidationError
from app.staff import permissions as P
from app.storage.fieldcrypt import FieldCipher, register_blob_column

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries

register_blob_column("scan_unredacted", "scan_id", "image", sealed=True)  # SEN-3: a manager's step-up opens it
register_blob_column("scan_held", "id", "image", sealed=True)  # SEN-3: a manager's step-up opens it

SCAN_REVEAL = P.grant("scans.reveal", P.MANAGER)  # the unredacted page (SEN-3)
SCAN_HELD = P.grant("scans.held", P.MANAGER)  # pages held for a manager: look, keep, discard
KEEP_DAYS = 30  # RET-4: never longer than 30 days
REVEAL_REASONS = ("dispute", "verify_identity", "customer_request", "authority")


def delete_by(today: dt.date, days: int = KEEP_DAYS) -> str:
    return (today + dt.timedelta(days=min(days, KEEP_DAYS))).isoformat()


def keep_unredacted(tx: Tx, *, scan_id: str, document_id: str, blob: bytes, mime: str, sha256: str, boxes: int) -> None:
    """Inside the import's transaction: the unredacted page of an archived (redacted) page, already encrypted
    with aad f"scan_unredacted.image:{scan_id}"."""
    now = tx.session.clock.now()
    tx.execute(
        "INSERT INTO scan_unredacted(scan_id, document_id, mime, sha256, boxes, image, created_at, delete_by)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (
            scan_id,
            document_id,
            mime,
            sha256,
            boxes,
            blob,
            iso(now),
            delete_by(now.date()),
        ),
    )


def hold_page(
    tx: Tx,
    *,
    held_id: str,
    batch_id: str,
    qr_serial: str | None,
    member_id: str | None,
    source_page: int,
    reason: str,
    blob: bytes,
    mime: str,
    width: int,
    height: int,
    sha256: str,
) -> None:
    """Inside the import's transaction: a page already encrypted with aad f"scan_held.image:{held_id}"."""
    now = tx.session.clock.now()
    tx.execute(
        "INSERT INTO scan_held(id, batch_id, qr_serial, member_id, source_page, reason, mime, width, height, sha256,"
        " image, created_at, delete_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            held_id,
            batch_id,
            qr_serial,
            member_id,
            source_page,
            reason,
            mime,
            width,
            height,
            sha256,
            blob,
            iso(now),
            delete_by(now.date()),
        ),
    )


@dataclass
class HeldPage:
    id: str
    qr_serial: str | None
    source_page: int
    reason: str
    created_at: str
    delete_by: str
    kept: bool


def list_held(session: Session) -> list[HeldPage]:
    """The pages waiting for a manager (no images)."""
    session.require(SCAN_HELD)
    return [
        HeldPage(
            r["id"], r["qr_serial"], r["source_page"], r["reason"], r["created_at"], r["delete_by"], bool(r["kept_at"])
        )
        for r in session.db.all(
            "SELECT id, qr_serial, source_page, reason, created_at, delete_by, kept_at FROM scan_held"
            " ORDER BY created_at, id"
        )
    ]


def held_count(db: Queries) -> int:
    return int(db.scalar("SELECT count(*) FROM scan_held", default=0) or 0)


def view_held(session: Session, cipher: FieldCipher, held_id: str) -> tuple[bytes, str]:
    """A manager looks at a held (unredacted) page: audited (SEN-3). Returns (image bytes, mime).
    `cipher` is a step-up's (`Vault.step_up(...).cipher`); any other raises UserError('fieldcrypt.step_up')."""
    session.require(SCAN_HELD)
    row = session.db.one("SELECT image, mime FROM scan_held WHERE id = ?", (held_id,))
    if row is None:
        raise NotFound()
    data = cipher.decrypt_bytes(row["image"], f"scan_held.image:{held_id}")
    with session.write("scan.held.view", "scan_held", held_id):
        pass
    return data, row["mime"]


def decide_held(session: Session, held_id: str, decision: str) -> None:
    """'discard' deletes the held page; 'keep' keeps it held (it still goes on its delete-by date)."""
    session.require(SCAN_HELD)
    if decision not in ("discard", "keep"):
        raise ValidationError("error.validation", field="decision")
    with session.write("scan.held." + decision, "scan_held", held_id) as tx:
        if tx.one("SELECT 1 FROM scan_held WHERE id = ?", (held_id,)) is None:
            raise NotFound()
        if decision == "discard":
            tx.execute("DELETE FROM scan_held WHERE id = ?", (held_id,))
        else:
            tx.execute(
                "UPDATE scan_held SET kept_at = ?, kept_by = ? WHERE id = ?",
                (iso(session.clock.now()), session.staff.id, held_id),
            )


def has_unredacted(db: Queries, scan_id: str) -> bool:
    return db.one("SELECT 1 FROM scan_unredacted WHERE scan_id = ?", (scan_id,)) is not None


def reveal_page(session: Session, cipher: FieldCipher, scan_id: str, reason_code: str) -> tuple[bytes, str]:
    """The unredacted page, to a manager only, with the reveal in the audit log (SEN-3). (image bytes, mime)
    `cipher` is a step-up's (`Vault.step_up(...).cipher`); any other raises UserError('fieldcrypt.step_up')."""
    session.require(SCAN_REVEAL)
    if reason_code not in REVEAL_REASONS:
        raise ValidationError("error.validation", field="reason")
    row = session.db.one("SELECT image, mime, document_id FROM scan_unredacted WHERE scan_id = ?", (scan_id,))
    if row is None:
        raise NotFound()
    doc = session.db.one("SELECT member_id FROM scan_documents WHERE id = ?", (row["document_id"],))
    details: dict[str, Any] = {"reason": reason_code, "member_id": doc["member_id"] if doc else None}
    data = cipher.decrypt_bytes(row["image"], f"scan_unredacted.image:{scan_id}")
    with session.write("scan.reveal", "scan", scan_id, details):
        pass
    return data, row["mime"]


_DUE_UNREDACTED = (
    "delete_by <= ?1 OR document_id IN (SELECT d.id FROM scan_documents d"
    " JOIN id_number_retention i ON i.member_id = d.member_id WHERE i.business_done_at IS NOT NULL"
    " AND i.business_done_at >= scan_unredacted.created_at)"
)


def any_due(db: Queries, today: dt.date) -> bool:
    """Whether the sweep has unredacted or held pages to delete today."""
    day = today.isoformat()
    return (
        db.one(f"SELECT 1 FROM scan_unredacted WHERE {_DUE_UNREDACTED} LIMIT 1", (day,)) is not None
        or db.one("SELECT 1 FROM scan_held WHERE delete_by <= ? LIMIT 1", (day,)) is not None
    )


def purge_due(tx: Tx, today: dt.date) -> dict[str, int]:
    """The sweep's step (RET-4): unredacted pages whose member's ID-number business is done, or whose delete-by
    date has come, and held pages past their delete-by date. Returns counts."""
    day = today.isoformat()
    unredacted = tx.execute(f"DELETE FROM scan_unredacted WHERE {_DUE_UNREDACTED}", (day,)).rowcount
    held = tx.execute("DELETE FROM scan_held WHERE delete_by <= ?", (day,)).rowcount
    return {"unredacted": unredacted, "held": held}


def waiting(db: Queries, today: dt.date) -> dict[str, Any]:
    """For the retention page: how many unredacted and held pages wait, and the next delete-by date."""
    row = db.one("SELECT count(*), min(delete_by) FROM scan_unredacted") or (0, None)
    held = db.one("SELECT count(*), min(delete_by) FROM scan_held") or (0, None)
    return {
        "unredacted": int(row[0]),
        "unredacted_next": row[1],
        "held": int(held[0]),
        "held_next": held[1],
        "as_of": today.isoformat(),
    }


def _erase(tx: Tx, member_id: str) -> int:
    """Eraser: held pages of the member's forms (unredacted pages go with their document: archive.delete_document).
    The member is named on the held page at import; a form still linked to the member is looked up too."""
    return int(
        tx.execute(
            "DELETE FROM scan_held WHERE member_id = ?"
            " OR qr_serial IN (SELECT serial FROM form_serials WHERE matched_member_id = ?)",
            (member_id, member_id),
        ).rowcount
    )


register_eraser("scan_held", _erase)
