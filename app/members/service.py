"""Members: registration in one transaction, view (audited, masked), correction, manager reveal,
the customer's data copy, and erasure of this domain's rows.

Encrypted fields need a `FieldCipher` (`cipher_for(vault)`); name/mobile/birth-date changes do not.
"""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.clock import iso
from app.consent.service import erase_purpose_fields, record_consent
from app.erasure import register_eraser
from app.errors import NotFound, UserError, ValidationError
from app.members import validation as V
from app.members.fields import (CORE_FIELDS, FIELD_PURPOSE, OPTIONAL_FIELDS, REVEALABLE, SENSITIVE_FIELDS, mask,
                                mask_name)
from app.members.paper_form import find_paper_form, outdated_purposes
from app.messages import add_messages
from app.notices import Notice
from app.notices.model import REQUIRED_PURPOSE
from app.printing.serials import match_form_serial
from app.staff import permissions as P
from app.storage.fieldcrypt import FieldCipher

MEMBER_REGISTER = P.grant("member.register", P.CLERK, P.MANAGER)
MEMBER_VIEW = P.grant("member.view", P.CLERK, P.MANAGER)
MEMBER_UPDATE = P.grant("member.update", P.CLERK, P.MANAGER)
MEMBER_REVEAL = P.grant("member.reveal", P.MANAGER)
MEMBER_VIEW_RESTRICTED = P.grant("member.view_restricted", P.MANAGER)

REVEAL_REASONS = ("customer_request", "finance_service", "correction", "legal", "other")

add_messages({
    "member.mobile_exists": ("该手机号已是会员，已为您打开该会员。", "This mobile number already belongs to a member; "
                             "that member is opened instead."),
    "member.restricted": ("该会员的个人信息已被限制处理，仅店长可以查看。",
                          "Processing of this member's information is restricted; only a store manager can open it."),
    "member.reveal_reason": ("请选择查看原因并填写说明（至少 4 个字）。",
                             "Choose a reason and write a note (at least 4 characters) to reveal."),
    "member.reveal_field": ("该字段不能查看明文。", "This field cannot be shown in clear."),
    "member.field_empty": ("该会员没有登记这一项。", "This member has no value for this field."),
    "member.no_changes": ("没有需要保存的修改。", "Nothing to save."),
    "member.needs_cipher": ("数据库已锁定，请重新登录。", "The database is locked; sign in again."),
    "member.not_active": ("该会员已注销，不能修改。", "This membership is cancelled; it cannot be changed."),
})


class MobileExists(UserError):
    """The mobile already belongs to a member: the UI opens `member_id` instead of a second member."""
    key = "member.mobile_exists"

    def __init__(self, member_id: str):
        super().__init__()
        self.member_id = member_id


def cipher_for(vault) -> FieldCipher:
    return FieldCipher(vault.data_key())


@dataclass
class MemberView:
    id: str
    member_no: str
    name: str
    name_masked: str
    mobile_masked: str
    status: str
    restricted: bool
    registered_at: str
    registered_store: str
    birth_date: str | None
    is_minor: bool
    notice_version: str | None
    reconsent_needed: bool
    marketing: bool
    offers: bool
    last_purchase_at: str | None
    fields: dict[str, str] = field(default_factory=dict)      # optional field -> masked value
    consents: dict[str, bool] = field(default_factory=dict)


def new_member_no(db) -> str:
    """Member number printed on the card barcode: 'M' + 10 digits (never derived from personal data)."""
    while True:
        no = "M" + "".join(secrets.choice("0123456789") for _ in range(10))
        if db.one("SELECT 1 FROM members WHERE member_no = ?", (no,)) is None:
            return no


def find_by_mobile(db, mobile: str) -> str | None:
    return db.scalar("SELECT id FROM members WHERE mobile = ?", (mobile,))


def _today(session) -> dt.date:
    return session.clock.now().date()


