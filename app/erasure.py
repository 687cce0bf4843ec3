"""Erasure of a member: final, everywhere, and never undone (RIG-3).

Each domain registers an eraser: `register_eraser("scans", fn)` where fn(tx, member_id)
removes or unlinks that domain's data for the member and returns a count. `erase_member`
runs every eraser, deletes the member row, scrubs the change journal's copies of the
member's data, writes the erasure ledger (DB table + erasure-ledger.jsonl beside the DB),
all in one transaction with its audit entry and a journal row for head office, then
checkpoints the WAL so no erased bytes remain in it.

The ledger holds member id, time, reason and request id — no personal data — and is
copied into every backup; `replay_ledger` re-applies it after a restore. Every path that erases
(request, retention sweep, head-office order, replay after a restore or a crash) journals an
`erase` row, so head office deletes its copy and orders the other stores.

Each ledger line carries a MAC (HMAC-SHA256 under `ledger_key`: HKDF of the data key with its own
label, kept in the DB's meta so a rekey does not orphan the file): a line added or edited by hand
is refused, never executed (app.requests.restore.apply_ledger), and shown to the manager.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from app import crashpoints
from app.clock import iso
from app.errors import UserError
from app.messages import add_messages
from app.reminders import Reminder, register_provider
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries

Eraser = Callable[["Tx", str], "int | None"]
"""fn(tx, member_id) -> count: one domain's part of an erasure, inside the erasure's transaction."""
Blocker = Callable[["Queries", str], "str | None"]
"""fn(db, member_id) -> message key or None: a key stops the erasure (a legal hold)."""

log = logging.getLogger("memberdesk.erasure")

MEMBER_ERASE = P.grant("member.erase", P.MANAGER)
_ERASERS: dict[str, Eraser] = {}
_BLOCKERS: dict[str, Blocker] = {}


class RefusedLines(TypedDict):
    """Ledger lines refused and not yet acknowledged: how many, first and last time (kept in meta)."""

    lines: int
    first_at: str
    last_at: str


add_messages(
    {
        "erasure.already": ("该会员的个人信息已删除。", "This member's personal information has already been deleted."),
        "erasure.blocked_hold": (
            "该会员处于法律保全中，暂不能删除。请由店长以拒绝理由和法律依据答复顾客，或先解除法律保全。",
            "This member is under a legal hold and cannot be deleted now. The manager answers the "
            "customer with the refusal reason and legal basis, or lifts the hold first.",
        ),
        "erasure.ledger_refused": (
            "删除台账中有 {n} 行未通过校验（可能被手工添加或修改），已拒绝执行并移至 {file}。请联系总部IT核查。",
            "{n} line(s) of the erasure ledger failed their check (added or edited by hand?). "
            "They were refused, not executed, and moved to {file}. Contact head-office IT.",
        ),
        "erasure.ledger_refused_none": ("没有被拒绝的删除台账行。", "No refused erasure-ledger lines."),
    }
)
REFUSED_META = "erasure_ledger_refused"
REFUSED_SUFFIX = ".refused"
LEDGER_ACK = P.grant("erasure.ledger.acknowledge", P.MANAGER)


def refused_lines(db: Queries) -> RefusedLines | None:
    """{lines, first_at, last_at} of ledger lines refused and not yet acknowledged by a manager, or None."""
    value = db.scalar("SELECT value FROM meta WHERE key = ?", (REFUSED_META,))
    info: RefusedLines | None = json.loads(value) if value else None
    return info


def note_refused(tx: Tx, n: int, now: str) -> None:
    """Inside the write that moved `n` refused lines aside: keep the count for the manager's reminder."""
    old = refused_lines(tx) or RefusedLines(lines=0, first_at=now, last_at=now)
    value = {"lines": int(old["lines"]) + n, "first_at": old["first_at"], "last_at": now}
    tx.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (REFUSED_META, json.dumps(value)),
    )


