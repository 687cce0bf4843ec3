"""The store's vault: set-up, sign-in, recovery and rekey over the encrypted DB and its key slots.

    vault = Vault(paths)              # paths from app.config.resolve_paths()
    session, recovery = vault.setup(...)  # first run: creates DB, key slots, first manager
    session = vault.sign_in("wang", "secret")

A Vault holds the open Database while someone is signed in; `lock()` drops it. Background jobs get
a second connection to the same file (`background_session(session)`, opened on first use) so the UI's
connection is never queued behind them; `lock()` stops the jobs and closes it first.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.access import fieldkeys
from app.audit import chain, journal
from app.clock import Clock, SystemClock, iso
from app.config import Paths, read_terminal, write_terminal
from app.errors import SignInError, StoreError, UserError, ValidationError
from app.staff import permissions, slotchange
from app.staff.passwords import check_password, check_username
from app.staff.session import Session, Staff
from app.staff.throttle import Throttle
from app.storage import keyslots as ks, recovery
from app.storage.db import KEY_BYTES, Database, Row, open_database
from app.storage.fieldcrypt import FieldCipher
from app.storage.instance import InstanceLock

log = logging.getLogger("memberdesk.vault")


def _staff_from_row(row: Row) -> Staff:
    return Staff(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        must_change_password=bool(row["must_change_password"]),
    )


class Vault:
    def __init__(self, paths: Paths, clock: Clock | None = None) -> None:
        self.paths = paths
        self.clock = clock or SystemClock()
        self.db: Database | None = None
        self._data_key: bytearray | None = None  # held only while unlocked; wiped by lock()
        self._background: Database | None = None  # background jobs' connection (background_db)
        self._background_lock = threading.Lock()
        self._instance: InstanceLock | None = None
        self.throttle = Throttle(paths.signin_state)

    # -- lifecycle ---------------------------------------------------------------
    def is_set_up(self) -> bool:
        return self.paths.db.exists() or self.paths.keyslots.exists()

    def acquire_instance_lock(self) -> None:
        self.paths.ensure()
        if self._instance is None:
            self._instance = InstanceLock(self.paths.lockfile).acquire()
            # This process alone uses the folder now: what a crash left behind goes (issue #17).
            self._finish_rekey_if_interrupted()
            recovery.remove_partial_backups(self.paths.backup_dir)

    def release_instance_lock(self) -> None:
        if self._instance is not None:
            self._instance.release()
            self._instance = None

    def terminal(self) -> dict:
        return read_terminal(self.paths)

    def _session(self, staff: Staff) -> Session:
        if self.db is None:
            raise RuntimeError("a session needs an unlocked vault")
        term = self.terminal()
        if self.db is None:
            raise StoreError("store.not_setup")
        return Session(
            db=self.db, staff=staff, store_code=term["store_code"], terminal=term["terminal_name"], clock=self.clock
        )

    def background_db(self) -> Database:
        """The connection background jobs use (backup, POS folder import, retention sweep, sync): the same
        file, key and pragmas as the UI's, opened on first use while unlocked, closed by lock()."""
        with self._background_lock:
            if self.db is None or self._data_key is None:
                raise StoreError("store.not_setup")
            if self._background is None:
                self._background = Database(self.paths.db, bytes(self._data_key), background=True)
            return self._background

    def background_session(self, session: Session) -> Session:
        """`session` (its staff, terminal, clock, acting manager) on the background connection."""
        return session.on_db(self.background_db())

    def stop_background(self, wait: float = 5.0) -> None:
        """Stop the jobs on the background connection and close it: a running statement is interrupted,
        the job's open transaction rolls back (its committed batches stay; the import resumes from its
        checkpoint next time)."""
        with self._background_lock:
            db, self._background = self._background, None
        if db is not None:
            db.stop()
            db.close(checkpoint=False, wait=wait)

    def lock(self) -> None:
        """Drop the open connections: nothing stays unlocked in memory but the sign-in screen. The read-audit
        journal is taken into the chain first (lock, sign-out, exit: issue #20), once the jobs have stopped."""
        self.stop_background()
        if self.db is not None:
            journal.take_in_before_close(self.db)
            self.db.close()
            self.db = None
        if self._data_key is not None:
            for i in range(len(self._data_key)):
                self._data_key[i] = 0
            self._data_key = None

    def close(self) -> None:
        self.lock()
        self.release_instance_lock()

    # -- first run ---------------------------------------------------------------
    def setup(
        self, *, store_code: str, store_name: str, terminal_name: str, username: str, display_name: str, password: str
    ) -> tuple[Session, str]:
        """Create the encrypted store and its first manager. Returns (session, recovery key text)."""
        self.paths.ensure()
        if self.is_set_up():
            raise StoreError("store.already_setup")
        store_code = (store_code or "").strip().upper()
        if not re.match(r"^[A-Z0-9-]{2,16}$", store_code):
            raise ValidationError("setup.store_code_invalid", field="store_code")
        if not (store_name or "").strip():
            raise ValidationError("setup.store_name_required", field="store_name")
        if not re.match(r"^[A-Za-z0-9._-]{1,32}$", (terminal_name or "").strip()):
            raise ValidationError("setup.terminal_invalid", field="terminal_name")
        username = check_username(username)
        check_password(password, username)
        if not (display_name or "").strip():
            raise ValidationError("setup.display_name_required", field="display_name")

        data_key = secrets.token_bytes(KEY_BYTES)
        recovery = secrets.token_bytes(32)
        field_key, field_pub = fieldkeys.new_key_pair()
        slots = ks.KeySlotFile.create(self.paths.keyslots)
        staff_id = secrets.token_hex(8)
        try:
            db = open_database(self.paths.db, data_key)
            now = iso(self.clock.now())
            with db.transaction() as conn:
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('db_id', ?), ('store_code', ?), ('created_at', ?),"
                    " (?, ?), (?, ?)",
                    (
                        slots.db_id,
                        store_code,
                        now,
                        fieldkeys.META_PUBLIC,
                        field_pub.hex(),
                        fieldkeys.META_SEALED,
                        now,
                    ),
                )
                conn.execute(
                    "INSERT INTO staff(id, username, display_name, role, created_at) VALUES (?,?,?,?,?)",
                    (staff_id, username, display_name.strip(), permissions.MANAGER, now),
                )
                chain.append(
                    conn,
                    ts=now,
                    staff_id=staff_id,
                    terminal=terminal_name.strip(),
                    action="store.setup",
                    details={"store_code": store_code},
                )
            slots.set_staff_slot(username, staff_id, password, data_key, field_key=field_key, field_pub=field_pub)
            slots.set_recovery_slot(recovery, data_key, field_key=field_key, field_pub=field_pub)
            slots.save()
            del field_key
        except BaseException:
            for p in (
                self.paths.db,
                Path(str(self.paths.db) + "-wal"),
                Path(str(self.paths.db) + "-shm"),
                self.paths.keyslots,
            ):
                try:
                    p.unlink()
                except OSError:
                    pass
            raise
        write_terminal(
            self.paths, store_code=store_code, store_name=store_name.strip(), terminal_name=terminal_name.strip()
        )
        db.leave_checkpoints_to_jobs()
        self.db = db
        self._data_key = bytearray(data_key)
        log.info("store set up: store=%s terminal=%s", store_code, terminal_name.strip())
        staff = Staff(staff_id, username, display_name.strip(), permissions.MANAGER)
        return self._session(staff), ks.format_recovery_key(recovery)

    # -- sign-in -----------------------------------------------------------------
    def _finish_rekey_if_interrupted(self) -> None:
        """At an open (no connection of this vault open): finish or undo an interrupted rekey, remove
        orphans and temporary files (app.storage.recovery)."""
        if self.db is None:
            recovery.recover_interrupted(self.paths.db, self.paths.keyslots)

    def _open_with_key(self, data_key: bytes, slots: ks.KeySlotFile) -> Database:
        if not self.paths.db.exists():
            raise StoreError("store.not_setup")
        db = open_database(self.paths.db, data_key)
        db_id = db.scalar("SELECT value FROM meta WHERE key = 'db_id'")
        if db_id != slots.db_id:
            db.close()
            raise StoreError("store.keyslots_corrupt")
        db.leave_checkpoints_to_jobs()  # the counter's commits stay small (background_db and lock() checkpoint)
        return db

    def _load_slots(self) -> ks.KeySlotFile:
        self._finish_rekey_if_interrupted()
        if not self.paths.db.exists() and not self.paths.keyslots.exists():
            raise StoreError("store.not_setup")
        slots = ks.KeySlotFile.load(self.paths.keyslots)
        if self.db is not None:
            slotchange.reconcile(self.db, slots)
        return slots

    def _after_open(self, slots: ks.KeySlotFile, unlocked: ks.UnlockedSlot, opened: bool) -> None:
        """Right after a slot opened the DB: finish or undo an interrupted key-slot change (a password change, a
        staff member added, disabled, re-enabled, removed or demoted: app.staff.slotchange), refusing the sign-in
        if the slot used went with it; upgrade a format-1 file (pub MACs)."""
        if self.db is not None:
            slotchange.reconcile(self.db, slots)
        if slots.slot_by_id(str(unlocked.slot["id"])) is None:
            if opened:
                self.lock()
            raise SignInError("signin.wrong" if unlocked.staff_id else "signin.recovery_wrong")
        if slots.upgrade(unlocked.data_key) or unlocked.pub_added:
            slots.save()

    def _throttled_unlock(self, slots: ks.KeySlotFile, username: str, password: str) -> ks.UnlockedSlot:
        lookup = slots.lookup(username or "")
        now = self.clock.time()
        wait = self.throttle.seconds_left(lookup, now)
        if wait > 0:
            raise SignInError("signin.throttled", seconds=wait)
        if slots.is_disabled(username or "") and slots.pending_slot(username or "") is None:
            raise SignInError("signin.disabled")
        self.throttle.attempt(lookup, now)  # counted first: fails closed (signin.state_unsaved)
        try:
            result = slots.unlock_staff_slot(username or "", password or "")
        except SignInError:
            log.info("sign-in failed")
            raise
        self.throttle.succeeded(lookup)
        return result

    def sign_in(self, username: str, password: str) -> Session:
        slots = self._load_slots()
        unlocked = self._throttled_unlock(slots, username, password)
        data_key, staff_id = unlocked.data_key, unlocked.staff_id
        opened = self.db is None
        if self.db is None:
            self.db = self._open_with_key(data_key, slots)
            self._data_key = bytearray(data_key)
        self._after_open(slots, unlocked, opened)
        row = self.db.one("SELECT * FROM staff WHERE id = ?", (staff_id,))
        if row is None or row["disabled"] or row["removed_at"]:
            self.lock()
            raise SignInError("signin.disabled")
        staff = _staff_from_row(row)
        session = self._session(staff)
        with self.db.transaction() as conn:
            chain.append(
                conn, ts=iso(self.clock.now()), staff_id=staff.id, terminal=session.terminal, action="staff.sign_in"
            )
        fieldkeys.after_sign_in(self.db, slots, unlocked, staff, ts=iso(self.clock.now()), terminal=session.terminal)
        del unlocked
        log.info("signed in: staff=%s role=%s", staff.id, staff.role)
        return session

    def verify_staff(self, username: str, password: str, *, role: str | None = None) -> Staff:
        """Second sign-in while the DB is open: a manager's step-up or a witness."""
        if self.db is None:
            raise StoreError("store.not_setup")
        slots = self._load_slots()
        staff_id = self._throttled_unlock(slots, username, password).staff_id
        row = self.db.one("SELECT * FROM staff WHERE id = ?", (staff_id,))
        if row is None or row["disabled"] or row["removed_at"]:
            raise SignInError("signin.disabled")
        staff = _staff_from_row(row)
        if role and staff.role != role:
            raise UserError("error.permission", action=role)
        return staff

    @contextmanager
    def step_up(self, username: str, password: str) -> Iterator[fieldkeys.StepUp]:
        """A manager's step-up that opens sealed fields (SEN-3): the manager's own password opens their slot,
        which holds the field private key. The key lives in the yielded `StepUp.cipher` for the `with` block
        only and is dropped when it ends. A clerk's password raises `error.permission`; a manager whose slot
        does not hold the key yet raises `fieldcrypt.no_wrap`."""
        if self.db is None:
            raise StoreError("store.not_setup")
        slots = self._load_slots()
        unlocked = self._throttled_unlock(slots, username, password)
        row = self.db.one("SELECT * FROM staff WHERE id = ?", (unlocked.staff_id,))
        if row is None or row["disabled"] or row["removed_at"]:
            raise SignInError("signin.disabled")
        staff = _staff_from_row(row)
        if not staff.is_manager:
            raise UserError("error.permission", action=permissions.MANAGER)
        key, pub = fieldkeys.open_private_key(
            self.db,
            slots,
            unlocked,
            ts=iso(self.clock.now()),
            staff_id=staff.id,
            terminal=self.terminal()["terminal_name"],
        )
        del unlocked
        cipher = FieldCipher(self.data_key(), public_key=pub, private_key=key)
        del key
        try:
            yield fieldkeys.StepUp(staff=staff, cipher=cipher)
        finally:
            cipher.forget()

    def field_cipher(self) -> FieldCipher:
        """What every session may hold: seals sensitive fields to the store's public key, opens only the
        field-key columns (scans, a guardian's name). Sealed values need `step_up`."""
        if self.db is None:
            raise StoreError("store.not_setup")
        return FieldCipher(self.data_key(), public_key=fieldkeys.store_public_key(self.db))

    # -- recovery ----------------------------------------------------------------
    def reset_password_with_recovery(self, recovery_text: str, username: str, new_password: str) -> Session:
        """A forgotten password: the recovery key unlocks the DB and sets a new password."""
        slots = self._load_slots()
        unlocked = slots.unlock_recovery_slot(ks.parse_recovery_key(recovery_text))
        data_key = unlocked.data_key
        check_password(new_password, username)
        opened = self.db is None
        if self.db is None:
            self.db = self._open_with_key(data_key, slots)
            self._data_key = bytearray(data_key)
        self._after_open(slots, unlocked, opened)
        row = self.db.one("SELECT * FROM staff WHERE username = ? AND removed_at IS NULL", ((username or "").strip(),))
        if row is None:
            self.lock()
            raise SignInError("signin.wrong")
        staff = _staff_from_row(row)
        session = self._session(staff)
        # the recovery slot holds the field key: the new password's slot gets it too, if a manager's (SEN-3)
        key = pub = None
        try:
            key, pub = fieldkeys.open_private_key(
                self.db, slots, unlocked, ts=iso(self.clock.now()), staff_id=staff.id, terminal=session.terminal
            )
        except UserError:  # a recovery slot from before issue #14: the new slot gets it at the next step-up
            pass
        del unlocked
        if not staff.is_manager:
            key = pub = None
        # staged: the new password works exactly when its audit entry committed (app.staff.slotchange)
        slot = slots.set_staff_slot(
            row["username"], staff.id, new_password, data_key, field_key=key, field_pub=pub, pending=True
        )
        with (
            slotchange.staged(self.db, slots, slot) as slot_id,
            self.db.transaction() as conn,
        ):
            conn.execute("UPDATE staff SET disabled = 0, must_change_password = 0 WHERE id = ?", (staff.id,))
            chain.append(
                conn,
                ts=iso(self.clock.now()),
                staff_id=staff.id,
                terminal=session.terminal,
                action="staff.password_reset_recovery",
                subject_type="staff",
                subject_id=staff.id,
            )
            slotchange.record(conn, slot_id)
        del key
        self.throttle.succeeded(slots.lookup(username))
        return session

    # -- helpers for staff management (app.staff.service) ------------------------
    def data_key(self) -> bytes:
        if self._data_key is None:
            raise StoreError("store.not_setup")
        return bytes(self._data_key)

    def slots(self) -> ks.KeySlotFile:
        return self._load_slots()
