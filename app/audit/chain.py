"""Append-only audit log as a SHA-256 hash chain.

Each entry's hash covers its own fields and the previous entry's hash; the newest
(seq, hash) is kept in meta as the chain head and sent to head office by sync. Editing,
deleting, inserting or reordering entries breaks a link that `verify` reports.
Details must never hold personal data in clear: field names, counts and ids only.

Several connections append (the UI's and the background jobs'): an entry is only appended inside a
write transaction (Database.transaction(): BEGIN IMMEDIATE), so the head read here is the newest and
no other writer can append before this one commits — the chain never forks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.storage.db import Connection, Queries

GENESIS = "0" * 64
_PERSONAL_KEYS = {"name", "mobile", "id_number", "address", "phone", "value", "old", "new"}


def _canonical(*fields: int | str | None) -> bytes:
    """An entry's fields, in `entry_hash`'s order, as the bytes that are hashed."""
    return json.dumps(
        list(fields),
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def entry_hash(
    prev_hash: str,
    seq: int,
    ts: str,
    staff_id: str | None,
    terminal: str | None,
    action: str,
    subject_type: str | None,
    subject_id: str | None,
    details: str,
) -> str:
    h = hashlib.sha256(prev_hash.encode("ascii"))
    h.update(_canonical(seq, ts, staff_id, terminal, action, subject_type, subject_id, details))
    return h.hexdigest()


def append(
    conn: Connection,
    *,
    ts: str,
    staff_id: str | None,
    terminal: str,
    action: str,
    subject_type: str | None = None,
    subject_id: str | None = None,
    details: dict | None = None,
) -> int:
    """Append one entry inside the caller's write transaction. Returns its seq."""
    if not conn.in_transaction:
        raise RuntimeError("audit entries are appended inside a write transaction (Database.transaction)")
    details = details or {}
    bad = _PERSONAL_KEYS.intersection(details)
    if bad:
        raise ValueError(f"audit details must not carry personal values: {sorted(bad)}")
    text = json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    prev_seq, prev_hash = (row[0], row[1]) if row else (0, GENESIS)
    seq = prev_seq + 1
    digest = entry_hash(prev_hash, seq, ts, staff_id, terminal, action, subject_type, subject_id, text)
    conn.execute(
        "INSERT INTO audit_log(seq, ts, staff_id, terminal, action, subject_type, subject_id, details, prev_hash, hash)"
        " VALUES (?,?,?,?,?,?,?,?,?,?)",
        (seq, ts, staff_id, terminal, action, subject_type, subject_id, text, prev_hash, digest),
    )
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('audit_head', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (f"{seq}:{digest}",),
    )
    return seq


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    first_broken: int | None = None
    reason: str = ""


def verify(db: Queries) -> VerifyResult:
    """Walk the chain; report the first broken link (by position in the chain)."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for row in db.execute(
        "SELECT seq, ts, staff_id, terminal, action, subject_type, subject_id, details,"
        " prev_hash, hash FROM audit_log ORDER BY seq"
    ):
        seq = row[0]
        if seq != expected_seq:
            return VerifyResult(False, count, expected_seq, "missing entry")
        if row[8] != prev_hash:
            return VerifyResult(False, count, seq, "previous-hash link broken")
        if entry_hash(prev_hash, *row[:8]) != row[9]:
            return VerifyResult(False, count, seq, "entry altered")
        prev_hash, expected_seq, count = row[9], seq + 1, count + 1
    head = db.scalar("SELECT value FROM meta WHERE key = 'audit_head'")
    if head is not None and head != f"{expected_seq - 1}:{prev_hash}":
        return VerifyResult(False, count, expected_seq, "entries missing at the end")
    if head is None and count:
        return VerifyResult(False, count, 1, "chain head missing")
    return VerifyResult(True, count)


def head(db: Queries) -> tuple[int, str]:
    value = db.scalar("SELECT value FROM meta WHERE key = 'audit_head'")
    if not value:
        return 0, GENESIS
    seq, digest = value.split(":", 1)
    return int(seq), digest
