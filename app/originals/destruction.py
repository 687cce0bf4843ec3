"""Witnessed destruction of a batch of paper originals (STO-2) and its printed record (STO-3).

A manager picks originals that are in the cabinet, enters the method (shredder, or a vendor
with its certificate number), and a second staff member signs in as witness
(`vault.verify_staff`). One transaction marks them destroyed, stores the batch with the
SHA-256 over the batch (app.printing.destruction_record.batch_hash: every form's serial and
scan hash), and writes the audit entry. `destruction_record_pdf` prints the record.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from app.clock import iso
from app.errors import NotFound, UserError, ValidationError
from app.messages import add_messages
from app.printing.destruction_record import (
    DestroyedForm,
    DestructionRecord,
    batch_hash,
    destruction_record_pdf as render_destruction_record,
)
from app.printing.fonts import font_for_db
from app.printing.letter_layout import StoreInfo
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session, Staff
    from app.storage.db import Queries

ORIGINALS_DESTROY = P.grant("originals.destroy", P.MANAGER)
METHODS = ("shred", "crosscut", "incinerate", "vendor")
MAX_BATCH = 500

add_messages(
    {
        "originals.batch_empty": ("请至少选择一份要销毁的原件。", "Choose at least one original to destroy."),
        "originals.batch_too_large": ("一次最多销毁 {max} 份。", "At most {max} originals per batch."),
        "originals.method_invalid": ("请选择销毁方式。", "Choose a destruction method."),
        "originals.vendor_required": (
            "委托销毁须填写销毁机构名称和销毁证明编号。",
            "A vendor destruction needs the vendor's name and certificate number.",
        ),
        "originals.witness_required": (
            "销毁须由另一位员工登录作为监销人。",
            "Another staff member must sign in as witness.",
        ),
        "originals.witness_same": (
            "监销人不能是操作销毁的店长本人。",
            "The witness must be someone other than the manager destroying the batch.",
        ),
    }
)


def _dt(value: str) -> dt.datetime:
    """Stored ISO time -> datetime (the record prints and hashes it as 'YYYY-MM-DD HH:MM', store-local)."""
    return dt.datetime.fromisoformat(value)


def method_text(method: str, vendor: str | None, certificate_no: str | None) -> str:
    """The method as printed and hashed: the key, or the vendor with its certificate number."""
    if method == "vendor":
        return f"委托专业销毁机构：{vendor}；销毁证明编号 {certificate_no}"
    return method


def destroy_batch(
    session: Session,
    original_ids: list[str],
    *,
    method: str,
    witness: Staff | None,
    vendor: str | None = None,
    certificate_no: str | None = None,
) -> str:
    """Mark a batch destroyed in one transaction. `session` must be a manager's; `witness` is the
    app.staff.session.Staff returned by vault.verify_staff. Returns the destruction id."""
    session.require(ORIGINALS_DESTROY)
    ids = list(dict.fromkeys(original_ids or []))
    if not ids:
        raise ValidationError("originals.batch_empty", field="originals")
    if len(ids) > MAX_BATCH:
        raise ValidationError("originals.batch_too_large", field="originals", max=MAX_BATCH)
    if method not in METHODS:
        raise ValidationError("originals.method_invalid", field="method")
    vendor = (vendor or "").strip() or None
    certificate_no = (certificate_no or "").strip() or None
    if method == "vendor" and not (vendor and certificate_no):
        raise ValidationError("originals.vendor_required", field="certificate_no")
    if witness is None:
        raise UserError("originals.witness_required")
    if witness.id == session.staff.id:
        raise UserError("originals.witness_same")
    did = secrets.token_hex(8)
    now = session.clock.now()
    batch_no = f"D{now.strftime('%Y%m%d')}-{did[:6].upper()}"
    with session.write("originals.destroy", "destruction", did) as tx:
        rows = []
        for oid in ids:
            row = tx.one("SELECT * FROM originals WHERE id = ?", (oid,))
            if row is None:
                raise NotFound("originals.not_found")
            if row["status"] != "in_cabinet":
                raise UserError("originals.not_in_cabinet", serial=row["serial"])
            rows.append(row)
        rec = DestructionRecord(
            batch_id=batch_no,
            store=StoreInfo(code=session.store_code, name=session.store_code),
            forms=[DestroyedForm(r["serial"], _dt(r["scanned_at"]), r["content_sha256"], r["pages"]) for r in rows],
            method=method_text(method, vendor, certificate_no),
            destroyed_at=_dt(iso(now)),
            manager=session.staff.display_name,
            witness=witness.display_name,
            manager_id=session.staff.id,
            witness_id=witness.id,
        )
        digest = batch_hash(rec)
        tx.execute(
            "INSERT INTO original_destructions(id, batch_no, destroyed_at, method, vendor, certificate_no,"
            " manager_id, witness_id, form_count, batch_sha256) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (did, batch_no, iso(now), method, vendor, certificate_no, session.staff.id, witness.id, len(rows), digest),
        )
        tx.executemany(
            "UPDATE originals SET status = 'destroyed', destruction_id = ?, destroyed_at = ?,"
            " updated_at = ? WHERE id = ?",
            [(did, iso(now), iso(now), r["id"]) for r in rows],
        )
        tx.journal(
            "destruction",
            did,
            "upsert",
            {"batch_no": batch_no, "serials": [r["serial"] for r in rows], "method": method, "batch_sha256": digest},
        )
        tx.details = {
            "batch_no": batch_no,
            "forms": len(rows),
            "method": method,
            "witness_id": witness.id,
            "batch_sha256": digest,
            "serials": [r["serial"] for r in rows],
        }
    return did


def destruction_record(db: Queries, destruction_id: str, *, store_name: str | None = None) -> DestructionRecord:
    """Rebuild the printable record (app.printing.destruction_record.DestructionRecord) from the archive."""
    d = db.one("SELECT * FROM original_destructions WHERE id = ?", (destruction_id,))
    if d is None:
        raise NotFound()
    names = {
        r["id"]: r["display_name"]
        for r in db.all("SELECT id, display_name FROM staff WHERE id IN (?, ?)", (d["manager_id"], d["witness_id"]))
    }
    store_code = db.scalar("SELECT value FROM meta WHERE key = 'store_code'", default="")
    forms = [
        DestroyedForm(r["serial"], _dt(r["scanned_at"]), r["content_sha256"], r["pages"])
        for r in db.all(
            "SELECT serial, scanned_at, content_sha256, pages FROM originals WHERE destruction_id = ? ORDER BY serial",
            (destruction_id,),
        )
    ]
    return DestructionRecord(
        batch_id=d["batch_no"],
        store=StoreInfo(code=store_code, name=store_name or store_code),
        forms=forms,
        method=method_text(d["method"], d["vendor"], d["certificate_no"]),
        destroyed_at=_dt(d["destroyed_at"]),
        manager=names.get(d["manager_id"], ""),
        witness=names.get(d["witness_id"], ""),
        manager_id=d["manager_id"],
        witness_id=d["witness_id"],
        batch_hash=d["batch_sha256"],
    )


def verify_batch_hash(db: Queries, destruction_id: str) -> bool:
    """Recompute the batch hash from the register: proves the printed record matches the archive."""
    rec = destruction_record(db, destruction_id)
    stored = rec.batch_hash
    rec.batch_hash = ""
    rec.store.name = rec.store.code
    return batch_hash(rec) == stored


def destruction_record_pdf(db: Queries, destruction_id: str, *, store_name: str | None = None) -> bytes:
    return render_destruction_record(
        destruction_record(db, destruction_id, store_name=store_name), font=font_for_db(db)
    )


def list_destructions(db: Queries) -> list[dict]:
    return [
        dict(r)
        for r in db.all(
            "SELECT d.*, m.display_name AS manager_name, w.display_name AS witness_name"
            " FROM original_destructions d LEFT JOIN staff m ON m.id = d.manager_id"
            " LEFT JOIN staff w ON w.id = d.witness_id ORDER BY d.destroyed_at DESC"
        )
    ]
