"""Consent state of a customer registered twice, after head office merged the two members (issue #18).

The rule (docs/headoffice.md, "Merging a customer registered twice"): per purpose the newest decision of either
record wins; on a tie a refusal wins, so a refusal or a withdrawal is never overwritten by an older grant (CON-3).
Nothing of a consent record is deleted or rewritten: the records stay evidence under the survivor (re-pointed by
`app.members.records.join_member`); only the current state per purpose (`member_consents`, and the by-reference
state `consent_references`) is chosen here.

- `join_states(tx, merged_id, survivor_id)`: this store held both members: per purpose the newer of the two states
  stays, under the survivor; the merged member's state rows go (its consent records are re-pointed, not lost).
- `newer_than_local(db, member_id, consents)`: of head office's newest decisions (`register.member_view`), those
  newer than this store's state, split into those taken by reference (`take_grants`, like an adoption: the
  original record stays evidence at head office; a newer decision equal to this store's too, so the state keeps
  the newest time) and refusals of a purpose granted here, carried out by the caller as a withdrawal at the
  refusal's time (`app.consent.service.withdraw_consent(decided_at=...)`: the purpose's data goes too).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from app.consent.references import record_references

if TYPE_CHECKING:
    from app.staff.session import Tx
    from app.storage.db import Queries


def _wins(new_at: str, new_granted: bool, old_at: str, old_granted: bool) -> bool:
    """Does decision `new` replace `old`? The newer wins; at the same instant a refusal wins."""
    return (str(new_at), not new_granted) > (str(old_at), not old_granted)


def join_states(tx: Tx, merged_id: str, survivor_id: str) -> dict[str, bool]:
    """Both members held here: keep per purpose the newest state under the survivor. Returns {purpose: granted}
    of the purposes whose state came from the merged member."""
    taken: dict[str, bool] = {}
    mine = {
        str(r[0]): (str(r[1]), bool(r[2]))
        for r in tx.all(
            "SELECT purpose_code, updated_at, granted FROM member_consents WHERE member_id = ?", (survivor_id,)
        )
    }
    for code, at, granted in tx.all(
        "SELECT purpose_code, updated_at, granted FROM member_consents WHERE member_id = ?", (merged_id,)
    ):
        old = mine.get(str(code))
        if old is None or _wins(str(at), bool(granted), *old):
            tx.execute("DELETE FROM member_consents WHERE member_id = ? AND purpose_code = ?", (survivor_id, code))
            tx.execute(
                "UPDATE member_consents SET member_id = ? WHERE member_id = ? AND purpose_code = ?",
                (survivor_id, merged_id, code),
            )
            tx.execute("DELETE FROM consent_references WHERE member_id = ? AND purpose_code = ?", (survivor_id, code))
            tx.execute(
                "UPDATE consent_references SET member_id = ? WHERE member_id = ? AND purpose_code = ?",
                (survivor_id, merged_id, code),
            )
            taken[str(code)] = bool(granted)
    tx.execute("DELETE FROM member_consents WHERE member_id = ?", (merged_id,))
    tx.execute("DELETE FROM consent_references WHERE member_id = ?", (merged_id,))
    return taken


def newer_than_local(db: Queries, member_id: str, consents: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    """Head office's newest decisions that beat this store's state: (decisions to take by reference, refusals to
    carry out as withdrawals). `consents`: objects with purpose, granted, notice_version, decided_at, store,
    record_id. A newer decision equal to this store's is taken by reference too: the state then carries the
    newest decision's time, so an older order that arrives later (a withdrawal decided before that grant) loses to
    it here as it does at head office (CON-3)."""
    grants: list[Any] = []
    refusals: list[Any] = []
    for c in consents:
        row = db.one(
            "SELECT updated_at, granted FROM member_consents WHERE member_id = ? AND purpose_code = ?",
            (member_id, c.purpose),
        )
        if row is not None and not _wins(str(c.decided_at), bool(c.granted), str(row[0]), bool(row[1])):
            continue  # this store's decision is as new or newer (CON-3: an older grant never beats a refusal)
        if c.granted or row is None or not row[1]:
            grants.append(c)  # a grant, a refusal never decided here, or the same refusal newer: by reference
        else:
            refusals.append(c)  # granted here before: withdrawn now, at the refusal's time (its data goes too)
    return grants, refusals


def take_grants(tx: Tx, member_id: str, consents: Iterable[Any], at: str) -> dict[str, bool]:
    """Make head office's newer decisions the state here, by reference to the original records."""
    items = list(consents)
    for c in items:
        tx.execute("DELETE FROM member_consents WHERE member_id = ? AND purpose_code = ?", (member_id, c.purpose))
        tx.execute("DELETE FROM consent_references WHERE member_id = ? AND purpose_code = ?", (member_id, c.purpose))
    return record_references(tx, member_id, items, at)


def state(db: Queries, member_id: str) -> dict[str, bool]:
    """{purpose: granted} as this store holds it."""
    return {
        str(r[0]): bool(r[1])
        for r in db.all("SELECT purpose_code, granted FROM member_consents WHERE member_id = ?", (member_id,))
    }
