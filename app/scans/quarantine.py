"""The sealed quarantine of scan files the import refused (STO-1, SEN-3).

A file the watched folder could not import (a damaged scan, a wrong file) used to wait in the `未导入` folder
in plaintext. Now it is moved into the database with the reason (the refusal's message key) and no file name (a
name may carry a customer's name), and the file in the folder is overwritten and deleted. A refused file may be
an unredacted form page (a truncated scan still shows the ID-number boxes), so it is sealed like the unredacted
pages (app.scans.unredacted): to the store's field public key (app.storage.fieldcrypt `sealed=True`, aad
"scan_quarantine.data:<id>"). Any session quarantines (the watched folder runs under whoever is signed in); only
a manager's step-up opens one (`export_file` with `Vault.step_up(...).cipher`; the cipher every session holds
raises UserError('fieldcrypt.step_up')), audited once the file has opened. Files quarantined before (AES-GCM under
the field key, which every session's data key derives) are sealed at the next sign-in (app.access.fieldkeys
.seal_legacy; migration 0020 makes it run once more). A manager exports one to look at it elsewhere, or discards
it; the retention sweep deletes it on its delete-by date (30 days: it may hold an ID number in clear).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import app.scans.messages  # noqa: F401
from app.clock import iso
from app.errors import NotFound
from app.scans import archive
from app.scans.importer import SCAN_IMPORT, shred_file
from app.scans.unredacted import delete_by
from app.staff import permissions as P
from app.storage.fieldcrypt import FieldCipher, register_blob_column

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries

register_blob_column("scan_quarantine", "id", "data", sealed=True)  # SEN-3: a manager's step-up opens it

SCAN_QUARANTINE = P.grant("scans.quarantine", P.MANAGER)
SOURCES = ("folder", "file", "drop")


@dataclass
class QuarantinedFile:
    id: str
    source: str
    reason: str
    file_kind: str | None
    size: int
    created_at: str
    delete_by: str


def quarantine_bytes(
    session: Session, cipher: FieldCipher, data: bytes, *, reason: str, source: str = "folder", suffix: str = ""
) -> str:
    """Store a refused file sealed, with its reason. Returns the quarantine id. Any clerk's session may do it
    (the watched folder runs under whoever is signed in); reading it back needs a manager's step-up. A store with
    no field key pair yet (no manager signed in since the upgrade) raises UserError('fieldcrypt.no_public_key'):
    the watched folder then leaves the file where it is and tries again at its next poll."""
    session.require(SCAN_IMPORT)
    if source not in SOURCES:
        raise ValueError(source)
    qid = archive.new_id()
    now = session.clock.now()
    kind = suffix.lower()[:8] if suffix.startswith(".") else None
    with session.write("scans.quarantine", "scan_quarantine", qid, {"reason": reason, "size": len(data)}) as tx:
        tx.execute(
            "INSERT INTO scan_quarantine(id, source, reason, file_kind, size, sha256, data, created_at, delete_by)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (
                qid,
                source,
                reason,
                kind,
                len(data),
                archive.sha256_hex(data),
                cipher.encrypt_bytes(data, f"scan_quarantine.data:{qid}"),
                iso(now),
                delete_by(now.date()),
            ),
        )
    return qid


def quarantine_file(session: Session, cipher: FieldCipher, path: Path, *, reason: str, source: str = "folder") -> str:
    """Move a file into the quarantine: read, store encrypted, then overwrite and delete the file."""
    data = path.read_bytes()
    qid = quarantine_bytes(session, cipher, data, reason=reason, source=source, suffix=path.suffix)
    del data
    shred_file(path)
    return qid


def list_quarantine(session: Session) -> list[QuarantinedFile]:
    session.require(SCAN_QUARANTINE)
    return [
        QuarantinedFile(r["id"], r["source"], r["reason"], r["file_kind"], r["size"], r["created_at"], r["delete_by"])
        for r in session.db.all(
            "SELECT id, source, reason, file_kind, size, created_at, delete_by FROM scan_quarantine"
            " ORDER BY created_at, id"
        )
    ]


def quarantine_count(db: Queries) -> int:
    return int(db.scalar("SELECT count(*) FROM scan_quarantine", default=0) or 0)


def export_file(session: Session, cipher: FieldCipher, qid: str) -> bytes:
    """The file's bytes, for a manager to save where they choose (audited: SEC-2, SEN-3). `cipher` is a step-up's
    (`Vault.step_up(...).cipher`); any other raises UserError('fieldcrypt.step_up') and nothing is recorded as
    exported. The audit entry is written once the file has opened."""
    session.require(SCAN_QUARANTINE)
    row = session.db.one("SELECT data, size FROM scan_quarantine WHERE id = ?", (qid,))
    if row is None:
        raise NotFound()
    data = cipher.decrypt_bytes(row["data"], f"scan_quarantine.data:{qid}")
    with session.write("scans.quarantine.export", "scan_quarantine", qid, {"size": int(row["size"])}):
        pass
    return data


def discard(session: Session, qid: str) -> None:
    session.require(SCAN_QUARANTINE)
    with session.write("scans.quarantine.discard", "scan_quarantine", qid) as tx:
        if tx.execute("DELETE FROM scan_quarantine WHERE id = ?", (qid,)).rowcount == 0:
            raise NotFound()


def any_due(db: Queries, today: dt.date) -> bool:
    return db.one("SELECT 1 FROM scan_quarantine WHERE delete_by <= ? LIMIT 1", (today.isoformat(),)) is not None


def purge_due(tx: Tx, today: dt.date) -> int:
    """The sweep's step: quarantined files past their delete-by date."""
    return int(tx.execute("DELETE FROM scan_quarantine WHERE delete_by <= ?", (today.isoformat(),)).rowcount)
