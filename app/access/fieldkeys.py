"""The store's field key pair (SEN-3, issue #14): who holds which half, and when the private half is in memory.

- The public half is in the DB (`meta.field_public_key`): every session seals sensitive values to it
  (`Vault.field_cipher()`), so a clerk can register an ID number or a signature.
- The private half exists only sealed in manager slots and the recovery slot of keyslots.json
  (app.storage.keyslots). It is opened by `Vault.step_up(user, password)` for one operation and dropped
  when that `with` block ends; no session, vault attribute or cache keeps it.
- A store from before issue #14 gets its key pair at the first manager sign-in after the upgrade; every
  sign-in then seals the field-key ciphertexts still in sealed columns (once, audited `store.fields_sealed`).
"""

from __future__ import annotations

__all__ = ["META_PUBLIC", "META_SEALED", "StepUp", "new_key_pair", "open_private_key", "store_public_key"]

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.audit import chain
from app.errors import UserError
from app.storage import sealing
from app.storage.fieldcrypt import META_PUBLIC, FieldCipher, legacy_sealed_count, reencrypt_all, store_public_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from app.staff.session import Session, Staff
    from app.storage.db import Database, Queries
    from app.storage.keyslots import KeySlotFile, UnlockedSlot

META_SEALED = "fields_sealed_at"


@dataclass
class StepUp:
    """One manager step-up: the manager, and a cipher that opens sealed values until the step-up ends."""

    staff: Staff
    cipher: FieldCipher

    def session(self, base: Session) -> Session:
        """`base` acting as this manager for the step (app.staff.session.Session.as_manager)."""
        return base.as_manager(self.staff)


def manager_ids(db: Queries) -> set[str]:
    return {r[0] for r in db.all("SELECT id FROM staff WHERE role = 'manager' AND disabled = 0 AND removed_at IS NULL")}


def new_key_pair() -> tuple[X25519PrivateKey, bytes]:
    key = sealing.new_private_key()
    return key, sealing.public_bytes(key)


def _create(db: Database, slots: KeySlotFile, data_key: bytes, *, ts: str, staff_id: str, terminal: str) -> bytes:
    """A store from before issue #14: make the key pair, seal the private half to every manager slot that has a
    `pub` (at least the one signing in) and the recovery slot if it has one; then record the public half.
    The slots are saved first: a crash in between leaves wraps of an unused pair, replaced next time."""
    key, pub = new_key_pair()
    wrapped = slots.complete_field_wraps(key, pub, manager_ids(db), data_key=data_key)
    del key
    slots.save()
    with db.transaction() as conn:
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (META_PUBLIC, pub.hex()))
        chain.append(
            conn,
            ts=ts,
            staff_id=staff_id,
            terminal=terminal,
            action="store.field_keys_created",
            details={"wrapped_slots": wrapped},
        )
    return pub


def seal_legacy(db: Database, data_key: bytes, pub: bytes, *, ts: str, staff_id: str, terminal: str) -> int:
    """Seal the field-key ciphertexts left in sealed columns (once; audited). Returns values sealed."""
    if db.scalar("SELECT value FROM meta WHERE key = ?", (META_SEALED,)):
        return 0
    with db.transaction() as conn:
        n = legacy_sealed_count(conn)
        if n:
            reencrypt_all(conn, FieldCipher(data_key), FieldCipher(data_key, public_key=pub), legacy_only=True)
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (META_SEALED, ts))
        chain.append(
            conn, ts=ts, staff_id=staff_id, terminal=terminal, action="store.fields_sealed", details={"count": n}
        )
    return n


def after_sign_in(
    db: Database, slots: KeySlotFile, unlocked: UnlockedSlot, staff: Staff, *, ts: str, terminal: str
) -> None:
    """At every sign-in: keep the slot's new `pub`, create the key pair at a store's first manager sign-in after
    the upgrade, and seal what is still under the field key."""
    pub = store_public_key(db)
    if pub is None and staff.is_manager:
        pub = _create(db, slots, unlocked.data_key, ts=ts, staff_id=staff.id, terminal=terminal)
    elif unlocked.pub_added:
        slots.save()
    if pub is not None:
        seal_legacy(db, unlocked.data_key, pub, ts=ts, staff_id=staff.id, terminal=terminal)


def open_private_key(
    db: Database, slots: KeySlotFile, unlocked: UnlockedSlot, *, ts: str, staff_id: str | None, terminal: str
) -> tuple[X25519PrivateKey, bytes]:
    """The field private key from an unlocked manager or recovery slot (a step-up), after giving it to the
    manager slots still waiting for it and taking it from slots that are no longer a manager's (audited)."""
    pub = store_public_key(db)
    if pub is None:
        pub = _create(db, slots, unlocked.data_key, ts=ts, staff_id=staff_id or "", terminal=terminal)
    key = slots.open_field_key(unlocked, pub)
    if key is None:
        raise UserError("fieldcrypt.no_wrap")
    changed = slots.complete_field_wraps(key, pub, manager_ids(db), data_key=unlocked.data_key)
    if changed:
        slots.save()
        with db.transaction() as conn:
            chain.append(
                conn,
                ts=ts,
                staff_id=staff_id,
                terminal=terminal,
                action="store.field_key_wrapped",
                details={"slots": changed},
            )
    return key, pub
