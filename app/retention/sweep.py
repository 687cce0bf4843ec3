"""The retention sweep: dry run (what is due per category, how many are held, the oldest) and apply.

Cut-off per rule: a record is due when its trigger date is on or before `today - period` (the period
has fully run). Legal holds on the record or on its member override. Every purge is audited in
aggregate (counts, cut-off, rule — never ids of purged rows or personal data). Members go by erasure
(app.erasure: same ledger, same journal entry for head office, same erasers as a deletion request).

Called by the app's timer (`sweep_due`), the admin command (`app.retention.cli`) and the retention page.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, cast

from app import crashpoints, erasure
from app.clock import iso
from app.purchases.pos_import import page_cache
from app.purchases.records import fold_touches
from app.retention import id_numbers
from app.retention.rules import Rule, get_rules
from app.scans import quarantine as scan_quarantine, unredacted as scan_unredacted
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries
    from app.storage.fieldcrypt import FieldCipher

log = logging.getLogger("memberdesk.retention")

RETENTION_VIEW = P.grant("retention.view", P.MANAGER)
RETENTION_SWEEP = P.grant("retention.sweep", P.MANAGER)
BATCH_ROWS = 20000
BATCH_MEMBERS = 500
ORDER = ("purchase", "service_record", "id_number", "member")

_HOLD_MEMBER = (
    "EXISTS (SELECT 1 FROM legal_holds h WHERE h.released_at IS NULL AND h.subject_type = 'member'"
    " AND h.subject_id = {col})"
)
_HOLD_RECORD = (
    "EXISTS (SELECT 1 FROM legal_holds h WHERE h.released_at IS NULL AND h.subject_type = '{kind}'"
    " AND h.subject_id = CAST({col} AS TEXT))"
)
MEMBER_ANCHOR = "max(coalesce(cancelled_at, ''), coalesce(last_purchase_at, registered_at))"


_TIME_COL = {
    "purchase": "p.purchased_at",
    "service_record": "s.closed_at",
    "id_number": "i.business_done_at",
    "member": MEMBER_ANCHOR.replace("cancelled_at", "m.cancelled_at")
    .replace("last_purchase_at", "m.last_purchase_at")
    .replace("registered_at", "m.registered_at"),
}


def _limit(cutoff: dt.date) -> str:
    """ISO timestamps before this string have a date on or before the cut-off."""
    return (cutoff + dt.timedelta(days=1)).isoformat()


def _queries(category: str, holds: bool) -> tuple[str, str, str]:
    """(table, due condition without holds, hold condition) — parameters: (limit,)."""
    if category == "purchase":
        held = " OR ".join([_HOLD_RECORD.format(kind="purchase", col="p.id"), _HOLD_MEMBER.format(col="p.member_id")])
        return "purchases p", "p.purchased_at < ?", held
    if category == "service_record":
        held = " OR ".join(
            [_HOLD_RECORD.format(kind="service_record", col="s.id"), _HOLD_MEMBER.format(col="s.member_id")]
        )
        return "service_records s", "s.closed_at IS NOT NULL AND s.closed_at < ?", held
    if category == "id_number":
        return (
            "id_number_retention i",
            "i.original_enc IS NOT NULL AND i.business_done_at < ?",
            _HOLD_MEMBER.format(col="i.member_id"),
        )
    if category == "member":
        held = " OR ".join(
            [
                _HOLD_MEMBER.format(col="m.id"),
                "EXISTS (SELECT 1 FROM legal_holds h JOIN service_records s2 ON h.subject_type ="
                " 'service_record' AND h.subject_id = s2.id WHERE h.released_at IS NULL"
                " AND s2.member_id = m.id)",
            ]
        )
        # a purchase the POS import noted since the last sweep (purchase_touch) keeps the member
        return (
            "members m",
            (
                f"m.status != 'erased' AND {_TIME_COL['member']} < ?1 AND NOT EXISTS (SELECT 1"
                " FROM purchase_touch t WHERE t.member_id = m.id AND t.last_at >= ?1)"
            ),
            held,
        )
    raise KeyError(category)


def _any_holds(db: Queries) -> bool:
    return db.one("SELECT 1 FROM legal_holds WHERE released_at IS NULL LIMIT 1") is not None


def dry_run(session: Session, *, today: dt.date | None = None, record: bool = True, trigger: str = "manual") -> dict:
    """What the sweep would purge now: per category the rule, cut-off, due count, held count and the
    oldest trigger date (a date only). Recorded as a run (no personal data)."""
    session.require(RETENTION_VIEW)
    today = today or session.clock.now().date()
    result = _survey(session.db, today)
    result["id_numbers"] = id_numbers.waiting(session.db, today)
    result["scans"] = scan_unredacted.waiting(session.db, today)
    if record:
        _record_run(session, "dry_run", trigger, today, result)
    return result


def _survey(db: Queries, today: dt.date) -> dict:
    rules = get_rules(db)
    holds = _any_holds(db)
    categories: dict[str, dict] = {}
    out = {"as_of": today.isoformat(), "categories": categories}
    for cat in ORDER:
        rule = rules.get(cat)
        if rule is None:
            continue
        cutoff = rule.cutoff(today)
        table, cond, held = _queries(cat, holds)
        lim = _limit(cutoff)
        row = db.all(f"SELECT count(*), min({_TIME_COL[cat]}) FROM {table} WHERE {cond}", (lim,))[0]  # one row
        total, oldest = int(row[0]), row[1]
        held_n = 0
        if holds and total:
            held_n = int(db.scalar(f"SELECT count(*) FROM {table} WHERE {cond} AND ({held})", (lim,), default=0))
        if held_n:
            oldest = db.scalar(f"SELECT min({_TIME_COL[cat]}) FROM {table} WHERE {cond} AND NOT ({held})", (lim,))
        categories[cat] = {
            "rule": rule.rule_id,
            "action": rule.action,
            "period": f"{rule.period_value} {rule.period_unit}",
            "cutoff": cutoff.isoformat(),
            "due": total - held_n,
            "held": held_n,
            "oldest": (oldest or "")[:10] or None,
        }
    return out


def _record_run(
    session: Session,
    mode: str,
    trigger: str,
    today: dt.date,
    result: dict,
    run_id: int | None = None,
    finished: bool = True,
) -> int:
    """A run row. An apply is recorded unfinished when it starts and finished at its end: a sweep stopped
    on the way (the app locked, a crash) does not count as today's sweep, so sweep_due runs it again."""
    now = iso(session.clock.now())
    text = json.dumps(result, sort_keys=True)
    with session.db.transaction() as conn:
        if run_id is None:
            run_id = conn.execute(
                "INSERT INTO retention_runs(mode, trigger, started_at, finished_at, as_of, result, staff_id)"
                " VALUES (?,?,?,?,?,?,?)",
                (mode, trigger, now, now if finished else None, today.isoformat(), text, session.staff.id),
            ).lastrowid
        else:
            conn.execute("UPDATE retention_runs SET finished_at = ?, result = ? WHERE id = ?", (now, text, run_id))
    result["run_id"] = run_id
    return cast(int, run_id)  # an INSERT's rowid, or the run given


