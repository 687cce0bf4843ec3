"""销毁记录： the printed record of destroying a batch of paper originals (STO-2, STO-3): batch,
form serials, method, time, the manager and the witness, and a SHA-256 over the batch that ties the
paper to the archive (the scans' hashes are part of it)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from app.printing.dates import print_time
from app.printing.fonts import FontChoice
from app.printing.letter_layout import Letter, Section, StoreInfo, render_letter
from app.printing.request_receipt import _date

METHOD_LABELS = {
    "shred": "碎纸机粉碎",
    "crosscut": "碎纸机交叉粉碎",
    "incinerate": "焚烧",
    "vendor": "委托专业销毁机构",
}


@dataclass
class DestroyedForm:
    serial: str  # form serial (or the original's archive number)
    scanned_at: dt.datetime | str
    scan_sha256: str  # hash of the archived scan
    pages: int = 1


@dataclass
class DestructionRecord:
    batch_id: str
    store: StoreInfo
    forms: list[DestroyedForm]
    method: str  # key of METHOD_LABELS or a description
    destroyed_at: dt.datetime | str
    manager: str  # display names; their staff ids are in the audit log
    witness: str
    manager_id: str = ""
    witness_id: str = ""
    batch_hash: str = field(default="")  # filled by batch_hash() when empty


def batch_hash(rec: DestructionRecord) -> str:
    """SHA-256 (hex) over the canonical JSON of the batch: id, store, method, time, manager and witness
    ids, and every form's serial + scan hash (sorted by serial). The originals issue stores the same
    value in the archive; recomputing it from the archive proves the paper record matches (STO-3)."""
    doc = {
        "batch": rec.batch_id,
        "store": rec.store.code,
        "method": rec.method,
        "destroyed_at": _date(rec.destroyed_at) if not isinstance(rec.destroyed_at, str) else rec.destroyed_at,
        "manager": rec.manager_id,
        "witness": rec.witness_id,
        "forms": sorted([f.serial, f.scan_sha256, f.pages] for f in rec.forms),
    }
    raw = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def _grouped(h: str) -> str:
    return " ".join(h[i : i + 8] for i in range(0, len(h), 8))


def destruction_record_pdf(rec: DestructionRecord, *, font: FontChoice | None = None) -> bytes:
    digest = rec.batch_hash or batch_hash(rec)
    ref = [
        ("批次编号", rec.batch_id),
        ("门店", f"{rec.store.name}（{rec.store.code}）"),
        ("原件数量", f"{len(rec.forms)} 份，共 {sum(f.pages for f in rec.forms)} 页"),
        ("销毁方式", METHOD_LABELS.get(rec.method, rec.method)),
        ("销毁时间", print_time(rec.destroyed_at)),
        ("店长", rec.manager),
        ("监销人", rec.witness),
        ("批次校验码 SHA-256", _grouped(digest)),
    ]
    grid = [
        [str(i), f.serial, print_time(f.scanned_at), str(f.pages), f.scan_sha256[:16]]
        for i, f in enumerate(rec.forms, 1)
    ]
    sections = [
        Section(
            paragraphs=[
                "下列纸质原件均已扫描归档并核对无误，于上述时间在店长和监销人在场的情况下销毁。"
                "批次校验码由批次信息及各扫描件的校验码计算得出，可与电子档案核对。"
            ]
        ),
        Section(
            heading="销毁清单",
            columns=["序号", "表单编号", "扫描时间", "页数", "扫描件校验码（前 16 位）"],
            grid=grid,
            col_weights=[0.6, 2.4, 1.9, 0.6, 2.2],
        ),
    ]
    letter = Letter(
        title="纸质原件销毁记录",
        store=rec.store,
        reference=ref,
        sections=sections,
        signatures=["店长签字", "监销人签字", "日期"],
        show_store_contact=False,
        footer_note="本记录一式一份，由店长存档；电子副本及批次校验码保存在审计日志中。",
    )
    return render_letter(letter, font=font)
