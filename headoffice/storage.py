"""Head-office storage: PostgreSQL (psycopg 3) in production, SQLite as the embedded default.

One schema written once with `?` placeholders; the PostgreSQL backend rewrites them to `%s`.
`with storage.tx() as c:` is one transaction (c.one/c.all/c.execute). The change feed that
stores download carries a transaction position so a cursor never skips a row committed out
of order: on PostgreSQL each row records `pg_current_xact_id()` and a page only returns rows
of transactions older than `pg_snapshot_xmin(pg_current_snapshot())`, ordered by (tx, id);
SQLite has a single writer, so its rows commit in id order and tx = id.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from headoffice.crypto import KEYS_TABLE

TABLES = [
    """CREATE TABLE IF NOT EXISTS stores (
        code TEXT PRIMARY KEY, name TEXT NOT NULL, pubkey TEXT, enrol_code_hash TEXT,
        enrol_expires DOUBLE PRECISION, enrolled_at DOUBLE PRECISION, hwm BIGINT NOT NULL DEFAULT 0,
        last_seen DOUBLE PRECISION, last_upload DOUBLE PRECISION, last_pull DOUBLE PRECISION,
        pending INTEGER NOT NULL DEFAULT 0, cursor_tx BIGINT NOT NULL DEFAULT 0, cursor_id BIGINT NOT NULL DEFAULT 0,
        disabled INTEGER NOT NULL DEFAULT 0, audit_seq BIGINT NOT NULL DEFAULT 0, audit_hash TEXT)""",
    """CREATE TABLE IF NOT EXISTS nonces (
        store TEXT NOT NULL, nonce TEXT NOT NULL, ts DOUBLE PRECISION NOT NULL, PRIMARY KEY (store, nonce))""",
    """CREATE TABLE IF NOT EXISTS records (
        store TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL, member_id TEXT,
        op TEXT NOT NULL, payload TEXT NOT NULL, seq BIGINT NOT NULL, received_at DOUBLE PRECISION NOT NULL,
        lookup TEXT, PRIMARY KEY (store, entity, entity_id))""",
    "CREATE INDEX IF NOT EXISTS records_member ON records(member_id)",
    """CREATE TABLE IF NOT EXISTS erasures (
        member_id TEXT PRIMARY KEY, erased_at TEXT NOT NULL, origin_store TEXT, reason TEXT NOT NULL,
        request_id TEXT, received_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS receipts (
        member_id TEXT NOT NULL, store TEXT NOT NULL, receipt TEXT NOT NULL, signature TEXT NOT NULL,
        received_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (member_id, store))""",
    """CREATE TABLE IF NOT EXISTS quarantine (
        id {serial}, store TEXT NOT NULL, seq BIGINT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
        member_id TEXT, reason TEXT NOT NULL, received_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS blobs (
        sha256 TEXT PRIMARY KEY, data {blob} NOT NULL, size BIGINT NOT NULL, store TEXT NOT NULL,
        received_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS feed (
        id {serial}, tx BIGINT NOT NULL DEFAULT 0, kind TEXT NOT NULL, target_store TEXT,
        payload TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS feed_pos ON feed(tx, id)",
    """CREATE TABLE IF NOT EXISTS ho_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS audit_anchors (
        store TEXT NOT NULL, seq BIGINT NOT NULL, hash TEXT NOT NULL, received_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (store, seq))""",
    """CREATE TABLE IF NOT EXISTS audit_alarms (
        id {serial}, store TEXT NOT NULL, kind TEXT NOT NULL, anchored_seq BIGINT NOT NULL, anchored_hash TEXT,
        store_seq BIGINT NOT NULL, detected_at DOUBLE PRECISION NOT NULL, acknowledged_at DOUBLE PRECISION,
        acknowledged_by TEXT)""",
    """CREATE TABLE IF NOT EXISTS ho_audit (
        id {serial}, ts DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        store TEXT, subject TEXT, details TEXT NOT NULL DEFAULT '{{}}')""",
    KEYS_TABLE,
    # requests carried out for the whole chain (issue #18, headoffice/orders.py): payload sealed, member by blind index
    """CREATE TABLE IF NOT EXISTS chain_orders (
        order_id TEXT PRIMARY KEY, kind TEXT NOT NULL, member_id TEXT, origin_store TEXT NOT NULL,
        request_id TEXT, payload TEXT NOT NULL, holders TEXT NOT NULL, received_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS chain_orders_member ON chain_orders(member_id)",
    "CREATE INDEX IF NOT EXISTS chain_orders_request ON chain_orders(origin_store, request_id)",
    """CREATE TABLE IF NOT EXISTS order_receipts (
        order_id TEXT NOT NULL, store TEXT NOT NULL, receipt TEXT NOT NULL, signature TEXT NOT NULL,
        received_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (order_id, store))""",
    # issue #18: the chain's member register (headoffice/register.py)
    """CREATE TABLE IF NOT EXISTS member_register (
        member_key TEXT PRIMARY KEY, member_no TEXT, mobile_key TEXT, home_store TEXT NOT NULL,
        first_seen DOUBLE PRECISION NOT NULL, last_seen DOUBLE PRECISION NOT NULL,
        restricted INTEGER NOT NULL DEFAULT 0, minor INTEGER NOT NULL DEFAULT 0, erased INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS member_register_mobile ON member_register(mobile_key)",
    "CREATE INDEX IF NOT EXISTS member_register_no ON member_register(member_no)",
    """CREATE TABLE IF NOT EXISTS register_conflicts (
        id {serial}, kind TEXT NOT NULL, key_a TEXT NOT NULL, key_b TEXT NOT NULL, store_a TEXT, store_b TEXT,
        detected_at DOUBLE PRECISION NOT NULL, resolved_at DOUBLE PRECISION, UNIQUE (kind, key_a, key_b))""",
    # the incident register (PIPL Art. 57; headoffice/incidents.py): no customer's personal data
    """CREATE TABLE IF NOT EXISTS incidents (
        id {serial}, title TEXT NOT NULL, description TEXT NOT NULL, occurred_at DOUBLE PRECISION,
        found_at DOUBLE PRECISION NOT NULL, stores TEXT NOT NULL, data_kinds TEXT NOT NULL, people_affected BIGINT,
        measures TEXT, authority_told_at DOUBLE PRECISION, authority TEXT, people_told_at DOUBLE PRECISION,
        people_told_how TEXT, people_decided_at DOUBLE PRECISION, closed_at DOUBLE PRECISION, recorded_by TEXT NOT NULL,
        recorded_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS incidents_found ON incidents(found_at)",
    # the consent figures, kept by the upload apply (headoffice/consent_counts.py): counts, no personal data
    """CREATE TABLE IF NOT EXISTS consent_members (
        member_key TEXT PRIMARY KEY, latest TEXT NOT NULL, store TEXT, version TEXT)""",
    """CREATE TABLE IF NOT EXISTS consent_counts (
        store TEXT NOT NULL, version TEXT NOT NULL, purpose TEXT NOT NULL, state TEXT NOT NULL, n BIGINT NOT NULL,
        PRIMARY KEY (store, version, purpose, state))""",
    """CREATE TABLE IF NOT EXISTS consent_versions (
        store TEXT NOT NULL, version TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (store, version))""",
    # requests across stores, kept by the upload apply (headoffice/request_index.py): no personal values
    """CREATE TABLE IF NOT EXISTS request_index (
        store TEXT NOT NULL, request_id TEXT NOT NULL, member_key TEXT, type TEXT NOT NULL, status TEXT NOT NULL,
        is_open INTEGER NOT NULL, outcome TEXT, due_date TEXT NOT NULL, received_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (store, request_id))""",
    "CREATE INDEX IF NOT EXISTS request_index_open ON request_index(is_open, due_date)",
    "CREATE INDEX IF NOT EXISTS request_index_member ON request_index(member_key)",
    # console pages at scale (issue #19): quarantined rows of one store, alarm history from the audit table
    "CREATE INDEX IF NOT EXISTS quarantine_store ON quarantine(store, id)",
    "CREATE INDEX IF NOT EXISTS ho_audit_action ON ho_audit(action, store)",
    # issue #18: the merge of a customer registered twice (headoffice/merge.py): keys, member ids, rule version
    """CREATE TABLE IF NOT EXISTS member_merges (
        merged_key TEXT PRIMARY KEY, merged_id TEXT NOT NULL, survivor_key TEXT NOT NULL, survivor_id TEXT NOT NULL,
        member_no TEXT, merged_no TEXT, rule_version TEXT NOT NULL, merge_id TEXT NOT NULL UNIQUE,
        conflict_id BIGINT, merged_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS member_merges_survivor ON member_merges(survivor_key)",
    "CREATE INDEX IF NOT EXISTS member_merges_merged_id ON member_merges(merged_id)",
    "CREATE INDEX IF NOT EXISTS member_merges_survivor_id ON member_merges(survivor_id)",
    "CREATE INDEX IF NOT EXISTS register_conflicts_open ON register_conflicts(kind, resolved_at)",
]
# Columns added after a table first shipped: (table, column, type), added to older databases at start.
ADDED_COLUMNS = [
    ("records", "lookup", "TEXT"),
    ("stores", "member_prefix", "TEXT"),
    ("member_register", "merged_into", "TEXT"),  # issue #18: the survivor's key once merged (headoffice/merge.py)
]
INDEXES_AFTER = [
    "CREATE INDEX IF NOT EXISTS records_lookup ON records(lookup)",
    "CREATE UNIQUE INDEX IF NOT EXISTS stores_member_prefix ON stores(member_prefix)",  # issue #18
    "CREATE INDEX IF NOT EXISTS member_register_merged ON member_register(merged_into)",  # issue #18 merges
]


# Advisory lock keys (PostgreSQL), one per purpose; 727001 serialises schema creation at start.
# Order when a transaction takes several: a stores row (lock_store) first, then "erasure".
LOCKS = {
    "schema": 727001,
    "erasure": 727002,  # uploads hold it shared, an erasure exclusive: an erasure never races an upload's apply
    "startup": 727003,  # key check, plaintext migration and the blind-index secret at a process's start
    "serving": 727004,  # held shared by every serving process for its life: rotate-master-key needs it free
}


class _Cursor:
    def __init__(self, conn, pg: bool):
        self.conn = conn
        self.pg = pg

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.pg else sql

    def execute(self, sql, params=()):
        return self.conn.execute(self._sql(sql), tuple(params))

    def executemany(self, sql, seq):
        if self.pg:
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), list(seq))
            return None
        return self.conn.executemany(sql, list(seq))

    def one(self, sql, params=()):
        return self.execute(sql, params).fetchone()

    def all(self, sql, params=()):
        return self.execute(sql, params).fetchall()

    def scalar(self, sql, params=(), default=None):
        row = self.one(sql, params)
        return default if row is None or row[0] is None else row[0]

    def merge_json(self, old: str, new: str) -> str:
        """SQL merging two JSON object texts (journal upserts carry changed fields only)."""
        return f"({old}::jsonb || {new}::jsonb)::text" if self.pg else f"json_patch({old}, {new})"

    def lock_store(self, code: str):
        """Serialise writers of one store (PostgreSQL row lock; SQLite has one writer anyway)."""
        suffix = " FOR UPDATE" if self.pg else ""
        return self.one("SELECT code, hwm, pubkey, disabled FROM stores WHERE code = ?" + suffix, (code,))

    def lock(self, name: str, *, shared: bool = False) -> None:
        """A named lock held to the end of this transaction, across every head-office process (PostgreSQL
        advisory lock; SQLite has one writer, which is the lock). `shared` holders run together and wait
        only for an exclusive holder (and it for them). Names: LOCKS."""
        if self.pg:
            fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
            self.execute(f"SELECT {fn}(?)", (LOCKS[name],))

    def try_lock(self, name: str) -> bool:
        """Take the named lock exclusively for this transaction if no one holds it (never waits)."""
        return bool(self.scalar(f"SELECT pg_try_advisory_xact_lock({LOCKS[name]})")) if self.pg else True

    def insert_new(self, sql: str, params=()) -> bool:
        """Run `INSERT … ON CONFLICT DO NOTHING`: True when this transaction inserted the row. The database
        decides between concurrent writers (a SELECT first would let two processes both pass)."""
        if "ON CONFLICT" not in sql:
            raise ValueError("insert_new needs an INSERT … ON CONFLICT DO NOTHING")
        return self.execute(sql, params).rowcount == 1

    def add_feed(self, kind: str, payload: str, target_store: str | None, now: float) -> int:
        if self.pg:
            row = self.one(
                "INSERT INTO feed(tx, kind, target_store, payload, created_at)"
                " VALUES (pg_current_xact_id()::text::bigint, ?, ?, ?, ?) RETURNING id",
                (kind, target_store, payload, now),
            )
            return row[0]
        cur = self.execute(
            "INSERT INTO feed(kind, target_store, payload, created_at) VALUES (?,?,?,?)",
            (kind, target_store, payload, now),
        )
        fid = cur.lastrowid
        self.execute("UPDATE feed SET tx = ? WHERE id = ?", (fid, fid))
        return fid

    def feed_horizon(self) -> int | None:
        """Transactions below this position are finished: rows beyond it may still appear."""
        if self.pg:
            return int(self.scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
        return None


class SQLiteStorage:
    dialect = "sqlite"

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.init_schema()

    def init_schema(self) -> None:
        with self.tx() as c:
            for stmt in TABLES:
                c.execute(stmt.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT", blob="BLOB"))
            for table, col, typ in ADDED_COLUMNS:
                if col not in {r[1] for r in c.all(f"PRAGMA table_info({table})")}:
                    c.execute(f"ALTER TABLE {table} ADD COLUMN {col} {typ}")
            for stmt in INDEXES_AFTER:
                c.execute(stmt)

    @property
    def url(self) -> str:
        return "sqlite:///" + self.path

    @contextmanager
    def tx(self):
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Cursor(self.conn, False)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    read = tx

    def hold_while_open(self, name: str) -> None:
        """PostgreSQL only (SQLite runs one process): see PostgresStorage.hold_while_open."""

    def close(self) -> None:
        with self._lock:
            self.conn.close()


class PostgresStorage:
    dialect = "postgresql"

    def __init__(self, dsn: str, pool_size: int = 4):
        import psycopg

        self._psycopg = psycopg
        self.dsn = dsn
        self._pool: queue.LifoQueue = queue.LifoQueue()
        self._all = []
        for _ in range(pool_size):
            conn = psycopg.connect(dsn, autocommit=False)
            self._all.append(conn)
            self._pool.put(conn)
        self.init_schema()

    def init_schema(self) -> None:
        with self.tx() as c:
            c.lock("schema")
            for stmt in TABLES:
                c.execute(stmt.format(serial="BIGSERIAL PRIMARY KEY", blob="BYTEA"))
            for table, col, typ in ADDED_COLUMNS:
                c.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {col} {typ}")
            for stmt in INDEXES_AFTER:
                c.execute(stmt)

    @property
    def url(self) -> str:
        return self.dsn

    @contextmanager
    def tx(self):
        conn = self._pool.get()
        try:
            try:
                yield _Cursor(conn, True)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        finally:
            if conn.closed:
                conn = self._psycopg.connect(self.dsn, autocommit=False)
            self._pool.put(conn)

    read = tx

    def hold_while_open(self, name: str) -> None:
        """Hold the named lock shared on a connection of its own for as long as this storage is open (a
        serving process holds "serving"; closing the storage, or the process dying, releases it)."""
        conn = self._psycopg.connect(self.dsn, autocommit=True)
        conn.execute("SELECT pg_advisory_lock_shared(%s)", (LOCKS[name],))
        self._all.append(conn)

    def close(self) -> None:
        for conn in self._all:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing at shutdown: one broken connection never stops the others
                pass


def open_storage(url: str, pool_size: int = 4):
    """`sqlite:///path/to/ho.db` or `postgresql://…` (psycopg 3 DSN)."""
    if url.startswith("sqlite:///"):
        return SQLiteStorage(url[len("sqlite:///") :])
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStorage(url, pool_size=pool_size)
    raise ValueError("storage URL must start with sqlite:/// or postgresql://")