def apply_sweep(
    session: Session,
    *,
    ledger_path: Path | None = None,
    today: dt.date | None = None,
    trigger: str = "manual",
    cipher: FieldCipher | None = None,
) -> dict:
    """Purge everything due now, on a manager's order (retention.sweep). Returns per category {due, purged,
    held, oldest, cutoff, rule} and the run id. The daily run of the policy itself is `sweep_due`.
    With `cipher` (the field cipher) ID numbers past their maximum age are masked first (RET-4 without a
    manual step); without one they wait (the reminder says so)."""
    session.require(RETENTION_SWEEP)
    return _run_sweep(session, ledger_path, today or session.clock.now().date(), trigger, cipher)


def _run_sweep(
    session: Session, ledger_path: Path | None, today: dt.date, trigger: str, cipher: FieldCipher | None = None
) -> dict:
    with page_cache(session.db):
        return _apply(session, ledger_path, today, trigger, cipher)


def _apply(
    session: Session, ledger_path: Path | None, today: dt.date, trigger: str, cipher: FieldCipher | None = None
) -> dict:
    db = session.db
    _fold_touches(session)
    masked = id_numbers.mask_overdue(session, cipher, today) if cipher is not None else 0
    survey = _survey(db, today)
    run_id = _record_run(
        session, "apply", trigger, today, {"as_of": today.isoformat(), "started": True}, finished=False
    )
    rules = get_rules(db)
    holds = _any_holds(db)
    for cat in ORDER:
        info = survey["categories"].get(cat)
        if info is None:
            continue
        info["purged"] = 0
        if info["due"] == 0:
            continue
        rule = rules[cat]
        lim = _limit(rule.cutoff(today))
        table, cond, held = _queries(cat, holds)
        where = f"{cond} AND NOT ({held})" if holds else cond
        if cat == "member":
            info["purged"] = _erase_members(session, table, where, lim, ledger_path, run_id, rule)
        else:
            info["purged"] = _purge_rows(session, cat, rule, table, where, lim, run_id)
        log.info(
            "retention purge: category=%s rule=%s purged=%s held=%s", cat, rule.rule_id, info["purged"], info["held"]
        )
    survey["id_numbers"] = {"masked": masked, **id_numbers.waiting(db, today)}
    survey["scans"] = _purge_scans(session, today)
    survey["run_id"] = run_id
    _record_run(session, "apply", trigger, today, survey, run_id=run_id)
    if masked or any(survey["scans"].values()) or any(c.get("purged") for c in survey["categories"].values()):
        db.checkpoint()  # purged bytes leave the WAL too (secure_delete is on)
    return survey


