"""Read-audit journal: a read's audit entry never waits for another connection's write (SEC-2, issue #20).

SQLite has one writer per database file. A member search or view at the counter records who looked at
whom (SEC-2); written to the store's audit chain, that entry would wait for a background job's write
transaction (a POS import batch: up to ~0.5 s). So `record()` first tries the chain directly without
waiting (the writer is free: the old path, the entry is in the chain at once); when another connection
holds the writer, the entry goes to this journal instead: a small append-only table in a second database
file next to the store (`<store file>.reads-<key tag>`, SQLCipher under a key derived from the store key,
WAL, synchronous=FULL: committed means on disk), which has a writer of its own.

Taking in: every write transaction on an armed store connection (`arm()`: each Session arms its
connection) first appends the journal's pending entries to the chain, in the journal's order, each with
the moment, person and terminal of the read (app.storage.db's begin hook). So a read recorded before a
write began is chained before that write; the chain stays one hash chain that `chain.verify` checks.
Exactly once: the store's meta row `read_journal_mark` = "<journal id>:<last entry id taken in>" is moved
in the same transaction as the appends; entries up to the mark are deleted from the journal at the next
take-in (a crash between commit and delete leaves them, and the mark skips them). A crash between the
read and the take-in leaves the entry in the journal: the first write after the next start takes it in.
The audit-log view, export and verify call `take_in_now()` first, so they show every read; the UI takes
the journal in every minute while someone is signed in (a counter that only reads) and `Vault.lock()` at
lock, sign-out and exit (`take_in_before_close`).

Rekey: the journal file name carries a tag of the key, so the store under its new key starts a new file.
`app.access.rekey` takes the old one in before the copy (and again before the swap: anything new there
cancels the rekey), writes the old tag into the copy's meta (`retire()`), and removes the old files once
the new key is in force. At the first write after an open, a journal file of another key found next to the
store (a crash between the swap and that removal) is removed when the store's meta lists its tag as retired
(every entry of it is in the chain) and otherwise set aside (kept on disk) with an audit entry
`audit.read_journal_set_aside` (reason `other_key`): never lost in silence.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app import crashpoints
from app.audit import chain
from app.clock import SystemClock, iso
from app.errors import UserError
from app.storage import db as storage
from app.storage.db import Connection, Database

log = logging.getLogger("memberdesk.audit")
MARK_KEY = "read_journal_mark"
TAKE_IN_MINUTES = 1.0  # the UI's timer while signed in: a counter that only reads has its reads chained soon
RETIRED_KEY = "read_journal_retired"  # meta: comma-separated tags of journals a rekey took in and retired
_TAG = re.compile(r"[0-9a-f]{8}")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS read_entries(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL, staff_id TEXT, terminal TEXT NOT NULL, action TEXT NOT NULL,
    subject_type TEXT, subject_id TEXT, details TEXT NOT NULL
);
"""
_COLS = "id, ts, staff_id, terminal, action, subject_type, subject_id, details"


def _subkey(key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"memberdesk/read-journal/v1").derive(key)


def _remove_files(path: str) -> bool:
    """Remove a journal file with its -wal and -shm. Returns whether any was removed. A file that cannot be
    removed now (another program holds it open) stays: it is found again at the next open."""
    found = False
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(path + suffix)
            found = True
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("read-audit journal file of an old key not removed: %s", type(exc).__name__)
    return found


def _others_next_to(own: str) -> list[str]:
    """The journal files of other keys next to the store (`<store>.reads-<tag>`, not the -wal/-shm or the
    set-aside ones)."""
    folder, base = os.path.split(own[: -len("-00000000")])  # "<store>.reads"
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return []
    found = []
    for name in sorted(names):
        if name.startswith(base + "-") and _TAG.fullmatch(name[len(base) + 1 :]) and os.path.join(folder, name) != own:
            found.append(os.path.join(folder, name))
    return found


