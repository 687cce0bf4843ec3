"""The membership of one customer registered more than once (issue #18): the rule head office's merge and every
store apply, so that every holder ends in the same state whatever order the registrations, cancellations, merges
and syncs arrive in (docs/headoffice.md, "Merging a customer registered twice", rule 8).

A cancellation (注销会员) ends the membership registered before it; a registration made after it is a new
membership, with new consents (RET-2 and the policy, 三（一）). So, over every registration and every
cancellation of the customer's records: the customer is cancelled iff some cancellation is at or after the newest
registration, and then at the EARLIEST such cancellation — the time the customer first asked to end that membership
(RET-2's clock; the same rule as `app.requests.chain.cancel_membership` for one record). A cancellation before the
newest registration ended an earlier membership and no longer counts.

Pure: plain ISO times in, plain ISO times out (head office imports it too; it holds no personal value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def instant(text: object) -> dt.datetime | None:
    """An ISO time as an instant (a time without an offset is this machine's local time), or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.astimezone()


def settle(registrations: Iterable[object], cancellations: Iterable[object]) -> tuple[str | None, str | None]:
    """(the newest registration, the cancellation time or None) of a customer; times that do not parse are left out.
    A cancellation at the same instant as the newest registration counts (it cannot be told to come first)."""
    regs = sorted(((w, str(t)) for t in registrations if (w := instant(t)) is not None), key=lambda p: p[0])
    newest = regs[-1] if regs else None
    after = [(w, str(t)) for t in cancellations if (w := instant(t)) is not None and (newest is None or w >= newest[0])]
    return (newest[1] if newest else None), (min(after, key=lambda p: p[0])[1] if after else None)


__all__ = ["instant", "settle"]