def _purge_scans(session: Session, today: dt.date) -> dict[str, int]:
    """RET-4 / STO-1 for scans: unredacted pages (business done or delete-by reached), held pages and
    quarantined files past their delete-by date. One transaction, audited with counts only (none when nothing
    is due)."""
    if not scan_unredacted.any_due(session.db, today) and not scan_quarantine.any_due(session.db, today):
        return {"unredacted": 0, "held": 0, "quarantine": 0}
    with session.write("retention.purge", "retention", None) as tx:
        counts = scan_unredacted.purge_due(tx, today)
        counts["quarantine"] = scan_quarantine.purge_due(tx, today)
        tx.details = {"category": "scan_pages", "rule": "RET-4", **counts}
    return counts


def _fold_touches(session: Session) -> None:
    """Members' last purchases noted by the POS import (purchase_touch) go into members.last_purchase_at
    before RET-2 is looked at; one transaction, audited in aggregate."""
    if session.db.one("SELECT 1 FROM purchase_touch LIMIT 1") is None:
        return
    with session.write("retention.last_purchase", "retention", None) as tx:
        tx.details = {"members": fold_touches(tx)}


def _purge_rows(session: Session, cat: str, rule: Rule, table: str, where: str, lim: str, run_id: int) -> int:
    alias = table.split()[1]
    key = "id" if cat != "id_number" else "member_id"
    total = 0
    while True:
        ids = [
            r[0] for r in session.db.all(f"SELECT {alias}.{key} FROM {table} WHERE {where} LIMIT {BATCH_ROWS}", (lim,))
        ]
        if not ids:
            break
        marks = ",".join("?" * len(ids))
        with session.write("retention.purge", "retention_run", str(run_id)) as tx:
            if cat == "purchase":
                n = tx.execute(f"DELETE FROM purchases WHERE id IN ({marks})", ids).rowcount
            elif cat == "service_record":
                n = tx.execute(f"DELETE FROM service_records WHERE id IN ({marks})", ids).rowcount
            else:  # id_number: the original goes; action "delete" also drops the masked form
                n = tx.execute(
                    f"UPDATE id_number_retention SET original_enc = NULL, deleted_at = ? WHERE member_id IN ({marks})",
                    [iso(session.clock.now()), *ids],
                ).rowcount
                if rule.action == "delete":
                    tx.execute(f"DELETE FROM member_fields WHERE field = 'id_number' AND member_id IN ({marks})", ids)
            tx.details = {
                "category": cat,
                "rule": rule.rule_id,
                "action": rule.action,
                "count": n,
                "before": lim,
                "run": run_id,
            }
            tx.journal(
                "retention",
                f"{session.store_code}:{run_id}:{cat}",
                "event",
                {"category": cat, "rule": rule.rule_id, "count": n, "before": lim},
            )
        total += n
        if len(ids) < BATCH_ROWS:
            break
    return total


