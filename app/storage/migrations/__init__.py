"""Numbered SQL migrations (NNNN_name.sql beside this file), each in one transaction.

The applied versions are recorded in the table schema_migrations and in PRAGMA user_version.
A database whose version is newer than the newest file here is refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import StoreError

if TYPE_CHECKING:
    from app.storage.db import Database

_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def available() -> list[tuple[int, str, Path]]:
    found = []
    for p in sorted(_DIR.glob("*.sql")):
        m = _NAME.match(p.name)
        if m:
            found.append((int(m.group(1)), m.group(2), p))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def latest_version() -> int:
    found = available()
    return found[-1][0] if found else 0


def applied_versions(db: Database) -> set[int]:
    if not db.one("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"):
        return set()
    return {int(r[0]) for r in db.all("SELECT version FROM schema_migrations")}


def current_version(db: Database) -> int:
    return int(db.scalar("PRAGMA user_version", default=0))


def migrate(db: Database, target: int | None = None) -> int:
    """Apply every migration above the DB's version, up to `target` (default: all)."""
    migrations = available()
    newest = migrations[-1][0] if migrations else 0
    have = current_version(db)
    if have > newest:
        raise StoreError("store.too_new", found=have, supported=newest)
    done = applied_versions(db)
    target = newest if target is None else target
    for version, name, path in migrations:
        if version in done or version > target:
            continue
        sql = path.read_text("utf-8")
        try:
            db.conn.executescript(
                "BEGIN IMMEDIATE;\n" + sql + "\n"
                "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));\n"
                f"INSERT INTO schema_migrations(version, name) VALUES ({version}, '{name}');\n"
                f"PRAGMA user_version = {max(version, have)};\n"
                "COMMIT;"
            )
        except Exception:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        have = max(version, have)
    return current_version(db)
