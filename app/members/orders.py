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
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from app.clock import iso

if TYPE_CHECKING:
    from app.staff.session import Tx

ORDER_KINDS = ("correction_order", "restriction_order", "withdrawal_order", "cancellation_order")
CORRECTABLE = ("name", "mobile", "birth_date")  # the plain member fields an order carries


def file_order(tx: Tx, kind: str, member_id: str, request_id: str | None, body: dict[str, Any]) -> str:
    """Journal a chain order inside the caller's write (the change and its order commit together)."""
    if kind not in ORDER_KINDS:
        raise ValueError(f"unknown order kind {kind!r}")  # a caller's mistake
    oid = secrets.token_hex(12)
    payload = {
        "kind": kind,
        "member_id": member_id,
        "request_id": request_id,
        "decided_at": iso(tx.session.clock.now()),
        **body,
    }
    tx.journal("chain_order", oid, "event", payload, member_id=member_id)
    return oid


def correction_body(changes: dict[str, Any], elsewhere: list[str] | None = None) -> dict[str, Any] | None:
    """The part of a correction that travels, or None: the plain member fields' new values (sealed at head office)
    and the NAMES of the encrypted fields corrected here (`elsewhere`): their values never travel — each holder
    clears its old value and asks the customer when it needs it (docs/headoffice.md)."""
    carried = {k: v for k, v in changes.items() if k in CORRECTABLE}
    names = sorted({str(f) for f in elsewhere or [] if f not in CORRECTABLE})
    if not carried and not names:
        return None
    return {"changes": carried, **({"elsewhere": names} if names else {})}


__all__ = ["CORRECTABLE", "ORDER_KINDS", "correction_body", "file_order"]
