"""The customer's papers of a request, through the printing issue's templates:
受理回执 (acknowledgement receipt, with the due date) and 处理结果告知书 (result letter; a
refusal states reason and legal basis and the right to complain or sue — RIG-4).

The applicant's name is not stored on a request: it is read from the member record while it
exists, or typed at print time (customer not found, or after a deletion); PDFs are built in memory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import UserError
from app.notices.store import current_notice
from app.printing.escpos import print_request_receipt
from app.printing.letter_layout import StoreInfo
from app.printing.printer_setting import SETTING, parse_address
from app.printing.request_notices import (
    ExplanationLetter,
    ExtensionLetter,
    RuleRow,
    explanation_letter_pdf,
    extension_letter_pdf,
)
from app.printing.request_receipt import RequestReceipt, request_receipt_pdf
from app.printing.result_letter import ResultLetter, result_letter_pdf
from app.requests import model as M
from app.requests.export import purpose_titles
from app.requests.service import get_request, record_event, timeline
from app.settings import get_setting
from app.staff.permissions import requires

if TYPE_CHECKING:
    from app.printing.fonts import FontChoice
    from app.staff.session import Session
    from app.storage.db import Queries, Row

_IDENTITY_TEXT = {k: v[0] for k, v in M.IDENTITY_LABELS.items()}
_FIELD_WORDS = {
    "name": "姓名",
    "mobile": "手机号",
    "birth_date": "出生日期",
    "address": "收货地址",
    "id_number": "身份证号",
    "skin_notes": "皮肤状况记录",
    "face_feature": "人脸特征码",
}


def store_info(session: Session) -> StoreInfo:
    terminal: dict[str, Any] = {}
    try:
        terminal = json.loads((Path(session.db.path).parent / "terminal.json").read_text("utf-8"))
    except (OSError, ValueError, TypeError):
        pass
    return StoreInfo(
        code=session.store_code, name=terminal.get("store_name") or session.store_code, contact="门店服务台"
    )


def _staff_name(db: Queries, staff_id: str | None) -> str:
    return db.scalar("SELECT display_name FROM staff WHERE id = ?", (staff_id,), default="") or ""


def _member(db: Queries, member_id: str | None) -> Row | None:
    if not member_id:
        return None
    return db.one("SELECT name, member_no FROM members WHERE id = ?", (member_id,))


def _receipt_data(session: Session, request_id: str, applicant: str | None) -> RequestReceipt:
    req = get_request(session.db, request_id)
    member = _member(session.db, req["member_id"])
    received = req["received_at"][:16].replace("T", " ")
    if req["received_on"] != req["received_at"][:10]:  # taken by phone or online on an earlier day (RIG-1)
        received = req["received_on"]
    data = RequestReceipt(
        request_no=req["request_no"],
        kinds=[req["type"]],
        received_at=received,
        due_date=req["due_on"],
        applicant=applicant or (member["name"] if member else ""),
        store=store_info(session),
        received_by=_staff_name(session.db, req["opened_by"]),
        identity_check=_IDENTITY_TEXT.get(req["identity_method"] or "", "待核验"),
        member_no=member["member_no"] if member else "",
        details="" if req["customer_found"] else "经查询，申请人不是本店会员。",
        calendar_missing=bool(req["table_missing"]),
        channel=M.label(M.CHANNEL_LABELS, req.get("channel") or "desk"),
    )
    return data


@requires(M.REQUEST_VIEW)
def receipt_pdf(
    session: Session, request_id: str, applicant: str | None = None, *, font: FontChoice | None = None
) -> bytes:
    pdf = request_receipt_pdf(_receipt_data(session, request_id, applicant), font=font)
    record_event(session, request_id, "printed", {"document": "receipt"})
    return pdf


@requires(M.REQUEST_VIEW)
def receipt_to_receipt_printer(session: Session, request_id: str, applicant: str | None = None) -> float | None:
    """The acknowledgement receipt on the store's ESC/POS receipt printer (setting "receipt_printer"); None when
    no receipt printer is set (print the PDF instead). Returns the paper used in mm; UserError when unreachable."""
    address = parse_address(get_setting(session.db, SETTING, ""))
    if address is None:
        return None
    used = print_request_receipt(address, _receipt_data(session, request_id, applicant))
    record_event(session, request_id, "printed", {"document": "receipt", "printer": "receipt_printer"})
    return used


def actions_text(req: M.RequestRecord) -> list[str]:
    """What was done, in the customer's words (no values)."""
    s = req.get("result_summary") or {}
    t = req["type"]
    if req["outcome"] == "not_found":
        return ["经查询，本店未保存与您有关的个人信息（您不是本店会员）。"]
    if req["outcome"] == "already_erased":
        return ["您的个人信息此前已按您的申请删除，本店不再保存。"]
    if t in ("access", "copy"):
        n = sum((s.get("categories") or {}).values())
        return [f"已向您提供您的个人信息副本：纸质件一份，机器可读文件（JSON）一份，共 {n} 条记录。"]
    if t == "transfer":
        n = sum((s.get("categories") or {}).values())
        return [
            f"已按您的要求提供可转移至您指定的其他个人信息处理者的个人信息副本：机器可读文件（JSON）一份，"
            f"并附纸质件一份，共 {n} 条记录。文件由您本人或您书面指定的人员领取。"
        ]
    if t == "explain":
        return [
            f"已向您书面解释说明本店的个人信息处理规则（《个人信息处理规则解释说明》，"
            f"依据告知书版本 {s.get('notice_version', '')}）。"
        ]
    if t == "correct":
        fields = "、".join(_FIELD_WORDS.get(f, f) for f in s.get("fields", []))
        return [f"已按您的要求更正、补充以下信息：{fields}。"]
    if t == "restrict":
        return ["已对您的个人信息限制处理：除法律规定的用途外不再使用，仅予保存。您可随时申请解除。"]
    if t == "withdraw":
        titles = purpose_titles()
        names = "、".join(titles.get(c, c) for c in s.get("purposes", []))
        return [f"已撤回您对以下处理目的的同意：{names}。撤回不影响撤回前基于同意已进行的处理。"]
    if t == "cancel":
        return ["已注销您的会员资格。您的会员信息自注销之日起保存三年后删除（法律另有规定的除外）。"]
    if t == "delete":
        return [
            "已删除您的个人信息（基本信息、敏感个人信息、同意凭证、签名及扫描件）。",
            "您的购买记录依税务法规需保存五年，已与您本人断开关联，仅予保存，不作他用。",
        ]
    return []


