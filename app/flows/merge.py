"""A customer registered twice, merged by head office (issue #18): applied at each store that holds either id.

Head office settles an offline double registration by its rule (headoffice/merge.py, docs/headoffice.md "Merging
a customer registered twice") and sends a `member_merge` feed row to every store that holds either member id. Here
it is applied through the core, in head office's feed session, only with the engine's VerifiedFeed:

- the merged-away member's rows are joined to the survivor under the SURVIVOR'S id (`app.members.records.
  join_member`): the same id across the chain, no alias to resolve at every read. Purchases, consent records and
  evidence, requests, scans stay, re-pointed; no duplicate member row is left; the member number becomes the
  survivor's. Held both: per purpose the newer consent state stays (`app.consent.merging.join_states`).
- head office's newest decision per purpose (both records counted) becomes the state where it is newer than this
  store's: a grant by reference, a refusal as a withdrawal at the refusal's time (its data goes: CON-3); never an
  older grant over a refusal. A newer decision equal to this store's is taken by reference too, so the state
  carries the newest time (an older withdrawal order arriving later then loses to it, as at head office).
  Restricted if either is (RIG-5), minor if either is (CON-4) — except where a restrict or lift was decided for
  the member here: then the newest restrict or lift of either record, arriving as its order, decides.
- the membership (RET-2; `app.members.membership.settle` over both local rows and head office's view): cancelled at
  the earliest cancellation at or after the newest registration, else active (a registration after a cancellation
  is a new membership); the survivor's registered_at becomes the newest registration, which a later cancellation
  order is measured against (`app.requests.chain.cancel_membership`).
- the member's row is journaled (so head office sees this store holds the survivor) and a signed receipt answers
  the merge (`order_receipt`, kept by head office like an order's). Applied twice: a no-op (`member_merges`).
- an erased member (either id) is never brought back (RIG-3): answered "erased".

`member_renumber`: head office gave a member whose number another customer already had a new chain-unique number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.consent import merging
from app.consent.service import withdraw_consent
from app.erasure import is_erased, register_eraser
from app.members import records as R
from app.members.membership import settle
from app.members.orders import held_decisions
from app.staff import permissions as P
from app.sync.chain import consents_of
from app.sync.feeds import ApplyContext, register_feed_handler
from app.sync.signing import sign_receipt

if TYPE_CHECKING:
    from app.staff.session import Session, Tx


def apply_member_merge(session: Session, payload: dict, ctx: ApplyContext) -> None:
    """Join the merged-away member to the survivor here (see the module), then answer with a signed receipt."""
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    merge_id = str(payload["order_id"])
    survivor, merged = str(payload["survivor_id"]), str(payload["merged_id"])
    member_no = str(payload.get("member_no") or "")
    if session.db.one("SELECT 1 FROM member_merges WHERE merge_id = ?", (merge_id,)):
        return  # applied already: a page that arrives twice changes nothing
    now = iso(session.clock.now())
    withdrawn: list[Any] = []
    if is_erased(session.db, survivor) or is_erased(session.db, merged):
        outcome = "erased"  # erasure always wins; head office's erasure orders name both ids
    elif not (R.member_exists(session.db, merged) or R.member_exists(session.db, survivor)):
        outcome = "not_held"
    else:
        details = {"merge_id": merge_id, "merged_id": merged, "rule": payload.get("rule_version")}
        with session.write("member.merge", "member", survivor, details) as tx:
            outcome = "updated"
            held = tx.all("SELECT registered_at, cancelled_at FROM members WHERE id IN (?, ?)", (merged, survivor))
            if R.member_exists(tx, merged):
                if R.member_exists(tx, survivor):
                    merging.join_states(tx, merged, survivor)
                outcome = R.join_member(tx, merged, survivor, member_no or _number(tx, merged), now)
            if member_no:
                R.set_member_no(tx, survivor, member_no, now)
            grants, withdrawn = merging.newer_than_local(tx, survivor, consents_of(payload.get("consents")))
            merging.take_grants(tx, survivor, grants, now)
            state = merging.state(tx, survivor)
            R.set_opt_in_flags(tx, survivor, marketing=state.get("marketing", False), offers=state.get("offers", False))
            # the membership over both records and head office's view of the customer (app.members.membership):
            # cancelled (opt-ins off) unless a registration after every cancellation started a new membership
            membership = settle(
                [r[0] for r in held] + [payload.get("registered_at")],
                [r[1] for r in held] + [payload.get("cancelled_at")],
            )
            # restricted if either is — unless a restrict or lift was carried out for this customer here (or
            # reached here): that decision stands, and the newest restrict or lift of either record reaches
            # every holder as its order (app.members.orders: newest decision wins)
            decided = bool(held_decisions(tx, survivor, ["restricted"]))
            R.raise_flags(
                tx,
                survivor,
                restricted=bool(payload.get("restricted")) and not decided,
                minor=bool(payload.get("minor")),
                now=now,
                membership=membership,
            )
            _journal_member(tx, survivor, session.store_code)
            tx.details = {**details, "outcome": outcome, "granted_by_reference": sorted(g.purpose for g in grants)}
    for refusal in withdrawn:  # a newer refusal of the other record: withdrawn here, its data erased (CON-3), at
        # the time the customer refused (now would make it newer than decisions taken since elsewhere)
        withdraw_consent(
            session, survivor, refusal.purpose, evidence_ref=merge_id, decided_at=refusal.decided_at, feed=ctx.feed
        )
    receipt = {
        "order_id": merge_id,
        "kind": "member_merge",
        "member_id": survivor,
        "merged_id": merged,
        "store": ctx.store_code,
        "outcome": outcome,
        "detail": {"withdrawn": sorted(r.purpose for r in withdrawn)},
        "executed_at": now,
    }
    sig = sign_receipt(ctx.private_key, receipt)
    with session.write("sync.merge_receipt", "member", survivor, {"merge_id": merge_id, "outcome": outcome}) as tx:
        tx.execute(
            "INSERT INTO member_merges(merge_id, survivor_id, merged_id, member_no, merged_no, outcome, applied_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (merge_id, survivor, merged, member_no, payload.get("merged_no"), outcome, now),
        )
        tx.journal("order_receipt", merge_id, "event", {"receipt": receipt, "signature": sig})


def _number(tx: Tx, member_id: str) -> str:
    return str(tx.scalar("SELECT member_no FROM members WHERE id = ?", (member_id,)))


def _journal_member(tx: Tx, member_id: str, store_code: str) -> None:
    """The member row as head office should now hold it from this store (the survivor's id and number)."""
    row = tx.one(
        "SELECT member_no, name, mobile, restricted, is_minor, status, registered_at, cancelled_at FROM members"
        " WHERE id = ?",
        (member_id,),
    )
    if row is None:
        return
    payload = {"member_no": row[0], "name": row[1], "mobile": row[2], "store": store_code, "minor": bool(row[4])}
    payload.update(status=row[5], registered_at=row[6], cancelled_at=row[7])  # the membership as the merge settled it
    if row[3]:
        payload["restricted"] = 1
    tx.journal("member", member_id, "upsert", payload, member_id=member_id)


def apply_member_renumber(session: Session, payload: dict, ctx: ApplyContext) -> None:
    """Head office gave this member a new chain-wide number (another customer had drawn the same one)."""
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    mid, no = str(payload["member_id"]), str(payload["member_no"])
    if not R.member_exists(session.db, mid) or session.db.one(
        "SELECT 1 FROM members WHERE id = ? AND member_no = ?", (mid, no)
    ):
        return
    with session.write("member.renumber", "member", mid, {"rule": payload.get("rule_version")}) as tx:
        R.set_member_no(tx, mid, no, iso(session.clock.now()))
        _journal_member(tx, mid, session.store_code)


def _erase_merges(tx: Any, member_id: str) -> int:
    """Eraser: the merge history keeps its codes and times, not the member's ids."""
    n = tx.execute("UPDATE member_merges SET survivor_id = NULL WHERE survivor_id = ?", (member_id,)).rowcount
    return int(n + tx.execute("UPDATE member_merges SET merged_id = NULL WHERE merged_id = ?", (member_id,)).rowcount)


register_feed_handler("member_merge", apply_member_merge)
register_feed_handler("member_renumber", apply_member_renumber)
register_eraser("member_merges", _erase_merges)

__all__ = ["apply_member_merge", "apply_member_renumber"]
