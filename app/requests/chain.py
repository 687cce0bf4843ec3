"""A request opened at one store, carried out for the whole chain (issue #18): orders, receipts, the copy.

Every core path that changes a member's consent decision (a withdrawal), core fields, restriction or membership (a
cancellation) journals a `chain_order` row in the same transaction as the change (`app.members.orders.file_order`,
called by `update_member`, `record_consent`, `set_restriction` and `cancel_membership` — a request, the consent
page, the member page alike).
Head office (headoffice/orders.py) publishes it to the stores that hold the member, the originating store included.
Each applies it here, through the core functions (`update_member`, `set_restriction`, `withdraw_consent`,
`cancel_membership`, given the order id: they file nothing again, so an order never echoes back) in head office's
feed session, only with the engine's VerifiedFeed, and journals a signed `order_receipt`:
- an order already answered here is a no-op (table `chain_orders_applied`, migration 0015);
- a member this store does not hold is answered "not_held", an erased one "erased" (erasure always wins);
- the store the order came from answers "done" without applying it again;
- a withdrawal never loses to an older grant, and never overwrites a newer one: per purpose the newest decision
  wins (the order's `decided_at` against the purpose's `member_consents.updated_at` here) — CON-3, RIG-1; carried
  out, it keeps the order's `decided_at` as its decision time (not the time it reached this store);
- a correction or a restriction (or its lifting) likewise per field: a field whose value here comes from a newer
  decision (`member_field_decisions`, app.members.orders: time, then store code, then order id) is left as it is
  and named `superseded` in the receipt; the fields the order wins are noted with the order's decision in the
  receipt's transaction — RIG-1, RIG-5 (docs/headoffice.md "Two stores deciding the same field");
- a cancellation takes the originating store's `cancelled_at` (every store purges on the same day, RET-2); a
  member cancelled here already keeps the earlier of the two times (`cancel_membership` says why); one older than
  a merged customer's newest registration is "superseded" (a new membership). The originating store applies its
  own cancellation again (idempotent): a merge applied there since may have settled the membership without it.
Head office forwards each verified receipt to the originating store as an `order_confirmation`
(`request_confirmations`); `confirmations(db, request_id)` is what the request detail shows. Erasure receipts are
forwarded the same way; the erasure order itself is unchanged (app/sync/feeds.py).

The copy (RIG-6): `other_stores_part(session, engine, request_id, member_id)` uploads the journal (head office
must see the open request), asks head office for the member's records of every store (`POST /v1/members/copy`,
signed) and returns the other stores' part, which `actions.build_chain_copy` puts into the copy labelled by store.
When head office cannot be reached the request stays in progress with a note on its timeline (the due date is not
touched: the clock keeps running).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from app import crashpoints
from app.clock import iso
from app.consent.service import withdraw_consent
from app.erasure import is_erased
from app.errors import UserError
from app.members import records as R
from app.members.fields import OPTIONAL_FIELDS
from app.members.membership import instant
from app.members.orders import CORRECTABLE, Decision, file_order, newer_fields, note_order_decisions
from app.members.service import note_corrected_elsewhere, update_member
from app.messages import add_messages
from app.requests import model as M, service as S
from app.staff import permissions as P
from app.sync import orders as sync_orders
from app.sync.feeds import ApplyContext, register_feed_handler
from app.sync.signing import sign_receipt

if TYPE_CHECKING:
    from app.staff.session import Session

log = logging.getLogger("memberdesk.requests")

OUTCOME_LABELS = {
    "done": ("已执行", "Carried out"),
    "no_change": ("无需变更", "Nothing to change"),
    "superseded": ("已有更新的决定", "A newer decision stands"),
    "not_held": ("该门店无此会员", "Member not held there"),
    "erased": ("已删除", "Erased"),
    "already_erased": ("此前已删除", "Erased before"),
    "refused": ("未能执行", "Could not be carried out"),
    "awaiting": ("等待确认", "Awaiting confirmation"),
}

add_messages(
    {
        "requests.chain_unreachable": (
            "暂时无法连接总部：副本需包含各门店保存的信息，申请保持“处理中”，办理期限照常计算。请稍后重试。",
            "Head office cannot be reached: the copy must include what every store holds, so the request stays in"
            " progress and its deadline keeps running. Try again later.",
        ),
        "requests.cancel_time_invalid": (
            "总部指令中的注销时间无效，本店未执行注销。请联系总部。",
            "Head office's order carries no valid cancellation time: the membership was not cancelled here. Contact"
            " head office.",
        ),
        "requests.chain_refused": (
            "总部拒绝提供其他门店的信息（{code}）。请确认申请已同步且仍在办理中。",
            "Head office refused the other stores' records ({code}). Check that the request has synced and is open.",
        ),
    }
)


# -- at the store that carries out the request ---------------------------------------------------
# `file_order` / `correction_body` live in app.members.orders: the domain functions that make the change
# (update_member, record_consent, set_restriction) journal the order in their own transaction.


# -- at every store that holds the member --------------------------------------------------------
def _apply(session: Session, payload: dict, ctx: ApplyContext, kind: str) -> None:
    oid, mid = str(payload["order_id"]), str(payload["member_id"])
    if session.db.one("SELECT 1 FROM chain_orders_applied WHERE order_id = ?", (oid,)):
        return  # answered already: a page that arrives twice changes nothing
    detail: dict[str, Any] = {}
    won: list[str] = []  # the fields this order decides here (newer than the decision the value came from)
    origin = payload.get("origin_store") == ctx.store_code
    if origin and kind != "cancellation_order":
        outcome = "done"  # carried out here at the desk, with the request
    elif is_erased(session.db, mid):
        outcome = "erased"
    elif not R.member_exists(session.db, mid):
        outcome = "not_held"
    else:
        try:
            outcome = _carry_out(session, payload, kind, oid, detail, won, ctx.feed)
        except UserError as exc:
            won.clear()
            outcome, detail["key"] = "refused", exc.key
        if origin and outcome == "no_change":
            # carried out here at the desk; applied again all the same (idempotent: the earliest time stands), as a
            # merge applied here since may have settled the membership without this cancellation (docs/headoffice.md)
            outcome = "done"
    now = iso(session.clock.now())
    receipt = {
        "order_id": oid,
        "kind": kind,
        "member_id": mid,
        "store": ctx.store_code,
        "outcome": outcome,
        "detail": detail,
        "executed_at": now,
        "order_decided_at": payload.get("decided_at"),
    }
    sig = sign_receipt(ctx.private_key, receipt)
    with session.write("sync.order_receipt", "member", mid, {"order_id": oid, "kind": kind, "outcome": outcome}) as tx:
        tx.execute(
            "INSERT INTO chain_orders_applied(order_id, kind, member_id, request_id, origin_store, outcome, applied_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (oid, kind, mid, payload.get("request_id"), payload.get("origin_store"), outcome, now),
        )
        tx.journal("order_receipt", oid, "event", {"receipt": receipt, "signature": sig})
        if won:  # the value held here now comes from this order's decision (noted with the receipt: a crash before
            # it re-applies the order, which finds the value in place)
            note_order_decisions(tx, mid, won, _decision(payload, oid))


def _decision(payload: dict, oid: str) -> Decision:
    return Decision(str(payload.get("decided_at") or ""), str(payload.get("origin_store") or ""), oid)


def _carry_out(session: Session, payload: dict, kind: str, oid: str, detail: dict, won: list[str], feed: object) -> str:
    mid = str(payload["member_id"])
    decision = _decision(payload, oid)
    if kind == "correction_order":
        if payload.get("changes") is None:
            return "erased"  # values gone: erased at head office
        changes = {k: v for k, v in (payload.get("changes") or {}).items() if k in CORRECTABLE}
        elsewhere = [str(f) for f in payload.get("elsewhere") or [] if f in OPTIONAL_FIELDS]
        asked = [*changes, *elsewhere]
        won += newer_fields(session.db, mid, asked, decision)
        lost = sorted(set(asked) - set(won))
        if lost:  # a newer decision here (its own order carries it to the others): these fields stay
            detail["superseded"] = lost
            changes = {k: v for k, v in changes.items() if k in won}
            elsewhere = [f for f in elsewhere if f in won]
        outcome = "superseded" if lost else "no_change"
        if changes:
            try:
                detail["fields"] = update_member(session, mid, changes, order_id=oid)
                outcome = "done"
            except UserError as exc:
                if exc.key != "member.no_changes":
                    raise
        if elsewhere:  # encrypted fields: the old value is cleared, the new one stays where it was given
            origin = str(payload.get("origin_store") or "")
            detail["cleared"] = note_corrected_elsewhere(session, mid, elsewhere, origin, oid)
            outcome = "done"
        return outcome
    if kind == "cancellation_order":
        written = cancel_membership(session, mid, order_id=oid, cancelled_at=str(payload.get("cancelled_at") or ""))
        detail["cancelled_at"] = written or session.db.scalar("SELECT cancelled_at FROM members WHERE id = ?", (mid,))
        if written:
            return "done"
        # no_change: cancelled here already, at that time or earlier; superseded: registered again after it (a merge)
        return "no_change" if detail["cancelled_at"] else "superseded"
    if kind == "restriction_order":
        if not newer_fields(session.db, mid, ["restricted"], decision):
            return "superseded"  # restricted or lifted here later: the newest restrict or lift wins
        won.append("restricted")
        restricted = bool(session.db.scalar("SELECT restricted FROM members WHERE id = ?", (mid,), default=0))
        if bool(payload.get("restricted")) == restricted:
            return "no_change"
        set_restriction(session, mid, bool(payload.get("restricted")), order_id=oid, note="总部指令")
        return "done"
    results: dict[str, str] = {}
    decided = str(payload.get("decided_at") or "")
    for code in payload.get("purposes") or []:
        row = session.db.one(
            "SELECT granted, updated_at FROM member_consents WHERE member_id = ? AND purpose_code = ?", (mid, code)
        )
        if row is None or not row[0]:
            results[code] = "no_change"
        elif decided and str(row[1]) > decided:
            results[code] = "superseded"  # a grant given here after the withdrawal: the newest decision wins
        else:
            withdraw_consent(
                session, mid, code, order_id=oid, decided_at=decided or None, feed=feed
            )  # the customer's time
            results[code] = "done"
    detail["purposes"] = results
    if "done" in results.values():
        return "done"
    return "superseded" if "superseded" in results.values() else "no_change"


def set_restriction(
    session: Session,
    member_id: str,
    restricted: bool,
    *,
    request_id: str | None = None,
    order_id: str | None = None,
    note: str = "",
) -> None:
    """Storage-only state on or off (RIG-5), for a request here (then journals the chain order) or for head
    office's order. Restricting is a request step (request.handle); lifting is a manager's (member.restriction_lift)."""
    session.require(M.REQUEST_HANDLE if restricted else M.RESTRICTION_LIFT)
    now = iso(session.clock.now())
    action = "member.restrict" if restricted else "member.restriction_lift"
    details = {"request_id": request_id, "order_id": order_id, **({} if restricted else {"reason_len": len(note)})}
    with session.write(action, "member", member_id, details) as tx:
        R.set_restricted(tx, member_id, restricted, now)
        tx.journal("member", member_id, "upsert", {"restricted": int(restricted)}, member_id=member_id)
        if request_id and not restricted:
            S._event(tx, request_id, "restriction_lifted", note=note)
        if order_id is None:  # carried out here: the other stores follow
            crashpoints.hit("chain.before_order")
            file_order(tx, "restriction_order", member_id, request_id, {"restricted": restricted})


def cancel_membership(
    session: Session,
    member_id: str,
    *,
    request_id: str | None = None,
    order_id: str | None = None,
    cancelled_at: str | None = None,
) -> str | None:
    """End the membership: status cancelled, marketing and offers off, `cancelled_at` starts RET-2's 3-year clock.
    Returns the cancelled_at written, or None when nothing changed.

    Here (a request; `order_id` None): cancelled now, and a `cancellation_order` carrying that time is journalled
    in the same transaction, so every store that holds the member cancels it too, AT THE SAME TIME: every store's
    retention sweep then purges the member on the same day.
    Head office's order (`order_id`, `cancelled_at` = the time at the store where the customer asked): an active
    member is cancelled at that time. A member cancelled here already keeps the EARLIER of the two times (its own,
    or the order's, written over a later own one): the membership ended when the customer first asked to end it,
    and RET-2 counts from the cancellation, so a later time would keep the data longer than the policy allows;
    the earliest time is also what every store reaches whatever order the stores' cancellations arrive in (each
    store's own cancellation travels as an order too), so they converge and purge on the same day.
    An order older than the newest registration of a merged customer (a record registered after the cancellation,
    joined by head office's merge) is not carried out: that cancellation ended an earlier membership (None;
    `app.members.membership`, docs/headoffice.md "Merging a customer registered twice")."""
    session.require(M.REQUEST_HANDLE)
    row = session.db.one("SELECT status, cancelled_at, registered_at FROM members WHERE id = ?", (member_id,))
    if row is None:
        raise UserError("requests.member_erased" if is_erased(session.db, member_id) else "requests.member_missing")
    now = iso(session.clock.now())
    at = now if order_id is None else str(cancelled_at or "")
    when = instant(at)
    if when is None:
        raise UserError("requests.cancel_time_invalid")
    if order_id is not None and _registered_again_after(session, member_id, row["registered_at"], when):
        return None  # a registration after it (a merged record's) started a new membership: it ended an older one
    if row["status"] == "cancelled":
        if order_id is None:
            raise UserError("requests.already_cancelled")
        own = instant(row["cancelled_at"])
        if own is not None and own <= when:
            return None  # cancelled here at that time or earlier: the earliest stands
    details = {"request_id": request_id, "order_id": order_id}
    with session.write("member.cancel", "member", member_id, details) as tx:
        R.cancel_membership_row(tx, member_id, now, at)
        tx.journal("member", member_id, "upsert", {"status": "cancelled", "cancelled_at": at}, member_id=member_id)
        if order_id is None:  # carried out here: the other stores follow, with this time
            crashpoints.hit("chain.before_order")
            file_order(tx, "cancellation_order", member_id, request_id, {"cancelled_at": at})
    return at


def _registered_again_after(session: Session, member_id: str, registered_at: str, when: dt.datetime) -> bool:
    """A merge settled this member's membership here (app.flows.merge: registered_at is then the newest registration
    of the merged records) and that registration is later than `when`. Only a merge brings a registration after a
    cancellation (a store never registers a mobile it holds; a registration elsewhere is another member id, merged
    later); an unmerged member keeps the earliest-wins rule whatever the stores' clocks say."""
    registered = instant(registered_at)
    if registered is None or when >= registered:
        return False
    return bool(session.db.one("SELECT 1 FROM member_merges WHERE survivor_id = ?", (member_id,)))