def acknowledge_refused(session: Session) -> int:
    """A manager has seen the refused lines (IT keeps the .refused file): the reminder goes away."""
    session.require(LEDGER_ACK)
    info = refused_lines(session.db)
    if not info:
        raise UserError("erasure.ledger_refused_none")
    with session.write("erasure.ledger.refused.acknowledged", details={"lines": int(info["lines"])}) as tx:
        tx.execute("DELETE FROM meta WHERE key = ?", (REFUSED_META,))
    return int(info["lines"])


def _reminders(db: Queries, today: dt.date) -> list[Reminder]:
    info = refused_lines(db)
    if not info:
        return []
    return [
        Reminder(
            "erasure.ledger_refused",
            {"n": int(info["lines"]), "file": "erasure-ledger.jsonl" + REFUSED_SUFFIX},
            "overdue",
            "",
        )
    ]


register_provider("erasure_ledger", _reminders)


def register_blocker(name: str, fn: Blocker) -> None:
    """fn(db, member_id) -> message key or None. A key stops erase_member (e.g. a legal hold)."""
    _BLOCKERS[name] = fn


def blocked(db: Queries, member_id: str) -> str | None:
    for fn in list(_BLOCKERS.values()):
        key = fn(db, member_id)
        if key:
            return key
    return None


def register_eraser(name: str, fn: Eraser) -> None:
    """fn(tx, member_id) -> int. Runs inside the erasure transaction, before the member row goes."""
    _ERASERS[name] = fn


def is_erased(db: Queries, member_id: str) -> bool:
    return db.one("SELECT 1 FROM erasure_ledger WHERE member_id = ?", (member_id,)) is not None


LEDGER_FIELDS = ("member_id", "erased_at", "reason", "request_id", "store_code")
_KEY_META = "erasure_ledger_key"


def _mac(key: bytes, entry: dict[str, Any]) -> str:
    body = json.dumps({k: entry.get(k) for k in LEDGER_FIELDS}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_entry(key: bytes | None, entry: dict[str, Any]) -> dict[str, Any]:
    """The ledger line for `entry`: its fields and, with a key, their MAC."""
    out = {k: entry.get(k) for k in LEDGER_FIELDS}
    if key is not None:
        out["mac"] = _mac(key, out)
    return out


def entry_authentic(key: bytes | None, entry: dict[str, Any]) -> bool:
    mac = entry.get("mac")
    return key is not None and isinstance(mac, str) and hmac.compare_digest(mac, _mac(key, entry))


def ledger_key(q: Queries, session_db: Queries | None = None) -> bytes | None:
    """The ledger's MAC key: the one kept in meta, else the one derived from this connection's data key
    (app.storage.db.ledger_subkey). `q` is a Database, Tx or PageDB; call `keep_ledger_key` in a write."""
    value = q.scalar("SELECT value FROM meta WHERE key = ?", (_KEY_META,))
    if value:
        return bytes.fromhex(value)
    key: bytes | None = getattr(session_db if session_db is not None else q, "ledger_key", None)
    return key


def keep_ledger_key(tx: Tx, db: Queries) -> bytes | None:
    """Inside a write: the ledger key, stored in meta the first time (stays valid across a rekey)."""
    key = ledger_key(tx, db)
    if key is not None and tx.scalar("SELECT value FROM meta WHERE key = ?", (_KEY_META,)) is None:
        tx.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (_KEY_META, key.hex()))
    return key