class ReadJournal:
    """The journal of one store file (shared by every connection to it in this process)."""

    def __init__(self, path: Path | str, key: bytes | None) -> None:
        self.key = _subkey(key) if key is not None else None
        if str(path) == ":memory:":
            self.path: str = ":memory:"
        else:
            # The file name carries a tag of the key: a store opened under a new key (rekey) starts a new
            # journal instead of failing on one it cannot read.
            tag = hashlib.sha256(self.key or b"plain").hexdigest()[:8]
            self.path = f"{os.path.realpath(path)}.reads-{tag}"
        self.tag = "" if self.path == ":memory:" else self.path[-8:]
        self._lock = threading.Lock()
        self._conn: Any = None
        self.users = 0  # armed Database objects using it
        self._recorded = 0  # entries recorded by this process
        self.taken = 0  # entries taken in by this process
        # The generation known to have nothing pending; -1: unknown (a journal left by an earlier run).
        self._clean = -1 if self.path != ":memory:" and os.path.exists(self.path) else 0
        # Journals of another key (a rekey): dealt with at the first take-in (see the module text).
        self._others = [] if self.path == ":memory:" else _others_next_to(self.path)

    def _open(self) -> Any:
        if self._conn is None:
            mod: Any = sqlite3 if self.key is None else sqlcipher
            conn = mod.connect(self.path, isolation_level=None, check_same_thread=False, timeout=storage.BUSY_SECONDS)
            try:
                if self.key is not None:
                    conn.execute(f"PRAGMA key = \"x'{self.key.hex()}'\"")
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA secure_delete = ON")
                conn.executescript(_SCHEMA)
                conn.execute(
                    "INSERT OR IGNORE INTO journal_meta(key, value) VALUES ('journal_id', ?)", (secrets.token_hex(8),)
                )
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    @property
    def recorded(self) -> int:
        """Entries this process has put in the journal (for the benchmark)."""
        return self._recorded

    @property
    def pending_maybe(self) -> bool:
        return self._clean != self._recorded or bool(self._others)

    def append(self, entry: tuple[Any, ...]) -> None:
        """One read's entry (ts, staff_id, terminal, action, subject_type, subject_id, details text), committed."""
        with self._lock:
            self._open().execute(
                "INSERT INTO read_entries(ts, staff_id, terminal, action, subject_type, subject_id, details)"
                " VALUES (?,?,?,?,?,?,?)",
                entry,
            )
            self._recorded += 1

    def pending(self) -> list[tuple[Any, ...]]:
        """Entries not yet taken in by the store whose mark is read from `conn`'s meta (for tests and tools)."""
        with self._lock:
            return [tuple(r) for r in self._open().execute(f"SELECT {_COLS} FROM read_entries ORDER BY id")]

    def take_in(self, conn: Connection) -> int:
        """Inside the caller's write transaction on the store: append the pending entries to the chain, in
        order, and move the mark. Returns how many were taken in."""
        if not self.pending_maybe:
            return 0
        if self._others:
            self._deal_with_others(conn)
            if self._clean == self._recorded:
                return 0
        generation = self._recorded
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (MARK_KEY,)).fetchone()
        mark_id, _, mark_last = (row[0] if row else "").partition(":")
        with self._lock:
            try:
                jc = self._open()
                journal_id = jc.execute("SELECT value FROM journal_meta WHERE key = 'journal_id'").fetchone()[0]
                last = int(mark_last) if mark_id == journal_id and mark_last.isdigit() else 0
                jc.execute("DELETE FROM read_entries WHERE id <= ?", (last,))  # taken in by a committed write
                rows = jc.execute(f"SELECT {_COLS} FROM read_entries WHERE id > ? ORDER BY id", (last,)).fetchall()
            except storage.DatabaseError:
                # A damaged or unreadable journal must not stop every write of the store: it is set aside
                # (kept on disk, not deleted) and that fact is itself an audit entry.
                self._set_aside_locked()
                _audit_set_aside(conn, "unreadable")
                self._clean = generation
                return 0
        for r in rows:
            chain.append(
                conn,
                ts=r[1],
                staff_id=r[2],
                terminal=r[3],
                action=r[4],
                subject_type=r[5],
                subject_id=r[6],
                details=json.loads(r[7]),
            )
        if rows:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (MARK_KEY, f"{journal_id}:{rows[-1][0]}"),
            )
            self.taken += len(rows)
        else:
            self._clean = generation
        return len(rows)

    def _deal_with_others(self, conn: Connection) -> None:
        """Inside a write transaction: journals of another key next to the store. A tag the store's meta lists
        as retired (by the rekey that made this key) was taken in before the copy: its files go. Any other is
        set aside, kept on disk, and that is an audit entry (its key is not this store's: it cannot be read)."""
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (RETIRED_KEY,)).fetchone()
        retired = set((row[0] if row else "").split(","))
        with self._lock:
            others, self._others = self._others, []
            for path in others:
                if path[-8:] in retired:
                    if _remove_files(path):
                        log.info("read-audit journal of the key before a rekey removed (taken in before it)")
                    continue
                if not os.path.exists(path):
                    continue
                try:
                    _set_aside_files(path)
                except OSError as exc:  # never stops the write; found again at the next open
                    log.warning("read-audit journal of another key not set aside: %s", type(exc).__name__)
                    continue
                log.error("read-audit journal of another key: set aside")
                _audit_set_aside(conn, "other_key")

    def _set_aside_locked(self) -> None:
        log.error("read-audit journal unreadable: set aside")
        if self._conn is not None:
            try:
                self._conn.close()
            except storage.DatabaseError:
                pass
            self._conn = None
        if self.path != ":memory:":
            _set_aside_files(self.path)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _audit_set_aside(conn: Connection, reason: str) -> None:
    """The chain's record that a journal was set aside (its entries cannot be taken in): never a silent loss."""
    chain.append(
        conn,
        ts=iso(SystemClock().now()),
        staff_id=None,
        terminal="",
        action="audit.read_journal_set_aside",
        details={"reason": reason},
    )


