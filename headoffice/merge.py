"""Merging a customer registered twice (issue #18): the rule, applied at head office, told to the stores.

Two stores that could not reach head office may each register the same customer (same mobile) under their own
member id and number. The register (headoffice/register.py) records the pair as an open 'mobile' conflict; this
module settles it, inside the upload transaction that found it (`resolve`, called by `HeadOffice._apply`), or for
conflicts recorded before (`resolve` with no batch, at start and from the CLI). Rule version `RULE_VERSION`:

- Survivor: the member head office registered first (`member_register.first_seen`, head office's receive clock,
  never a store's); at the same instant the one already registered when the other arrived (the conflict's key_a),
  then the smaller member key. Its member id and member number stay; the other id is merged into it.
- Every record of both stays (evidence): head office re-keys the merged member's records and orders to the
  survivor's key; an order filed for the merged-away id now names the survivor's id (a store that gets it later
  holds that id only). Consent: per purpose the newest decision of either record wins; on a tie a refusal wins, so a
  refusal or withdrawal is never overwritten by an older grant (`register.member_view` computes it).
- Restricted if either is (RIG-5); minor if either is (CON-4). The membership (RET-2, `membership`): cancelled at
  the earliest cancellation at or after the newest registration of either record, else active — a registration
  after a cancellation is a new membership (`app.members.membership.settle`, the stores apply the same rule).
- An erasure of either erases the customer: both ids (`group_ids`; `HeadOffice._erase` erases the group).
- A merged-away id that arrives later in an upload (a store that was offline) is mapped to the survivor's key
  (`survivor_keys`): its records join the survivor's, the register never re-creates the second customer.
- The result is kept in `member_merges` (merged and surviving key and id, numbers, rule version, merge id, conflict)
  and audited (`member.merge`, keys and store codes only). The stores that hold either id (`orders.holders` after the
  re-keying) get a `member_merge` feed row; each answers with a signed receipt (filed like an order: the merge is a
  `chain_orders` row of kind `member_merge`, so `order_receipts` keeps the receipts and a store that takes the member
  on later gets the merge too).

A 'member_no' conflict between two DIFFERENT customers (different mobiles; numbers drawn before prefixes existed) is
not a merge: the newcomer gets a new chain-unique number ('M' + its store's prefix + 7 random digits) and its stores
get a `member_renumber` feed row. A 'member_no' conflict of a pair that was merged is settled by the merge.

Several head-office processes (PostgreSQL): the members' keys of the conflicts being settled are taken as
transaction-level advisory locks, in one sorted statement, and each conflict row is read FOR UPDATE SKIP LOCKED; a
conflict another worker is settling is left to it, one already settled is skipped (resolved_at is set).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from app.members.membership import settle
from headoffice import atrest, consent_counts, orders, register

if TYPE_CHECKING:
    from headoffice.service import HeadOffice

RULE_VERSION = "merge-v1"
MERGE_KIND = "member_merge"
RENUMBER_KIND = "member_renumber"
LOCK_SPACE = 727019


def survivor_keys(c: Any, keys: Iterable[str | None]) -> dict[str, str]:
    """{merged key: survivor key} for the keys given that were merged away (usually none)."""
    wanted = sorted({k for k in keys if k})
    out: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT merged_key, survivor_key FROM member_merges WHERE merged_key IN ({marks})"
        out.update({str(a): str(b) for a, b in c.all(sql, chunk)})
    return out


def group_ids(c: Any, member_id: str) -> list[str]:
    """The member ids of one customer: the survivor first, then the ids merged into it (just `member_id` if none)."""
    survivor = c.scalar("SELECT survivor_id FROM member_merges WHERE merged_id = ?", (member_id,)) or member_id
    merged = [str(r[0]) for r in c.all("SELECT merged_id FROM member_merges WHERE survivor_id = ?", (survivor,))]
    return [str(survivor), *sorted(set(merged) - {survivor})]


def merges(c: Any) -> list[dict]:
    cols = ("merge_id", "survivor_key", "survivor_id", "merged_key", "merged_id", "member_no", "merged_no")
    rows = c.all(
        f"SELECT {', '.join(cols)}, rule_version, conflict_id, merged_at FROM member_merges ORDER BY merged_at"
    )
    return [dict(zip((*cols, "rule_version", "conflict_id", "merged_at"), r, strict=True)) for r in rows]


def _root(c: Any, key: str) -> str:
    return str(c.scalar("SELECT survivor_key FROM member_merges WHERE merged_key = ?", (key,)) or key)


def _member_id(c: Any, key: str) -> str | None:
    """The member id whose blind index is `key` (its own member record, not one merged into it)."""
    row = c.one(
        "SELECT entity_id FROM records WHERE entity = 'member' AND member_id = ? AND entity_id NOT IN"
        " (SELECT merged_id FROM member_merges WHERE survivor_key = ?) ORDER BY received_at, store LIMIT 1",
        (key, key),
    )
    return None if row is None else str(row[0])


def _lock(c: Any, rows: list[tuple]) -> None:
    if getattr(c, "pg", False) and rows:
        keys = sorted({"k:" + str(k) for r in rows for k in (r[1], r[2])})
        c.execute(
            f"SELECT count(pg_advisory_xact_lock(hashtextextended(k, {LOCK_SPACE})))"
            " FROM (SELECT k FROM unnest(?::text[]) AS t(k) ORDER BY k) s",
            (keys,),
        )


def _open(c: Any, kind: str, keys: set[str] | None) -> list[tuple]:
    sql = "SELECT id, key_a, key_b, store_b FROM register_conflicts WHERE kind = ? AND resolved_at IS NULL"
    params: list[Any] = [kind]
    if keys is not None:
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        sql += f" AND (key_a IN ({marks}) OR key_b IN ({marks}))"
        params += sorted(keys) * 2
    sql += " ORDER BY id"
    if getattr(c, "pg", False):
        sql += " FOR UPDATE SKIP LOCKED"
    return list(c.all(sql, params))


def resolve(ho: HeadOffice, c: Any, now: float, keys: set[str] | None = None) -> dict[str, int]:
    """Settle the open conflicts touching `keys` (the member keys of one upload), or every open one (None).
    Returns counts: merged, renumbered, erased (a pair of which one was erased meanwhile), settled (nothing to do)."""
    counts = {"merged": 0, "renumbered": 0, "erased": 0, "settled": 0}
    mobile = _open(c, "mobile", keys)
    _lock(c, mobile)
    for cid, a, b, _store_b in mobile:
        counts[_merge_pair(ho, c, int(cid), str(a), str(b), now)] += 1
    numbers = _open(c, "member_no", keys)
    _lock(c, numbers)
    for cid, a, b, store_b in numbers:
        counts[_renumber(ho, c, int(cid), str(a), str(b), store_b, now)] += 1
    return counts


def _settle(c: Any, cid: int, now: float) -> None:
    c.execute("UPDATE register_conflicts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL", (now, cid))


def _reg(c: Any, key: str) -> tuple | None:
    return c.one(
        "SELECT first_seen, member_no, restricted, minor, erased FROM member_register WHERE member_key = ?", (key,)
    )


def _merge_pair(ho: HeadOffice, c: Any, cid: int, a: str, b: str, now: float) -> str:
    ra, rb = _root(c, a), _root(c, b)
    rega, regb = _reg(c, ra), _reg(c, rb)
    if ra == rb or rega is None or regb is None:
        _settle(c, cid, now)
        return "settled"
    ida, idb = _member_id(c, ra), _member_id(c, rb)
    if ida is None or idb is None:
        _settle(c, cid, now)
        return "settled"
    if int(rega[4]) or int(regb[4]):  # one was erased meanwhile: the customer is erased (RIG-3), both ids
        for mid in (ida, idb):
            ho._erase(c, mid, reason="merge", request_id=None, origin_store=None, erased_at="", actor="merge")
        _settle(c, cid, now)
        return "erased"
    # receive order: first_seen, then the one already registered when the other arrived (key_a), then the key
    (skey, sid, sreg), (mkey, mid, mreg) = sorted(
        ((ra, ida, rega), (rb, idb, regb)), key=lambda t: (float(t[2][0]), t[0] != ra, t[0])
    )
    merge_id = "merge:" + secrets.token_hex(12)
    c.execute(
        "INSERT INTO member_merges(merged_key, merged_id, survivor_key, survivor_id, member_no, merged_no,"
        " rule_version, merge_id, conflict_id, merged_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (mkey, mid, skey, sid, sreg[1], mreg[1], RULE_VERSION, merge_id, cid, now),
    )
    # a member merged into the merged one before now follows the survivor (one step, never a chain)
    c.execute("UPDATE member_merges SET survivor_key = ?, survivor_id = ? WHERE survivor_key = ?", (skey, sid, mkey))
    c.execute(
        "UPDATE member_register SET restricted = ?, minor = ?, last_seen = ? WHERE member_key = ?",
        (max(int(sreg[2]), int(mreg[2])), max(int(sreg[3]), int(mreg[3])), now, skey),
    )
    for column in ("member_key", "merged_into"):  # two indexed statements (an OR would scan the register)
        c.execute(
            f"UPDATE member_register SET merged_into = ?, mobile_key = NULL, last_seen = ? WHERE {column} = ?",
            (skey, now, mkey),
        )
    c.execute("UPDATE records SET member_id = ? WHERE member_id = ?", (skey, mkey))
    c.execute("UPDATE request_index SET member_key = ? WHERE member_key = ?", (skey, mkey))  # console's index (#19)
    consent_counts.refresh(ho.keys, c, [mkey, skey])  # the consent figures count the customer once, as merged
    c.execute("UPDATE chain_orders SET member_id = ? WHERE member_id = ?", (skey, mkey))
    _readdress_orders(ho, c, skey, mid, sid)
    for kind in ("mobile", "member_no"):  # the pair's other conflicts, by the (kind, key_a, key_b) index
        for ka, kb in ((skey, mkey), (mkey, skey)):
            c.execute(
                "UPDATE register_conflicts SET resolved_at = ? WHERE kind = ? AND key_a = ? AND key_b = ?"
                " AND resolved_at IS NULL",
                (now, kind, ka, kb),
            )
    _settle(c, cid, now)
    view = register.member_view(ho.keys, c, skey, now) or {}
    registered_at, cancelled_at = membership(ho, c, skey)
    body = {
        "order_id": merge_id,
        "kind": MERGE_KIND,
        "rule_version": RULE_VERSION,
        "survivor_id": sid,
        "member_id": sid,
        "member_no": sreg[1],
        "merged_id": mid,
        "merged_no": mreg[1],
        "restricted": bool(max(int(sreg[2]), int(mreg[2]))),
        "minor": bool(max(int(sreg[3]), int(mreg[3]))),
        "consents": view.get("consents") or [],
        "registered_at": registered_at,
        "cancelled_at": cancelled_at,
        "origin_store": None,
        "request_id": None,
    }
    to = orders.holders(ho, c, sid, now)
    c.execute(
        "INSERT INTO chain_orders(order_id, kind, member_id, origin_store, request_id, payload, holders, received_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (
            merge_id,
            MERGE_KIND,
            skey,
            "head-office",
            None,
            ho._seal(c, {"body": body, "changes": {}}, orders.order_aad(merge_id)),
            json.dumps(to),
            now,
        ),
    )
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    for target in to:
        c.add_feed(MERGE_KIND, text, target, now)
    ho._audit(
        c,
        "merge",
        "member.merge",
        None,
        skey,
        {"merge_id": merge_id, "merged": mkey, "rule": RULE_VERSION, "conflict": cid, "stores": to},
    )
    return "merged"


def membership(ho: HeadOffice, c: Any, key: str) -> tuple[str | None, str | None]:
    """(newest registration, cancellation time or None) of the customer under `key` (both records re-keyed to it):
    rule 8 of docs/headoffice.md over every store's member record (registered_at, cancelled_at) and every
    cancellation order filed for either id (`app.members.membership.settle`, the rule the stores apply too)."""
    regs: list[object] = []
    cancels: list[object] = []
    for st, eid, token in c.all(
        "SELECT store, entity_id, payload FROM records WHERE member_id = ? AND entity = 'member'", (key,)
    ):
        payload = atrest.open_json(ho.keys, c, token, atrest.record_aad(st, "member", eid))
        regs.append(payload.get("registered_at"))
        if payload.get("status") == "cancelled":
            cancels.append(payload.get("cancelled_at"))
    for oid, token in c.all(
        "SELECT order_id, payload FROM chain_orders WHERE member_id = ? AND kind = 'cancellation_order'", (key,)
    ):
        body = atrest.open_json(ho.keys, c, token, orders.order_aad(oid)).get("body") or {}
        cancels.append(body.get("cancelled_at"))
    return settle(regs, cancels)


def _readdress_orders(ho: HeadOffice, c: Any, key: str, merged_id: str, survivor_id: str) -> None:
    """The orders filed for the merged-away id (a correction, restriction, withdrawal made at its store before the
    merge) now name the survivor's id: a store that gets them later (`orders.reach_new_holders`) holds the
    survivor's id only and would answer "not_held". The merges' own rows keep their ids (evidence)."""
    kinds = ",".join("?" * len(orders.ORDER_KINDS))
    found = c.all(
        f"SELECT order_id, payload FROM chain_orders WHERE member_id = ? AND kind IN ({kinds})",
        (key, *orders.ORDER_KINDS),
    )
    for oid, token in found:
        sealed = atrest.open_json(ho.keys, c, token, orders.order_aad(oid))
        body = sealed.get("body") or {}
        if body.get("member_id") != merged_id:
            continue
        sealed["body"] = {**body, "member_id": survivor_id}
        c.execute(
            "UPDATE chain_orders SET payload = ? WHERE order_id = ?",
            (ho._seal(c, sealed, orders.order_aad(oid)), oid),
        )


def _new_number(c: Any, store: str | None) -> str:
    prefix = str(c.scalar("SELECT member_prefix FROM stores WHERE code = ?", (store,)) or "")
    while True:
        no = "M" + prefix + "".join(secrets.choice("0123456789") for _ in range(10 - len(prefix)))
        if c.one("SELECT 1 FROM member_register WHERE member_no = ?", (no,)) is None:
            return no


def _renumber(ho: HeadOffice, c: Any, cid: int, a: str, b: str, store_b: Any, now: float) -> str:
    ra, rb = _root(c, a), _root(c, b)
    regb = _reg(c, rb)
    if ra == rb or regb is None or int(regb[4]) or rb != b:
        _settle(c, cid, now)  # the same customer (merged), erased, or the newcomer was merged away: nothing to do
        return "settled"
    mid = _member_id(c, rb)
    rega = _reg(c, a)  # the number's first holder (merged away or not: a card number of that customer)
    if mid is None or rega is None or rega[1] != regb[1]:
        _settle(c, cid, now)
        return "settled"
    old = regb[1]
    no = _new_number(c, store_b)
    c.execute("UPDATE member_register SET member_no = ?, last_seen = ? WHERE member_key = ?", (no, now, rb))
    _settle(c, cid, now)
    body = {"member_id": mid, "member_no": no, "old_no": old, "rule_version": RULE_VERSION}
    to = orders.holders(ho, c, mid, now)
    for target in to:
        c.add_feed(RENUMBER_KIND, json.dumps(body, sort_keys=True), target, now)
    ho._audit(c, "merge", "member.renumber", store_b, rb, {"conflict": cid, "stores": to})
    return "renumbered"
