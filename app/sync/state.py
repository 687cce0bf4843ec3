"""The store's sync state (table sync_state), the sync log, and `sync_status(db)` for the status bar."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from app.settings import get_setting

if TYPE_CHECKING:
    from app.storage.db import Connection, Database, Queries


def get_state(db: Queries, key: str, default: Any = None) -> Any:
    row = db.one("SELECT value FROM sync_state WHERE key = ?", (key,))
    return default if row is None else json.loads(row[0])


def set_state(conn: Connection | Queries, key: str, value: Any) -> None:
    """Inside the caller's transaction (conn = Database, transaction connection or Tx)."""
    conn.execute(
        "INSERT INTO sync_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value)),
    )


def save_state(db: Database, **values: Any) -> None:
    with db.transaction() as conn:
        for k, v in values.items():
            set_state(conn, k, v)


def pending_count(db: Queries) -> int:
    """Sequence numbers not yet acknowledged: a span row counts `span`, less its part already acked."""
    acked = int(get_state(db, "acked_seq", 0) or 0)
    n = int(db.scalar("SELECT coalesce(sum(span), 0) FROM change_journal WHERE seq > ?", (acked,), 0))
    end = db.scalar(
        "SELECT seq + span - 1 FROM change_journal WHERE seq = (SELECT max(seq) FROM change_journal WHERE seq <= ?)",
        (acked,),
    )
    return n + max(0, int(end or 0) - acked)


def sync_status(db: Queries) -> dict[str, Any]:
    """For the main window's status bar: {enrolled, store_code, last_success, last_attempt, last_error,
    pending, resync_required, interval_minutes, clock_offset}. Times are ISO strings (store clock)."""
    return {
        "enrolled": get_state(db, "private_key") is not None,
        "store_code": get_state(db, "store_code"),
        "url": get_state(db, "url"),
        "last_success": get_state(db, "last_success"),
        "last_attempt": get_state(db, "last_attempt"),
        "last_error": get_state(db, "last_error"),
        "pending": pending_count(db),
        "resync_required": bool(get_state(db, "resync_required", False)),
        "interval_minutes": int(get_setting(db, "sync_interval_minutes", 15) or 15),
        "clock_offset": float(get_state(db, "clock_offset", 0.0) or 0.0),
        "inbox": int(db.scalar("SELECT count(*) FROM sync_inbox", (), 0)),
        # SEC-2: how far head office has confirmed the audit chain, and its alarm (app/sync/anchor.py)
        "audit_anchor_seq": int((get_state(db, "audit_anchor") or {}).get("seq", 0) or 0),
        "audit_anchored_at": (get_state(db, "audit_anchor") or {}).get("at"),
        "audit_alarm": get_state(db, "audit_alarm"),
        # a head-office row refused for good (e.g. a retention rule over the policy's limit): {kind, key, detail, at}
        "feed_refusal": get_state(db, "feed_refusal"),
    }


def sync_log(db: Queries, limit: int = 200) -> list[dict[str, Any]]:
    rows = db.all(
        "SELECT id, started_at, finished_at, trigger, outcome, uploaded, downloaded, erasures, message_key,"
        " detail FROM sync_log ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [dict(r) for r in rows]