def apply_correction_order(session: Session, payload: dict, ctx: ApplyContext) -> None:
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    _apply(session, payload, ctx, "correction_order")


def apply_restriction_order(session: Session, payload: dict, ctx: ApplyContext) -> None:
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    _apply(session, payload, ctx, "restriction_order")


def apply_withdrawal_order(session: Session, payload: dict, ctx: ApplyContext) -> None:
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    _apply(session, payload, ctx, "withdrawal_order")


def apply_cancellation_order(session: Session, payload: dict, ctx: ApplyContext) -> None:
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    _apply(session, payload, ctx, "cancellation_order")


def apply_order_confirmation(session: Session, payload: dict, ctx: ApplyContext) -> None:
    """A store confirmed (head office checked its signed receipt) the order of a request opened here."""
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    rid, store, oid = str(payload["request_id"]), str(payload["store"]), str(payload["order_id"])
    if session.db.one("SELECT 1 FROM request_confirmations WHERE order_id = ? AND store_code = ?", (oid, store)):
        return
    details = {"request_id": rid, "store": store, "kind": payload.get("kind"), "outcome": payload.get("outcome")}
    with session.write("request.confirmed", "request", rid, details) as tx:
        tx.execute(
            "INSERT INTO request_confirmations(request_id, store_code, kind, order_id, outcome, executed_at,"
            " received_at) VALUES (?,?,?,?,?,?,?)",
            (
                rid,
                store,
                str(payload.get("kind") or ""),
                oid,
                str(payload.get("outcome") or ""),
                payload.get("executed_at"),
                iso(session.clock.now()),
            ),
        )


