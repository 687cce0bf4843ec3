"""Rotate the data key (rekey) without losing data, and crash-safe end to end (issue #17).

Two steps around showing the new recovery key, so that the recovery key last shown and confirmed
keeps working until a new one has been shown and confirmed:

    plan = begin_rekey(vault, session, manager_password)   # stage everything; nothing swapped yet
    ... show plan.recovery_key, print it, let the manager type it back ...
    finish_rekey(vault, plan, typed_back)                   # confirmed: swap; the vault is locked
    (or abandon_rekey(vault, plan): the staged files go, nothing changed)

1. begin: audit `store.rekey_begun` in the live DB; copy it under a new random key (sqlcipher_export)
   to memberdesk.db.new; in the copy re-encrypt every field-level column, disable the other staff
   (their slots cannot be re-wrapped without their passwords: a manager sets each a temporary
   password) and audit `store.rekey` there; write keyslots.json.new (the acting manager's slot, the
   new recovery key's slot). The live DB, its key slots and the old recovery key are untouched, so a
   kill here is rolled back at the next open and every account signs in as before.
2. finish: the typed-back key must match; the live DB must not have changed since the copy (its audit
   head); then the marker `rekey.confirmed` is written and the DB and key slots are swapped
   (app.storage.recovery.swap_in). A kill after the marker is rolled forward at the next open.
So `store.rekey` (done) exists only in the DB that became live; a rolled-back attempt leaves
`store.rekey_begun` alone in the old one. Every caller shows the key and has it typed back (the admin command
`rekey` prints it and reads it back from the prompt or stdin), there is no one-step rekey.

The read-audit journal (app.audit.journal, SEC-2) is a file under a key derived from the data key: the
`store.rekey_begun` write takes it into the chain before the copy, and finish takes it in again before it
compares the audit head (a read journalled after the copy changes the head: the rekey is cancelled, the read
stays in the live chain). The copy's meta names the old journal as retired; once the new key is in force its
files are removed (finish, or, after a crash past the swap, the first write of the next open).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from app import crashpoints
from app.access.vault import Vault
from app.audit import chain, journal
from app.clock import iso
from app.errors import SignInError, UserError
from app.messages import add_messages
from app.staff import permissions as P
from app.staff.session import Session
from app.storage import keyslots as ks, recovery
from app.storage.db import KEY_BYTES, Database, export_copy
from app.storage.fieldcrypt import FieldCipher, reencrypt_all, store_public_key

add_messages(
    {
        "rekey.confirm_mismatch": (
            "输入的恢复密钥与显示的不一致，密钥更换尚未完成，旧的恢复密钥仍然有效。请核对后重新输入。",
            "The recovery key typed does not match the one shown. The rekey is not done yet and the old "
            "recovery key still works. Check it and type it again.",
        ),
        "rekey.store_changed": (
            "准备密钥更换之后数据库又有了改动，本次更换已取消，未做任何更改。请重新开始密钥更换。",
            "The database changed after the rekey was prepared, so the rekey was cancelled and nothing was "
            "changed. Start the rekey again.",
        ),
        "rekey.cancelled_mismatch": (
            "输入的恢复密钥与显示的不一致，密钥更换已取消，未做任何更改，旧的恢复密钥仍然有效。请重新运行密钥更换。",
            "The recovery key typed does not match the one shown, so the rekey was cancelled and nothing was "
            "changed; the old recovery key still works. Run the rekey again.",
        ),
        "rekey.not_pending": (
            "没有进行中的密钥更换（可能已完成或已取消）。",
            "There is no rekey in progress (it was finished or cancelled).",
        ),
    }
)


@dataclass
class RekeyPlan:
    """A staged rekey: show `recovery_key`, then `finish_rekey`. Holds no data key."""

    recovery_key: str
    staff_to_reset: int
    audit_head: tuple[int, str]
    db_path: Path
    keyslots_path: Path
    journal_tag: str = ""  # the old key's read-audit journal (a tag in a file name, not key material)
    done: bool = field(default=False)


def begin_rekey(vault: Vault, session: Session, manager_password: str) -> RekeyPlan:
    """Stage a rekey (see the module text). Returns the plan whose new recovery key must be shown."""
    session.require(P.STORE_REKEY)
    slots = vault.slots()
    unlocked = slots.unlock_staff_slot(session.staff.username, manager_password)
    if unlocked.staff_id != session.staff.id:
        raise SignInError("signin.wrong")
    # the field key pair is kept (sealed values do not depend on the data key); its private half is re-wrapped
    # for the acting manager's and the new recovery slot only (SEN-3)
    field_pub = store_public_key(session.db)
    field_key = slots.open_field_key(unlocked, field_pub) if field_pub else None
    del unlocked
    paths = vault.paths
    vault.stop_background()  # no job writes to the live DB between the copy and the swap
    recovery.roll_back(paths.db, paths.keyslots)  # a stale staged attempt of this process
    old_key = vault.data_key()
    new_key = secrets.token_bytes(KEY_BYTES)
    recovery_raw = secrets.token_bytes(32)
    db_new, slots_new, _marker = recovery.rekey_files(paths.db, paths.keyslots)

    others = session.db.all(
        "SELECT id, username FROM staff WHERE id != ? AND removed_at IS NULL AND disabled = 0", (session.staff.id,)
    )
    with session.write("store.rekey_begun", details={"staff_to_reset": len(others)}):
        pass  # its begin took the read-audit journal in: the copy holds every read so far
    journal_tag = journal.tag_of(session.db)
    try:
        export_copy(session.db, db_new, new_key)
        crashpoints.hit("rekey.after_copy")
        copy = Database(db_new, new_key)
        try:
            with copy.transaction() as conn:
                reencrypt_all(conn, FieldCipher(old_key), FieldCipher(new_key, public_key=field_pub))
                for row in others:
                    conn.execute("UPDATE staff SET disabled = 1, must_change_password = 1 WHERE id = ?", (row["id"],))
                chain.append(
                    conn,
                    ts=iso(session.clock.now()),
                    staff_id=session.staff.id,
                    terminal=session.terminal,
                    action="store.rekey",
                    details={"staff_to_reset": len(others)},
                )
                journal.retire(conn, journal_tag)  # once the copy is the store, the old key's journal goes
                crashpoints.hit("rekey.copy_before_commit")
            copy.checkpoint()
        finally:
            copy.close(checkpoint=False)
        crashpoints.hit("rekey.after_reencrypt")
        new_slots = ks.KeySlotFile(path=paths.keyslots, db_id=slots.db_id, lookup_salt=slots.lookup_salt)
        new_slots.set_staff_slot(
            session.staff.username,
            session.staff.id,
            manager_password,
            new_key,
            field_key=field_key,
            field_pub=field_pub,
        )
        new_slots.set_recovery_slot(recovery_raw, new_key, field_key=field_key, field_pub=field_pub)
        del field_key
        new_slots.disabled = list(dict.fromkeys(slots.disabled + [slots.lookup(r["username"]) for r in others]))
        new_slots.save(slots_new)
        recovery.fsync_dir(paths.db.parent)
        crashpoints.hit("rekey.after_stage")
    except BaseException:
        recovery.roll_back(paths.db, paths.keyslots)
        raise
    return RekeyPlan(
        recovery_key=ks.format_recovery_key(recovery_raw),
        staff_to_reset=len(others),
        audit_head=chain.head(session.db),
        db_path=paths.db,
        keyslots_path=paths.keyslots,
        journal_tag=journal_tag,
    )


def finish_rekey(vault: Vault, plan: RekeyPlan, typed_recovery_key: str) -> None:
    """The new recovery key was shown and typed back: swap it in. The vault is locked afterwards (sign in
    again with the same password; other staff need a temporary password from a manager)."""
    db_new, slots_new, marker = recovery.rekey_files(plan.db_path, plan.keyslots_path)
    if plan.done or not (db_new.exists() and slots_new.exists()):
        raise UserError("rekey.not_pending")
    try:
        typed = ks.parse_recovery_key(typed_recovery_key or "")
    except SignInError:
        typed = b""
    if not secrets.compare_digest(typed, ks.parse_recovery_key(plan.recovery_key)):
        raise UserError("rekey.confirm_mismatch")
    if vault.db is not None:
        journal.take_in_now(vault.db)  # a read journalled since the copy would be lost by the swap: chain it here
    if vault.db is None or chain.head(vault.db) != plan.audit_head:
        abandon_rekey(vault, plan)
        raise UserError("rekey.store_changed")
    vault.lock()  # checkpoints and closes: the live DB's WAL is empty before the swap
    with open(marker, "wb") as fh:
        os.fsync(fh.fileno())
    recovery.fsync_dir(marker.parent)
    crashpoints.hit("rekey.after_confirm")
    recovery.swap_in(plan.db_path, plan.keyslots_path)
    plan.done = True
    crashpoints.hit("rekey.after_swap")
    journal.remove_retired(plan.db_path, plan.journal_tag)  # taken in before the copy: nothing of it is lost


def abandon_rekey(vault: Vault, plan: RekeyPlan) -> None:
    """Drop a staged rekey: nothing changed (the live DB keeps `store.rekey_begun` only)."""
    recovery.roll_back(plan.db_path, plan.keyslots_path)
    plan.done = True
