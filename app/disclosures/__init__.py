"""Third-party disclosures (SHR-1, SHR-2).

Only what the recipient's service needs leaves the store (SHR-1):
- a logistics company gets the delivery address (and the name and mobile on the parcel) for a delivery;
- an insurer gets the order number and the product for an extended warranty, and only when the
  member gave the separate authorisation for that purpose.
Every disclosure is logged — recipient, purpose, field names, time — and listable per member (SHR-2).
The log holds field names, never the disclosed values.
"""
from __future__ import annotations

import json
import secrets
from typing import Callable

from app.clock import iso
from app.erasure import is_erased, register_eraser
from app.errors import NotFound, ValidationError
from app.messages import register
from app.staff import permissions as P

DISCLOSE = P.grant("disclosure.create", P.CLERK, P.MANAGER)
DISCLOSURE_VIEW = P.grant("disclosure.view", P.CLERK, P.MANAGER)

# recipient kind -> (purpose, fields it may receive, separate authorisation needed)
RECIPIENTS = {
    "logistics": ("delivery", ("name", "mobile", "delivery_address"), False),
    "insurer": ("extended_warranty", ("order_no", "product"), True),
}
# The consent purpose key checked for the insurer (helper #3's consent API).
EXTENDED_WARRANTY_PURPOSE = "extended_warranty"

register({
    "disclosure.recipient_invalid": ("请选择接收方类型(物流公司或保险公司)。", "Choose the recipient type (logistics or insurer)."),
    "disclosure.recipient_required": ("请填写接收方名称。", "Enter the recipient's name."),
    "disclosure.field_not_allowed": ("不能向该接收方提供“{field}”:超出其服务所必需的范围。",
                                     "“{field}” cannot go to this recipient: their service does not need it."),
    "disclosure.fields_required": ("请选择要提供的信息项。", "Choose the fields to provide."),
    "disclosure.no_authorisation": ("会员未单独授权向保险公司提供延保所需信息,不能提供。",
                                    "The member has not separately authorised disclosure to the insurer for the extended warranty."),
    "disclosure.member_unknown": ("未找到该会员。", "Member not found."),
})

_consent_check: Callable | None = None


def set_consent_check(fn: Callable) -> None:
    """fn(db, member_id, purpose) -> bool. Registered by the consent domain (helper #3) or the app."""
    global _consent_check
    _consent_check = fn


def has_separate_authorisation(db, member_id: str, purpose: str) -> bool:
    """True when the member has granted `purpose` (separate consent). Uses the consent domain's check;
    without one, nothing is authorised (fail closed)."""
    fn = _consent_check
    if fn is None:
        try:                                   # helper #3's consent API, when it is there
            from app.consent import has_consent as fn  # type: ignore
        except Exception:
            return False
    try:
        return bool(fn(db, member_id, purpose))
    except Exception:
        return False


def disclose(session, member_id: str, recipient_kind: str, recipient: str, fields: list[str],
             reference: str | None = None) -> str:
    """Log (and allow) a disclosure to a third party. Returns the disclosure id. The caller hands over
    the data only after this returns (the log comes first)."""
    session.require(DISCLOSE)
    if recipient_kind not in RECIPIENTS:
        raise ValidationError("disclosure.recipient_invalid", field="recipient_kind")
    recipient = (recipient or "").strip()
    if not recipient or len(recipient) > 64:
        raise ValidationError("disclosure.recipient_required", field="recipient")
    purpose, allowed, needs_auth = RECIPIENTS[recipient_kind]
    fields = list(dict.fromkeys(fields or []))
    if not fields:
        raise ValidationError("disclosure.fields_required", field="fields")
    for f in fields:
        if f not in allowed:
            raise ValidationError("disclosure.field_not_allowed", field=f)
    if is_erased(session.db, member_id) or session.db.one("SELECT 1 FROM members WHERE id = ?", (member_id,)) is None:
        raise NotFound("disclosure.member_unknown")
    if needs_auth and not has_separate_authorisation(session.db, member_id, EXTENDED_WARRANTY_PURPOSE):
        with session.db.transaction() as conn:
            from app.audit import chain
            chain.append(conn, ts=iso(session.clock.now()), staff_id=session.staff.id, terminal=session.terminal,
                         action="disclosure.refused", subject_type="member", subject_id=member_id,
                         details={"recipient_kind": recipient_kind, "reason": "no_authorisation"})
        raise ValidationError("disclosure.no_authorisation", field="consent")
    did = secrets.token_hex(8)
    now = iso(session.clock.now())
    reference = (reference or "").strip()[:64] or None
    with session.write("disclosure.create", "member", member_id,
                       {"disclosure": did, "recipient_kind": recipient_kind, "purpose": purpose, "fields": fields}) as tx:
        tx.execute("INSERT INTO disclosures(id, member_id, recipient, recipient_kind, purpose, fields, reference,"
                   " disclosed_at, staff_id) VALUES (?,?,?,?,?,?,?,?,?)",
                   (did, member_id, recipient, recipient_kind, purpose, json.dumps(fields), reference, now,
                    session.staff.id))
        tx.journal("disclosure", did, "upsert", {"member_id": member_id, "recipient": recipient,
                                                "recipient_kind": recipient_kind, "purpose": purpose,
                                                "fields": fields, "disclosed_at": now}, member_id=member_id)
    return did


def list_disclosures(session, member_id: str) -> list[dict]:
    """The member's disclosure log (shown on the member page)."""
    session.require(DISCLOSURE_VIEW)
    session.audit_read("disclosure.list", "member", member_id)
    return export_disclosures(session.db, member_id)


def export_disclosures(db, member_id: str) -> list[dict]:
    out = []
    for r in db.all("SELECT recipient, recipient_kind, purpose, fields, reference, disclosed_at FROM disclosures"
                    " WHERE member_id = ? ORDER BY disclosed_at DESC", (member_id,)):
        d = dict(r)
        d["fields"] = json.loads(d["fields"])
        out.append(d)
    return out


def _erase_disclosures(tx, member_id: str) -> int:
    return tx.execute("DELETE FROM disclosures WHERE member_id = ?", (member_id,)).rowcount


register_eraser("disclosures", _erase_disclosures)
