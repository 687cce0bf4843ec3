"""What the store tells head office for its evidence pack and head office cannot see otherwise (issue #19).

Head office receives every journalled change, but not: the notice versions stored at first start (the shipped
default is not journalled) with their effective dates, a request's receipt and closing dates, the certificate
and time of a destruction, who accessed sensitive data how often and why (audit entries stay at the store; only
their anchors travel), the staff accounts and roles as they are. Once a day the store journals one
`evidence_summary` row per month (entity id "YYYY-MM", the current month and any month whose summary changed):
the same non-personal rows its own evidence pack shows for that month (requests by number and random id, staff
by short id and role, counts) — no member id, name or contact. Head office's pack takes these rows where its own
records lack the facts, and names a store that never reported as a gap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.evidence import model as M
from app.evidence.store_pack import fill_store_sections
from app.sync.state import get_state, set_state

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

ENTITY = M.SUMMARY_ENTITY
UPLOADED = ("notices", "requests", "originals", "retention", "sensitive_access", "staff")
MONTHS_BACK = 13  # a summary is refreshed while its month may still change (late closings, erasures)
STATE_HASHES = "evidence_summary_hashes"
STATE_DAY = "evidence_summary_day"


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    first = dt.date.fromisoformat(month + "-01")
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def summary_payload(db: Queries, store: str, month: str, today: dt.date) -> dict[str, Any]:
    """The month's non-personal evidence rows (the sections in UPLOADED), as the store's own pack shows them."""
    first, last = month_bounds(month)
    pack = M.new_pack(
        producer="store", period_from=first, period_to=last, stores=[store], generated_at="", generated_by=""
    )
    fill_store_sections(db, pack, store, today.isoformat())
    sections = {k: pack["sections"][k] for k in UPLOADED}
    return {"month": month, "today": today.isoformat(), "sections": sections}


def _digest(payload: dict[str, Any]) -> str:
    body = {k: v for k, v in payload.items() if k != "today"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def journal_summaries(session: Session, *, force: bool = False) -> int:
    """Journal the evidence summaries that changed (at most once a day unless `force`); returns how many.
    Runs itself (the main window's job, checked hourly): it reads counts and writes no personal data. A store
    not enrolled with head office journals nothing (no one would read it)."""
    db = session.db
    today = session.clock.now().date()
    if db.scalar("SELECT count(*) FROM sync_state WHERE key = 'private_key'") == 0:
        return 0
    if not force and get_state(db, STATE_DAY) == today.isoformat():
        return 0
    oldest = (today.replace(day=1) - dt.timedelta(days=31 * (MONTHS_BACK - 1))).replace(day=1)
    hashes: dict[str, str] = dict(get_state(db, STATE_HASHES) or {})
    changed: list[tuple[str, dict[str, Any], str]] = []
    for month in months_between(oldest, today):
        payload = summary_payload(db, session.store_code, month, today)
        digest = _digest(payload)
        empty = not any(payload["sections"][k]["rows"] for k in UPLOADED if k not in ("staff", "notices"))
        if hashes.get(month) == digest or (empty and month not in hashes and month != today.strftime("%Y-%m")):
            continue
        changed.append((month, payload, digest))
    with session.write("evidence.summary", details={"months": [m for m, _p, _d in changed]}) as tx:
        for month, payload, digest in changed:
            tx.journal(ENTITY, month, "upsert", payload)
            hashes[month] = digest
        set_state(tx, STATE_HASHES, {m: hashes[m] for m in sorted(hashes)[-2 * MONTHS_BACK :]})
        set_state(tx, STATE_DAY, today.isoformat())
        tx.details = {"months": [m for m, _p, _d in changed], "at": iso(session.clock.now())}
    return len(changed)
