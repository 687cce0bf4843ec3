"""A request for a customer this store does not hold (issue #18): taken now, looked up when head office answers.

A customer who is a member at another store (or believes so) asks this store to see, correct, delete... their
data. The desk takes the request at once, with the customer present (`open_for_unknown`): the name and mobile
as the customer gives them are stored encrypted with the field key (`request_customers`, migration 0019; never
journalled, never in clear), and the 15-working-day clock starts at the request's receipt like any other
(RIG-1) — the lookup never moves it.

When head office can be reached, staff look the mobile up (`look_up`): a member held here now (registered or
taken on since) is `found_local`; a member of another store is `found` (member number, masked name and home
store, for the staff to check with the customer); none is `no_member`. Head office out of reach: the request
stays queued, a timeline note says so, UserError("chain.offline").

Then, on the request:
- `found`: staff confirm with the customer and take the member on for this request
  (`app.flows.adoption.adopt_member(..., request_id=...)`), which attaches the member in the same transaction
  (`attach_member`);
- `found_local`: `attach_local` attaches the member held here;
- `no_member`: `close_no_member` tells the customer no member exists (outcome not_found, the letter says so).
Attaching or closing clears the customer's name and mobile, encrypted and masked (MIN-1: no longer needed).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.errors import UserError, ValidationError
from app.members import validation as V
from app.members.display import mask_name
from app.members.fields import mask_mobile
from app.members.records import MobileExists, find_by_mobile
from app.messages import add_messages
from app.requests import model as M, service as S
from app.storage.fieldcrypt import register_column
from app.sync.chain import lookup_by_mobile

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries
    from app.storage.fieldcrypt import FieldCipher
    from app.sync.engine import SyncEngine

TABLE = "request_customers"
register_column(TABLE, "request_id", "name_enc")
register_column(TABLE, "request_id", "mobile_enc")

STATE_LABELS = {
    "queued": ("等待总部查询", "Waiting for the head-office lookup"),
    "found": ("总部找到会员，待顾客确认", "Member found at head office: confirm with the customer"),
    "found_local": ("本店已有该会员，待确认", "The member is held here now: confirm"),
    "no_member": ("总部没有该顾客的会员信息", "Head office holds no member for this customer"),
    "attached": ("已关联会员", "Linked to the member"),
    "closed": ("已告知顾客无会员信息", "Customer told there is no member"),
}

add_messages(
    {
        "requests.unknown_state": (
            "该申请当前不能执行此操作（{state}）。",
            "This cannot be done for the request now ({state}).",
        ),
        "requests.not_unknown": (
            "该申请不是为本店没有的顾客受理的。",
            "This request was not taken for a customer this store does not hold.",
        ),
        "requests.match_changed": (
            "总部查询结果与所选会员不一致，请重新查询。",
            "The member does not match head office's answer. Look the customer up again.",
        ),
    }
)


def open_for_unknown(
    session: Session,
    req_type: str,
    name: str,
    mobile: str,
    cipher: FieldCipher,
    *,
    identity_method: str | None = None,
    channel: str = "desk",
    received_on: dt.date | None = None,
) -> str:
    """Take a request for a customer not held here, with the customer's name and mobile (stored encrypted).
    A mobile a local member has raises MobileExists (open the request for that member instead). The due date
    counts from the receipt (RIG-1). Returns the request id."""
    session.require(M.REQUEST_OPEN)
    if req_type not in M.TYPES:
        raise ValidationError("requests.type_invalid", field="type")
    if identity_method is not None and identity_method not in M.IDENTITY_METHODS:
        raise ValidationError("requests.identity_invalid", field="identity_method")
    clean_name, clean_mobile = V.name(name), V.mobile(mobile)
    existing = find_by_mobile(session.db, clean_mobile)
    if existing:
        raise MobileExists(existing)
    received = S._received_day(session, channel, received_on)
    rid = secrets.token_hex(8)
    with session.write("request.open", "request", rid) as tx:
        S.insert_request(tx, rid, req_type, None, received, identity_method, channel, False)
        tx.execute(
            "INSERT INTO request_customers(request_id, name_enc, mobile_enc, name_masked, mobile_masked, state,"
            " created_at) VALUES (?,?,?,?,?,'queued',?)",
            (
                rid,
                cipher.encrypt(clean_name, TABLE, "name_enc", rid),
                cipher.encrypt(clean_mobile, TABLE, "mobile_enc", rid),
                mask_name(clean_name),
                mask_mobile(clean_mobile),
                iso(session.clock.now()),
            ),
        )
        S._event(tx, rid, "awaiting_lookup")
        tx.details = {**(tx.details or {}), "unknown_customer": True}
    return rid


def customer(db: Queries, request_id: str) -> dict[str, Any] | None:
    """What the request shows of its customer not held here (masked), or None for an ordinary request."""
    row = db.one(
        "SELECT state, name_masked, mobile_masked, match_member_id, match_member_no, match_name_masked,"
        " match_home_store, looked_up_at, resolved_at FROM request_customers WHERE request_id = ?",
        (request_id,),
    )
    if row is None:
        return None
    keys = (
        "state",
        "name_masked",
        "mobile_masked",
        "match_member_id",
        "match_member_no",
        "match_name_masked",
        "match_home_store",
        "looked_up_at",
        "resolved_at",
    )
    out = dict(zip(keys, tuple(row), strict=True))
    out["state_label"] = STATE_LABELS[out["state"]]
    return out


def _open_customer(session: Session, request_id: str, states: tuple[str, ...]) -> dict[str, Any]:
    req = S.get_request(session.db, request_id)
    cust = customer(session.db, request_id)
    if cust is None:
        raise UserError("requests.not_unknown")
    if cust["state"] not in states or req["status"] in ("completed", "refused"):
        raise UserError("requests.unknown_state", state=M.label(STATE_LABELS, cust["state"]))
    return cust


def look_up(session: Session, request_id: str, cipher: FieldCipher, *, engine: SyncEngine | None = None) -> dict:
    """Look the customer's mobile up: here first, then at head office (audited there and here). Returns
    `customer(...)`. Head office out of reach: a timeline note and UserError("chain.offline"); the request stays
    queued and its due date is untouched."""
    session.require(M.REQUEST_HANDLE)
    _open_customer(session, request_id, ("queued", "found", "found_local", "no_member"))
    token = session.db.scalar("SELECT mobile_enc FROM request_customers WHERE request_id = ?", (request_id,))
    mobile = cipher.decrypt(token, TABLE, "mobile_enc", request_id) or ""
    local = find_by_mobile(session.db, mobile)
    match: dict[str, Any] = {"state": "no_member"}
    if local:
        no, name = tuple(session.db.one("SELECT member_no, name FROM members WHERE id = ?", (local,)) or ("", ""))
        match = {"state": "found_local", "id": local, "no": no, "name": mask_name(name), "store": ""}
    else:
        try:
            found = lookup_by_mobile(session, mobile, engine=engine)
        except UserError as exc:
            S.record_event(session, request_id, "lookup_pending", {"reason": exc.key})
            raise
        if found is not None:
            match = {
                "state": "found",
                "id": found.member_id,
                "no": found.member_no,
                "name": found.name_masked,
                "store": found.home_store,
            }
    now = iso(session.clock.now())
    with session.write("request.chain_lookup", "request", request_id, {"outcome": match["state"]}) as tx:
        tx.execute(
            "UPDATE request_customers SET state = ?, match_member_id = ?, match_member_no = ?, match_name_masked = ?,"
            " match_home_store = ?, looked_up_at = ? WHERE request_id = ?",
            (match["state"], match.get("id"), match.get("no"), match.get("name"), match.get("store"), now, request_id),
        )
        S._event(tx, request_id, "chain_lookup", data={"outcome": match["state"]})
    return customer(session.db, request_id) or {}


def attach_member(tx: Tx, request_id: str, member_id: str) -> None:
    """Inside the caller's write (the adoption's, or `attach_local`'s): the request is now the member's. The
    encrypted name and mobile are cleared; the due date stays (the clock started at receipt)."""
    cust = customer(tx, request_id)
    if cust is None:
        raise UserError("requests.not_unknown")
    if cust["state"] not in ("found", "found_local") or cust["match_member_id"] != member_id:
        raise UserError("requests.match_changed")
    now = iso(tx.session.clock.now())
    tx.execute(
        "UPDATE requests SET member_id = ?, customer_found = 1, updated_at = ? WHERE id = ?",
        (member_id, now, request_id),
    )
    tx.execute(
        "UPDATE request_customers SET state = 'attached', name_enc = NULL, mobile_enc = NULL, name_masked = '',"
        " mobile_masked = '', resolved_at = ?"
        " WHERE request_id = ?",
        (now, request_id),
    )
    S._event(tx, request_id, "member_attached", data={"member_no": cust["match_member_no"]})
    tx.audit("member.request", "member", member_id, {"request_id": request_id, "attached": True})
    tx.journal("request", request_id, "upsert", {"member_id": member_id}, member_id=member_id)


def attach_local(session: Session, request_id: str) -> M.RequestRecord:
    """The customer is a member held here now (found by `look_up`): the request becomes that member's."""
    session.require(M.REQUEST_HANDLE)
    cust = _open_customer(session, request_id, ("found_local",))
    with session.write("request.attach", "request", request_id, {"request_id": request_id}) as tx:
        attach_member(tx, request_id, str(cust["match_member_id"]))
    return S.get_request(session.db, request_id)


