"""The evidence pack of one store, from its own database, for its manager (issue #19).

`build_store_pack(session, period_from, period_to)` needs `evidence.pack` (manager), is audited
(`evidence.pack`: period and counts, no personal data) and returns the pack, its PDF and its bundle. Members
appear only as pseudonymous references; staff by a short id and role. What the store does not hold (receipts of
other stores, incidents: head office's register) is listed as a gap in the pack.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.errors import ValidationError
from app.evidence import model as M
from app.evidence.bundle import build_bundle
from app.evidence.render import pack_pdf
from app.messages import add_messages
from app.printing.fonts import font_for_db
from app.staff import permissions as P
from app.sync.anchor import anchor_status

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

EVIDENCE_PACK = P.grant("evidence.pack", P.MANAGER)
# Audit actions that reach sensitive personal data in clear (reveal a field or an unredacted page, the data copy).
SENSITIVE_ACTIONS = ("member.reveal", "scan.reveal", "member.data.collect", "member.export")
MAX_DAYS = 366 * 3

add_messages(
    {
        "evidence.bad_period": (
            "期间不正确：开始日期须早于结束日期，且不超过三年。",
            "The period is not valid: the start must come before the end, and it may not exceed three years.",
        ),
    }
)


def check_period(period_from: dt.date, period_to: dt.date) -> None:
    """A period the pack can cover: start ≤ end, at most three years."""
    if period_to < period_from or (period_to - period_from).days > MAX_DAYS:
        raise ValidationError("evidence.bad_period", field="period")


def build_store_pack(session: Session, period_from: dt.date, period_to: dt.date) -> M.EvidencePack:
    """The store's evidence pack for the period (both days included): PDF + bundle, audited."""
    session.require(EVIDENCE_PACK)
    check_period(period_from, period_to)
    db = session.db
    now = session.clock.now()
    pack = M.new_pack(
        producer="store",
        period_from=period_from,
        period_to=period_to,
        stores=[session.store_code],
        generated_at=iso(now),
        generated_by=M.staff_ref(session.staff.id),
    )
    fill_store_sections(db, pack, session.store_code, now.date().isoformat())
    pdf = pack_pdf(pack, font=font_for_db(db))
    bundle = build_bundle(pack, pdf)
    session.audit_read(
        "evidence.pack",
        details={
            "from": pack["period"]["from"],
            "to": pack["period"]["to"],
            "requests": len(pack["sections"]["requests"]["rows"]),
            "erasures": len(pack["sections"]["erasures"]["rows"]),
        },
    )
    return M.EvidencePack(pack, pdf, bundle)


