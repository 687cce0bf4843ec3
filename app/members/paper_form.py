"""Registering from a signed paper registration form (CON-1 "signed paper form", NOT-2, SEN-1).

A printed form carries a serial ("<STORE>-<YYMMDD>-<seq>", QR "MEMBERDESK-FORM:<serial>") recorded in
`form_serials` with the notice version and hash printed on it (app.printing). `find_paper_form` checks
what the clerk typed or scanned: a serial of this store, issued here, not used for a member yet, whose
printed notice is a stored version with the same hash. The consent is then recorded against that
notice (not necessarily today's), with method "paper" and the serial as evidence; the scan of the form
that arrives later is matched to the member through the serial (app.scans).

Re-consent (CON-5) on paper takes the same checks plus `require_current_notice`: the form must carry the
notice in effect today (app.flows.registration.ReconsentFlow, app.flows.enrolment.grant_consent).

Sensitive purposes: the separate written consent is the customer's signature beside the purpose in
the form's sensitive section. The clerk confirms it per purpose; the core refuses a sensitive purpose
entered from paper without that confirmation, and the audit entry of the registration names the
purposes so confirmed (codes only). The signature itself is traceable through the serial: the archived
scan of the form (and the paper original until it is destroyed).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.errors import UserError, ValidationError
from app.messages import add_messages
from app.notices import Notice, changed_purposes, current_notice, get_notice
from app.printing.serials import QR_PREFIX, parse_serial

if TYPE_CHECKING:
    from app.storage.db import Queries

add_messages(
    {
        "member.form_needed": (
            "请扫描登记表右上角的二维码，或输入二维码下方的表单编号。",
            "Scan the QR code at the top right of the registration form, or type the form serial printed under it.",
        ),
        "member.form_invalid": (
            "这不是表单编号。表单编号印在登记表右上角的二维码下方，形如 {example}。",
            "This is not a form serial. The serial is printed under the QR code at the top right "
            "of the registration form, like {example}.",
        ),
        "member.form_other_store": (
            "表单 {serial} 是其他门店（{store}）发放的，不能在本店登记。请顾客填写本店的登记表。",
            "Form {serial} was issued by another store ({store}) and cannot be registered here. "
            "Ask the customer to fill in one of this store's forms.",
        ),
        "member.form_unknown": (
            "本店没有发放过表单 {serial}。请核对编号，或直接扫描登记表上的二维码。",
            "This store never issued form {serial}. Check the serial, or scan the QR code on the form.",
        ),
        "member.form_used": (
            "表单 {serial} 已用于登记会员，不能再次使用。顾客如已是会员，请在会员页查找；"
            "否则请顾客填写一张新的登记表。",
            "Form {serial} was already used to register a member and cannot be used again. If the "
            "customer is a member, find them on the Members page; otherwise ask them to fill in a "
            "new form.",
        ),
        "member.form_notice_unknown": (
            "表单 {serial} 上印的告知书（版本 {version}）在本店系统中没有，或内容与保存的版本不一致，"
            "不能用它登记。请顾客改填一张新打印的登记表，并告知店长。",
            "The notice printed on form {serial} (version {version}) is not stored here, or "
            "differs from the stored version, so the form cannot be registered. Ask the "
            "customer to fill in a newly printed form, and tell the store manager.",
        ),
        "member.form_other_in_progress": (
            "正在录入表单 {current}，刚扫描的是另一张登记表 {serial}。请先完成或取消本次登记，再录入那一张。",
            "You are entering form {current}; the form just scanned is another one "
            "({serial}). Finish or cancel this registration first, then enter that one.",
        ),
        "member.form_not_here": (
            "这是纸质登记表的二维码。这一步不使用登记表，扫描内容未录入任何栏目。",
            "This is a paper registration form's QR code. This step does not use the form; "
            "nothing was entered in any field.",
        ),
        "member.paper_unsigned": (
            "请先确认顾客已在纸质登记表上签字。没有签字的登记表不能办理。",
            "First confirm that the customer signed the paper registration form. An unsigned form "
            "cannot be registered.",
        ),
        "member.form_notice_not_current": (
            "表单 {serial} 上印的是告知书版本 {version}，重新确认同意须使用印有现行版本 {current} 的登记表。"
            "请打印一张新的登记表，请顾客重新勾选并签名。",
            "Form {serial} carries notice version {version}; a re-consent needs a form "
            "printed with the version in effect, {current}. Print a new form and ask the "
            "customer to tick and sign it again.",
        ),
        "member.paper_sensitive_unsigned": (
            "“{purpose}”须有顾客在登记表上为该项单独签名。表上没有这一签名的，请取消勾选此项（记为不同意）。",
            "“{purpose}” needs the customer's separate signature beside it on the form. If "
            "that signature is missing, untick it (it is then recorded as refused).",
        ),
    }
)


@dataclass(frozen=True)
class PaperForm:
    serial: str
    notice: Notice  # the version printed on the form, as stored (hash-checked)
    printed_count: int


def normalise_serial(text: str | None) -> str:
    """What a clerk typed or the barcode scanner sent ("MEMBERDESK-FORM:<serial>", maybe in full-width
    characters when a Chinese input method was on) -> the bare serial in upper case."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if text.upper().startswith(QR_PREFIX):
        text = text[len(QR_PREFIX) :]
    return "".join(text.split()).upper()


