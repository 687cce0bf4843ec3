"""Every key-slot change and its audit entry agree whatever the crash point (issue #17, #14).

A key-slot change (a password change or reset, a new staff member, disabling, re-enabling with a new password,
removal, demotion) touches keyslots.json; its audit entry is in the DB. Two files cannot change in one step,
so a change goes in three, each durable before the next:

    change = slots.new_change()                                     # or a pending slot's own change:
    slots.set_staff_slot(username, staff_id, password, data_key, pending=True, change=change)
    slots.stage_removal(change, other_username, mark_disabled=True)  # what the change takes away
    with slotchange.staged(db, slots, change, kind="staff") as change_id:
        with session.write("staff.add", "staff", staff_id) as tx:    # the record
            tx.execute(...)
            slotchange.record(tx.conn, change_id)

1. stage: new slots are saved beside the old ones, marked `pending`, and what goes (slots, a field key, a name
   on the disabled list) is listed under `staged` in the file; the old state still stands (the old password
   opens, a slot to be removed still opens, a manager being demoted still holds the field key);
2. the caller's transaction commits the change, its audit entry and the marker `meta.slot_change.<change id>`;
3. finish: the change is applied to the file (`KeySlotFile.commit_change`: pending slots promoted, the old
   ones and what was listed removed), the file saved, the marker deleted.
At every open the vault calls `reconcile`: a change whose marker committed is applied (roll forward: the new
password works, the removed slot is gone, the demoted slot lost the field key, and the entry is in the chain);
one without is undone (roll back: the old state, no entry). Until then `KeySlotFile.unlock_staff_slot` tries a
pending slot after the active one and the vault refuses a sign-in whose slot the reconciliation removed, so no
password opens the store that the audit log does not account for, and nobody loses their slot or field key
for a change that did not commit. Crash points: password.after_stage, .after_commit, .after_promote (own
password, a manager's reset, the recovery key's reset: tests/app/test_password_crash.py) and staff.after_stage,
.after_commit, .after_promote (add, disable, re-enable, remove, demote: tests/app/test_staff_slot_crash.py).
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
# kind of change -> its crash points (after the stage, after the commit, after the file's finish)
POINTS: dict[str, tuple[str, str, str]] = {
    "password": ("password.after_stage", "password.after_commit", "password.after_promote"),
    "staff": ("staff.after_stage", "staff.after_commit", "staff.after_promote"),
}


def record(conn: Connection, change_id: str) -> None:
    """Step 2, inside the caller's transaction: the marker that commits with the change and its audit entry."""
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, 'committed')", (MARK + change_id,))


def finish(db: Database, slots: KeySlotFile, change_id: str, kind: str = "password") -> None:
    """Step 3: apply the change to the file, save, clear the marker. A failed save leaves the change recorded
    and staged: the file's old state plus the pending slot opens meanwhile (the vault refuses what the DB no
    longer allows) and the next open applies it."""
    _stage, after_commit, after_promote = POINTS[kind]
    crashpoints.hit(after_commit)
    slots.commit_change(change_id)
    try:
        slots.save()
    except UserError:
        log.warning("key-slot change recorded; the key file follows at the next open")
        return
    crashpoints.hit(after_promote)
    with db.transaction() as conn:
        conn.execute("DELETE FROM meta WHERE key = ?", (MARK + change_id,))


def _committed(db: Database, change_id: str) -> bool | None:
    try:
        return db.one("SELECT 1 FROM meta WHERE key = ?", (MARK + change_id,)) is not None
    except Exception:  # noqa: BLE001 - the connection itself failed: the next open decides
        return None


def unstage(db: Database, slots: KeySlotFile, change_id: str, kind: str = "password") -> None:
    """The caller's transaction raised: undo the staged change (or, if its marker did commit after all, apply
    it). When the DB cannot tell, or the save fails, the file stays staged and the next open reconciles it."""
    committed = _committed(db, change_id)
    if committed is None:
        log.warning("key-slot change left staged; reconciled at the next open")
        return
    if committed:
        finish(db, slots, change_id, kind)
        return
    if slots.roll_back_change(change_id):
        try:
            slots.save()
        except UserError:
            log.warning("key-slot change not recorded; its staged part goes at the next open")


@contextmanager
def staged(db: Database, slots: KeySlotFile, change: str | dict[str, Any], *, kind: str = "password") -> Iterator[str]:
    """Step 1 (save the file with `change` staged: a change id from `slots.new_change()`, or a pending slot made
    with `set_staff_slot(..., pending=True)`) and step 3 around the caller's transaction (step 2), which must
    call `record(conn, change_id)` with the yielded id. `kind` names the crash points (POINTS)."""
    if kind not in POINTS:
        raise ValueError(f"unknown kind of key-slot change {kind}")
    if isinstance(change, str):
        change_id = change
    else:
        if not change.get("pending") or slots.slot_by_id(str(change["id"])) is not change:
            raise ValueError("staged() takes a pending slot of this file")
        change_id = slots.change_of(change)
    if change_id not in slots.changes():
        raise ValueError("staged() takes a change staged in this file")
    slots.save()
    crashpoints.hit(POINTS[kind][0])
    try:
        yield change_id
    except BaseException:
        unstage(db, slots, change_id, kind)
        raise
    finish(db, slots, change_id, kind)


def reconcile(db: Database, slots: KeySlotFile) -> int:
    """At an open: apply each staged change whose marker committed, undo the others, clear the markers.
    Returns the number of changes applied or undone."""
    marks = {str(r[0])[len(MARK) :] for r in db.all("SELECT key FROM meta WHERE key GLOB ?", (MARK + "*",))}
    changed = 0
    for change_id in slots.changes():
        if change_id in marks:
            slots.commit_change(change_id)
        else:
            slots.roll_back_change(change_id)
        changed += 1
    if changed:
        slots.save()
        log.warning("interrupted key-slot change(s) reconciled: %d", changed)
    if marks:
        with db.transaction() as conn:
            conn.execute("DELETE FROM meta WHERE key GLOB ?", (MARK + "*",))
    return changed
