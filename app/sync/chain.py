"""The store's client of the chain's member register at head office (issue #18).

Stores are islands except for this seam: with the customer at the desk, a clerk asks head office for a member
registered at another store by the customer's full mobile (`lookup_by_mobile`) and, once the customer confirms,
takes the member on (`app.flows.adoption.adopt_member`, which calls `fetch_adoption` here). Both go over the
sync's own transport and signature (`SyncEngine.transport()` + the store's Ed25519 key): the same TLS, the same
signed headers, the same retries. Head office answers a lookup with what a clerk may see (masked name, member
number, purposes and notice version, restricted / minor) and finds the member by the blind index of the mobile.

Both ends audit: here `member.chain_lookup` (staff, reason "customer_present", outcome; never the mobile),
there `member.lookup` / `member.adopt` (store, staff id, reason). "Not found" is an answer, not an error;
head office out of reach is `UserError("chain.offline")` — the desk then registers the customer locally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.errors import UserError
from app.members import validation as V
from app.messages import add_messages
from app.staff import permissions as P
from app.sync.engine import SyncEngine
from app.sync.transport import SyncError

if TYPE_CHECKING:
    from app.staff.session import Session

CHAIN_LOOKUP = P.grant("member.chain_lookup", P.CLERK, P.MANAGER)
REASON = "customer_present"

add_messages(
    {
        "chain.offline": (
            "无法连接总部，暂时无法查询顾客在其他门店的会员信息。可以先在本店为顾客登记，总部会在之后合并。",
            "Head office cannot be reached, so members of other stores cannot be looked up now. You can register "
            "the customer at this store; head office merges the records later.",
        ),
        "chain.not_enrolled": (
            "本店尚未向总部登记，无法查询其他门店的会员。可以在本店为顾客登记。",
            "This store is not enrolled with head office, so members of other stores cannot be looked up. You "
            "can register the customer at this store.",
        ),
        "chain.member_erased": (
            "该会员的信息已按删除申请删除，不能在本店接收。如顾客愿意，可以重新登记。",
            "This member's information was deleted on request and cannot be taken on here. The customer may "
            "register again if they wish.",
        ),
        "chain.refused": (
            "总部拒绝了查询（代码 {code}）。请联系总部IT。",
            "Head office refused the lookup (code {code}). Contact head-office IT.",
        ),
    }
)


@dataclass(frozen=True)
class ChainConsent:
    """One purpose's newest decision as head office holds it (the original record stays evidence there)."""

    purpose: str
    granted: bool
    notice_version: str | None
    decided_at: str
    store: str
    record_id: str


@dataclass(frozen=True)
class ChainMatch:
    """What the clerk sees of a member registered at another store: no full name, no mobile, no sensitive field."""

    member_id: str
    member_no: str
    name_masked: str
    home_store: str
    restricted: bool
    minor: bool
    notice_version: str | None
    consents: tuple[ChainConsent, ...]
    duplicates: int = 0

    @property
    def granted_purposes(self) -> tuple[str, ...]:
        return tuple(c.purpose for c in self.consents if c.granted)


def consents_of(items: Any) -> tuple[ChainConsent, ...]:
    """Head office's consent list (lookup, adoption, merge order) as ChainConsent, one per purpose."""
    out = []
    for it in items or ():
        if not isinstance(it, dict) or not it.get("purpose"):
            continue  # not a decision: nothing to take
        out.append(
            ChainConsent(
                purpose=str(it.get("purpose")),
                granted=bool(it.get("granted")),
                notice_version=it.get("notice_version"),
                decided_at=str(it.get("decided_at") or ""),
                store=str(it.get("store") or ""),
                record_id=str(it.get("record_id") or ""),
            )
        )
    return tuple(out)


def _post(session: Session, engine: SyncEngine | None, path: str, data: dict[str, Any]) -> dict[str, Any]:
    """One signed request; head office out of reach, busy or failing -> chain.offline; not enrolled ->
    chain.not_enrolled; a 4xx other than the answers the caller expects -> re-raised as SyncError."""
    eng = engine or SyncEngine.for_session(session, retries=1)  # a customer is waiting: one retry, then say so
    try:
        return eng.transport().post_json(path, data, signer=eng._signer())  # same package: the sync's own key
    except SyncError as exc:
        if exc.key == "sync.not_enrolled":
            raise UserError("chain.not_enrolled") from None
        if exc.key in ("sync.offline", "sync.server_busy", "sync.server_error", "sync.tls"):
            raise UserError("chain.offline") from None
        raise


def lookup_by_mobile(session: Session, mobile: str, *, engine: SyncEngine | None = None) -> ChainMatch | None:
    """Ask head office for a member of the chain with this full mobile (the customer is present). None when head
    office knows none (or only an erased one). Raises UserError("chain.offline") when it cannot be reached."""
    session.require(CHAIN_LOOKUP)
    number = V.mobile(mobile)
    outcome = "offline"
    try:
        data = _post(
            session, engine, "/v1/members/lookup", {"mobile": number, "staff": session.staff.id, "reason": REASON}
        )
        outcome = "found" if data.get("found") else "not_found"
    except SyncError as exc:  # a refusal (SyncError is a UserError: caught first)
        outcome = "refused"
        raise UserError("chain.refused", code=str(exc.code or "")[:40]) from None
    except UserError as exc:
        outcome = exc.key.split(".")[-1]  # offline | not_enrolled
        raise
    finally:
        session.audit_read("member.chain_lookup", "member", None, {"reason": REASON, "outcome": outcome})
    if not data.get("found"):
        return None
    m = data.get("member") or {}
    return ChainMatch(
        member_id=str(m["member_id"]),
        member_no=str(m.get("member_no") or ""),
        name_masked=str(m.get("name_masked") or ""),
        home_store=str(m.get("home_store") or ""),
        restricted=bool(m.get("restricted")),
        minor=bool(m.get("minor")),
        notice_version=m.get("notice_version"),
        consents=consents_of(m.get("consents")),
        duplicates=int(data.get("duplicates") or 0),
    )


def fetch_adoption(session: Session, member_id: str, *, engine: SyncEngine | None = None) -> dict[str, Any] | None:
    """The minimal record head office gives for a member this store takes on (app.flows.adoption). None when head
    office does not know the member; UserError("chain.member_erased") for an erased one; UserError("chain.offline")
    when out of reach."""
    session.require(CHAIN_LOOKUP)
    try:
        data = _post(
            session, engine, "/v1/members/adopt", {"member_id": member_id, "staff": session.staff.id, "reason": REASON}
        )
    except SyncError as exc:
        if exc.code == "member_erased":
            raise UserError("chain.member_erased") from None  # RIG-3: never comes back
        if exc.code == "member_not_found":
            return None
        raise UserError("chain.refused", code=str(exc.code or "")[:40]) from None
    data["consents"] = consents_of(data.get("consents"))
    return data


__all__ = ["CHAIN_LOOKUP", "ChainConsent", "ChainMatch", "fetch_adoption", "lookup_by_mobile"]
