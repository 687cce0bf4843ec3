"""SQLCipher connection: raw 256-bit key, WAL, secure_delete, temp in memory.

`Database` wraps one sqlcipher3 connection. Writes go through `transaction()`
(BEGIN IMMEDIATE … COMMIT/ROLLBACK). Plain SQLite can be opened with key=None for
benchmarks only (the app always uses a key).

Two connections per signed-in terminal (the vault opens both): the UI's, and one for background
jobs (`background=True`: backup, POS folder import, retention sweep, sync), so a counter search
reads while a job writes (WAL). SQLite has one writer: the write transactions of every Database on
the same file in this process take turns at a `WriterGate`, the UI's first, and a write that cannot
start in time raises UserError("store.busy") instead of "database is locked". `stop()` (on lock)
interrupts the job's running statement and refuses its next one (`JobStopped`): the open
transaction rolls back, the batches committed before it stay.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import sqlcipher3.dbapi2 as sqlcipher
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.errors import StoreError, UserError
from app.storage import faults
from app.storage.migrations import migrate as run_migrations

log = logging.getLogger("memberdesk.store")

KEY_BYTES = 32
BUSY_SECONDS = 10  # SQLite busy timeout: a write waiting for another process's writer (the admin command)
UI_WAIT_SECONDS = 30  # how long a UI write waits for a background job's transaction before store.busy
JOB_WAIT_SECONDS = 600  # how long a background job's write waits behind the UI's writes
CHECKPOINT_MINUTES = 1.0  # the UI's periodic passive WAL checkpoint on the background connection
DatabaseError = (sqlcipher.DatabaseError, sqlite3.DatabaseError)
OperationalError = (sqlcipher.OperationalError, sqlite3.OperationalError)


# -- types ---------------------------------------------------------------------------------------------
# sqlcipher3 ships no type information: its rows and cursors are typed here by what the code uses of them.
Row: TypeAlias = Any
"""One result row (sqlite3.Row or sqlcipher3's Row): by position and by column name."""
Params: TypeAlias = Sequence[Any] | Mapping[str, Any]
"""Statement parameters: a tuple or list for `?`, a mapping for `:name`."""


class Cursor(Protocol):
    """What the code uses of a cursor (sqlite3.Cursor, sqlcipher3's Cursor)."""

    @property
    def rowcount(self) -> int: ...

    @property
    def lastrowid(self) -> int | None: ...

    def fetchone(self) -> Row: ...

    def fetchall(self) -> list[Row]: ...

    def __iter__(self) -> Iterator[Row]: ...


class Connection(Protocol):
    """The connection the body of a write transaction gets (`Database.transaction()`): a raw
    sqlcipher3/sqlite3 connection, or for a background job one that refuses statements once stopped."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, params: Params = ..., /) -> Cursor: ...

    def executemany(self, sql: str, seq: Iterable[Params], /) -> Cursor: ...

    def executescript(self, script: str, /) -> Cursor: ...


class RawConnection(Connection, Protocol):
    """The sqlcipher3/sqlite3 connection a Database holds (`Database.conn`)."""

    row_factory: Any

    def close(self) -> None: ...

    def interrupt(self) -> None: ...


class Queries(Protocol):
    """The query helpers shared by `Database` (autocommit reads) and an open transaction's handle
    (`ConnQueries`: a session's `Tx`, sync's page). Functions that read either way take this."""

    def execute(self, sql: str, params: Params = ()) -> Cursor: ...

    def executemany(self, sql: str, seq: Iterable[Params]) -> Cursor: ...

    def one(self, sql: str, params: Params = ()) -> Row | None: ...

    def all(self, sql: str, params: Params = ()) -> list[Row]: ...

    def scalar(self, sql: str, params: Params = (), default: Any = None) -> Any: ...


class JobStopped(StoreError):
    """The background connection was stopped (lock, sign-out, exit) while a job used it."""

    key = "store.job_stopped"


def _is_disk_full(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "disk is full" in text or "database or disk is full" in text or getattr(exc, "errno", None) == errno.ENOSPC


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


class WriterGate:
    """Turns for the write transactions of the connections to one database file in this process.

    SQLite lets one connection write at a time; a second one polls with sleeps and may keep missing
    the short gaps between a batch job's transactions. Here the waiting writer is woken as soon as the
    other commits, and a UI write goes before any background write that is waiting too."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._owner: int | None = None
        self._depth = 0
        self._ui_waiting = 0

    def acquire(self, *, ui: bool, timeout: float, stopped: threading.Event | None = None) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return
            if ui:
                self._ui_waiting += 1
            try:
                free = self._cond.wait_for(
                    lambda: (
                        (stopped is not None and stopped.is_set())
                        or (self._owner is None and (ui or self._ui_waiting == 0))
                    ),
                    timeout,
                )
            finally:
                if ui:
                    self._ui_waiting -= 1
            if stopped is not None and stopped.is_set():
                self._cond.notify_all()
                raise JobStopped()
            if not free:
                raise UserError("store.busy")
            self._owner, self._depth = me, 1

    def release(self) -> None:
        with self._cond:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._cond.notify_all()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    @property
    def ui_waiting(self) -> bool:
        """A UI write is waiting for its turn (a batch job may commit early and let it in)."""
        return self._ui_waiting > 0


_GATES: dict[str, WriterGate] = {}
_GATES_LOCK = threading.Lock()


def writer_gate(path: Path | str) -> WriterGate:
    """The gate shared by every Database on this file in this process."""
    if str(path) == ":memory:":
        return WriterGate()  # a database of its own
    key = os.path.realpath(path)
    with _GATES_LOCK:
        return _GATES.setdefault(key, WriterGate())


class _StoppableConn:
    """The connection as a background job's transaction body sees it: after `stop()` every new
    statement (and every further row of an executemany) is refused."""

    __slots__ = ("_conn", "_stopped")

    def __init__(self, conn: Connection, stopped: threading.Event):
        self._conn, self._stopped = conn, stopped

    def _check(self) -> None:
        if self._stopped.is_set():
            raise JobStopped()

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def execute(self, sql: str, params: Params = (), /) -> Cursor:
        self._check()
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, seq: Iterable[Params], /) -> Cursor:
        self._check()

        def rows() -> Iterator[Params]:
            for row in seq:
                self._check()
                yield row

        return self._conn.executemany(sql, rows())

    def executescript(self, script: str, /) -> Cursor:
        self._check()
        return self._conn.executescript(script)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class ConnQueries:
    """Query helpers over `self.conn` for objects that live inside one open transaction
    (the write handle of a session, sync's page handle)."""

    conn: Connection

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, seq: Iterable[Params]) -> Cursor:
        return self.conn.executemany(sql, seq)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Params = (), default: Any = None) -> Any:
        row = self.one(sql, params)
        return default if row is None else row[0]