def validate_fields(values: dict, granted: set[str], today: dt.date) -> dict:
    """Validate the fields of granted purposes. A field of a refused purpose is an error (MIN-1..3).
    Collects every field error; raises the first (the UI validates per field on its own as well)."""
    out: dict[str, str | None] = {}
    for f, raw in values.items():
        if f not in FIELD_PURPOSE:
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if FIELD_PURPOSE[f] not in granted:
            raise ValidationError("consent.field_not_consented", field=f)
    out["name"] = V.name(values.get("name"))
    out["mobile"] = V.mobile(values.get("mobile"))
    out["birth_date"] = V.birth_date(values.get("birth_date"), today)
    for f in OPTIONAL_FIELDS:
        raw = values.get(f)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if f == "id_number":
            out[f] = V.id_number(raw, out["birth_date"], today)
        else:
            out[f] = V.VALIDATORS[f](raw)
    return out


def _put_field(tx, cipher, member_id: str, f: str, value: str, now: str) -> None:
    row = tx.one("SELECT id FROM member_fields WHERE member_id = ? AND field = ?", (member_id, f))
    fid = row[0] if row else secrets.token_hex(8)
    enc = cipher.encrypt(value, "member_fields", "value_enc", fid)
    if row:
        tx.execute("UPDATE member_fields SET value_enc = ?, masked = ?, updated_at = ? WHERE id = ?",
                   (enc, mask(f, value), now, fid))
    else:
        tx.execute("INSERT INTO member_fields(id, member_id, field, purpose_code, value_enc, masked, created_at,"
                   " updated_at) VALUES (?,?,?,?,?,?,?,?)", (fid, member_id, f, FIELD_PURPOSE[f], enc, mask(f, value),
                                                              now, now))


