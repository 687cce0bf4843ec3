"""Adoption: this store takes on a member registered at another store of the chain (issue #18).

With the customer at the desk, the clerk found the member at head office (`app.sync.chain.lookup_by_mobile`:
masked name, member number, purposes) and the customer confirmed. `adopt_member` asks head office for the
minimal record (`fetch_adoption`: name and mobile, member number, notice version, the consents by reference,
restricted / minor) and writes, in one `session.write`:

- the member with the SAME id and member number (`app.members.records.insert_adopted_member`: origin store and
  registration date, `adopted_from` / `adopted_at`; a minor stays a minor, a restricted member stays restricted);
- the consent state by reference to the original records (`app.consent.references.record_references`: origin
  store + record id; those records stay the evidence at head office), and the opt-in flags that follow from it;
- a `member` journal row carrying this store's code, so the next upload tells head office that this store now
  holds the member (its later consents here are ordinary local consents, uploaded as this store's).

Refused: a member already held here (`adoption.already_local`), one erased here or at head office
(`chain.member_erased`, RIG-3), one head office does not know (`adoption.not_found`), and a member whose mobile
another local member has (`MobileExists`: the UI opens that member).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.clock import iso
from app.consent.references import record_references
from app.erasure import is_erased
from app.errors import UserError
from app.members import records as R, validation as V
from app.members.records import MobileExists
from app.messages import add_messages
from app.requests import unknown
from app.requests.model import REQUEST_HANDLE
from app.staff import permissions as P
from app.sync.chain import REASON, fetch_adoption

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.sync.engine import SyncEngine

MEMBER_ADOPT = P.grant("member.adopt", P.CLERK, P.MANAGER)

add_messages(
    {
        "adoption.already_local": (
            "该会员已在本店，无需再次接收。",
            "This member is already held at this store.",
        ),
        "adoption.not_found": (
            "总部没有找到该会员，请重新查询。",
            "Head office did not find this member. Look the customer up again.",
        ),
    }
)


def adopt_member(
    session: Session, member_id: str, *, engine: SyncEngine | None = None, request_id: str | None = None
) -> dict:
    """Take on a member of another store (customer present). Returns {"id", "member_no", "restricted",
    "minor"}. Raises UserError (see the module) or `chain.offline` when head office cannot be reached.

    `request_id`: a request taken for this customer before the lookup (app.requests.unknown), whose lookup found
    this member and the staff confirmed it with the customer: the request becomes the member's in the same
    transaction (its due date unchanged: the clock started at receipt)."""
    session.require(MEMBER_ADOPT)
    if request_id is not None:
        session.require(REQUEST_HANDLE)
        cust = unknown.customer(session.db, request_id)
        if cust is None or cust["state"] != "found" or cust["match_member_id"] != member_id:
            raise UserError("requests.match_changed")
    if R.member_exists(session.db, member_id):
        raise UserError("adoption.already_local")
    if is_erased(session.db, member_id):
        raise UserError("chain.member_erased")  # RIG-3: an erased member never comes back
    data = fetch_adoption(session, member_id, engine=engine)
    if data is None:
        raise UserError("adoption.not_found")
    if str(data.get("member_id")) != member_id:
        raise UserError("chain.refused", code="member_mismatch")
    mobile = V.mobile(data.get("mobile"))
    name = V.name(data.get("name"))
    existing = R.find_by_mobile(session.db, mobile)
    if existing:
        raise MobileExists(existing)
    now = iso(session.clock.now())
    origin = str(data.get("home_store") or "")
    minor, restricted = bool(data.get("minor")), bool(data.get("restricted"))
    consents = tuple(data.get("consents") or ())
    with session.write("member.adopt", "member", member_id) as tx:
        R.insert_adopted_member(
            tx,
            member_id=member_id,
            member_no=str(data["member_no"]),
            name=name,
            mobile=mobile,
            registered_at=str(data.get("registered_at") or now),
            origin_store=origin,
            adopted_at=now,
            minor=minor,
            restricted=restricted,
            notice_version=data.get("notice_version"),
        )
        state = record_references(tx, member_id, consents, now)
        R.set_opt_in_flags(tx, member_id, marketing=state.get("marketing", False), offers=state.get("offers", False))
        payload = {
            "member_no": str(data["member_no"]),
            "name": name,
            "mobile": mobile,
            "store": session.store_code,
            "adopted_from": origin,
            "adopted_at": now,
            "minor": minor,
        }
        if restricted:
            payload["restricted"] = 1
        tx.journal("member", member_id, "upsert", payload, member_id=member_id)
        tx.details = {
            "origin_store": origin,
            "reason": REASON,
            "notice_version": data.get("notice_version"),
            "granted": sorted(p for p, g in state.items() if g),
            "refused": sorted(p for p, g in state.items() if not g),
            "consent_references": len(consents),
            "minor": minor,
            "restricted": restricted,
        }
        if request_id is not None:
            unknown.attach_member(tx, request_id, member_id)
            tx.details["request_id"] = request_id
    return {"id": member_id, "member_no": str(data["member_no"]), "restricted": restricted, "minor": minor}


__all__ = ["MEMBER_ADOPT", "adopt_member"]
