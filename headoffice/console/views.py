"""What the console pages show, read from head office's tables (no writes here).

Personal values never appear: requests show type, status and dates; erasures show the member's
internal id (a random id, as in the erasure ledger); consent is counted, never listed.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from headoffice import consent_counts
from headoffice.service import CLOSED_REQUEST_STATES

DUE_SOON_DAYS = 3
ALARM_ACTIONS = ("audit.anchor.alarm", "audit.anchor.alarm.acknowledged", "audit.head.regressed")


try:
    BEIJING: dt.tzinfo = ZoneInfo("Asia/Shanghai")
except ZoneInfoNotFoundError:  # no tz database (a bare Windows host): China has kept UTC+8 without DST since 1991
    BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
ZONE_NAME = {"zh_CN": "北京时间", "en": "Beijing time"}


def fmt_time(ts: float | None, lang: str = "zh_CN") -> str:
    """An epoch time (stored in UTC) shown in Beijing time with the zone named: `2027-01-15 10:00 北京时间`."""
    if ts is None:
        return "-"
    local = dt.datetime.fromtimestamp(float(ts), BEIJING).strftime("%Y-%m-%d %H:%M")
    return f"{local} {ZONE_NAME.get(lang, ZONE_NAME['en'])}"


def beijing_date(ts: float) -> dt.date:
    return dt.datetime.fromtimestamp(float(ts), BEIJING).date()


def audit_alarms(ho) -> dict[str, list[dict]]:
    """The history of audit-anchoring alarms per store (SEC-2): raised (truncation, fork, rewrite),
    acknowledged by IT, and the older head-regression check, from head office's own audit table."""
    marks = ",".join("?" * len(ALARM_ACTIONS))
    with ho.storage.read() as c:
        rows = c.all(
            f"SELECT store, ts, action, details FROM ho_audit WHERE action IN ({marks}) ORDER BY id", ALARM_ACTIONS
        )
    out: dict[str, list[dict]] = {}
    for store, ts, action, details in rows:
        out.setdefault(store, []).append({"store": store, "ts": ts, "action": action, "details": details})
    return out


def stores(ho) -> list[dict]:
    rows = ho.list_stores()
    for s in rows:
        s["alarms"] = 1 if s.get("audit_alarm") else 0  # an open anchoring alarm (until IT acknowledges it)
    return rows


def store_detail(ho, code: str) -> dict | None:
    found = [s for s in stores(ho) if s["code"] == code]
    if not found:
        return None
    q = [{k: v for k, v in r.items() if k != "member_id"} for r in ho.quarantined(code)]
    return {"store": found[0], "quarantine": q, "alarms": audit_alarms(ho).get(code, [])}


def _requests(ho) -> list[dict]:
    out = []
    for rec in ho.records(entity="request"):  # the service's decrypting reader (STO-1)
        store, rid, p, received = rec["store"], rec["entity_id"], rec["payload"], rec["received_at"]
        out.append(
            {
                "store": store,
                "request_id": rid,
                "type": p.get("type") or p.get("kind") or "",
                "status": str(p.get("status") or ""),
                "outcome": p.get("outcome"),
                "due_date": str(p.get("due_on") or p.get("due_date") or p.get("due_at") or "")[:10],
                "received_at": received,
            }
        )
    return out


def requests(ho, today: dt.date) -> dict:
    """Open requests with their clock; overdue ones are exactly `HeadOffice.overdue_requests(today)`."""
    overdue = {(r["store"], r["request_id"]) for r in ho.overdue_requests(today.isoformat())}
    open_: list[dict] = []
    soon: list[dict] = []
    late: list[dict] = []
    for r in _requests(ho):
        if r["status"] in CLOSED_REQUEST_STATES:
            continue
        try:
            r["days_left"] = (dt.date.fromisoformat(r["due_date"]) - today).days
        except ValueError:
            r["days_left"] = None
        key = (r["store"], r["request_id"])
        r["overdue"] = key in overdue
        r["due_soon"] = not r["overdue"] and r["days_left"] is not None and r["days_left"] <= DUE_SOON_DAYS
        open_.append(r)
        (late if r["overdue"] else soon if r["due_soon"] else []).append(r)
    return {"open": open_, "due_soon": soon, "overdue": late}


def request_detail(ho, store: str, rid: str, today: dt.date) -> dict | None:
    for r in requests(ho, today)["open"] + _requests(ho):
        if r["store"] == store and r["request_id"] == rid:
            return r
    return None


def erasures(ho) -> list[dict]:
    with ho.storage.read() as c:
        rows = c.all(
            "SELECT member_id, erased_at, origin_store, reason, request_id FROM erasures"
            " ORDER BY received_at DESC, member_id LIMIT 500"
        )
        rec = c.all("SELECT member_id, store FROM receipts")
        enrolled = [r[0] for r in c.all("SELECT code FROM stores WHERE enrolled_at IS NOT NULL ORDER BY code")]
    by_member: dict[str, set] = {}
    for mid, store in rec:
        by_member.setdefault(mid, set()).add(store)
    out = []
    for mid, erased_at, origin, reason, request_id in rows:
        got = by_member.get(mid, set())
        out.append(
            {
                "member_id": mid,
                "erased_at": erased_at,
                "origin_store": origin or "-",
                "reason": reason,
                "request_id": request_id,
                "receipts": sorted(got),
                "missing": [s for s in enrolled if s not in got],
            }
        )
    return out


def current_notice_version(ho) -> str | None:
    with ho.storage.read() as c:
        row = c.one(
            "SELECT payload FROM feed WHERE kind = 'notice' AND target_store IS NULL ORDER BY tx DESC, id DESC LIMIT 1"
        )
    if row is None:
        return None
    p = json.loads(row[0])
    return str((p.get("zh_CN") or p.get("en") or {}).get("version") or "") or None


def consent(ho, stores: list[str] | None = None) -> dict:
    """Per notice version and purpose: members whose latest decision is granted, refused or withdrawn;
    and members whose latest consent is not on the current notice version (fresh consent pending, CON-5).
    Read from the aggregate the upload apply keeps (headoffice/consent_counts.py): one GROUP BY over a
    few rows per store, whatever the number of members; nothing is decrypted."""
    current = current_notice_version(ho)
    with ho.storage.read() as c:
        return consent_counts.summary(c, current, stores)
