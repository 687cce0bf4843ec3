"""The customer's copy of their data (RIG-6): every category, machine-readable (JSON) and on paper.

Domains add their category with `app.datacopy.register_exporter("purchases", fn, ("购买记录", "Purchases"))`,
`fn(db, member_id) -> list[dict]` (JSON-safe values, sensitive fields as the domain decides).
Categories nobody registered fall back to a generic reader of the domain's table (rows of the
member, without encrypted blobs), so the copy is never silently missing a category whose table
exists. The bytes are built in memory; only the UI writes them, to a place the customer chose.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.consent.service import consent_history
from app.datacopy import CATEGORIES, exporter, register_exporter  # noqa: F401  (register_exporter: re-export)
from app.members.service import export_profile
from app.notices.store import default_notice
from app.printing.data_copy import CopySection, DataCopy, data_copy_pdf
from app.printing.letter_layout import Section
from app.requests import model as M

if TYPE_CHECKING:
    from app.printing.fonts import FontChoice
    from app.printing.letter_layout import StoreInfo
    from app.staff.session import Session
    from app.storage.db import Params, Queries
    from app.storage.fieldcrypt import FieldCipher

FORMAT = "memberdesk.member-data/1"


def _table_exists(db: Queries, table: str) -> bool:
    return db.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)) is not None


def _columns(db: Queries, table: str) -> list[tuple[str, str]]:
    return [(r[1], (r[2] or "").upper()) for r in db.all(f"PRAGMA table_info({table})")]


def _plain_rows(db: Queries, table: str, where: str, params: Params, skip: Sequence[str] = ()) -> list[dict[str, Any]]:
    cols = [
        c
        for c, kind in _columns(db, table)
        if c not in skip and "BLOB" not in kind and not c.endswith("_enc") and c != "data"
    ]
    if not cols:
        return []
    rows = db.all(f"SELECT {', '.join(cols)} FROM {table} WHERE {where}", params)
    return [dict(zip(cols, r, strict=True)) for r in rows]


def _generic(tables: tuple[str, ...]) -> Callable[[Queries, str], list[dict[str, Any]]]:
    def read(db: Queries, member_id: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for table in tables:
            if _table_exists(db, table) and "member_id" in {c for c, _ in _columns(db, table)}:
                out.extend(_plain_rows(db, table, "member_id = ?", (member_id,), skip=("member_id",)))
        return out

    return read


def _profile(db: Queries, member_id: str) -> list[dict[str, Any]]:
    rows = _plain_rows(db, "members", "id = ?", (member_id,))
    if rows:
        # sensitive fields as the member page shows them: masked (the full values need a manager's reveal)
        rows[0]["fields"] = [
            dict(field=r[0], purpose=r[1], value_masked=r[2])
            for r in db.all(
                "SELECT field, purpose_code, masked FROM member_fields WHERE member_id = ? ORDER BY field", (member_id,)
            )
        ]
    return rows


def _consents(db: Queries, member_id: str) -> list[dict[str, Any]]:
    out = []
    for rec in db.all(
        "SELECT id, kind, notice_version, notice_lang, notice_hash, method, store_code, terminal,"
        " created_at, evidence_ref, guardian_relation FROM consent_records WHERE member_id = ?"
        " ORDER BY created_at",
        (member_id,),
    ):
        d = dict(rec)
        d["purposes"] = [
            dict(purpose=r[0], granted=bool(r[1]), sensitive=bool(r[2]))
            for r in db.all(
                "SELECT purpose_code, granted, sensitive FROM consent_items WHERE record_id = ? ORDER BY purpose_code",
                (rec["id"],),
            )
        ]
        out.append(d)
    return out


def _requests(db: Queries, member_id: str) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in db.all(
            "SELECT request_no, type, status, outcome, received_on, due_on, closed_at FROM requests"
            " WHERE member_id = ? ORDER BY received_at",
            (member_id,),
        )
    ]


_DEFAULTS: dict[str, Callable[[Queries, str], list[dict[str, Any]]]] = {
    "profile": _profile,
    "consents": _consents,
    "purchases": _generic(("purchases",)),
    "scans": _generic(("scan_documents",)),
    "service_records": _generic(("service_records",)),
    "disclosures": _generic(("disclosures",)),
    "requests": _requests,
}


def export_member(db: Queries, member_id: str, cipher: FieldCipher | None = None) -> dict[str, Any]:
    """The members and consent domains' data of one member: profile, optional fields (decrypted when a cipher
    is given; the face feature code never in clear), current consents and the consent history."""
    out = export_profile(db, member_id, cipher)
    out["consent_history"] = consent_history(db, member_id)
    return out


def collect_member_data(session: Session, member_id: str, cipher: FieldCipher | None = None) -> dict[str, Any]:
    """Every category of one member's data as a JSON-safe dict. Manager (request.export: the copy holds
    every field), audited as `member.data.collect` (SEC-1, SEC-2).
    With `cipher` the sensitive fields are decrypted (a manager's copy for the customer)."""
    session.require(M.REQUEST_EXPORT)
    db = session.db
    member_no = db.scalar("SELECT member_no FROM members WHERE id = ?", (member_id,))
    data: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": iso(session.clock.now()),
        "store_code": session.store_code,
        "member_no": member_no,
        "categories": {},
    }
    for category in CATEGORIES:
        fn = exporter(category) or _DEFAULTS.get(category)
        rows = list(fn(db, member_id) or []) if fn else []
        data["categories"][category] = rows
    members = export_member(db, member_id, cipher)
    if members:
        profile = dict(members.get("member") or {})
        profile["fields"] = [
            dict(field=k, purpose=v.get("purpose"), value=v.get("value"), collected_at=v.get("collected_at"))
            for k, v in members.get("fields", {}).items()
        ]
        profile["consents_now"] = members.get("consents", {})
        if exporter("profile") is None:
            data["categories"]["profile"] = [profile]
        if exporter("consents") is None:
            data["categories"]["consents"] = [_json_safe(h) for h in members.get("consent_history", [])]
    session.audit_read(
        "member.data.collect",
        "member",
        member_id,
        {"categories": sorted(data["categories"]), "decrypted": cipher is not None},
    )
    return data


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    return value