def register_member(session, cipher, *, notice: Notice, decisions: dict[str, bool], values: dict,
                    method: str = "screen", guardian: dict | None = None, signatures: dict | None = None,
                    evidence_ref: str | None = None, minor: bool = False,
                    signed_on_paper: Iterable[str] = ()) -> dict:
    """Create a member with its consent record, audit entry and journal rows in one transaction.

    decisions: purpose code -> granted (refusals recorded too). values: field -> text (only fields of
    granted purposes). guardian: {"name", "relation"} for a minor under 14 (CON-4). signatures:
    purpose code -> PNG bytes for each granted sensitive purpose (SEN-1). Returns {"id", "member_no"}.
    Raises MobileExists(member_id) when the mobile is already a member's.

    method="paper": evidence_ref is the serial of the signed registration form (app.members.paper_form);
    `notice` must be the version printed on it, and each granted sensitive purpose must be in
    `signed_on_paper` (the clerk saw the customer's separate signature beside it on the form). The
    form is tied to the member and the consent record in the same transaction, so its scan is matched.
    """
    session.require(MEMBER_REGISTER)
    if not decisions.get(REQUIRED_PURPOSE):
        raise UserError("consent.required_missing")
    granted = {c for c, g in decisions.items() if g}
    today = _today(session)
    signatures = {c: s for c, s in (signatures or {}).items() if s}
    form = None
    if method == "paper":
        form = find_paper_form(session.db, session.store_code, evidence_ref, today)
        if form.notice.content_hash != notice.content_hash:
            raise UserError("consent.notice_mismatch")                      # NOT-2: the version on the form
        evidence_ref = form.serial
    paper_ok = set(signed_on_paper) if form else set()
    for code in sorted(granted):
        p = notice.purpose(code)
        if p is not None and p.sensitive and code not in signatures:
            if form is None:                                                # SEN-1
                raise UserError("consent.sensitive_needs_signature", purpose=p.title)
            if code not in paper_ok:
                raise ValidationError("member.paper_sensitive_unsigned", field=f"paper_sensitive_{code}",
                                      purpose=p.title)
    outdated = outdated_purposes(session.db, notice, granted, today.isoformat())
    clean = validate_fields(values, granted, today)
    minor = bool(minor) or V.is_under_14(clean["birth_date"], today)
    if minor:
        if not guardian or not str(guardian.get("name") or "").strip():
            raise ValidationError("member.guardian_required", field="guardian_name")
        guardian = {"name": V.name(guardian["name"], field="guardian_name"),
                    "relation": V.guardian_relation(guardian.get("relation"))}
    else:
        guardian = None
    if (set(clean) & set(SENSITIVE_FIELDS) or guardian or signatures) and cipher is None:
        raise UserError("member.needs_cipher")
    existing = find_by_mobile(session.db, clean["mobile"])
    if existing:
        raise MobileExists(existing)
    mid = secrets.token_hex(8)
    member_no = new_member_no(session.db)
    now = iso(session.clock.now())
    with session.write("member.register", "member", mid) as tx:
        try:
            tx.execute("INSERT INTO members(id, member_no, name, mobile, status, registered_at, registered_store,"
                       " updated_at, birth_date, is_minor) VALUES (?,?,?,?,?,?,?,?,?,?)",
                       (mid, member_no, clean["name"], clean["mobile"], "active", now, session.store_code, now,
                        clean["birth_date"], int(minor)))
        except Exception as exc:      # a concurrent registration of the same mobile
            if "UNIQUE" in str(exc) and "mobile" in str(exc):
                raise MobileExists(find_by_mobile(session.db, clean["mobile"]) or "") from None
            raise
        stored = []
        for f in OPTIONAL_FIELDS:
            if clean.get(f):
                _put_field(tx, cipher, mid, f, clean[f], now)
                stored.append(f)
        rid = record_consent(tx, session, mid, notice, decisions, kind="registration", method=method, cipher=cipher,
                             guardian=guardian, evidence_ref=evidence_ref, signatures=signatures)
        scans = []
        if form is not None:          # the form now names its member and consent; a later scan finds both
            match_form_serial(tx, form.serial, member_id=mid, consent_id=rid)
            # a scan made before the registration waits in the inbox (member_missing): archived now
            from app.scans.matching import adopt_waiting_scans     # here: app.scans -> app.requests -> members
            scans = adopt_waiting_scans(tx, form.serial, mid, rid)
        if outdated:                  # registered on an older printed notice: consent again to what changed (CON-5)
            tx.execute("UPDATE members SET reconsent_needed = 1 WHERE id = ?", (mid,))
        tx.journal("member", mid, "upsert", {"member_no": member_no, "name": clean["name"], "mobile": clean["mobile"],
                                             "birth_date": clean["birth_date"], "registered_at": now,
                                             "store": session.store_code, "fields": stored})
        tx.details = {"record": rid, "notice_version": notice.version, "granted": sorted(granted),
                      "refused": sorted(c for c, g in decisions.items() if not g),
                      "fields": ["name", "mobile"] + (["birth_date"] if clean["birth_date"] else []) + stored,
                      "minor": minor, "method": method}
        if form is not None:
            tx.details |= {"form": form.serial, "signed_on_paper": sorted(paper_ok & granted),
                           "reconsent": outdated, "scans_matched": len(scans)}
    return {"id": mid, "member_no": member_no}


def _row(db, member_id: str):
    row = db.one("SELECT * FROM members WHERE id = ?", (member_id,))
    if row is None:
        raise NotFound()
    return row


