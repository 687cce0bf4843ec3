"""Erasure of a member: final, everywhere, and never undone (RIG-3).

Each domain registers an eraser: `register_eraser("scans", fn)` where fn(tx, member_id)
removes or unlinks that domain's data for the member and returns a count. `erase_member`
runs every eraser, deletes the member row, scrubs the change journal's copies of the
member's data, writes the erasure ledger (DB table + erasure-ledger.jsonl beside the DB),
all in one transaction with its audit entry and a journal row for head office, then
checkpoints the WAL so no erased bytes remain in it.

The ledger holds member id, time, reason and request id — no personal data — and is
copied into every backup; `replay_ledger` re-applies it after a restore.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Callable

from app.clock import iso
from app.errors import UserError
from app.messages import add_messages
from app.staff import permissions as P

log = logging.getLogger("memberdesk.erasure")

MEMBER_ERASE = P.grant("member.erase", P.MANAGER)
_ERASERS: dict[str, Callable] = {}
_BLOCKERS: dict[str, Callable] = {}

add_messages({
    "erasure.already": ("该会员的个人信息已删除。", "This member's personal information has already been deleted."),
    "erasure.blocked_hold": ("该会员处于法律保全中，暂不能删除。请由店长以拒绝理由和法律依据答复顾客，或先解除法律保全。",
                             "This member is under a legal hold and cannot be deleted now. The manager answers the "
                             "customer with the refusal reason and legal basis, or lifts the hold first."),
})


def register_blocker(name: str, fn: Callable) -> None:
    """fn(db, member_id) -> message key or None. A key stops erase_member (e.g. a legal hold)."""
    _BLOCKERS[name] = fn


def blocked(db, member_id: str) -> str | None:
    for fn in list(_BLOCKERS.values()):
        key = fn(db, member_id)
        if key:
            return key
    return None


def register_eraser(name: str, fn: Callable) -> None:
    """fn(tx, member_id) -> int. Runs inside the erasure transaction, before the member row goes."""
    _ERASERS[name] = fn


def is_erased(db, member_id: str) -> bool:
    return db.one("SELECT 1 FROM erasure_ledger WHERE member_id = ?", (member_id,)) is not None


def append_ledger(path: Path, entries: list[dict]) -> None:
    """Append entries to erasure-ledger.jsonl with one fsync. Call it inside the erasure transaction,
    so a failed write rolls the erasure back."""
    with open(path, "a", encoding="utf-8") as fh:
        for entry in entries:
            fh.write(json.dumps(entry, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_ledger_file(path: Path) -> list[dict]:
    entries = []
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    try:
                        entries.append(json.loads(line))
                    except ValueError:
                        log.warning("erasure ledger: unreadable line skipped")
    except FileNotFoundError:
        pass
    return entries


def _erase_in_tx(tx, member_id: str) -> dict:
    counts = {}
    for name, fn in list(_ERASERS.items()):
        counts[name] = int(fn(tx, member_id) or 0)
    counts["journal_scrubbed"] = tx.execute(
        "UPDATE change_journal SET payload = '{}', op = 'scrubbed' WHERE member_id = ? AND op != 'erase'",
        (member_id,)).rowcount
    counts["member"] = tx.execute("DELETE FROM members WHERE id = ?", (member_id,)).rowcount
    return counts


def erase_in_tx(tx, member_id: str, *, reason: str, request_id: str | None = None,
                store_code: str | None = None, journal: bool = True) -> tuple[dict, dict]:
    """Erase one member inside the caller's write (batches: retention sweep, head-office orders).
    Runs every eraser, deletes the member row, scrubs the journal, writes the ledger row and (journal=True)
    the erasure row for head office. Returns (counts, ledger entry); the caller appends the entries to
    the ledger file with append_ledger() and checkpoints the WAL after the commit."""
    session = tx.session
    now = iso(session.clock.now())
    entry = {"member_id": member_id, "erased_at": now, "reason": reason, "request_id": request_id,
             "store_code": store_code or session.store_code}
    counts = _erase_in_tx(tx, member_id)
    tx.execute("INSERT INTO erasure_ledger(member_id, erased_at, reason, request_id, store_code, staff_id)"
               " VALUES (?,?,?,?,?,?)", (member_id, now, reason, request_id, entry["store_code"], session.staff.id))
    if journal:
        tx.journal("erasure", member_id, "erase", entry)
    return counts, entry


def erase_member(session, member_id: str, *, reason: str = "request", request_id: str | None = None,
                 ledger_path: Path | None = None, permission: bool = True) -> dict:
    """Erase one member in one transaction. Returns counts per domain (no personal data)."""
    if permission:
        session.require(MEMBER_ERASE)
    if is_erased(session.db, member_id):
        raise UserError("erasure.already")
    key = blocked(session.db, member_id)
    if key:
        raise UserError(key)
    with session.write("member.erase", "member", member_id, {"reason": reason, "request_id": request_id}) as tx:
        counts, entry = erase_in_tx(tx, member_id, reason=reason, request_id=request_id)
        tx.audit("member.erase.counts", "member", member_id, {"counts": counts})
        if ledger_path is not None:
            append_ledger(Path(ledger_path), [entry])   # inside the tx: a failed write rolls back
    session.db.checkpoint()
    log.info("member erased: member=%s reason=%s", member_id, reason)
    return counts


def replay_ledger(session, entries: list[dict]) -> int:
    """Apply erasures the DB does not have yet (after restoring an older backup, or from head office)."""
    applied = 0
    for entry in entries:
        mid = entry.get("member_id")
        if not mid or is_erased(session.db, mid):
            continue
        with session.write("member.erase.replay", "member", mid, {"reason": entry.get("reason", "replay")}) as tx:
            _erase_in_tx(tx, mid)
            tx.execute("INSERT INTO erasure_ledger(member_id, erased_at, reason, request_id, store_code, staff_id)"
                       " VALUES (?,?,?,?,?,?)", (mid, entry.get("erased_at") or iso(session.clock.now()),
                                                 entry.get("reason", "replay"), entry.get("request_id"),
                                                 entry.get("store_code") or session.store_code, session.staff.id))
        applied += 1
    if applied:
        session.db.checkpoint()
    return applied