def _erase_members(
    session: Session, table: str, where: str, lim: str, ledger_path: Path | None, run_id: int, rule: Rule
) -> int:
    """RET-2: a member whose period ran out is erased like a deletion request (app.erasure): erasers of
    every domain, member row, journal scrub, ledger row + ledger file, one journal 'erase' per member for
    head office. Batched: one transaction and one ledger fsync per BATCH_MEMBERS members."""
    total = 0
    while True:
        ids = [
            r[0]
            for r in session.db.all(
                f"SELECT m.id FROM {table} WHERE {where} AND NOT EXISTS (SELECT 1 FROM erasure_ledger e"
                f" WHERE e.member_id = m.id) LIMIT {BATCH_MEMBERS}",
                (lim,),
            )
        ]
        if not ids:
            break
        entries = []
        counts: dict[str, int] = {}
        with session.write(
            "retention.purge",
            "retention_run",
            str(run_id),
            {"category": "member", "rule": rule.rule_id, "count": len(ids), "cutoff": lim, "run": run_id},
        ) as tx:
            for mid in ids:
                member_counts, entry = erasure.erase_in_tx(tx, mid, reason="retention")
                for k, v in member_counts.items():
                    counts[k] = counts.get(k, 0) + v
                entries.append(entry)
            tx.audit("member.erase.counts", "retention_run", str(run_id), {"counts": counts, "reason": "retention"})
            if ledger_path is not None:
                erasure.append_ledger(Path(ledger_path), entries)  # inside the tx: a failed write rolls back
            crashpoints.hit("sweep.after_ledger")
        total += len(ids)
        if len(ids) < BATCH_MEMBERS:
            break
    return total


# -- the timer ---------------------------------------------------------------------------------------------
def last_apply(db: Queries) -> dict | None:
    row = db.one(
        "SELECT id, as_of, started_at, finished_at, trigger, result FROM retention_runs WHERE mode = 'apply'"
        " AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"
    )
    if row is None:
        return None
    d = dict(row)
    d["result"] = json.loads(d["result"] or "{}")
    return d


def sweep_due(
    session: Session, *, ledger_path: Path | None = None, trigger: str = "timer", cipher: FieldCipher | None = None
) -> dict | None:
    """Run the daily sweep if it has not run today. The main window calls this from a QTimer (e.g. every
    hour, through ctx.run_task) while a session is open; the admin command calls it from the OS scheduler.
    Returns the sweep result, or None when today's sweep already ran."""
    today = session.clock.now().date()
    last = last_apply(session.db)
    if last and last["as_of"] >= today.isoformat():
        return None
    return _run_sweep(session, ledger_path, today, trigger, cipher)  # the policy runs itself (app/staff/exempt.py)


def list_runs(db: Queries, limit: int = 30) -> list[dict]:
    out = []
    for r in db.all(
        "SELECT id, mode, trigger, started_at, finished_at, as_of, result, staff_id FROM retention_runs"
        " ORDER BY id DESC LIMIT ?",
        (limit,),
    ):
        d = dict(r)
        d["result"] = json.loads(d["result"] or "{}")
        out.append(d)
    return out