def apply_order_filed(session: Session, payload: dict, ctx: ApplyContext) -> None:
    """Head office filed an order of a request opened here and sent it to these stores (its holders)."""
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    rid, oid = str(payload["request_id"]), str(payload["order_id"])
    holders = {str(s) for s in payload.get("holders") or []}
    old = session.db.scalar("SELECT holders FROM request_orders WHERE order_id = ?", (oid,))
    if old is not None and holders <= set(json.loads(old)):
        return
    holders |= set(json.loads(old or "[]"))
    details = {"request_id": rid, "order_id": oid, "stores": len(holders)}
    with session.write("request.order_filed", "request", rid, details) as tx:
        tx.execute(
            "INSERT INTO request_orders(order_id, request_id, kind, holders, filed_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT(order_id) DO UPDATE SET holders = excluded.holders",
            (oid, rid, str(payload.get("kind") or ""), json.dumps(sorted(holders)), iso(session.clock.now())),
        )


def awaiting(db: Any, request_id: str) -> list[dict[str, Any]]:
    """The stores an order of this request went to that have not confirmed it yet: store, kind, order_id."""
    confirmed = {
        (r[0], r[1])
        for r in db.all("SELECT order_id, store_code FROM request_confirmations WHERE request_id = ?", (request_id,))
    }
    out = []
    for oid, kind, holders in db.all(
        "SELECT order_id, kind, holders FROM request_orders WHERE request_id = ? ORDER BY filed_at, order_id",
        (request_id,),
    ):
        out += [{"store": s, "kind": kind, "order_id": oid} for s in json.loads(holders) if (oid, s) not in confirmed]
    return out


