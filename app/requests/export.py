"""The customer's copy of their data (RIG-6): every category, machine-readable (JSON) and on paper.

Domains add their category with `register_exporter("purchases", fn, ("购买记录", "Purchases"))`,
`fn(db, member_id) -> list[dict]` (JSON-safe values, sensitive fields as the domain decides).
Categories nobody registered fall back to a generic reader of the domain's table (rows of the
member, without encrypted blobs), so the copy is never silently missing a category whose table
exists. The bytes are built in memory; only the UI writes them, to a place the customer chose.
"""
from __future__ import annotations

import json
from typing import Callable

from app.clock import iso

FORMAT = "memberdesk.member-data/1"
CATEGORIES: dict[str, tuple[str, str]] = {      # the order of the copy
    "profile": ("基本信息", "Profile"),
    "consents": ("同意记录(含告知书版本)", "Consents (with notice versions)"),
    "purchases": ("购买记录", "Purchases"),
    "scans": ("纸质表单扫描件清单", "Scanned paper forms (list)"),
    "service_records": ("服务记录", "Service records"),
    "disclosures": ("向第三方提供记录", "Disclosures to third parties"),
    "requests": ("个人信息权利申请", "Requests"),
}
_EXPORTERS: dict[str, Callable] = {}


def register_exporter(category: str, fn: Callable, title: tuple[str, str] | None = None) -> None:
    """fn(db, member_id) -> list[dict]. Registering a category replaces the generic fallback."""
    _EXPORTERS[category] = fn
    if title:
        CATEGORIES[category] = title
    elif category not in CATEGORIES:
        CATEGORIES[category] = (category, category)


def _table_exists(db, table: str) -> bool:
    return db.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)) is not None


def _columns(db, table: str) -> list[tuple[str, str]]:
    return [(r[1], (r[2] or "").upper()) for r in db.all(f"PRAGMA table_info({table})")]


def _plain_rows(db, table: str, where: str, params, skip=()) -> list[dict]:
    cols = [c for c, kind in _columns(db, table)
            if c not in skip and "BLOB" not in kind and not c.endswith("_enc") and c != "data"]
    if not cols:
        return []
    rows = db.all(f"SELECT {', '.join(cols)} FROM {table} WHERE {where}", params)
    return [dict(zip(cols, r)) for r in rows]


def _generic(tables: tuple[str, ...]) -> Callable:
    def read(db, member_id):
        out = []
        for table in tables:
            if _table_exists(db, table) and "member_id" in {c for c, _ in _columns(db, table)}:
                out.extend(_plain_rows(db, table, "member_id = ?", (member_id,), skip=("member_id",)))
        return out
    return read


def _profile(db, member_id):
    rows = _plain_rows(db, "members", "id = ?", (member_id,))
    if rows and _table_exists(db, "member_fields"):
        # sensitive fields as the member page shows them: masked (the full values need a manager's reveal)
        rows[0]["fields"] = [dict(field=r[0], purpose=r[1], value_masked=r[2]) for r in db.all(
            "SELECT field, purpose_code, masked FROM member_fields WHERE member_id = ? ORDER BY field", (member_id,))]
    return rows


def _consents(db, member_id):
    if not _table_exists(db, "consent_records"):
        return []
    out = []
    for rec in db.all("SELECT id, kind, notice_version, notice_lang, notice_hash, method, store_code, terminal,"
                      " created_at, evidence_ref, guardian_relation FROM consent_records WHERE member_id = ?"
                      " ORDER BY created_at", (member_id,)):
        d = dict(rec)
        d["purposes"] = [dict(purpose=r[0], granted=bool(r[1]), sensitive=bool(r[2])) for r in db.all(
            "SELECT purpose_code, granted, sensitive FROM consent_items WHERE record_id = ? ORDER BY purpose_code",
            (rec["id"],))]
        out.append(d)
    return out


def _requests(db, member_id):
    return [dict(r) for r in db.all(
        "SELECT request_no, type, status, outcome, received_on, due_on, closed_at FROM requests"
        " WHERE member_id = ? ORDER BY received_at", (member_id,))]


_DEFAULTS: dict[str, Callable] = {
    "profile": _profile,
    "consents": _consents,
    "purchases": _generic(("purchases",)),
    "scans": _generic(("scan_documents",)),
    "service_records": _generic(("service_records",)),
    "disclosures": _generic(("disclosures",)),
    "requests": _requests,
}


def collect_member_data(session, member_id: str) -> dict:
    """Every category of one member's data as a JSON-safe dict (no access check: callers do it)."""
    db = session.db
    member_no = db.scalar("SELECT member_no FROM members WHERE id = ?", (member_id,))
    data = {"format": FORMAT, "generated_at": iso(session.clock.now()), "store_code": session.store_code,
            "member_no": member_no, "categories": {}}
    for category in CATEGORIES:
        fn = _EXPORTERS.get(category) or _DEFAULTS.get(category)
        rows = list(fn(db, member_id) or []) if fn else []
        data["categories"][category] = rows
    return data


def to_json_bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False, default=str).encode("utf-8")


def counts(data: dict) -> dict:
    return {k: len(v) for k, v in data["categories"].items()}


def to_pdf_bytes(data: dict, store, *, request_no: str = "", font=None) -> bytes:
    """The paper copy through the printing template (app.printing.letters)."""
    from app.printing.letters import Letter, Section, render_letter

    sections = []
    for category, rows in data["categories"].items():
        title = CATEGORIES.get(category, (category, category))[0]
        cols: list[str] = []
        for r in rows:
            for k in r:
                if k not in cols and not isinstance(r[k], (list, dict)):
                    cols.append(k)
        grid = [[_cell(r.get(c)) for c in cols] for r in rows]
        sec = Section(heading=f"{title}({len(rows)})")
        if rows and len(cols) <= 2:
            sec.rows = [(c, _cell(r.get(c))) for r in rows for c in cols]
        elif rows and category == "profile":
            sec.rows = [(c, _cell(rows[0].get(c))) for c in cols]
            sec.rows += [(f"{f['field']}", f"{f['value_masked']}") for f in rows[0].get("fields", [])]
        elif rows:
            sec.columns, sec.grid = cols[:7], [g[:7] for g in grid]
        if category == "consents":
            sec.bullets = [f"{r.get('created_at', '')[:10]} 告知书 {r.get('notice_version')}:"
                           + ";".join(f"{p['purpose']} {'同意' if p['granted'] else '不同意'}" for p in r["purposes"])
                           for r in rows]
        sections.append(sec)
    ref = [("会员号", data.get("member_no") or ""), ("生成时间", data["generated_at"][:16].replace("T", " "))]
    if request_no:
        ref.insert(0, ("受理编号", request_no))
    letter = Letter(title="个人信息副本", store=store, reference=ref, sections=sections,
                    closing="本副本与同时提供的机器可读文件(JSON)内容一致。",
                    signatures=["经办人签字", "申请人签收", "日期"])
    return render_letter(letter, font=font)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