def fill_store_sections(db: Queries, pack: dict[str, Any], store: str, today: str) -> None:
    """Every section from the store's tables (read only)."""
    period = pack["period"]
    lo, hi = period["from"], period["to"] + "\uffff"  # timestamps of the last day sort below hi
    notices = [
        {
            "store": store,
            "version": r["version"],
            "lang": r["lang"],
            "effective_date": r["effective_date"],
            "sha256": r["content_hash"],
        }
        for r in db.all("SELECT version, lang, content_hash, effective_date FROM notices ORDER BY version, lang")
    ]
    M.put_section(pack, "notices", M.notices_in_force(notices, period))

    decisions = [
        (r[0], r[1], r[2], "withdrawn" if r[3] == "withdrawal" else ("granted" if r[4] else "refused"))
        for r in db.all(
            "SELECT r.created_at, r.notice_version, i.purpose_code, r.kind, i.granted FROM consent_records r"
            " JOIN consent_items i ON i.record_id = r.id WHERE r.created_at >= ? AND r.created_at <= ?",
            (lo, hi),
        )
    ]
    M.put_section(pack, "consent", M.consent_counts(decisions))

    requests = [
        {
            "store": store,
            "ref": r["request_no"],
            "request_id": r["id"],
            "type": r["type"],
            "channel": r["channel"],
            "received_on": r["received_on"],
            "base_due_on": r["base_due_on"],
            "due_on": r["due_on"],
            "closed_on": (r["closed_at"] or "")[:10] or None,
            "status": r["status"],
            "outcome": r["outcome"],
            "extended_days": r["extended_days"],
            "paused_days": r["paused_days"],
            "timeliness": M.timeliness(r["received_on"], r["due_on"], r["closed_at"], today),
        }
        for r in db.all(
            "SELECT id, request_no, type, channel, received_on, base_due_on, due_on, closed_at, status, outcome,"
            " extended_days, paused_days FROM requests WHERE received_on <= ? AND (closed_at IS NULL OR closed_at >= ?)"
            " ORDER BY received_on, request_no",
            (period["to"], lo),
        )
    ]
    M.put_section(pack, "requests", requests)

    erasures = [
        {
            "member_ref": M.member_ref(r["member_id"]),
            "erased_at": r["erased_at"],
            "reason": r["reason"],
            "origin_store": r["store_code"],
            "request_ref": r["request_id"],
            "receipts": None,
            "missing": None,
        }
        for r in db.all(
            "SELECT member_id, erased_at, reason, request_id, store_code FROM erasure_ledger"
            " WHERE erased_at >= ? AND erased_at <= ? ORDER BY erased_at, member_id",
            (lo, hi),
        )
    ]
    M.put_section(pack, "erasures", erasures, gaps=["receipts_at_head_office"])

    destroyed = [
        {
            "store": store,
            "batch_no": r["batch_no"],
            "destroyed_at": r["destroyed_at"],
            "method": r["method"],
            "forms": r["form_count"],
            "certificate_no": r["certificate_no"],
            "vendor": r["vendor"],
            "batch_sha256": r["batch_sha256"],
        }
        for r in db.all(
            "SELECT batch_no, destroyed_at, method, form_count, certificate_no, vendor, batch_sha256"
            " FROM original_destructions WHERE destroyed_at >= ? AND destroyed_at <= ? ORDER BY destroyed_at",
            (lo, hi),
        )
    ]
    scanned = int(
        db.scalar("SELECT count(*) FROM scan_documents WHERE created_at >= ? AND created_at <= ?", (lo, hi)) or 0
    )
    M.put_section(pack, "originals", destroyed, extra={"forms_scanned": scanned})

    retention: list[dict[str, Any]] = []
    for r in db.all(
        "SELECT as_of, result FROM retention_runs WHERE mode = 'apply' AND as_of >= ? AND as_of <= ? ORDER BY id",
        (period["from"], period["to"]),
    ):
        cats = (json.loads(r["result"] or "{}").get("categories") or {}).items()
        for cat, info in sorted(cats):
            if int((info or {}).get("purged") or 0):
                rule = info.get("rule")
                rule_id = rule.get("rule_id") if isinstance(rule, dict) else rule
                retention.append(
                    {"store": store, "date": r["as_of"], "category": cat, "rule": rule_id, "count": info["purged"]}
                )
    M.put_section(pack, "retention", retention)

    roles = {r["id"]: r["role"] for r in db.all("SELECT id, role FROM staff")}
    marks = ",".join("?" * len(SENSITIVE_ACTIONS))
    access = [
        {
            "store": store,
            "staff_ref": M.staff_ref(r[0]),
            "role": roles.get(r[0], "-"),
            "action": r[1],
            "reason": r[2],
            "count": int(r[3]),
        }
        for r in db.all(
            "SELECT staff_id, action, json_extract(details, '$.reason'), count(*) FROM audit_log"
            f" WHERE action IN ({marks}) AND ts >= ? AND ts <= ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            (*SENSITIVE_ACTIONS, lo, hi),
        )
    ]
    M.put_section(pack, "sensitive_access", access)

    staff = [
        {
            "store": store,
            "staff_ref": M.staff_ref(r["id"]),
            "role": r["role"],
            "status": "removed" if r["removed_at"] else ("disabled" if r["disabled"] else "active"),
        }
        for r in db.all(
            "SELECT id, role, disabled, removed_at FROM staff WHERE created_at <= ? AND"
            " (removed_at IS NULL OR removed_at >= ?) ORDER BY role, id",
            (hi, lo),
        )
    ]
    M.put_section(pack, "staff", staff)

    st = anchor_status(db)
    head = int(db.scalar("SELECT max(seq) FROM audit_log") or 0)
    M.put_section(
        pack,
        "anchoring",
        [
            {
                "store": store,
                "audit_seq": head,
                "anchor_seq": st["anchor_seq"],
                "anchored_at": st["anchored_at"],
                "alarms": 1 if st["alarm"] else 0,
                "open_alarm": bool(st["alarm"]),
            }
        ],
    )
    M.put_section(pack, "incidents", [], gaps=["incidents_at_head_office"])