def to_json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False, default=str).encode("utf-8")


def counts(data: dict[str, Any]) -> dict[str, int]:
    out = {k: len(v) for k, v in data["categories"].items()}
    if data.get("other_stores"):
        out["other_stores"] = sum(len(s["records"]) for s in data["other_stores"])
    return out


# The other stores' part of a chain-wide copy (issue #18): head office's records by store, labelled by store.
_ENTITY_ZH = {
    "member": "基本信息",
    "consent": "同意记录",
    "purchase": "购买记录",
    "request": "个人信息权利申请",
    "scan_document": "纸质表单扫描件",
    "service_record": "服务记录",
    "disclosure": "向第三方提供记录",
}


def other_stores_section(other: dict[str, Any]) -> list[dict[str, Any]]:
    """[{store_code, store_name, records: [{category, id, data}]}] from `chain.other_stores_part`'s answer."""
    out = []
    for code, part in sorted(other.items()):
        records = [
            {
                "category": str(r.get("entity", "")),
                "id": str(r.get("entity_id", "")),
                "data": _json_safe(r.get("payload") or {}),
            }
            for r in part.get("records") or []
        ]
        out.append({"store_code": code, "store_name": str(part.get("name") or code), "records": records})
    return out


def _other_store_sections(data: dict[str, Any]) -> list[CopySection]:
    sections = []
    for part in data.get("other_stores") or []:
        grid = []
        for r in part["records"]:
            body = r.get("data") or {}
            text = ";".join(
                f"{_zh(k)}:{_cell(v)}"
                for k, v in body.items()
                if k not in _SKIP_PDF and k != "member_id" and not isinstance(v, (list, dict))
            )
            grid.append([_ENTITY_ZH.get(r["category"], r["category"]), r["id"][:12], text[:300]])
        sections.append(
            CopySection(
                category=f"其他门店保存的信息：{part['store_name']}（{part['store_code']}）({len(grid)})",
                columns=["类别", "编号", "内容"],
                grid=grid,
                col_weights=[1.2, 1.0, 4.0],
                note="" if grid else "(无记录)",
            )
        )
    return sections


_COLUMN_ZH = {
    "member_no": "会员号",
    "name": "姓名",
    "mobile": "手机号",
    "birth_date": "出生日期",
    "status": "状态",
    "registered_at": "注册时间",
    "registered_store": "注册门店",
    "restricted": "限制处理",
    "cancelled_at": "注销时间",
    "last_purchase_at": "最近购买",
    "updated_at": "更新时间",
    "address": "收货地址",
    "id_number": "身份证号",
    "skin_notes": "皮肤状况记录",
    "face_feature": "人脸特征码",
    "kind": "类型",
    "created_at": "时间",
    "notice_version": "告知书版本",
    "notice_hash": "告知书校验码",
    "method": "方式",
    "store_code": "门店",
    "request_no": "受理编号",
    "type": "申请事项",
    "outcome": "结果",
    "received_on": "受理日期",
    "due_on": "答复期限",
    "closed_at": "办结时间",
    "amount": "金额",
    "occurred_at": "时间",
    "pos_txn_id": "交易号",
    "payment_method": "支付方式",
    "category": "类别",
    "opened_at": "开始",
    "closed_on": "结束",
    "recipient": "接收方",
    "purpose": "目的",
    "fields": "字段",
    "file_name": "文件",
    "serial": "表单编号",
    "registration": "注册",
    "withdrawal": "撤回",
    "grant": "同意",
    "reconsent": "重新同意",
    "screen": "屏幕勾选",
    "signature": "签名",
    "paper": "纸质表单",
    "desk": "服务台",
    "active": "有效",
    "cancelled": "已注销",
    "received": "已受理",
    "verified": "已核验身份",
    "in_progress": "处理中",
    "paused": "已暂停",
    "completed": "已完成",
    "refused": "已拒绝",
    "done": "已办理",
    "not_found": "未找到",
    "access": "查阅",
    "copy": "复制",
    "correct": "更正、补充",
    "restrict": "限制处理",
    "withdraw": "撤回同意",
    "cancel": "注销会员",
    "delete": "删除",
}
_SKIP_PDF = {
    "id",
    "member_id",
    "record_id",
    "staff_id",
    "terminal",
    "evidence_ref",
    "notice_lang",
    "signatures",
    "guardian",
    "purpose_hash",
    "updated_at",
}


