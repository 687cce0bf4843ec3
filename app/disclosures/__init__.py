"""Third-party disclosures (SHR-1, SHR-2).

Only what the recipient's service needs leaves the store (SHR-1):
- a logistics company gets the delivery address (and the name and mobile on the parcel) for a delivery;
- an insurer gets the order number and the product for an extended warranty, and only with the
  member's separate consent ("warranty") and the customer's authorisation of this disclosure.
Every disclosure is logged — recipient, purpose, field names, time — and listable per member (SHR-2).
The log holds field names, never the disclosed values.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from app.audit import chain
from app.clock import iso
from app.consent.service import consent_active
from app.datacopy import register_exporter
from app.erasure import is_erased, register_eraser
from app.errors import NotFound, UserError, ValidationError
from app.members.queries import is_restricted
from app.messages import add_messages
from app.purchases.cards import check_free_text
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

DISCLOSE = P.grant("disclosure.create", P.CLERK, P.MANAGER)
DISCLOSURE_VIEW = P.grant("disclosure.view", P.CLERK, P.MANAGER)

# recipient kind -> (purpose code of the notice, fields it may receive, per-disclosure authorisation needed)
RECIPIENTS = {
    "logistics": ("delivery", ("name", "mobile", "delivery_address"), False),
    "insurer": ("warranty", ("order_no", "product"), True),
}
AUTHORISATION_METHODS = ("screen", "signature", "paper")

add_messages(
    {
        "disclosure.recipient_invalid": (
            "请选择接收方类型（物流公司或保险公司）。",
            "Choose the recipient type (logistics or insurer).",
        ),
        "disclosure.recipient_required": ("请填写接收方名称。", "Enter the recipient's name."),
        "disclosure.field_not_allowed": (
            "不能向该接收方提供“{field}”：超出其服务所必需的范围。",
            "“{field}” cannot go to this recipient: their service does not need it.",
        ),
        "disclosure.fields_required": ("请选择要提供的信息项。", "Choose the fields to provide."),
        "disclosure.no_authorisation": (
            "会员未单独授权向保险公司提供延保所需信息，不能提供。",
            "The member has not separately authorised disclosure to the insurer for the extended warranty.",
        ),
        "disclosure.no_consent": (
            "会员未同意“{purpose}”这一处理目的（或已撤回同意），不能向第三方提供。",
            "The member has not consented to the purpose “{purpose}” (or withdrew it); nothing can be disclosed.",
        ),
        "disclosure.member_unknown": ("未找到该会员。", "Member not found."),
        "disclosure.evidence_invalid": (
            "授权凭证无效：请填写该顾客已归档的授权书扫描件（scan:编号）或签字授权书的编号（doc:编号）。",
            "The authorisation evidence is not valid: give this customer's archived scan of the authorisation "
            "(scan:ID) or the number of the signed authorisation (doc:number).",
        ),
        "disclosure.member_restricted": (
            "该会员的个人信息已限制处理（仅存储），不能向第三方提供。",
            "This member's information is restricted (storage only): nothing can be disclosed to a third party.",
        ),
    }
)

ConsentCheck: TypeAlias = "Callable[[Queries, str, str, str | None], bool]"
_consent_check: ConsentCheck | None = None


def set_consent_check(fn: ConsentCheck | None) -> None:
    """fn(db, member_id, purpose_code, today) -> bool, to replace the default check (the consent domain may)."""
    global _consent_check
    _consent_check = fn


def has_consent(db: Queries, member_id: str, purpose: str, today: str | None = None) -> bool:
    """The member's current consent for a purpose (table member_consents of migration 0002: the latest
    record wins, so a withdrawal stops disclosures at once; a purpose changed by the notice in effect `today`
    since the member agreed is suspended until re-consent: CON-5). Fails closed."""
    if _consent_check is not None:
        return bool(_consent_check(db, member_id, purpose, today))
    row = db.one("SELECT granted FROM member_consents WHERE member_id = ? AND purpose_code = ?", (member_id, purpose))
    return bool(row and row[0])


_DOC_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_/\-]{3,39}$")


def check_evidence(db: Queries, member_id: str, evidence: str | None) -> str:
    """SHR-1: the customer's authorisation as evidence: "scan:<document id>" of a scanned document of this
    member, or "doc:<reference>" of a signed authorisation kept on paper. Returns it normalised."""
    text = unicodedata.normalize("NFKC", (evidence or "").strip())
    kind, _, ref = text.partition(":")
    kind, ref = kind.strip().lower(), ref.strip()
    check_free_text({"authorisation_ref": ref})  # PAY-1
    if kind == "scan" and ref:
        row = db.one("SELECT member_id FROM scan_documents WHERE id = ?", (ref,))
        if row is not None and row["member_id"] == member_id:
            return f"scan:{ref}"
    elif kind == "doc" and _DOC_REF.match(ref):
        return f"doc:{ref}"
    raise ValidationError("disclosure.evidence_invalid", field="authorisation_ref")


def disclose(
    session: Session,
    member_id: str,
    recipient_kind: str,
    recipient: str,
    fields: list[str],
    reference: str | None = None,
    authorisation: str | None = None,
    evidence: str | None = None,
) -> str:
    """Log (and allow) a disclosure to a third party. Returns the disclosure id. The caller hands over
    the data only after this returns (the log comes first).

    Logistics: the member's consent to "delivery". Insurer: the consent to "warranty" (the separate
    consent) and this disclosure's own authorisation by the customer (`authorisation` = how it was
    given: screen | signature | paper) with its `evidence` (SHR-1: "scan:<document id>" of this member's scanned
    authorisation, or "doc:<reference>" of the signed paper), as the notice says: authorised each time."""
    session.require(DISCLOSE)
    if recipient_kind not in RECIPIENTS:
        raise ValidationError("disclosure.recipient_invalid", field="recipient_kind")
    recipient = (recipient or "").strip()
    if not recipient or len(recipient) > 64:
        raise ValidationError("disclosure.recipient_required", field="recipient")
    check_free_text({"recipient": recipient, "reference": reference})  # PAY-1 on the free text
    purpose, allowed, needs_auth = RECIPIENTS[recipient_kind]
    fields = list(dict.fromkeys(fields or []))
    if not fields:
        raise ValidationError("disclosure.fields_required", field="fields")
    for f in fields:
        if f not in allowed:
            raise ValidationError("disclosure.field_not_allowed", field=f)
    if is_erased(session.db, member_id) or session.db.one("SELECT 1 FROM members WHERE id = ?", (member_id,)) is None:
        raise NotFound("disclosure.member_unknown")
    problem: ValidationError | UserError | None = None
    if is_restricted(session.db, member_id):
        problem = UserError("disclosure.member_restricted")  # RIG-5: storage only
    elif not has_consent(session.db, member_id, purpose, session.clock.now().date().isoformat()):
        problem = ValidationError("disclosure.no_consent", field="consent", purpose=purpose)
    elif needs_auth and authorisation not in AUTHORISATION_METHODS:
        problem = ValidationError("disclosure.no_authorisation", field="authorisation")
    elif needs_auth:
        try:
            evidence = check_evidence(session.db, member_id, evidence)
        except ValidationError as exc:
            problem = exc
    if problem is not None:
        with session.db.transaction() as conn:
            chain.append(
                conn,
                ts=iso(session.clock.now()),
                staff_id=session.staff.id,
                terminal=session.terminal,
                action="disclosure.refused",
                subject_type="member",
                subject_id=member_id,
                details={"recipient_kind": recipient_kind, "reason": problem.key},
            )
        raise problem
    if not needs_auth:
        authorisation = evidence = None
    did = secrets.token_hex(8)
    now = iso(session.clock.now())
    reference = (reference or "").strip()[:64] or None
    with session.write(
        "disclosure.create",
        "member",
        member_id,
        {"disclosure": did, "recipient_kind": recipient_kind, "purpose": purpose, "fields": fields},
    ) as tx:
        tx.execute(
            "INSERT INTO disclosures(id, member_id, recipient, recipient_kind, purpose, fields, reference,"
            " authorisation, authorisation_ref, disclosed_at, staff_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                did,
                member_id,
                recipient,
                recipient_kind,
                purpose,
                json.dumps(fields),
                reference,
                authorisation,
                evidence,
                now,
                session.staff.id,
            ),
        )
        tx.journal(
            "disclosure",
            did,
            "upsert",
            {
                "member_id": member_id,
                "recipient": recipient,
                "recipient_kind": recipient_kind,
                "purpose": purpose,
                "fields": fields,
                "disclosed_at": now,
            },
            member_id=member_id,
        )
    return did


def list_disclosures(session: Session, member_id: str) -> list[dict[str, Any]]:
    """The member's disclosure log (shown on the member page)."""
    session.require(DISCLOSURE_VIEW)
    session.audit_read("disclosure.list", "member", member_id)
    return export_disclosures(session.db, member_id)


def export_disclosures(db: Queries, member_id: str) -> list[dict[str, Any]]:
    out = []
    for r in db.all(
        "SELECT recipient, recipient_kind, purpose, fields, reference, authorisation, authorisation_ref, disclosed_at"
        " FROM disclosures"
        " WHERE member_id = ? ORDER BY disclosed_at DESC",
        (member_id,),
    ):
        d = dict(r)
        d["fields"] = json.loads(d["fields"])
        out.append(d)
    return out


def _erase_disclosures(tx: Queries, member_id: str) -> int:
    return tx.execute("DELETE FROM disclosures WHERE member_id = ?", (member_id,)).rowcount


register_eraser("disclosures", _erase_disclosures)


def _consent_active(db: Queries, member_id: str, purpose: str, today: str | None = None) -> bool:
    # granted AND not changed by a newer notice since it was given (CON-5: re-consent first)
    return consent_active(db, member_id, purpose, today)


set_consent_check(_consent_active)

register_exporter("disclosures", export_disclosures)  # the customer's data copy (RIG-6)
