"""Rotate the data key (rekey) without losing data.

1. copy the DB under a new random key (sqlcipher_export) to memberdesk.db.new and
   re-encrypt every field-level column in the copy;
2. write keyslots.json.new: the acting manager's slot and a new recovery key's slot; the
   other staff slots cannot be re-wrapped without their passwords, so those accounts are
   disabled until a manager sets them a temporary password;
3. swap the DB, then the key slots. Vault._finish_rekey_if_interrupted() rolls a crash
   between the steps back (both .new files present) or forward (only slots.new left).
The old recovery key stops working; the new one is returned to be printed.
"""

from __future__ import annotations

import os
import secrets

from app.access.vault import Vault
from app.errors import SignInError
from app.staff import permissions as P
from app.staff.session import Session
from app.storage import keyslots as ks
from app.storage.db import KEY_BYTES, Database, export_copy
from app.storage.fieldcrypt import FieldCipher, reencrypt_all, store_public_key


def rekey(vault: Vault, session: Session, manager_password: str) -> str:
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
    old_key = vault.data_key()
    new_key = secrets.token_bytes(KEY_BYTES)
    recovery = secrets.token_bytes(32)
    paths = vault.paths
    new_db_path = paths.db.with_name("memberdesk.db.new")
    new_slots_path = paths.keyslots.with_name("keyslots.json.new")

    others = session.db.all(
        "SELECT id, username FROM staff WHERE id != ? AND removed_at IS NULL AND disabled = 0", (session.staff.id,)
    )
    # Audit first (in the old DB, so it is carried into the copy).
    with session.write("store.rekey", details={"staff_to_reset": len(others)}) as tx:
        for row in others:
            tx.execute("UPDATE staff SET disabled = 1, must_change_password = 1 WHERE id = ?", (row["id"],))
    export_copy(session.db, new_db_path, new_key)
    copy = Database(new_db_path, new_key)
    try:
        with copy.transaction() as conn:
            reencrypt_all(conn, FieldCipher(old_key), FieldCipher(new_key, public_key=field_pub))
        copy.checkpoint()
    finally:
        copy.conn.close()

    new_slots = ks.KeySlotFile(path=paths.keyslots, db_id=slots.db_id, lookup_salt=slots.lookup_salt)
    new_slots.set_staff_slot(
        session.staff.username, session.staff.id, manager_password, new_key, field_key=field_key, field_pub=field_pub
    )
    new_slots.set_recovery_slot(recovery, new_key, field_key=field_key, field_pub=field_pub)
    del field_key
    new_slots.disabled = list(dict.fromkeys(slots.disabled + [slots.lookup(r["username"]) for r in others]))
    new_slots.save(new_slots_path)

    vault.lock()
    for suffix in ("-wal", "-shm"):
        try:
            os.unlink(str(paths.db) + suffix)
        except OSError:
            pass
    os.replace(new_db_path, paths.db)
    os.replace(new_slots_path, paths.keyslots)
    return ks.format_recovery_key(recovery)
