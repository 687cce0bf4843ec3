"""A password change's key slot and its audit entry agree whatever the crash point (issue #17, #14).

A new password is a new key slot in keyslots.json; its audit entry is in the DB. Two files cannot change
in one step, so a change goes in three, each durable before the next:

    slot = slots.set_staff_slot(username, staff_id, new_password, data_key, pending=True)
    with slotchange.staged(db, slots, slot) as slot_id:
        with session.write("staff.password_change", "staff", staff_id) as tx:    # the record
            tx.execute(...)
            slotchange.record(tx.conn, slot_id)

1. stage: the new slot is saved beside the old one, marked `pending` (the old password still opens);
2. the caller's transaction commits the change, its audit entry and the marker `meta.slot_change.<slot id>`;
3. finish: the slot is promoted (the old one goes), the file saved, the marker deleted.
At every open the vault calls `reconcile`: a pending slot whose marker committed is promoted (roll forward:
the new password works, the entry is in the chain); one without is dropped (roll back: the old password
works, no entry). Until then `KeySlotFile.unlock_staff_slot` tries the pending slot after the active one and
the vault refuses a sign-in whose slot the reconciliation removed, so no password opens the store that
the audit log does not account for. Crash points: password.after_stage, password.after_commit,
password.after_promote (tests/app/test_password_crash.py kills a process at each).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from app import crashpoints
from app.errors import UserError

if TYPE_CHECKING:
    from app.storage.db import Connection, Database
    from app.storage.keyslots import KeySlotFile

log = logging.getLogger("memberdesk.slotchange")

MARK = "slot_change."


def record(conn: Connection, slot_id: str) -> None:
    """Step 2, inside the caller's transaction: the marker that commits with the change and its audit entry."""
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, 'committed')", (MARK + slot_id,))


def finish(db: Database, slots: KeySlotFile, slot_id: str) -> None:
    """Step 3: promote the slot, save, clear the marker. A failed save leaves the change recorded and the
    slot pending: the pending slot opens meanwhile and the next open promotes it."""
    crashpoints.hit("password.after_commit")
    slots.promote(slot_id)
    try:
        slots.save()
    except UserError:
        log.warning("password change recorded; its key slot is promoted at the next open")
        return
    crashpoints.hit("password.after_promote")
    with db.transaction() as conn:
        conn.execute("DELETE FROM meta WHERE key = ?", (MARK + slot_id,))


def unstage(slots: KeySlotFile, slot_id: str) -> None:
    """The change did not commit: drop its pending slot (if the save fails, the next open drops it)."""
    if slots.drop(slot_id):
        try:
            slots.save()
        except UserError:
            log.warning("password change not recorded; its pending key slot goes at the next open")


@contextmanager
def staged(db: Database, slots: KeySlotFile, slot: dict[str, Any]) -> Iterator[str]:
    """Step 1 (save `slot`, made with `set_staff_slot(..., pending=True)`) and step 3 around the caller's
    transaction (step 2), which must call `record(conn, slot_id)` with the yielded id."""
    slot_id = str(slot["id"])
    if not slot.get("pending") or slots.slot_by_id(slot_id) is not slot:
        raise ValueError("staged() takes a pending slot of this file")
    slots.save()
    crashpoints.hit("password.after_stage")
    try:
        yield slot_id
    except BaseException:
        unstage(slots, slot_id)
        raise
    finish(db, slots, slot_id)


def reconcile(db: Database, slots: KeySlotFile) -> int:
    """At an open: promote each pending slot whose change committed, drop the others, clear the markers.
    Returns the number of slots promoted or dropped."""
    marks = {str(r[0])[len(MARK) :] for r in db.all("SELECT key FROM meta WHERE key GLOB ?", (MARK + "*",))}
    changed = 0
    for slot_id in slots.pending_ids():
        if slot_id in marks:
            slots.promote(slot_id)
        else:
            slots.drop(slot_id)
        changed += 1
    if changed:
        slots.save()
        log.warning("interrupted password change(s) reconciled: %d", changed)
    if marks:
        with db.transaction() as conn:
            conn.execute("DELETE FROM meta WHERE key GLOB ?", (MARK + "*",))
    return changed