def _zh(key: Any) -> str:
    if key is None:
        return ""
    return _COLUMN_ZH.get(str(key), str(key))


def purpose_titles() -> dict[str, str]:
    """Purpose code -> its Chinese title in the shipped notice (for the paper copy and the letters)."""
    return {p.code: p.title for p in default_notice("zh_CN").purposes}


def to_pdf_bytes(
    data: dict[str, Any],
    store: StoreInfo,
    *,
    request_no: str = "",
    font: FontChoice | None = None,
    applicant: str = "",
    prepared_by: str = "",
    json_sha256: str = "",
) -> bytes:
    """The paper copy through the printing issue's data-copy template, in Chinese."""
    titles = purpose_titles()
    sections = []
    for category, rows in data["categories"].items():
        title = CATEGORIES.get(category, (category, category))[0]
        sec = Section(heading=f"{title}（{len(rows)}）")
        if category == "profile" and rows:
            p = rows[0]
            sec.rows = [
                (_zh(k), _zh(v) if k == "status" else _cell(v))
                for k, v in p.items()
                if k not in _SKIP_PDF and not isinstance(v, (list, dict))
            ]
            sec.rows += [(_zh(f["field"]), _cell(f.get("value", f.get("value_masked")))) for f in p.get("fields", [])]
            now = p.get("consents_now") or {}
            if now:
                sec.rows.append(
                    ("当前同意", "；".join(f"{titles.get(k, k)}：{'同意' if g else '未同意'}" for k, g in now.items()))
                )
        elif category == "consents":
            sec.columns = ["时间", "类型", "告知书版本", "告知书校验码", "方式", "各处理目的"]
            sec.grid = [
                [
                    str(r.get("created_at", ""))[:16].replace("T", " "),
                    _zh(r.get("kind")),
                    _cell(r.get("notice_version")),
                    str(r.get("notice_hash") or "")[:12],
                    _zh(r.get("method")),
                    "；".join(
                        f"{titles.get(x['purpose'], x['purpose'])}：{'同意' if x['granted'] else '不同意'}"
                        for x in _purposes_of(r)
                    ),
                ]
                for r in rows
            ]
            sec.col_weights = [1.3, 0.8, 0.9, 1.1, 0.9, 3.0]
        elif rows:
            cols: list[str] = []
            for r in rows:
                for k, v in r.items():
                    if k not in cols and k not in _SKIP_PDF and not isinstance(v, (list, dict)):
                        cols.append(k)
            cols = cols[:7]
            sec.columns = [_zh(c) for c in cols]
            sec.grid = [
                [_zh(r.get(c)) if c in ("type", "status", "outcome", "kind") else _cell(r.get(c)) for c in cols]
                for r in rows
            ]
        sections.append(
            CopySection(
                category=sec.heading,
                rows=sec.rows,
                columns=sec.columns,
                grid=sec.grid,
                col_weights=sec.col_weights,
                note="" if rows else "（无记录）",
            )
        )
    sections += _other_store_sections(data)
    if not applicant and data["categories"].get("profile"):
        applicant = str(data["categories"]["profile"][0].get("name") or "")
    readable = "已同时提供机器可读文件（JSON，UTF-8），内容与本副本一致。"
    if json_sha256:
        readable += f"文件 SHA-256：{json_sha256}"
    copy = DataCopy(
        request_no=request_no,
        member_no=data.get("member_no") or "",
        applicant=applicant,
        generated_at=data["generated_at"][:16].replace("T", " "),
        store=store,
        prepared_by=prepared_by,
        sections=sections,
        machine_readable=readable,
        chain_wide="other_stores" in data,
    )
    return data_copy_pdf(copy, font=font)


def _purposes_of(record: dict[str, Any]) -> list[Any]:
    items = record.get("purposes") or record.get("items") or []
    if isinstance(items, dict):
        return [{"purpose": k, "granted": v} for k, v in items.items()]
    return list(items)


def _purpose_text(p: Any) -> str:
    if isinstance(p, dict):
        code = p.get("purpose") or p.get("purpose_code") or p.get("code")
        return f"{code} {'同意' if p.get('granted') else '不同意'}"
    return str(p)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
