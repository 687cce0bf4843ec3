"""Members: view (audited, masked), correction, manager reveal, the member's part of the data copy.

Registration (members + consent + paper form + scans) is a use case of app.flows.enrolment; this domain's
row writes are in app.members.records (the only module that writes `members` and `member_fields`).

Encrypted fields need a `FieldCipher`: `cipher_for(vault)` stores them (sealed: SEN-3); reading them back
(reveal, the data copy) needs a manager's step-up: `with vault.step_up(user, pw) as up: ... up.cipher`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app import crashpoints
from app.clock import iso
from app.datacopy import register_exporter
from app.erasure import register_eraser
from app.errors import NotFound, UserError, ValidationError
from app.members import records as R, validation as V
from app.members.fields import CORE_FIELDS, FIELD_PURPOSE, OPTIONAL_FIELDS, REVEALABLE, mask, mask_name
from app.members.orders import MEMBER_UPDATE, correction_body, file_order
from app.members.records import MobileExists, find_by_mobile
from app.messages import add_messages
from app.notices import unchanged_purposes
from app.staff import permissions as P
from app.storage.fieldcrypt import FieldCipher, token_is_sealed

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries, Row

MEMBER_REGISTER = P.grant("member.register", P.CLERK, P.MANAGER)
MEMBER_VIEW = P.grant("member.view", P.CLERK, P.MANAGER)
MEMBER_REVEAL = P.grant("member.reveal", P.MANAGER)
MEMBER_VIEW_RESTRICTED = P.grant("member.view_restricted", P.MANAGER)

REVEAL_REASONS = ("customer_request", "finance_service", "correction", "legal", "other")

add_messages(
    {
        "member.mobile_exists": (
            "该手机号已是会员，已为您打开该会员。",
            "This mobile number already belongs to a member; that member is opened instead.",
        ),
        "member.restricted": (
            "该会员的个人信息已被限制处理，仅店长可以查看。",
            "Processing of this member's information is restricted; only a store manager can open it.",
        ),
        "member.reveal_reason": (
            "请选择查看原因并填写说明（至少 4 个字）。",
            "Choose a reason and write a note (at least 4 characters) to reveal.",
        ),
        "member.reveal_field": ("该字段不能查看明文。", "This field cannot be shown in clear."),
        "member.field_empty": ("该会员没有登记这一项。", "This member has no value for this field."),
        "member.no_changes": ("没有需要保存的修改。", "Nothing to save."),
        "member.needs_cipher": ("数据库已锁定，请重新登录。", "The database is locked; sign in again."),
        "member.not_active": ("该会员已注销，不能修改。", "This membership is cancelled; it cannot be changed."),
    }
)


def cipher_for(vault: Any) -> FieldCipher:
    """The cipher any session holds: seals sensitive fields, cannot open them (SEN-3)."""
    cipher: FieldCipher = vault.field_cipher()
    return cipher


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
    fields: dict[str, str] = field(default_factory=dict)  # optional field -> masked value
    consents: dict[str, bool] = field(default_factory=dict)
    # encrypted field -> store code where the customer corrected it (cleared here: ask the customer), issue #18
    corrected_elsewhere: dict[str, str] = field(default_factory=dict)


def _today(session: Session) -> dt.date:
    return session.clock.now().date()


def validate_fields(values: dict[str, Any], granted: set[str], today: dt.date) -> dict[str, Any]:
    """Validate the fields of granted purposes. A field of a refused purpose is an error (MIN-1..3).
    Collects every field error; raises the first (the UI validates per field on its own as well).
    Returns the clean values: name and mobile (str), birth_date (str or None), each optional field given (str)."""
    out: dict[str, Any] = {}
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


def _row(db: Queries, member_id: str) -> Row:
    row = db.one("SELECT * FROM members WHERE id = ?", (member_id,))
    if row is None:
        raise NotFound()
    return row


def _view(db: Queries, row: Row, today: str | None = None) -> MemberView:
    fields = {r[0]: r[1] for r in db.all("SELECT field, masked FROM member_fields WHERE member_id = ?", (row["id"],))}
    # the POS import notes newer purchases in purchase_touch until the retention sweep folds them in
    touched = db.scalar("SELECT last_at FROM purchase_touch WHERE member_id = ?", (row["id"],))
    last_purchase_at = max(filter(None, (row["last_purchase_at"], touched)), default=None)
    consents = {
        r[0]: bool(r[1])
        for r in db.all("SELECT purpose_code, granted FROM member_consents WHERE member_id = ?", (row["id"],))
    }
    # marketing / offers as the consent state says today: granted and not suspended by a newer notice (CON-5),
    # not the members row's copy of it
    agreed = {
        r[0]: r[1]
        for r in db.all(
            "SELECT purpose_code, notice_version FROM member_consents WHERE member_id = ? AND granted = 1"
            " AND purpose_code IN ('marketing', 'offers')",
            (row["id"],),
        )
    }
    running = unchanged_purposes(db, agreed, today or dt.date.today().isoformat()) if agreed else set()
    return MemberView(
        id=row["id"],
        member_no=row["member_no"],
        name=row["name"],
        name_masked=mask_name(row["name"]),
        mobile_masked=mask("mobile", row["mobile"]),
        status=row["status"],
        restricted=bool(row["restricted"]),
        registered_at=row["registered_at"],
        registered_store=row["registered_store"],
        birth_date=row["birth_date"],
        is_minor=bool(row["is_minor"]),
        notice_version=row["notice_version"],
        reconsent_needed=bool(row["reconsent_needed"]),
        marketing="marketing" in running and not row["restricted"],
        offers="offers" in running and not row["restricted"],
        last_purchase_at=last_purchase_at,
        fields=fields,
        consents=consents,
        corrected_elsewhere={f: n["store"] for f, n in corrected_elsewhere(db, row["id"]).items()},
    )


def get_member(session: Session, member_id: str) -> MemberView:
    """Open a member's record (masked). Every view is audited with the staff member (SEC-1)."""
    session.require(MEMBER_VIEW)
    row = _row(session.db, member_id)
    if row["restricted"] and not session.can(MEMBER_VIEW_RESTRICTED):
        raise UserError("member.restricted")  # RIG-5: storage only
    session.audit_read("member.view", "member", member_id)
    return _view(session.db, row, _today(session).isoformat())