def close_no_member(session: Session, request_id: str) -> M.RequestRecord:
    """Head office holds no member for this customer: the request closes as not found (the letter tells the
    customer no information is held) and the encrypted name and mobile are cleared."""
    session.require(M.REQUEST_HANDLE)
    _open_customer(session, request_id, ("no_member",))
    req = S.get_request(session.db, request_id)
    details = {"request_id": request_id, "type": req["type"], "outcome": "not_found"}
    with session.write("request.complete", "request", request_id, details) as tx:
        S._close_not_found(tx, req)
        tx.execute(
            "UPDATE request_customers SET state = 'closed', name_enc = NULL, mobile_enc = NULL, name_masked = '',"
            " mobile_masked = '', resolved_at = ?"
            " WHERE request_id = ?",
            (iso(session.clock.now()), request_id),
        )
    return S.get_request(session.db, request_id)


def waiting(db: Queries) -> list[str]:
    """Requests still waiting for the lookup (queued): their ids, oldest first."""
    return [
        r[0]
        for r in db.all(
            "SELECT c.request_id FROM request_customers c JOIN requests r ON r.id = c.request_id"
            " WHERE c.state = 'queued' AND r.status NOT IN ('completed', 'refused') ORDER BY c.created_at",
        )
    ]


__all__ = ["attach_local", "attach_member", "close_no_member", "customer", "look_up", "open_for_unknown", "waiting"]