def _set_aside_files(path: str) -> None:
    """Rename a journal file (and its -wal/-shm) to `….unreadable-<random>`: kept on disk, never read again."""
    mark = secrets.token_hex(4)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.replace(path + suffix, f"{path}.unreadable-{mark}{suffix}")


_JOURNALS: dict[str, ReadJournal] = {}
_ARMED: weakref.WeakKeyDictionary[Database, ReadJournal] = weakref.WeakKeyDictionary()
_REGISTRY_LOCK = threading.Lock()


def arm(db: Database) -> ReadJournal:
    """Give `db`'s write transactions the take-in (idempotent). Session does this for its connection."""
    with _REGISTRY_LOCK:
        journal = _ARMED.get(db)
        if journal is None:
            key = None if db.plain else db.key_material
            probe = ReadJournal(db.path, key)
            name = probe.path if probe.path != ":memory:" else f":memory:{id(db)}"
            journal = _JOURNALS.setdefault(name, probe)
            journal.users += 1
            _ARMED[db] = journal
        return journal


def journal_for(db: Database) -> ReadJournal:
    return arm(db)


def _on_begin(db: Database, conn: Connection) -> None:
    journal = _ARMED.get(db)
    if journal is not None:
        journal.take_in(conn)


def _on_close(db: Database) -> None:
    with _REGISTRY_LOCK:
        journal = _ARMED.pop(db, None)
        if journal is None:
            return
        journal.users -= 1
        if journal.users <= 0:
            journal.close()
            for name, j in list(_JOURNALS.items()):
                if j is journal:
                    del _JOURNALS[name]


storage.add_transaction_hooks(on_begin=_on_begin, on_close=_on_close)


def record(
    db: Database,
    *,
    ts: str,
    staff_id: str | None,
    terminal: str,
    action: str,
    subject_type: str | None = None,
    subject_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> bool:
    """Audit one read (SEC-2) without waiting for another connection's write. Returns True when the entry
    went straight into the chain, False when it went to the journal (taken in by the next write)."""
    details = details or {}
    bad = chain._PERSONAL_KEYS.intersection(details)  # checked now: a bad entry must not fail a later write
    if bad:
        raise ValueError(f"audit details must not carry personal values: {sorted(bad)}")
    journal = arm(db)
    try:
        with db.transaction(wait=0) as conn:
            chain.append(
                conn,
                ts=ts,
                staff_id=staff_id,
                terminal=terminal,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                details=details,
            )
        return True
    except UserError as exc:
        if exc.key != "store.busy":
            raise
    # The writer is busy: the transaction above rolled back; the journal has a writer of its own.
    text = json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    journal.append((ts, staff_id, terminal, action, subject_type, subject_id, text))
    crashpoints.hit("audit.read_journalled")
    return False


def take_in_now(db: Database, *, wait: float | None = None) -> int:
    """Take the pending entries into the chain now (waits for the writer, `wait` as `db.transaction`): before
    the audit log is shown, exported or verified; the UI's timer. Nothing is written when no entry can be
    pending. Returns how many were taken in."""
    journal = arm(db)
    if not journal.pending_maybe:
        return 0
    before = journal.taken
    with db.transaction(wait=wait) as conn:
        journal.take_in(conn)  # the begin hook has taken them in already: this finds none
    return journal.taken - before


def pending_maybe(db: Database) -> bool:
    """Whether the journal of `db`'s store may hold entries not yet in the chain (no I/O: for a timer)."""
    journal = _ARMED.get(db)
    return journal is not None and journal.pending_maybe


def take_in_before_close(db: Database, *, wait: float = 2.0) -> int:
    """At lock, sign-out and exit (`Vault.lock()`), before `db` closes: take the journal in if it may hold
    entries. Never fails the lock: a store busy with another process's write, or any database error, leaves
    the entries committed in the journal for the next write (logged, without personal data)."""
    if db.closed or not pending_maybe(db):
        return 0
    try:
        return take_in_now(db, wait=wait)
    except (UserError, *storage.DatabaseError) as exc:
        log.warning("read-audit journal not taken in at close: %s", type(exc).__name__)
        return 0


def tag_of(db: Database) -> str:
    """The key tag in the name of `db`'s journal file (8 hex; "" for an in-memory store)."""
    return arm(db).tag


def retire(conn: Connection, tag: str) -> None:
    """Inside a write transaction on a store copied under a new key (rekey): the journal `tag` of the old key
    was taken in before the copy; once the copy is the store, that journal's files are to be removed."""
    if not tag:
        return
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (RETIRED_KEY,)).fetchone()
    tags = [t for t in (row[0] if row else "").split(",") if t]
    if tag not in tags:
        tags.append(tag)
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (RETIRED_KEY, ",".join(tags)),
    )


def remove_retired(db_path: Path | str, tag: str) -> bool:
    """After the swap of a rekey (no connection to the store open): remove the old key's journal files.
    Returns whether any was there."""
    if not tag or str(db_path) == ":memory:":
        return False
    return _remove_files(f"{os.path.realpath(db_path)}.reads-{tag}")