def _view(db, row) -> MemberView:
    fields = {r[0]: r[1] for r in db.all("SELECT field, masked FROM member_fields WHERE member_id = ?", (row["id"],))}
    # the POS import notes newer purchases in purchase_touch until the retention sweep folds them in
    touched = db.scalar("SELECT last_at FROM purchase_touch WHERE member_id = ?", (row["id"],))
    last_purchase_at = max(filter(None, (row["last_purchase_at"], touched)), default=None)
    consents = {r[0]: bool(r[1]) for r in db.all("SELECT purpose_code, granted FROM member_consents WHERE member_id = ?",
                                                  (row["id"],))}
    return MemberView(id=row["id"], member_no=row["member_no"], name=row["name"], name_masked=mask_name(row["name"]),
                      mobile_masked=mask("mobile", row["mobile"]), status=row["status"],
                      restricted=bool(row["restricted"]), registered_at=row["registered_at"],
                      registered_store=row["registered_store"], birth_date=row["birth_date"],
                      is_minor=bool(row["is_minor"]), notice_version=row["notice_version"],
                      reconsent_needed=bool(row["reconsent_needed"]), marketing=bool(row["marketing_opt_in"]),
                      offers=bool(row["offers_opt_in"]), last_purchase_at=last_purchase_at, fields=fields,
                      consents=consents)


def get_member(session, member_id: str) -> MemberView:
    """Open a member's record (masked). Every view is audited with the staff member (SEC-1)."""
    session.require(MEMBER_VIEW)
    row = _row(session.db, member_id)
    if row["restricted"] and not session.can(MEMBER_VIEW_RESTRICTED):
        raise UserError("member.restricted")       # RIG-5: storage only
    session.audit_read("member.view", "member", member_id)
    return _view(session.db, row)


def update_member(session, member_id: str, changes: dict, cipher=None) -> list[str]:
    """Correct or supplement fields (name, mobile, birth_date, address, id_number, skin_notes ...).
    Only fields of granted purposes; audited with the field names changed, never the values."""
    session.require(MEMBER_UPDATE)
    row = _row(session.db, member_id)
    if row["status"] != "active":
        raise UserError("member.not_active")
    granted = {r[0] for r in session.db.all("SELECT purpose_code FROM member_consents WHERE member_id = ? AND granted = 1",
                                             (member_id,))}
    today = _today(session)
    changed: list[str] = []
    updates: dict[str, str | None] = {}
    birth = row["birth_date"]
    for f, raw in changes.items():
        if f not in FIELD_PURPOSE:
            raise ValidationError("error.validation", field=f)
        if FIELD_PURPOSE[f] not in granted:
            raise ValidationError("consent.field_not_consented", field=f)
        if f == "name":
            updates[f] = V.name(raw)
        elif f == "mobile":
            updates[f] = V.mobile(raw)
            other = find_by_mobile(session.db, updates[f])
            if other and other != member_id:
                raise MobileExists(other)
        elif f == "birth_date":
            updates[f] = V.birth_date(raw, today)
            birth = updates[f]
        elif f == "id_number":
            updates[f] = V.id_number(raw, None, today)
        else:
            updates[f] = V.VALIDATORS[f](raw)
    if "id_number" in updates and birth and V.id_birth_date(updates["id_number"]).isoformat() != birth:
        raise ValidationError("member.id_number_birth", field="id_number")
    for f, v in updates.items():
        if f in CORE_FIELDS:
            if row[f] != v:
                changed.append(f)
        else:
            changed.append(f)   # encrypted: compared after decrypting below
    opt = [f for f in changed if f in OPTIONAL_FIELDS]
    if opt and cipher is None:
        raise UserError("member.needs_cipher")
    for f in list(opt):
        cur = session.db.one("SELECT id, value_enc FROM member_fields WHERE member_id = ? AND field = ?", (member_id, f))
        if cur and cipher.decrypt(cur[1], "member_fields", "value_enc", cur[0]) == updates[f]:
            changed.remove(f)
    if not changed:
        raise UserError("member.no_changes")
    now = iso(session.clock.now())
    with session.write("member.update", "member", member_id, {"fields": sorted(changed)}) as tx:
        core = [f for f in changed if f in CORE_FIELDS]
        if core:
            tx.execute(f"UPDATE members SET {', '.join(f + ' = ?' for f in core)}, updated_at = ? WHERE id = ?",
                       (*[updates[f] for f in core], now, member_id))
        else:
            tx.execute("UPDATE members SET updated_at = ? WHERE id = ?", (now, member_id))
        for f in changed:
            if f in OPTIONAL_FIELDS:
                _put_field(tx, cipher, member_id, f, updates[f], now)
        tx.journal("member", member_id, "upsert", {f: updates[f] for f in core} | {"fields": sorted(changed)})
    return sorted(changed)


