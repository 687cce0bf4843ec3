"""A guardian files a request on a child's behalf (CON-4, RIG-1; PIPL Art. 31, 47-50).

A member under 14 exercises their rights through the guardian. The desk records, on the request, who the
guardian is (name, encrypted; relation) and how both identities were checked: the guardian's (ID card sighted,
household register, other document) and the child's (ID card, household register, birth certificate, member
card). Only for a member under 14 today (`app.members.records.minor_now`); once per request.
The guardian's name is a fieldcrypt token (AAD `request_guardians.guardian_name_enc:<request_id>`), erased with
the child's other data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.erasure import register_eraser
from app.errors import NotFound, UserError, ValidationError
from app.members import records as R, validation as V
from app.messages import add_messages
from app.requests import model as M
from app.storage.fieldcrypt import register_column

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

GUARDIAN_IDENTITY = ("id_card_sighted", "household_register", "other_document")
CHILD_IDENTITY = ("id_card_sighted", "household_register", "birth_certificate", "member_card")

register_column("request_guardians", "request_id", "guardian_name_enc")

add_messages(
    {
        "requests.guardian_not_minor": (
            "该会员已满14周岁，须由本人提出申请（或提交其本人的书面委托）。",
            "This member is 14 or older and makes the request in person (or by their own written authorisation).",
        ),
        "requests.guardian_already": (
            "这一申请已登记了监护人。",
            "A guardian is already recorded for this request.",
        ),
        "requests.guardian_identity_invalid": (
            "请选择核验监护人身份和未成年人身份的方式。",
            "Choose how the guardian's and the child's identities were checked.",
        ),
        "requests.guardian_no_member": (
            "申请没有对应的会员，无需登记监护人。",
            "The request has no member: no guardian to record.",
        ),
    }
)


def record_guardian_applicant(
    session: Session,
    request_id: str,
    *,
    guardian_name: str,
    relation: str,
    guardian_identity: str,
    child_identity: str,
    cipher: Any,
) -> None:
    """Record that the guardian files this request for the member under 14, with both identity checks."""
    session.require(M.REQUEST_OPEN)
    req = session.db.one("SELECT member_id FROM requests WHERE id = ?", (request_id,))
    if req is None:
        raise NotFound()
    member_id = req["member_id"]
    if not member_id:
        raise UserError("requests.guardian_no_member")
    if not R.minor_now(session.db, member_id, session.clock.now().date()):
        raise UserError("requests.guardian_not_minor")  # CON-4: an adult applies in person
    name = V.name(guardian_name, field="guardian_name")
    relation = V.guardian_relation(relation)
    if guardian_identity not in GUARDIAN_IDENTITY:
        raise ValidationError("requests.guardian_identity_invalid", field="guardian_identity")
    if child_identity not in CHILD_IDENTITY:
        raise ValidationError("requests.guardian_identity_invalid", field="child_identity")
    if session.db.one("SELECT 1 FROM request_guardians WHERE request_id = ?", (request_id,)) is not None:
        raise UserError("requests.guardian_already")
    if cipher is None:
        raise UserError("member.needs_cipher")
    details = {"relation": relation, "guardian_identity": guardian_identity, "child_identity": child_identity}
    with session.write("request.guardian", "request", request_id, details) as tx:
        tx.execute(
            "INSERT INTO request_guardians(request_id, member_id, guardian_name_enc, relation, guardian_identity,"
            " child_identity, staff_id, created_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                request_id,
                member_id,
                cipher.encrypt(name, "request_guardians", "guardian_name_enc", request_id),
                relation,
                guardian_identity,
                child_identity,
                session.staff.id,
                iso(session.clock.now()),
            ),
        )


def guardian_applicant(db: Queries, request_id: str) -> dict[str, str] | None:
    """The guardian recorded on a request (relation and identity checks; never the name), or None."""
    row = db.one(
        "SELECT relation, guardian_identity, child_identity, created_at FROM request_guardians WHERE request_id = ?",
        (request_id,),
    )
    return None if row is None else dict(row)


def _erase_request_guardians(tx: Queries, member_id: str) -> int:
    return tx.execute("DELETE FROM request_guardians WHERE member_id = ?", (member_id,)).rowcount


register_eraser("request_guardians", _erase_request_guardians)
