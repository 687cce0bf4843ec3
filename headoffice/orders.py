"""Requests carried out for the whole chain (issue #18): orders with receipts, and the chain-wide copy.

A store that carries out a correction, a restriction (or its lifting), a consent withdrawal or a membership
cancellation (with the time it took effect there, `cancelled_at`) journals a `chain_order` row. Head office files it
once (by order id), finds the stores that hold the member — the stores that uploaded rows under the member's blind
index, plus the store the order came from — and publishes one feed row per holder (`target_store`), not to every
store. Each holder applies it through its core functions (a feed session with a VerifiedFeed) and answers with a
signed `order_receipt`; head office checks the signature with the store's enrolled key, keeps the receipt (sealed)
and forwards a short `order_confirmation` to the store the request was opened at, so the request there shows which
stores have confirmed. Erasure receipts are forwarded the same way (the erasure order itself is unchanged: every
store, erasure always wins).

A correction's new values are personal data: they are sealed in `chain_orders` and put into the feed row only
when a holder pulls it (`open_rows`); the feed table itself holds the order id, kind, member id and field names.
An erasure of the member deletes its orders (`forget_member`): a correction still waiting in the feed then
arrives without values and is answered "erased".

The copy (`member_copy`, `POST /v1/members/copy`): the member's records from every store, decrypted, for a store
that has an open access-type request for that member — checked against the store's own uploaded `request` record
(same store, same request id, the same member's blind index, type access/copy/transfer, status not closed).
Audited at head office with store, request and staff.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from app.sync import signing
from headoffice import atrest

if TYPE_CHECKING:
    from headoffice.service import HeadOffice

ORDER_KINDS = ("correction_order", "restriction_order", "withdrawal_order", "cancellation_order")
UPLOAD_ENTITIES = ("chain_order", "order_receipt")
COPY_TYPES = ("access", "copy", "transfer")
OPEN_STATUSES = ("received", "verified", "in_progress", "paused")
INTERNAL_ENTITIES = ("erasure_receipt", "order_receipt", "chain_order", "erasure")
CORRECTABLE = ("name", "mobile", "birth_date")  # plain member fields an order carries (sealed at head office)


def order_aad(order_id: str) -> str:
    return f"chain_orders.payload:{order_id}"


def order_receipt_aad(order_id: str, store: str) -> str:
    return f"order_receipts.receipt:{order_id}:{store}"


def holders(ho: HeadOffice, c: Any, member_id: str, now: float) -> list[str]:
    """The stores that uploaded rows for this member (by blind index)."""
    key = ho.keys.bidx(c, "member", member_id, now)
    key = c.scalar("SELECT survivor_key FROM member_merges WHERE merged_key = ?", (key,)) or key  # merged (#18)
    return sorted({str(r[0]) for r in c.all("SELECT DISTINCT store FROM records WHERE member_id = ?", (key,))})


def on_upload(ho: HeadOffice, c: Any, store: str, pubkey: str, row: dict, now: float, erased: set[str]) -> str | None:
    """Handle an uploaded chain_order / order_receipt row. Returns a quarantine reason or None."""
    entity, eid = str(row["entity"]), str(row["entity_id"])
    payload = row.get("payload") or {}
    if entity == "chain_order":
        return _file_order(ho, c, store, eid, row.get("member_id"), payload, now, erased)
    return _take_receipt(ho, c, store, pubkey, eid, payload, now)


def _file_order(
    ho: HeadOffice,
    c: Any,
    store: str,
    order_id: str,
    row_member: Any,
    payload: dict,
    now: float,
    erased: set[str],
) -> str | None:
    kind = str(payload.get("kind", ""))
    mid = str(payload.get("member_id") or "")
    if kind not in ORDER_KINDS or not mid or (row_member and str(row_member) != mid):
        return "bad_order"
    if kind == "cancellation_order" and not _is_time(payload.get("cancelled_at")):
        return "bad_order"  # every holder takes the origin's time: without it the stores would purge on different days
    if mid in erased or c.one("SELECT 1 FROM erasures WHERE member_id = ?", (mid,)):
        return "member_erased"  # erasure always wins (RIG-3)
    if c.one("SELECT 1 FROM chain_orders WHERE order_id = ?", (order_id,)):
        return None  # the same order uploaded again: filed once
    mid = str(c.scalar("SELECT survivor_id FROM member_merges WHERE merged_id = ?", (mid,)) or mid)  # merged (#18)
    to = sorted(set(holders(ho, c, mid, now)) | {store})
    body = {
        "order_id": order_id,
        "kind": kind,
        "member_id": mid,
        "request_id": payload.get("request_id"),
        "origin_store": store,
        "decided_at": payload.get("decided_at"),
    }
    changes: dict = {}
    if kind == "correction_order":
        changes = {k: v for k, v in (payload.get("changes") or {}).items() if k in CORRECTABLE}
        body["fields"] = sorted(changes)
        body["elsewhere"] = sorted({str(f) for f in payload.get("elsewhere") or [] if f not in CORRECTABLE})[:20]
    elif kind == "restriction_order":
        body["restricted"] = bool(payload.get("restricted"))
    elif kind == "cancellation_order":
        body["cancelled_at"] = str(payload["cancelled_at"])  # the origin's time: RET-2's clock at every holder
    else:
        body["purposes"] = [str(p) for p in payload.get("purposes") or []]
    sealed = {"body": body, "changes": changes}  # the body again: a later holder gets the order too
    c.execute(
        "INSERT INTO chain_orders(order_id, kind, member_id, origin_store, request_id, payload, holders, received_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (
            order_id,
            kind,
            ho.keys.bidx(c, "member", mid, now),
            store,
            body["request_id"],
            ho._seal(c, sealed, order_aad(order_id)),
            json.dumps(to),
            now,
        ),
    )
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    for target in to:
        c.add_feed(kind, text, target, now)
    _filed(c, store, body["request_id"], order_id, kind, to, now)
    ho._audit(c, store, "order.file", store, mid, {"order_id": order_id, "kind": kind, "stores": to})
    return None


def _is_time(value: Any) -> bool:
    try:
        return isinstance(value, str) and dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _filed(c: Any, origin: Any, request_id: Any, order_id: str, kind: str, to: list[str], now: float) -> None:
    """Tell the store the request was opened at which stores its order went to (store codes only)."""
    if origin and request_id:
        note = {"request_id": request_id, "order_id": order_id, "kind": kind, "holders": to}
        c.add_feed("order_filed", json.dumps(note, sort_keys=True), origin, now)


def reach_new_holders(ho: HeadOffice, c: Any, store: str, member_keys: set[str | None], now: float) -> int:
    """A store uploading rows for a member with orders filed before it held the member (it adopted the member
    later, or was offline) gets those orders too, oldest first: applying them is idempotent there, and a
    withdrawal never beats a newer grant. Returns the number of orders published."""
    keys = sorted(str(k) for k in member_keys if k)
    found = []
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found += c.all(
            f"SELECT order_id, kind, payload, holders, received_at FROM chain_orders WHERE member_id IN ({marks})",
            chunk,
        )
    n = 0
    late = []
    for oid, kind, token, holders_text, received in found:
        to = json.loads(holders_text)
        if store not in to:
            body = atrest.open_json(ho.keys, c, token, order_aad(oid)).get("body") or {}
            late.append((float(received), str(body.get("decided_at") or ""), str(oid), kind, body, to))
    # oldest first: orders filed in one upload share received_at, so the store's decision time orders them (a
    # restriction and its lifting arriving together must not swap: the order id is random)
    for _received, _decided, oid, kind, body, to in sorted(late, key=lambda r: r[:3]):
        c.add_feed(kind, json.dumps(body, sort_keys=True, ensure_ascii=False), store, now)
        to = sorted([*to, store])
        c.execute("UPDATE chain_orders SET holders = ? WHERE order_id = ?", (json.dumps(to), oid))
        _filed(c, body.get("origin_store"), body.get("request_id"), oid, kind, to, now)
        ho._audit(c, store, "order.file.late_holder", store, None, {"order_id": oid, "kind": kind})
        n += 1
    return n


def _take_receipt(ho: HeadOffice, c: Any, store: str, pubkey: str, eid: str, payload: dict, now: float) -> str | None:
    receipt, sig = payload.get("receipt") or {}, str(payload.get("signature", ""))
    if not (isinstance(receipt, dict) and pubkey and signing.verify_receipt(signing.load_public(pubkey), receipt, sig)):
        return "bad_receipt"
    oid = str(receipt.get("order_id", ""))
    order = c.one("SELECT kind, origin_store, request_id FROM chain_orders WHERE order_id = ?", (oid,))
    if order is None or receipt.get("store") != store:
        return "bad_receipt"
    cur = c.execute(
        "INSERT INTO order_receipts(order_id, store, receipt, signature, received_at) VALUES (?,?,?,?,?)"
        " ON CONFLICT(order_id, store) DO NOTHING",
        (oid, store, ho._seal(c, receipt, order_receipt_aad(oid, store)), sig, now),
    )
    if cur is not None and getattr(cur, "rowcount", 1) == 0:
        return None  # the same receipt again
    confirm(c, order[1], order[2], order[0], oid, store, receipt, now)
    return None


def confirm(
    c: Any, origin: str | None, request_id: str | None, kind: str, order_id: str, store: str, receipt: dict, now: float
) -> None:
    """Forward a verified receipt to the store the request was opened at (no personal data: codes, times)."""
    if not origin or not request_id:
        return
    note = {
        "request_id": request_id,
        "order_id": order_id,
        "kind": kind,
        "store": store,
        "outcome": str(receipt.get("outcome") or ("already_erased" if receipt.get("already_erased") else "done")),
        "executed_at": receipt.get("executed_at"),
    }
    c.add_feed("order_confirmation", json.dumps(note, sort_keys=True), origin, now)


def confirm_erasure(ho: HeadOffice, c: Any, member_id: str, store: str, receipt: dict, now: float) -> None:
    """An erasure receipt just stored: tell the store where the erasure was requested."""
    row = c.one("SELECT origin_store, request_id FROM erasures WHERE member_id = ?", (member_id,))
    if row is not None:
        confirm(c, row[0], row[1], "erasure_order", f"erase:{row[1]}", store, receipt, now)


def forget_member(ho: HeadOffice, c: Any, member_id: str, now: float) -> int:
    """Erasure: the member's orders go (a correction's sealed values above all); receipts stay (no values)."""
    key = ho.keys.bidx(c, "member", member_id, now)
    return int(c.execute("DELETE FROM chain_orders WHERE member_id = ?", (key,)).rowcount or 0)


def open_rows(ho: HeadOffice, c: Any, rows: list[dict]) -> list[dict]:
    """Feed rows as a store receives them: a correction order gets its sealed values back."""
    for r in rows:
        if r["kind"] != "correction_order":
            continue
        oid = str(r["payload"].get("order_id", ""))
        row = c.one("SELECT payload FROM chain_orders WHERE order_id = ?", (oid,))
        sealed = atrest.open_json(ho.keys, c, row[0], order_aad(oid)) if row is not None else {}
        r["payload"] = {**r["payload"], "changes": sealed.get("changes")}
    return rows


def order_receipts(ho: HeadOffice, order_id: str) -> list[dict]:
    with ho.storage.read() as c:
        rows = c.all(
            "SELECT store, receipt, signature FROM order_receipts WHERE order_id = ? ORDER BY store", (order_id,)
        )
        return [
            {
                "store": r[0],
                "receipt": atrest.open_json(ho.keys, c, r[1], order_receipt_aad(order_id, r[0])),
                "signature": r[2],
            }
            for r in rows
        ]


def orders_for_request(ho: HeadOffice, store: str, request_id: str) -> list[dict]:
    with ho.storage.read() as c:
        rows = c.all(
            "SELECT order_id, kind, holders FROM chain_orders WHERE origin_store = ? AND request_id = ?"
            " ORDER BY order_id",
            (store, request_id),
        )
    return [{"order_id": r[0], "kind": r[1], "holders": json.loads(r[2])} for r in rows]


# -- the chain-wide copy (RIG-6) ------------------------------------------------------------
class CopyRefused(Exception):
    """Refused copy: head office answers {"error": code} with `status` (the refusal is audited first)."""

    def __init__(self, status: int, code: str):
        super().__init__(code)
        self.status = status
        self.code = code


def member_copy(ho: HeadOffice, store: str, data: dict) -> dict:
    """The member's records from every store for the store's open access-type request (raises CopyRefused)."""
    rid, mid = str(data.get("request_id") or ""), str(data.get("member_id") or "")
    staff = str(data.get("staff") or "")[:64]
    if not rid or not mid or not staff:
        raise CopyRefused(400, "bad_copy_request")
    now = ho.clock()
    with ho.storage.tx() as c:
        key = ho.keys.bidx(c, "member", mid, now)
        row = c.one(
            "SELECT member_id, payload FROM records WHERE store = ? AND entity = 'request' AND entity_id = ?",
            (store, rid),
        )
        req = atrest.open_json(ho.keys, c, row[1], atrest.record_aad(store, "request", rid)) if row else {}
        ok = (
            row is not None
            and row[0] == key
            and str(req.get("type")) in COPY_TYPES
            and str(req.get("status")) in OPEN_STATUSES
        )
        if not ok:
            ho._audit(c, store, "member.copy.refused", store, mid, {"request_id": rid, "staff": staff})
            refused = True
        elif c.one("SELECT 1 FROM erasures WHERE member_id = ?", (mid,)):
            ho._audit(c, store, "member.copy", store, mid, {"request_id": rid, "staff": staff, "erased": True})
            return {"member_id": mid, "erased": True, "stores": {}}
        else:
            refused = False
        stores: dict[str, list[dict]] = {}
        for rec in [] if refused else atrest.records(ho.keys, c, member_id=mid):
            if rec["entity"] in INTERNAL_ENTITIES:
                continue
            stores.setdefault(rec["store"], []).append(
                {"entity": rec["entity"], "entity_id": rec["entity_id"], "payload": rec["payload"]}
            )
        names = dict(c.all("SELECT code, name FROM stores"))
        if not refused:
            ho._audit(
                c,
                store,
                "member.copy",
                store,
                mid,
                {
                    "request_id": rid,
                    "staff": staff,
                    "stores": sorted(stores),
                    "records": sum(map(len, stores.values())),
                },
            )
    if refused:
        raise CopyRefused(403, "no_open_request")
    return {
        "member_id": mid,
        "erased": False,
        "generated_at": now,
        "stores": stores,
        "store_names": {k: names.get(k, k) for k in stores},
    }