def update_member(
    session: Session,
    member_id: str,
    changes: dict[str, Any],
    cipher: FieldCipher | None = None,
    *,
    request_id: str | None = None,
    order_id: str | None = None,
) -> list[str]:
    """Correct or supplement fields (name, mobile, birth_date, address, id_number, skin_notes ...).
    Only fields of granted purposes; audited with the field names changed, never the values.

    A change of a core field (name, mobile, birth date) journals a `correction_order` in the same transaction
    (the other stores that hold the member follow, issue #18), with `request_id` when a request asked for it;
    `order_id` = head office's order being carried out here: nothing is filed again (no ping-pong)."""
    session.require(MEMBER_UPDATE)
    row = _row(session.db, member_id)
    if row["status"] != "active" and not (order_id and row["status"] == "cancelled"):
        # head office's order (a correction decided at another store) applies to a cancelled membership too: its data
        # is still held here for RET-2's three years and must be as correct as where it was corrected (RIG-1)
        raise UserError("member.not_active")
    if row["restricted"] and not session.can(MEMBER_VIEW_RESTRICTED):
        raise UserError("member.restricted")  # RIG-5: storage only, no correction by a clerk
    granted = {
        r[0]
        for r in session.db.all(
            "SELECT purpose_code FROM member_consents WHERE member_id = ? AND granted = 1", (member_id,)
        )
    }
    today = _today(session)
    changed: list[str] = []
    updates: dict[str, Any] = {}
    birth = row["birth_date"]
    for f, raw in changes.items():
        if f not in FIELD_PURPOSE:
            raise ValidationError("error.validation", field=f)
        if FIELD_PURPOSE[f] not in granted:
            raise ValidationError("consent.field_not_consented", field=f)
        if f == "name":
            updates[f] = V.name(raw)
        elif f == "mobile":
            mobile = updates[f] = V.mobile(raw)
            other = find_by_mobile(session.db, mobile)
            if other and other != member_id:
                raise MobileExists(other)
        elif f == "birth_date":
            updates[f] = V.birth_date(raw, today)
            birth = updates[f]
        elif f == "id_number":
            updates[f] = V.id_number(raw, None, today)
        else:
            updates[f] = V.VALIDATORS[f](raw)
    id_no = updates.get("id_number")
    if id_no and birth and V.id_birth_date(id_no).isoformat() != birth:
        raise ValidationError("member.id_number_birth", field="id_number")
    for f, v in updates.items():
        if f in CORE_FIELDS:
            if row[f] != v:
                changed.append(f)
        else:
            changed.append(f)  # encrypted: compared after decrypting below
    opt = [f for f in changed if f in OPTIONAL_FIELDS]
    if opt:
        if cipher is None:
            raise UserError("member.needs_cipher")
        for f in list(opt):
            cur = session.db.one(
                "SELECT id, value_enc FROM member_fields WHERE member_id = ? AND field = ?", (member_id, f)
            )
            if cur and token_is_sealed(cur[1]) and not cipher.can_open_sealed:
                continue  # SEN-3: a clerk cannot compare a sealed value; storing it again is harmless
            if cur and cipher.decrypt(cur[1], "member_fields", "value_enc", cur[0]) == updates[f]:
                changed.remove(f)
    if not changed:
        raise UserError("member.no_changes")
    now = iso(session.clock.now())
    details: dict[str, Any] = {"fields": sorted(changed)}
    details |= {"order_id": order_id} if order_id else {"request_id": request_id} if request_id else {}
    with session.write("member.update", "member", member_id, details) as tx:
        core = [f for f in changed if f in CORE_FIELDS]
        R.update_core(tx, member_id, {f: updates[f] for f in core}, now)
        for f in changed:
            value = updates[f]
            # validators return None only for an empty birth date; an optional field here had a cipher (above)
            if f in OPTIONAL_FIELDS and value is not None and cipher is not None:
                R.put_field(tx, cipher, member_id, f, value, now)
        tx.journal("member", member_id, "upsert", {f: updates[f] for f in core} | {"fields": sorted(changed)})
        for f in changed:  # a value given here again replaces "corrected at another store"
            tx.execute("DELETE FROM member_field_notes WHERE member_id = ? AND field = ?", (member_id, f))
        body = correction_body({f: updates[f] for f in core}, [f for f in changed if f in OPTIONAL_FIELDS])
        if body is not None and order_id is None:
            crashpoints.hit("chain.before_order")
            file_order(tx, "correction_order", member_id, request_id, body)  # RIG-1: the holders follow
    return sorted(changed)