@requires(M.REQUEST_VIEW)
def result_letter_bytes(
    session: Session, request_id: str, applicant: str | None = None, *, font: FontChoice | None = None
) -> bytes:
    req = get_request(session.db, request_id)
    if req["status"] not in ("completed", "refused"):
        raise ValueError("result letter only for a closed request")
    member = _member(session.db, req["member_id"])
    refused = req["outcome"] == "refused"
    data = ResultLetter(
        request_no=req["request_no"],
        kinds=[req["type"]],
        received_at=req["received_at"][:16].replace("T", " "),
        decided_at=(req["closed_at"] or "")[:16].replace("T", " "),
        outcome="refused" if refused else "done",
        applicant=applicant or (member["name"] if member else ""),
        store=store_info(session),
        decided_by=_staff_name(session.db, req["closed_by"]),
        actions=[] if refused else actions_text(req),
        refusal_reason=req["refusal_reason"] or ("(已随个人信息删除)" if refused else ""),
        legal_basis=req["legal_basis"] or "",
        member_no=member["member_no"] if member else "",
    )
    pdf = result_letter_pdf(data, font=font)
    record_event(session, request_id, "printed", {"document": "result_letter"})
    return pdf


@requires(M.REQUEST_VIEW)
def extension_letter_bytes(
    session: Session, request_id: str, applicant: str | None = None, *, font: FontChoice | None = None
) -> bytes:
    """延期答复告知书 for the request's one extension (RIG-2): reason, days, old and new due date."""
    req = get_request(session.db, request_id)
    ext = [e for e in timeline(session.db, request_id) if e["event"] == "extended"]
    if not ext or not req["extended_days"]:
        raise UserError("requests.bad_state", status=M.label(M.STATUS_LABELS, req["status"]))
    member = _member(session.db, req["member_id"])
    data = ExtensionLetter(
        request_no=req["request_no"],
        kinds=[req["type"]],
        received_at=req["received_on"],
        original_due=req["base_due_on"],
        new_due=ext[-1]["data"].get("due_on") or req["due_on"],
        days=int(req["extended_days"]),
        reason=ext[-1]["note"] or "(已随个人信息删除)",
        applicant=applicant or (member["name"] if member else ""),
        store=store_info(session),
        decided_by=_staff_name(session.db, ext[-1]["staff_id"]),
        member_no=member["member_no"] if member else "",
        calendar_missing=bool(req["table_missing"]),
    )
    pdf = extension_letter_pdf(data, font=font)
    record_event(session, request_id, "printed", {"document": "extension_letter"})
    return pdf


@requires(M.REQUEST_VIEW)
def explanation_letter_bytes(
    session: Session, request_id: str, applicant: str | None = None, *, font: FontChoice | None = None
) -> bytes:
    """个人信息处理规则解释说明 (PIPL Art. 48) from the notice in force, for an `explain` request."""
    req = get_request(session.db, request_id)
    if req["type"] != "explain":
        raise UserError("requests.type_invalid")
    notice = current_notice(session.db, "zh_CN")
    member = _member(session.db, req["member_id"])
    data = ExplanationLetter(
        request_no=req["request_no"],
        applicant=applicant or (member["name"] if member else ""),
        store=store_info(session),
        notice_title=notice.title,
        notice_version=notice.version,
        controller=notice.controller,
        contact=notice.contact,
        rules=[
            RuleRow(p.title, "、".join(p.data_types), p.method, p.retention, p.recipients, p.required)
            for p in notice.purposes
        ],
        rights=list(notice.rights),
        how_to_exercise=notice.how_to_exercise,
        prepared_by=session.staff.display_name,
        member_no=member["member_no"] if member else "",
    )
    pdf = explanation_letter_pdf(data, font=font)
    record_event(session, request_id, "printed", {"document": "explanation_letter"})
    return pdf