def append_ledger(path: Path, entries: list[dict[str, Any]]) -> None:
    """Append entries to erasure-ledger.jsonl with one fsync. Call it inside the erasure transaction,
    so a failed write rolls the erasure back."""
    with open(path, "a", encoding="utf-8") as fh:
        for entry in entries:
            fh.write(json.dumps(entry, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_ledger_file(path: Path) -> list[dict[str, Any]]:
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


def _erase_in_tx(tx: Tx, member_id: str) -> dict[str, int]:
    counts = {}
    for name, fn in list(_ERASERS.items()):
        counts[name] = int(fn(tx, member_id) or 0)
    counts["journal_scrubbed"] = tx.execute(
        "UPDATE change_journal SET payload = '{}', op = 'scrubbed' WHERE member_id = ? AND op != 'erase'", (member_id,)
    ).rowcount
    counts["member"] = tx.execute("DELETE FROM members WHERE id = ?", (member_id,)).rowcount
    return counts


def erase_in_tx(
    tx: Tx,
    member_id: str,
    *,
    reason: str,
    request_id: str | None = None,
    store_code: str | None = None,
    journal: bool = True,
) -> tuple[dict[str, int], dict[str, Any]]:
    """Erase one member inside the caller's write (batches: retention sweep, head-office orders).
    Runs every eraser, deletes the member row, scrubs the journal, writes the ledger row and (journal=True)
    the erasure row for head office. Returns (counts, ledger entry); the caller appends the entries to
    the ledger file with append_ledger() and checkpoints the WAL after the commit."""
    session = tx.session
    now = iso(session.clock.now())
    entry = {
        "member_id": member_id,
        "erased_at": now,
        "reason": reason,
        "request_id": request_id,
        "store_code": store_code or session.store_code,
    }
    counts = _erase_in_tx(tx, member_id)
    tx.execute(
        "INSERT INTO erasure_ledger(member_id, erased_at, reason, request_id, store_code, staff_id)"
        " VALUES (?,?,?,?,?,?)",
        (member_id, now, reason, request_id, entry["store_code"], session.staff.id),
    )
    if journal:
        tx.journal("erasure", member_id, "erase", entry)
    return counts, sign_entry(keep_ledger_key(tx, session.db), entry)


def erase_member(
    session: Session,
    member_id: str,
    *,
    reason: str = "request",
    request_id: str | None = None,
    ledger_path: Path | None = None,
) -> dict[str, int]:
    """Erase one member in one transaction. Returns counts per domain (no personal data)."""
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
            append_ledger(Path(ledger_path), [entry])  # inside the tx: a failed write rolls back
        crashpoints.hit("erasure.after_ledger")
    crashpoints.hit("erasure.after_commit")
    session.db.checkpoint()
    log.info("member erased: member=%s reason=%s", member_id, reason)
    return counts


def replay_ledger(session: Session, entries: list[dict[str, Any]]) -> int:
    """Apply erasures the DB does not have yet (after restoring an older backup, or a crash between the
    ledger write and the commit). Each journals its `erase` row for head office like any erasure (RIG-3).
    The caller has checked the entries' MACs (app.requests.restore.apply_ledger); an entry without a valid
    MAC (the store's key makes them) is an erasure a person asks for: manager only (SEC-1)."""
    key = ledger_key(session.db)
    if not all(entry_authentic(key, e) for e in entries):
        session.require(MEMBER_ERASE)
    applied = 0
    for entry in entries:
        mid = entry.get("member_id")
        if not mid or is_erased(session.db, mid):
            continue
        with session.write("member.erase.replay", "member", mid, {"reason": entry.get("reason", "replay")}) as tx:
            counts = _erase_in_tx(tx, mid)
            row = {
                "member_id": mid,
                "erased_at": entry.get("erased_at") or iso(session.clock.now()),
                "reason": entry.get("reason") or "replay",
                "request_id": entry.get("request_id"),
                "store_code": entry.get("store_code") or session.store_code,
            }
            tx.execute(
                "INSERT INTO erasure_ledger(member_id, erased_at, reason, request_id, store_code, staff_id)"
                " VALUES (?,?,?,?,?,?)",
                (mid, row["erased_at"], row["reason"], row["request_id"], row["store_code"], session.staff.id),
            )
            tx.journal("erasure", mid, "erase", row)
            tx.audit("member.erase.counts", "member", mid, {"counts": counts, "replay": True})
        crashpoints.hit("replay.after_erase")
        applied += 1
    if applied:
        session.db.checkpoint()
    return applied
