"""SQLCipher connection: raw 256-bit key, WAL, secure_delete, temp in memory.

`Database` wraps one sqlcipher3 connection. Writes go through `transaction()`
(BEGIN IMMEDIATE … COMMIT/ROLLBACK). Plain SQLite can be opened with key=None for
benchmarks only (the app always uses a key).
"""
from __future__ import annotations

import errno
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher

from app.errors import StoreError, UserError

KEY_BYTES = 32
DatabaseError = (sqlcipher.DatabaseError, sqlite3.DatabaseError)
OperationalError = (sqlcipher.OperationalError, sqlite3.OperationalError)


def _is_disk_full(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "disk is full" in text or "database or disk is full" in text or getattr(exc, "errno", None) == errno.ENOSPC


class ConnQueries:
    """Query helpers over `self.conn` for objects that live inside one open transaction
    (the write handle of a session, sync's page handle)."""

    def execute(self, sql, params=()):
        return self.conn.execute(sql, params)

    def executemany(self, sql, seq):
        return self.conn.executemany(sql, seq)

    def one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql, params=()):
        return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql, params=(), default=None):
        row = self.one(sql, params)
        return default if row is None else row[0]


class Database:
    def __init__(self, path: Path | str, key: bytes | None, *, plain: bool = False):
        self.path = Path(path) if str(path) != ":memory:" else path
        self.plain = plain
        self._lock = threading.RLock()
        mod = sqlite3 if plain else sqlcipher
        try:
            self.conn = mod.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
        except DatabaseError as exc:
            raise StoreError("store.unreadable") from exc
        self.conn.row_factory = mod.Row
        try:
            if not plain:
                if key is None or len(key) != KEY_BYTES:
                    raise ValueError("a 32-byte key is required")
                self.conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            # Touch the file: a wrong key, a damaged header or a non-database fails here.
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self.conn.execute("PRAGMA journal_mode = WAL").fetchone()
            self.conn.execute("PRAGMA secure_delete = ON")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA temp_store = MEMORY")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA cache_size = -32000")      # 32 MB page cache: searches at 1M members
        except DatabaseError as exc:
            self.conn.close()
            raise StoreError("store.unreadable") from exc

    # -- queries -----------------------------------------------------------------
    def execute(self, sql: str, params=()):
        with self._lock:
            return self.conn.execute(sql, params)

    def executemany(self, sql: str, seq):
        with self._lock:
            return self.conn.executemany(sql, seq)

    def one(self, sql: str, params=()):
        with self._lock:
            return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params=()):
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params=(), default=None):
        row = self.one(sql, params)
        return default if row is None else row[0]

    @contextmanager
    def transaction(self):
        """One atomic write. Disk-full becomes a user message; nothing half-written stays."""
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except DatabaseError as exc:
                if _is_disk_full(exc):
                    raise UserError("error.disk_full") from exc
                raise
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException as exc:
                try:
                    self.conn.execute("ROLLBACK")
                except DatabaseError:
                    pass
                if isinstance(exc, DatabaseError) and _is_disk_full(exc):
                    raise UserError("error.disk_full") from exc
                if isinstance(exc, DatabaseError) and "malformed" in str(exc).lower():
                    raise StoreError("store.unreadable") from exc
                raise

    def checkpoint(self) -> None:
        """Move the WAL into the main file and truncate it, so erased bytes leave the WAL too."""
        with self._lock:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        with self._lock:
            try:
                self.checkpoint()
            except DatabaseError:
                pass
            self.conn.close()


def open_database(path: Path | str, key: bytes | None, *, plain: bool = False, migrate: bool = True) -> Database:
    from app.store.migrations import migrate as run_migrations

    db = Database(path, key, plain=plain)
    if migrate:
        try:
            run_migrations(db)
        except BaseException:
            db.conn.close()
            raise
    return db


def export_copy(db: Database, target: Path, key: bytes) -> None:
    """Online copy of the whole DB into a new SQLCipher file under `key` (backup, rekey).

    The copy is written next to its final place, fsynced, and left for the caller to rename.
    """
    target = Path(target)
    if target.exists():
        target.unlink()
    with db._lock:
        version = db.scalar("PRAGMA user_version", default=0)
        try:
            db.conn.execute(f"ATTACH DATABASE ? AS export_target KEY \"x'{key.hex()}'\"", (str(target),))
            try:
                db.conn.execute("SELECT sqlcipher_export('export_target')").fetchall()
                db.conn.execute(f"PRAGMA export_target.user_version = {int(version)}")
            finally:
                db.conn.execute("DETACH DATABASE export_target")
        except DatabaseError as exc:
            try:
                target.unlink()
            except OSError:
                pass
            if _is_disk_full(exc):
                raise UserError("error.disk_full") from exc
            raise
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())