def ledger_subkey(key: bytes) -> bytes:
    """The key the erasure ledger's lines are authenticated with: HKDF-SHA256(data key), own info label."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"memberdesk/erasure-ledger-mac/v1").derive(
        bytes(key)
    )


BeginHook: TypeAlias = Callable[["Database", Connection], None]
CloseHook: TypeAlias = Callable[["Database"], None]
_BEGIN_HOOKS: list[BeginHook] = []
_CLOSE_HOOKS: list[CloseHook] = []


def add_transaction_hooks(*, on_begin: BeginHook, on_close: CloseHook) -> None:
    """`on_begin(db, conn)` runs inside every write transaction right after BEGIN (its writes commit or roll
    back with the transaction); `on_close(db)` when a Database closes. Used by app.audit.journal to take
    the read-audit journal into the chain; storage knows nothing of what the hooks do."""
    if on_begin not in _BEGIN_HOOKS:
        _BEGIN_HOOKS.append(on_begin)
    if on_close not in _CLOSE_HOOKS:
        _CLOSE_HOOKS.append(on_close)


class Database:
    def __init__(self, path: Path | str, key: bytes | None, *, plain: bool = False, background: bool = False):
        self.path: Path | str = Path(path) if str(path) != ":memory:" else path
        self.plain = plain
        self.background = background
        self._lock = threading.RLock()
        self._gate = writer_gate(path)
        self._stopped = threading.Event()
        self._close_pending = False
        self._depth = 0  # nested calls of the thread holding the connection
        self.closed = False
        # The erasure ledger's MAC key (app.erasure): HKDF of the data key with its own label.
        self.ledger_key = ledger_subkey(key) if key is not None and len(key) == KEY_BYTES else None
        self._key = bytes(key) if key is not None else None  # to reopen after a damaged page (reset)
        self.conn: RawConnection = self._connect()

    def _connect(self) -> RawConnection:
        """A new connection with the key and pragmas; a wrong key or a damaged header: store.unreadable."""
        mod: Any = sqlite3 if self.plain else sqlcipher
        try:
            conn: RawConnection = mod.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=BUSY_SECONDS
            )
        except DatabaseError as exc:
            raise StoreError("store.unreadable") from exc
        conn.row_factory = mod.Row
        try:
            if not self.plain:
                key = self._key
                if key is None or len(key) != KEY_BYTES:
                    raise ValueError("a 32-byte key is required")
                conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            # Touch the file: a wrong key, a damaged header or a non-database fails here.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA cache_size = -32000")  # 32 MB page cache: searches at 1M members
        except DatabaseError as exc:
            conn.close()
            raise StoreError("store.unreadable") from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def damaged_pages(self) -> list[int]:
        """Pages whose HMAC fails (`PRAGMA cipher_integrity_check`; plain SQLite: `quick_check`). Reads the
        whole file; leaves the connection usable."""
        pragma = "PRAGMA quick_check" if self.plain else "PRAGMA cipher_integrity_check"
        with self._lock:
            try:
                rows = self.conn.execute(pragma).fetchall()
            except DatabaseError:
                return []
        lines = [str(r[0]) for r in rows if str(r[0]).lower() != "ok"]
        return faults.damaged_pages(lines)

    def _reset_after_damage(self, exc: BaseException) -> StoreError:
        """The connection met a damaged page (SQLCipher then refuses every further read and write on it):
        close it, open a fresh one, and say which pages are damaged."""
        log.error("damaged database page met: %s", type(exc).__name__)
        try:
            self.conn.close()
        except DatabaseError:
            pass
        try:
            self.conn = self._connect()
        except StoreError as reopen_exc:
            self.closed = True
            return reopen_exc
        pages = self.damaged_pages()
        if not pages and "readonly" in str(exc).lower():
            return StoreError("store.not_writable")
        return StoreError("store.damaged", pages=faults.page_ranges(pages))

    # -- queries -----------------------------------------------------------------
    @contextmanager
    def _use(self) -> Iterator[Connection]:
        """The connection for one call: refused once stopped; SQLite's busy/interrupt errors become
        messages; a close asked for while a job held the connection happens when it lets go."""
        if self._stopped.is_set():
            raise JobStopped()
        with self._lock:
            self._depth += 1
            try:
                yield self.conn
            except DatabaseError as exc:
                if self._stopped.is_set():
                    raise JobStopped() from exc
                if _is_busy(exc):
                    raise UserError("store.busy") from exc
                if faults.is_damage_error(exc) and not self.closed:
                    raise self._reset_after_damage(exc) from None
                raise
            finally:
                self._depth -= 1
                if self._close_pending and self._depth == 0:
                    self._close_locked(checkpoint=False)

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        with self._use() as conn:
            return conn.execute(sql, params)

    def executemany(self, sql: str, seq: Iterable[Params]) -> Cursor:
        with self._use() as conn:
            return conn.executemany(sql, seq)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        with self._use() as conn:
            return conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        with self._use() as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Params = (), default: Any = None) -> Any:
        row = self.one(sql, params)
        return default if row is None else row[0]

    @property
    def key_material(self) -> bytes | None:
        """The key this connection was opened with (for a side file under a key derived from it)."""
        return self._key

    @contextmanager
    def transaction(self, *, wait: float | None = None) -> Iterator[Connection]:
        """One atomic write. Disk-full and a writer that would not let go become user messages;
        nothing half-written stays. The turn at the writer gate comes first: waiting for it does not
        hold this connection (another thread may read through it meanwhile). `wait=0`: store.busy at
        once when another connection of this process holds the writer."""
        if self._stopped.is_set():
            raise JobStopped()
        if wait is None:
            wait = JOB_WAIT_SECONDS if self.background else UI_WAIT_SECONDS
        self._gate.acquire(ui=not self.background, timeout=wait, stopped=self._stopped if self.background else None)
        try:
            with self._use() as conn:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except DatabaseError as exc:
                    if _is_disk_full(exc):
                        raise UserError("error.disk_full") from exc
                    raise
                try:
                    for hook in _BEGIN_HOOKS:
                        hook(self, conn)
                    yield _StoppableConn(conn, self._stopped) if self.background else conn
                    conn.execute("COMMIT")
                except BaseException as exc:
                    try:
                        conn.execute("ROLLBACK")
                    except DatabaseError:
                        pass
                    if isinstance(exc, DatabaseError) and _is_disk_full(exc):
                        raise UserError("error.disk_full") from exc
                    raise  # a damaged page: _use reopens the connection and says so (store.damaged)
        finally:
            self._gate.release()

    def checkpoint(self, *, passive: bool = False) -> None:
        """Move the WAL into the main file and truncate it, so erased bytes leave the WAL too. `passive`: copy
        what can be copied now without waiting for readers or blocking writers (the periodic job's)."""
        with self._use() as conn:
            conn.execute(f"PRAGMA wal_checkpoint({'PASSIVE' if passive else 'TRUNCATE'})").fetchall()

    def leave_checkpoints_to_jobs(self) -> None:
        """This connection's commits no longer run SQLite's WAL auto-checkpoint. For the counter's connection:
        a small commit that happens to find more than 1,000 pages in the WAL (what a POS import batch left
        when a read kept its own checkpoint from finishing) would copy all of it into the main file first —
        0.2 s for a 50,000-row batch (docs/bench/counter.md). The background connection's commits, a periodic
        `checkpoint(passive=True)` on it and the checkpoint at close do that work instead."""
        with self._use() as conn:
            conn.execute("PRAGMA wal_autocheckpoint = 0").fetchall()

    @property
    def ui_write_waiting(self) -> bool:
        """A UI write waits for this file's writer: a batch job may commit a smaller batch to let it in."""
        return self._gate.ui_waiting

    # -- stopping and closing -------------------------------------------------------
    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self) -> None:
        """Ask the job using this connection to stop (from any thread): its running statement is
        interrupted, every further call raises JobStopped, its transaction rolls back."""
        self._stopped.set()
        self._gate.wake()
        if not self.closed:
            try:
                self.conn.interrupt()
            except DatabaseError:
                pass

    def close(self, *, checkpoint: bool = True, wait: float | None = None) -> bool:
        """Close the connection (after a checkpoint unless told otherwise). With `wait`, give up after
        that many seconds if another thread still holds it: it is then closed when that thread lets go.
        Returns whether it is closed now."""
        if not self._lock.acquire(timeout=-1 if wait is None else wait):
            self._close_pending = True
            if not self._lock.acquire(blocking=False):  # else it let go just now: close it here
                log.warning("a background job still holds the database connection; it is closed when the job stops")
                return False
        try:
            self._close_locked(checkpoint)
        finally:
            self._lock.release()
        return True

    def _close_locked(self, checkpoint: bool) -> None:
        if self.closed:
            return
        if checkpoint:
            try:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            except DatabaseError:
                pass
        self.conn.close()
        self.closed = True
        self._close_pending = False
        for hook in _CLOSE_HOOKS:
            hook(self)


def open_database(path: Path | str, key: bytes | None, *, plain: bool = False, migrate: bool = True) -> Database:
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
    with db._use() as conn:  # a background job's copy stops when the app locks (the copy is deleted)
        version = db.scalar("PRAGMA user_version", default=0)
        try:
            conn.execute(f"ATTACH DATABASE ? AS export_target KEY \"x'{key.hex()}'\"", (str(target),))
            try:
                conn.execute("SELECT sqlcipher_export('export_target')").fetchall()
                conn.execute(f"PRAGMA export_target.user_version = {int(version)}")
            finally:
                conn.execute("DETACH DATABASE export_target")
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
