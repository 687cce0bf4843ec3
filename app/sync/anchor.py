"""The audit chain anchored at head office (SEC-2), the store's half.

Each sync sends the audit entries (no personal values: the chain refuses them) after the last head
head office confirmed, in batches, as an upload with no journal rows (headoffice/anchor.py checks
them and answers). The confirmed anchor and an open alarm are kept in sync_state for the sync page
(`sync_status`) and `memberdesk-admin verify-audit`. A rewritten chain cannot be hidden from head
office: the store no longer holds what head office anchored.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from app.audit.chain import GENESIS
from app.messages import add_messages
from app.sync.state import get_state, pending_count, save_state

if TYPE_CHECKING:
    from app.storage.db import Database, Queries
    from app.sync.transport import Signer, Transport

log = logging.getLogger("memberdesk.sync")
BATCH = 2000  # entries per request (~0.5 MB), below head office's 5000 and max_body

add_messages(
    {
        "sync.audit_alarm": (
            "总部发现本店审计日志与其已确认的记录不一致（{kind}，已确认至第 {seq} 条）。请联系总部IT。",
            "Head office found this store's audit log no longer matches what it confirmed ({kind}, "
            "confirmed up to entry {seq}). Contact head-office IT.",
        ),
    }
)

_COLS = "seq, ts, staff_id, terminal, action, subject_type, subject_id, details, prev_hash, hash"


def _hash_at(db: Queries, seq: int) -> str | None:
    if seq == 0:
        return GENESIS
    return db.scalar("SELECT hash FROM audit_log WHERE seq = ?", (seq,))


def _iso(ts: float | str | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(float(ts), dt.UTC).isoformat(timespec="seconds")


def anchor_audit(db: Database, tr: Transport, signer: Signer, batch: int = BATCH) -> dict:
    """Send the chain since the last anchor; returns head office's last answer ({status, anchor_seq, ...})."""
    head_seq = int(db.scalar("SELECT max(seq) FROM audit_log", (), 0) or 0)
    head_hash = _hash_at(db, head_seq) or GENESIS
    base = min(int((get_state(db, "audit_anchor") or {}).get("seq", 0)), head_seq)
    answer: dict = {}
    for _ in range(100000):
        base_hash = _hash_at(db, base)
        if base_hash is None:  # the anchored entry itself is gone: show the chain from the start
            base, base_hash = 0, GENESIS
        rows = db.all(f"SELECT {_COLS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", (base, batch))
        body = {
            "after": 0,
            "rows": [],
            "pending": pending_count(db),
            "audit": {
                "base_seq": base,
                "base_hash": base_hash,
                "head_seq": head_seq,
                "head_hash": head_hash,
                "entries": [list(r) for r in rows],
            },
        }
        answer = tr.post_json("/v1/upload", body, signer=signer).get("audit") or {}
        if answer.get("status") == "resend":
            nxt = int(answer.get("resend_from", 0))
            base = nxt if nxt != base else 0
            continue
        seq = int(answer.get("anchor_seq", 0))
        save_state(
            db,
            audit_anchor={"seq": seq, "hash": answer.get("anchor_hash"), "at": _iso(answer.get("anchored_at"))},
            audit_alarm=answer.get("alarm"),
        )
        if answer.get("alarm"):
            log.warning("sync: head office reports an audit anchoring alarm (%s)", answer["alarm"].get("kind"))
        if seq >= head_seq or not rows or seq <= base:
            break
        base = seq
    return answer


def anchor_status(db: Queries) -> dict:
    """{anchor_seq, anchored_at, alarm}: how far head office has confirmed this store's audit chain."""
    a = get_state(db, "audit_anchor") or {}
    return {"anchor_seq": int(a.get("seq", 0) or 0), "anchored_at": a.get("at"), "alarm": get_state(db, "audit_alarm")}


def local_matches_anchor(db: Queries) -> bool | None:
    """Does the entry head office confirmed still hold the hash it confirmed? None before any anchor."""
    a = get_state(db, "audit_anchor") or {}
    if not a.get("seq"):
        return None
    return _hash_at(db, int(a["seq"])) == a.get("hash")
