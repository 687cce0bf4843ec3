"""The requests across stores without decrypting every record: a non-personal index kept inside the
upload apply (issue #19; the console's requests pages read it with plain indexed SQL).

`request_index` holds, per request record (store, request id): the member's blind index (so that an
erasure removes the row with the member's records), the request type, status, outcome, due date and
receive time — no personal value. It follows the records exactly: `note` after an upsert (with the
merged payload the apply holds), `drop` after a delete, `forget_member` when an erasure deletes a
member's records; `backfill` builds it once from the records an older head office holds.
"""

from __future__ import annotations

from typing import Any

from headoffice import atrest
from headoffice.crypto import Keyring

META_KEY = "request_index_v1"
CLOSED = ("done", "closed", "completed", "refused", "withdrawn", "cancelled")
COLUMNS = ("store", "request_id", "type", "status", "outcome", "due_date", "received_at")


def row_of(store: str, eid: str, member_key: str | None, payload: dict, received: float) -> tuple:
    p = payload if isinstance(payload, dict) else {}
    status = str(p.get("status") or "")[:40]
    return (
        store,
        eid,
        member_key,
        str(p.get("type") or p.get("kind") or "")[:40],
        status,
        0 if status in CLOSED else 1,
        None if p.get("outcome") is None else str(p.get("outcome"))[:40],
        str(p.get("due_on") or p.get("due_date") or p.get("due_at") or "")[:10],
        received,
    )


def note(c: Any, rows: list[tuple]) -> None:
    """Upsert index rows made by `row_of` (the apply's merged payloads)."""
    if rows:
        c.executemany(
            "INSERT INTO request_index(store, request_id, member_key, type, status, is_open, outcome, due_date,"
            " received_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(store, request_id) DO UPDATE SET"
            " member_key = COALESCE(excluded.member_key, request_index.member_key), type = excluded.type,"
            " status = excluded.status, is_open = excluded.is_open, outcome = excluded.outcome,"
            " due_date = excluded.due_date, received_at = excluded.received_at",
            rows,
        )


def drop(c: Any, store: str, eids: list[str]) -> None:
    if eids:
        c.executemany("DELETE FROM request_index WHERE store = ? AND request_id = ?", [(store, e) for e in eids])


def forget_member(c: Any, member_key: str | None) -> None:
    if member_key:
        c.execute("DELETE FROM request_index WHERE member_key = ?", (member_key,))


def backfill(keys: Keyring, c: Any) -> int:
    """Once (mark in ho_meta): index every request record already held. Returns rows indexed."""
    claimed = c.execute(
        "INSERT INTO ho_meta(key, value) VALUES (?, 'done') ON CONFLICT(key) DO NOTHING", (META_KEY,)
    ).rowcount
    if claimed != 1:
        return 0
    c.execute("DELETE FROM request_index")
    rows = [
        row_of(r["store"], r["entity_id"], r["member_key"], r["payload"], r["received_at"])
        for r in atrest.records(keys, c, entity="request")
    ]
    note(c, rows)
    return len(rows)


def _dicts(rows: list) -> list[dict]:
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows]


def open_requests(c: Any, *, overdue_before: str | None = None, due_by: str | None = None, limit: int = 200) -> dict:
    """Open requests (status not closed), earliest due first: {"rows": […] (at most `limit`), "total": n}.
    `overdue_before`: due before this ISO date; `due_by`: due on or before this date (and not before
    `overdue_before` when both are given)."""
    where = " WHERE is_open = 1"
    params: list = []
    if overdue_before is not None and due_by is None:
        where += " AND due_date <> '' AND due_date < ?"
        params.append(overdue_before)
    elif due_by is not None:
        where += " AND due_date <> '' AND due_date <= ?"
        params.append(due_by)
        if overdue_before is not None:
            where += " AND due_date >= ?"
            params.append(overdue_before)
    total = int(c.scalar("SELECT count(*) FROM request_index" + where, params, 0))
    sql = f"SELECT {', '.join(COLUMNS)} FROM request_index{where}"
    sql += " ORDER BY due_date, store, request_id LIMIT ?"  # no due date first: a request without a clock
    return {"rows": _dicts(c.all(sql, [*params, int(limit)])), "total": total}


def one(c: Any, store: str, rid: str) -> dict | None:
    r = c.one(f"SELECT {', '.join(COLUMNS)} FROM request_index WHERE store = ? AND request_id = ?", (store, rid))
    return None if r is None else _dicts([r])[0]
