"""The change journal as sync reads it: span rows, their expansion at upload time, acknowledgement
and pruning, and the repairs when head office's high-water mark and the journal disagree.

A journal row normally stands for one sequence number. A *span row* stands for `span` consecutive
ones (seq .. seq+span-1): a POS import batch is journalled as one row

    add_purchase_batch(tx, ts=now, store_code=store, import_id=imp, first_id=a, last_id=b)

and `expand()` turns it into one ordinary row per purchase when it is uploaded, from the purchases
as they are then: a purchase deleted since, or unlinked by its member's erasure, travels as a
`scrubbed` row (head office skips those). Head office only ever sees ordinary rows with strictly
increasing sequence numbers.

Rows head office has acknowledged are deleted (`acknowledge`): they keep old values of corrected
fields, and nothing at the store reads them again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.sync.state import get_state, set_state

if TYPE_CHECKING:
    from app.storage.db import Connection, Database, Params, Queries, Row

Expander = Callable[["Queries", dict[str, Any], int, int], list[dict[str, Any]]]
"""fn(db, journal row, lo, hi) -> the upload rows for sequence numbers lo..hi of a span row."""

_COLS = "seq, ts, entity, entity_id, op, payload, member_id, span"
_EXPANDERS: dict[str, Expander] = {}  # entity -> how its span rows expand (register_expander)


def register_expander(entity: str, fn: Expander) -> None:
    """The domain that journals span rows of `entity` says how one expands:
    fn(db, row, lo, hi) -> upload rows for sequence numbers lo..hi (app.purchases.records: purchase_batch)."""
    _EXPANDERS[entity] = fn


# -- writing ------------------------------------------------------------------------------------
def _raise_sequence(conn: Connection | Queries, value: int) -> None:
    """The next journal row gets a sequence number above `value` (AUTOINCREMENT's counter)."""
    if (
        conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'change_journal'", (value,)).rowcount
        == 0
    ):
        conn.execute("INSERT INTO sqlite_sequence(name, seq) VALUES ('change_journal', ?)", (value,))


def add_span_row(
    conn: Connection | Queries, *, ts: str, entity: str, entity_id: str, op: str, payload: dict[str, Any], span: int
) -> int:
    """Insert one journal row standing for `span` sequence numbers and reserve them: the row gets seq,
    the next row seq + span. conn: the write's Tx (or a transaction connection). Returns seq.
    The entity needs an expander here (`purchase_batch`); member_id stays NULL (expansion decides)."""
    span = int(span)
    if span < 1:
        raise ValueError("span must be at least 1")
    if span > 1 and entity not in _EXPANDERS:
        raise ValueError(f"no expander for span rows of entity {entity!r}")
    cur = conn.execute(
        "INSERT INTO change_journal(ts, entity, entity_id, op, payload, member_id, span) VALUES (?,?,?,?,?,NULL,?)",
        (ts, entity, entity_id, op, json.dumps(payload or {}, ensure_ascii=False, sort_keys=True), span),
    )
    if cur.lastrowid is None:  # an INSERT always has one
        raise RuntimeError("change_journal insert without a row id")
    seq = int(cur.lastrowid)
    if span > 1:
        _raise_sequence(conn, seq + span - 1)
    return seq


def add_purchase_batch(
    conn: Connection | Queries, *, ts: str, store_code: str, import_id: int, first_id: int, last_id: int
) -> int:
    """One journal row for the purchases first_id..last_id (consecutive ids, all of import `import_id`)."""
    first_id, last_id, import_id = int(first_id), int(last_id), int(import_id)
    if last_id < first_id:
        raise ValueError("empty purchase batch")
    return add_span_row(
        conn,
        ts=ts,
        entity="purchase_batch",
        entity_id=f"{store_code}:{import_id}:{first_id}",
        op="expand",
        payload={"import_id": import_id, "first_id": first_id, "last_id": last_id},
        span=last_id - first_id + 1,
    )


def last_seq(db: Queries) -> int:
    """The highest sequence number the journal has handed out (reserved spans included), pruned or not."""
    return int(db.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'change_journal'", (), 0) or 0)


# -- reading and expanding ----------------------------------------------------------------------
def _as_dict(r: Row) -> dict[str, Any]:
    return {
        "seq": int(r[0]),
        "ts": r[1],
        "entity": r[2],
        "entity_id": r[3],
        "op": r[4],
        "payload": json.loads(r[5] or "{}"),
        "member_id": r[6],
        "span": int(r[7]),
    }


def _one(conn: Connection | Queries, sql: str, params: Params = ()) -> Row | None:
    """A row from a Database, a Tx or a bare transaction connection."""
    return conn.execute(sql, params).fetchone()


def _value(conn: Connection | Queries, sql: str, params: Params = ()) -> Any:
    """The first column of an aggregate query's one row (min, max: NULL on an empty table)."""
    row = _one(conn, sql, params)
    return None if row is None else row[0]


def _straddling(conn: Connection | Queries, after: int) -> Row | None:
    """The row whose span covers `after` and goes beyond it (its tail is still to send), or None."""
    r = _one(
        conn,
        f"SELECT {_COLS} FROM change_journal WHERE seq = (SELECT max(seq) FROM change_journal WHERE seq <= ?)",
        (after,),
    )
    return r if r is not None and int(r[0]) + int(r[7]) - 1 > after else None


def pending_rows(db: Queries, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` upload rows with seq > after, span rows expanded (one query per span)."""
    rows = []
    head = _straddling(db, after)
    if head is not None:
        rows.append(_as_dict(head))
    rows += [
        _as_dict(r)
        for r in db.all(f"SELECT {_COLS} FROM change_journal WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit))
    ]
    return expand(db, rows, after=after, limit=limit)


def expand(
    db: Queries, rows: list[dict[str, Any]], *, after: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    """Journal rows (dicts with seq, ts, entity, entity_id, op, payload, member_id, span) as upload rows:
    a span row becomes one row per sequence number. Only seqs > after; at most `limit` rows."""
    out: list[dict[str, Any]] = []
    for row in rows:
        if limit is not None and len(out) >= limit:
            break
        span = int(row.get("span", 1) or 1)
        lo, hi = max(int(row["seq"]), after + 1), int(row["seq"]) + span - 1
        if limit is not None:
            hi = min(hi, lo + limit - len(out) - 1)
        if lo > hi:
            continue
        if row["entity"] in _EXPANDERS:  # a batch of one purchase is a span row of span 1
            out += _EXPANDERS[row["entity"]](db, row, lo, hi)
        else:
            out.append({k: row[k] for k in ("seq", "ts", "entity", "entity_id", "op", "payload", "member_id")})
    return out


# -- acknowledgement, pruning, repairs ----------------------------------------------------------
def acked_seq(db: Queries) -> int:
    return int(get_state(db, "acked_seq", 0) or 0)


def sent_seq(db: Queries) -> int:
    """The highest sequence number this database has put into an upload request (acked_seq for a
    store that synced before this was recorded)."""
    return max(int(get_state(db, "sent_seq", 0) or 0), acked_seq(db))


def mark_sent(db: Database, seq: int) -> None:
    if seq > sent_seq(db):
        with db.transaction() as conn:
            set_state(conn, "sent_seq", int(seq))


def acknowledge(conn: Connection | Queries, ack: int) -> int:
    """Save head office's acknowledgement and delete the rows it wholly covers (seq + span - 1 <= ack),
    in the caller's transaction. Returns how many rows were deleted."""
    set_state(conn, "acked_seq", int(ack))
    return conn.execute("DELETE FROM change_journal WHERE seq <= ? AND seq + span - 1 <= ?", (ack, ack)).rowcount


def unavailable(db: Queries, acked: int, hwm: int) -> tuple[int, int] | None:
    """Head office says its mark is `hwm`, below our `acked`: the range of sequence numbers in
    (hwm, acked] this journal no longer holds (pruned after they were acknowledged), or None."""
    first = _value(db, "SELECT min(seq) FROM change_journal")
    top = acked if first is None else min(acked, int(first) - 1)
    return (hwm + 1, top) if top > hwm else None


def rejournal_erasures(conn: Connection | Queries, ts: str) -> int:
    """Journal an `erase` row again for every erasure in the store's ledger (head office lost rows the
    store had pruned, and those may have held erasures: RIG-3). Head office applies each one once."""
    return conn.execute(
        "INSERT INTO change_journal(ts, entity, entity_id, op, payload, member_id)"
        " SELECT ?, 'erasure', member_id, 'erase', json_object('erased_at', erased_at, 'member_id', member_id,"
        " 'reason', reason, 'request_id', request_id, 'store_code', store_code), NULL"
        " FROM erasure_ledger ORDER BY erased_at, member_id",
        (ts,),
    ).rowcount


def renumber_above(conn: Connection | Queries, sent: int, hwm: int) -> tuple[int, int]:
    """Head office holds sequence numbers up to `hwm` that this database never sent (it was restored
    from an older backup): move every row not yet sent (ending above `sent`) to just above `hwm`,
    order and spans kept, and the counter with them. Returns (rows moved, shift)."""
    head = _straddling(conn, sent)
    first = (
        int(head[0]) if head is not None else _value(conn, "SELECT min(seq) FROM change_journal WHERE seq > ?", (sent,))
    )
    moved, shift = 0, 0
    if first is not None and first <= hwm:
        shift = hwm + 1 - first
        # through negative numbers: a moved row may land on a number an unmoved-yet row still holds
        moved = conn.execute("UPDATE change_journal SET seq = -(seq + ?) WHERE seq >= ?", (shift, first)).rowcount
        conn.execute("UPDATE change_journal SET seq = -seq WHERE seq < 0")
        _raise_sequence(conn, int(_value(conn, "SELECT max(seq + span - 1) FROM change_journal")))
    _raise_sequence(conn, hwm)
    return moved, shift