def reveal_field(session, member_id: str, field_name: str, reason_code: str, note: str, cipher) -> str:
    """Show one sensitive value in clear: manager only, with a reason; every reveal is audited (SEN-3).
    The face feature code is never revealed."""
    session.require(MEMBER_REVEAL)
    if field_name not in REVEALABLE:
        raise UserError("member.reveal_field")
    if reason_code not in REVEAL_REASONS or len((note or "").strip()) < 4:
        raise ValidationError("member.reveal_reason", field="reason")
    row = _row(session.db, member_id)
    if field_name == "mobile":
        value = row["mobile"]
    else:
        cur = session.db.one("SELECT id, value_enc FROM member_fields WHERE member_id = ? AND field = ?",
                             (member_id, field_name))
        if cur is None:
            raise UserError("member.field_empty")
        value = cipher.decrypt(cur[1], "member_fields", "value_enc", cur[0])
    with session.write("member.reveal", "member", member_id,
                       {"field": field_name, "reason": reason_code, "note_len": len(note.strip())}):
        pass
    return value


def export_member(db, member_id: str, cipher=None) -> dict:
    """The customer's data of this domain for a data copy (RIG-6): profile, optional fields (decrypted
    when a cipher is given; the face feature code is never exported in clear), consent history."""
    from app.consent.service import consent_history
    row = _row(db, member_id)
    out = {"member": {"member_no": row["member_no"], "name": row["name"], "mobile": row["mobile"],
                      "birth_date": row["birth_date"], "status": row["status"], "registered_at": row["registered_at"],
                      "registered_store": row["registered_store"], "restricted": bool(row["restricted"])},
           "fields": {}, "consents": {}, "consent_history": []}
    for r in db.all("SELECT id, field, purpose_code, value_enc, masked, created_at FROM member_fields WHERE member_id = ?",
                    (member_id,)):
        value = r["masked"]
        if cipher is not None and r["field"] != "face_feature":
            value = cipher.decrypt(r["value_enc"], "member_fields", "value_enc", r["id"])
        out["fields"][r["field"]] = {"value": value, "purpose": r["purpose_code"], "collected_at": r["created_at"]}
    out["consents"] = {r[0]: bool(r[1]) for r in db.all(
        "SELECT purpose_code, granted FROM member_consents WHERE member_id = ?", (member_id,))}
    for h in consent_history(db, member_id):
        out["consent_history"].append({k: h[k] for k in ("kind", "created_at", "notice_version", "notice_hash",
                                                          "method", "store_code", "items", "signatures")})
    return out


def _erase_registration(tx, member_id: str) -> int:
    n = 0
    for table in ("consent_evidence", "member_fields", "member_consents"):
        n += tx.execute(f"DELETE FROM {table} WHERE member_id = ?", (member_id,)).rowcount
    n += tx.execute("DELETE FROM consent_items WHERE record_id IN (SELECT id FROM consent_records WHERE member_id = ?)",
                    (member_id,)).rowcount
    n += tx.execute("DELETE FROM consent_records WHERE member_id = ?", (member_id,)).rowcount
    n += tx.execute("DELETE FROM member_name_grams WHERE member_id = ?", (member_id,)).rowcount
    return n


register_eraser("registration", _erase_registration)

__all__ = ["register_member", "get_member", "update_member", "reveal_field", "export_member", "find_by_mobile",
           "MobileExists", "MemberView", "cipher_for", "erase_purpose_fields"]