def note_corrected_elsewhere(
    session: Session, member_id: str, fields: list[str], store_code: str, order_id: str
) -> list[str]:
    """Head office's order: these encrypted fields were corrected at `store_code`. The new value stays where the
    customer gave it (it does not travel); the old value here is deleted, since it is now wrong, and the member
    page tells the desk to ask the customer when the field is needed (`member_field_notes`). Returns the fields
    that were held here (the notes are kept for every field named, held or not)."""
    session.require(MEMBER_UPDATE)
    names = sorted({f for f in fields if f in OPTIONAL_FIELDS})
    if not names:
        return []
    now = iso(session.clock.now())
    details = {"fields": names, "store": store_code, "order_id": order_id}
    with session.write("member.field_corrected_elsewhere", "member", member_id, details) as tx:
        held = R.drop_fields(tx, member_id, names)
        for f in names:
            tx.execute(
                "INSERT INTO member_field_notes(member_id, field, store_code, order_id, noted_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT(member_id, field) DO UPDATE SET store_code = excluded.store_code,"
                " order_id = excluded.order_id, noted_at = excluded.noted_at",
                (member_id, f, store_code, order_id, now),
            )
        R.touch(tx, member_id, now)
    return held


def corrected_elsewhere(db: Queries, member_id: str) -> dict[str, dict[str, str]]:
    """Encrypted fields corrected at another store and cleared here: {field: {"store", "noted_at"}}."""
    rows = db.all("SELECT field, store_code, noted_at FROM member_field_notes WHERE member_id = ?", (member_id,))
    return {r[0]: {"store": r[1], "noted_at": r[2]} for r in rows}


def _erase_field_notes(tx: Tx, member_id: str) -> int:
    return int(tx.execute("DELETE FROM member_field_notes WHERE member_id = ?", (member_id,)).rowcount)


def _field_notes(db: Queries, member_id: str) -> list[dict[str, str]]:
    return [{"field": f, **n} for f, n in sorted(corrected_elsewhere(db, member_id).items())]


register_eraser("member_field_notes", _erase_field_notes)
register_exporter("member_field_notes", _field_notes, ("在其他门店更正的信息", "Fields corrected at another store"))


def reveal_field(
    session: Session, member_id: str, field_name: str, reason_code: str, note: str, cipher: FieldCipher
) -> str:
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
        cur = session.db.one(
            "SELECT id, value_enc FROM member_fields WHERE member_id = ? AND field = ?", (member_id, field_name)
        )
        if cur is None:
            raise UserError("member.field_empty")
        value = cipher.decrypt(cur[1], "member_fields", "value_enc", cur[0])
    with session.write(
        "member.reveal",
        "member",
        member_id,
        {"field": field_name, "reason": reason_code, "note_len": len(note.strip())},
    ):
        pass
    return value


def export_profile(db: Queries, member_id: str, cipher: FieldCipher | None = None) -> dict[str, Any]:
    """This domain's part of the customer's data copy (RIG-6): profile, optional fields (decrypted when a
    cipher is given; the face feature code is never exported in clear), current consent per purpose.
    The whole copy, with the consent history, is app.requests.export.export_member."""
    row = _row(db, member_id)
    out: dict[str, Any] = {
        "member": {
            "member_no": row["member_no"],
            "name": row["name"],
            "mobile": row["mobile"],
            "birth_date": row["birth_date"],
            "status": row["status"],
            "registered_at": row["registered_at"],
            "registered_store": row["registered_store"],
            "restricted": bool(row["restricted"]),
        },
        "fields": {},
        "consents": {},
    }
    for r in db.all(
        "SELECT id, field, purpose_code, value_enc, masked, created_at FROM member_fields WHERE member_id = ?",
        (member_id,),
    ):
        value = r["masked"]
        if cipher is not None and r["field"] != "face_feature":
            value = cipher.decrypt(r["value_enc"], "member_fields", "value_enc", r["id"])
        out["fields"][r["field"]] = {"value": value, "purpose": r["purpose_code"], "collected_at": r["created_at"]}
    out["consents"] = {
        r[0]: bool(r[1])
        for r in db.all("SELECT purpose_code, granted FROM member_consents WHERE member_id = ?", (member_id,))
    }
    return out


__all__ = [
    "MemberView",
    "MobileExists",
    "cipher_for",
    "export_profile",
    "find_by_mobile",
    "get_member",
    "reveal_field",
    "update_member",
    "validate_fields",
]
