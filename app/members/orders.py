"""Chain orders journalled by the domain functions themselves (issue #18).

A change of a member's consent decision (a withdrawal), core fields (name, mobile, birth date), restriction or
membership (a cancellation, RET-2) must reach every store that holds the member. The function that makes the change
journals a `chain_order` row inside the SAME transaction (`file_order(tx, ...)`): the change and its order commit
together or not at all, whatever path made the change (a request, the consent page, the member page, a manager's
lift).

A change made while carrying out head office's order (`order_id` given to the domain function) files nothing:
an order applied at a holder never comes back as a new order (no ping-pong).

Head office (headoffice/orders.py) publishes the order to the holders; app.requests.chain applies it there.
This module sits below app.consent and app.requests so that both can call it without an import cycle.

Newest decision wins, per field (docs/headoffice.md "Two stores deciding the same field"): two stores may correct
(or restrict and lift) the same customer before either has synced. Every order carries its decision time (when the
manager carried it out at its store, `decided_at`); the holder keeps, per member and field (`name`, `mobile`,
`birth_date`, an encrypted optional field, `restricted`), the decision the value it holds comes from
(`member_field_decisions`: time, store code, order id). `file_order` notes this store's own decision; a holder
applying an order takes only the fields where the order is newer (`newer_fields`) and notes them
(`note_order_decisions`) in the receipt's transaction. Newer: the later instant; the same second: the greater store
code, then the greater order id (it starts with the store's journal sequence: one store's orders sort as they were
decided) — a fixed order every store computes alike, so all holders end with the same decision per field.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any, NamedTuple

from app.clock import iso
from app.erasure import register_eraser
from app.members.membership import instant
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Tx
    from app.storage.db import Queries

# granted here, below app.members.service (which imports it), so that `note_order_decisions` can require it
MEMBER_UPDATE = P.grant("member.update", P.CLERK, P.MANAGER)
ORDER_KINDS = ("correction_order", "restriction_order", "withdrawal_order", "cancellation_order")
CORRECTABLE = ("name", "mobile", "birth_date")  # the plain member fields an order carries


def file_order(tx: Tx, kind: str, member_id: str, request_id: str | None, body: dict[str, Any]) -> str:
    """Journal a chain order inside the caller's write (the change and its order commit together)."""
    if kind not in ORDER_KINDS:
        raise ValueError(f"unknown order kind {kind!r}")  # a caller's mistake
    oid = _order_id(tx)
    fields = decided_fields(kind, body)
    decided_at = _after_held(tx, member_id, fields, Decision(iso(tx.session.clock.now()), tx.session.store_code, oid))
    payload = {"kind": kind, "member_id": member_id, "request_id": request_id, "decided_at": decided_at, **body}
    tx.journal("chain_order", oid, "event", payload, member_id=member_id)
    if fields:  # this store's own decision: an older order from another store will not overwrite it here
        _note(tx, member_id, fields, Decision(decided_at, tx.session.store_code, oid))
    return oid


def _after_held(tx: Tx, member_id: str, fields: list[str], mine: Decision) -> str:
    """The decision time of a change made here: now — or, when a decision held here for one of its fields ranks
    above now (another store's clock ahead, or the same second and a greater store code), one second after it: the
    manager changed the value they saw, so this decision must win everywhere, or this store would keep a value the
    others overwrite with the older one."""
    held = [decision_rank(d) for d in held_decisions(tx, member_id, fields).values()]
    top = max(held, default=None)
    if top is None or top < decision_rank(mine):
        return mine.at
    return iso(top[0] + dt.timedelta(seconds=1))


def _order_id(tx: Tx) -> str:
    """24 hex digits: this store's next journal sequence (10), then random (14). Orders of one store sort in the
    order they were decided, so a restriction and its lifting in the same second keep their order (the tie-break)."""
    seq = tx.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'change_journal'", default=0)
    return f"{int(seq or 0) + 1:010x}{secrets.token_hex(7)}"