def _example(store_code: str, today: dt.date) -> str:
    return f"{(store_code or 'ST01').upper()}-{today.strftime('%y%m%d')}-00001"


def find_paper_form(db: Queries, store_code: str, text: str | None, today: dt.date) -> PaperForm:
    """The issued, unused form of this store named by `text`, with the notice printed on it.
    Raises ValidationError(field="serial") with a message for each case a clerk can meet."""
    serial = normalise_serial(text)
    if not serial:
        raise ValidationError("member.form_needed", field="serial")
    try:
        store, _day, _seq = parse_serial(serial)
    except ValidationError:
        raise ValidationError("member.form_invalid", field="serial", example=_example(store_code, today)) from None
    here = (store_code or "").upper()
    if store != here:
        raise ValidationError("member.form_other_store", field="serial", serial=serial, store=store)
    row = db.one("SELECT * FROM form_serials WHERE serial = ?", (serial,))
    if row is None:
        raise ValidationError("member.form_unknown", field="serial", serial=serial)
    if (row["store_code"] or "").upper() != here:
        raise ValidationError("member.form_other_store", field="serial", serial=serial, store=row["store_code"])
    # matched_at stays when an erasure unlinks the member: that paper was still filled in by someone
    if row["matched_member_id"] or row["matched_at"]:
        raise ValidationError("member.form_used", field="serial", serial=serial)
    version = row["notice_version"] or "?"
    try:
        notice = get_notice(db, row["notice_version"], row["notice_lang"] or "zh_CN") if row["notice_version"] else None
    except UserError:
        notice = None
    if notice is None or notice.content_hash != row["notice_hash"]:  # NOT-2
        raise ValidationError("member.form_notice_unknown", field="serial", serial=serial, version=version)
    return PaperForm(serial=serial, notice=notice, printed_count=int(row["printed_count"] or 0))


def require_current_notice(db: Queries, form: PaperForm, today: dt.date) -> PaperForm:
    """A re-consent (CON-5) on paper: the form must carry the notice in effect today (version and hash).
    An older printed version would record consent to text the member is being asked to replace, and
    the record would clear the re-consent flag without covering what changed since."""
    current = current_notice(db, form.notice.lang, today.isoformat())
    if (current.version, current.content_hash) != (form.notice.version, form.notice.content_hash):
        raise ValidationError(
            "member.form_notice_not_current",
            field="serial",
            serial=form.serial,
            version=form.notice.version,
            current=current.version,
        )
    return form


def outdated_purposes(db: Queries, notice: Notice, granted: Iterable[str], today: str) -> list[str]:
    """Granted purposes of `notice` that the notice in effect `today` has changed or removed: the member
    registered on an older printed form must consent again to them (CON-5)."""
    current = current_notice(db, notice.lang, today)
    if current.version == notice.version:
        return []
    changed = changed_purposes(notice, current)
    return sorted(c for c in granted if c in changed and changed[c] != ["added"])


__all__ = ["PaperForm", "find_paper_form", "normalise_serial", "outdated_purposes", "require_current_notice"]