def confirmations(db: Any, request_id: str) -> list[dict[str, Any]]:
    """Which stores have confirmed this request's orders: store, kind, outcome, when (oldest first)."""
    rows = db.all(
        "SELECT store_code, kind, outcome, executed_at, received_at, order_id FROM request_confirmations"
        " WHERE request_id = ? ORDER BY received_at, store_code",
        (request_id,),
    )
    keys = ("store", "kind", "outcome", "executed_at", "received_at", "order_id")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _erase_orders(tx: Any, member_id: str) -> int:
    """Eraser: the answered orders stay as codes and times, without the member id."""
    return int(
        tx.execute("UPDATE chain_orders_applied SET member_id = NULL WHERE member_id = ?", (member_id,)).rowcount
    )


# -- the chain-wide copy (RIG-6) ------------------------------------------------------------------
def other_stores_part(session: Session, engine: Any, request_id: str, member_id: str) -> dict[str, Any] | None:
    """The other stores' records of the member for this store's open access-type request, by store code
    ({code: {"name", "records"}}), or None when this store is not enrolled with head office (a single store).
    Head office unreachable: a timeline note, and UserError("requests.chain_unreachable"): the request stays
    open, its due date untouched."""
    session.require(M.REQUEST_EXPORT)
    if not sync_orders.enrolled(session.db):
        return None
    try:
        answer = sync_orders.fetch_member_copy(engine, request_id, member_id, session.staff.id)
    except UserError as exc:
        if exc.key in ("sync.offline", "sync.server_busy", "sync.server_error", "sync.tls", "sync.busy", "sync.failed"):
            S.record_event(session, request_id, "chain_copy_pending", {"reason": exc.key})
            raise UserError("requests.chain_unreachable") from None
        raise UserError("requests.chain_refused", code=str(getattr(exc, "code", "") or exc.key)) from None
    names = answer.get("store_names") or {}
    return {
        code: {"name": names.get(code, code), "records": recs}
        for code, recs in sorted((answer.get("stores") or {}).items())
        if code != session.store_code
    }


register_feed_handler("correction_order", apply_correction_order)
register_feed_handler("restriction_order", apply_restriction_order)
register_feed_handler("withdrawal_order", apply_withdrawal_order)
register_feed_handler("cancellation_order", apply_cancellation_order)
register_feed_handler("order_confirmation", apply_order_confirmation)
register_feed_handler("order_filed", apply_order_filed)