class Decision(NamedTuple):
    """Where a field's value comes from: when the manager carried out the change (ISO time at that store), the
    store's code and the order id."""

    at: str
    store: str
    order_id: str


_OLDEST = dt.datetime.min.replace(tzinfo=dt.UTC)


def decision_rank(d: Decision) -> tuple[dt.datetime, str, str]:
    """Newer compares greater: the instant (to the second; a time without an offset is this machine's local time,
    an unreadable one the oldest), then the store code, then the order id."""
    when = instant(d.at)
    return (when.replace(microsecond=0) if when is not None else _OLDEST), d.store, d.order_id


def decided_fields(kind: str, body: dict[str, Any]) -> list[str]:
    """The fields an order decides: a correction's carried and `elsewhere` fields, a restriction's `restricted`."""
    if kind == "correction_order":
        return sorted({*(body.get("changes") or {}), *(str(f) for f in body.get("elsewhere") or [])})
    return ["restricted"] if kind == "restriction_order" else []


def held_decisions(db: Queries, member_id: str, fields: list[str]) -> dict[str, Decision]:
    """{field: the decision the value held here comes from} for the fields that have one."""
    rows = db.all(
        "SELECT field, decided_at, store_code, order_id FROM member_field_decisions WHERE member_id = ?", (member_id,)
    )
    return {str(r[0]): Decision(str(r[1]), str(r[2]), str(r[3])) for r in rows if r[0] in fields}


def newer_fields(db: Queries, member_id: str, fields: list[str], decision: Decision) -> list[str]:
    """The fields where `decision` is newer than the one the held value comes from (or none is known)."""
    held = held_decisions(db, member_id, fields)
    rank = decision_rank(decision)
    return [f for f in fields if f not in held or decision_rank(held[f]) < rank]


def note_order_decisions(tx: Tx, member_id: str, fields: list[str], decision: Decision) -> None:
    """Head office's order won these fields here (app.requests.chain, in the receipt's transaction): the values held
    now come from its decision. The change was a member update (`member.update`, as `update_member` requires)."""
    tx.session.require(MEMBER_UPDATE)
    _note(tx, member_id, fields, decision)


def _note(tx: Tx, member_id: str, fields: list[str], decision: Decision) -> None:
    """Remember `decision` for these fields where it is newer than the one noted (never an older one over it)."""
    for f in newer_fields(tx, member_id, fields, decision):
        tx.execute(
            "INSERT INTO member_field_decisions(member_id, field, decided_at, store_code, order_id)"
            " VALUES (?,?,?,?,?) ON CONFLICT(member_id, field) DO UPDATE SET decided_at = excluded.decided_at,"
            " store_code = excluded.store_code, order_id = excluded.order_id",
            (member_id, f, decision.at, decision.store, decision.order_id),
        )


def _erase_decisions(tx: Tx, member_id: str) -> int:
    return int(tx.execute("DELETE FROM member_field_decisions WHERE member_id = ?", (member_id,)).rowcount)


register_eraser("member_field_decisions", _erase_decisions)


def correction_body(changes: dict[str, Any], elsewhere: list[str] | None = None) -> dict[str, Any] | None:
    """The part of a correction that travels, or None: the plain member fields' new values (sealed at head office)
    and the NAMES of the encrypted fields corrected here (`elsewhere`): their values never travel — each holder
    clears its old value and asks the customer when it needs it (docs/headoffice.md)."""
    carried = {k: v for k, v in changes.items() if k in CORRECTABLE}
    names = sorted({str(f) for f in elsewhere or [] if f not in CORRECTABLE})
    if not carried and not names:
        return None
    return {"changes": carried, **({"elsewhere": names} if names else {})}


__all__ = [
    "CORRECTABLE",
    "ORDER_KINDS",
    "Decision",
    "correction_body",
    "decided_fields",
    "decision_rank",
    "file_order",
    "held_decisions",
    "newer_fields",
    "note_order_decisions",
]
