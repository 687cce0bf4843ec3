"""Numbered SQL migrations (NNNN_name.sql beside this file), each in one transaction.

The applied versions are recorded in the table schema_migrations and in PRAGMA user_version.
A database whose version is newer than the newest file here is refused.
"""
from __future__ import annotations

import re
from pathlib import Path

from app.errors import StoreError

_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def available() -> list[tuple[int, str, Path]]:
    found = []
    for p in sorted(_DIR.glob("*.sql")):
        m = _NAME.match(p.name)
        if m:
            found.append((int(m.group(1)), m.group(2), p))
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migration numbers must be 1..N without gaps: {versions}")
    return found


def latest_version() -> int:
    return len(available())


def current_version(db) -> int:
    return int(db.scalar("PRAGMA user_version", default=0))


def migrate(db, target: int | None = None) -> int:
    """Apply every migration above the DB's version, up to `target` (default: all)."""
    migrations = available()
    newest = len(migrations)
    have = current_version(db)
    if have > newest:
        raise StoreError("store.too_new", found=have, supported=newest)
    target = newest if target is None else target
    for version, name, path in migrations:
        if version <= have or version > target:
            continue
        sql = path.read_text("utf-8")
        try:
            db.conn.executescript(
                "BEGIN IMMEDIATE;\n" + sql + "\n"
                "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));\n"
                f"INSERT INTO schema_migrations(version, name) VALUES ({version}, '{name}');\n"
                f"PRAGMA user_version = {version};\n"
                "COMMIT;"
            )
        except Exception:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
    return current_version(db)
