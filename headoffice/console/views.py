"""What the console pages show, read from head office's tables (no writes here).

Personal values never appear: requests show type, status and dates; erasures show the member's
internal id (a random id, as in the erasure ledger); consent is counted, never listed.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from headoffice import consent_counts, request_index
from headoffice.service import CLOSED_REQUEST_STATES

DUE_SOON_DAYS = 3
ALARM_ACTIONS = ("audit.anchor.alarm", "audit.anchor.alarm.acknowledged", "audit.head.regressed")


try:
    BEIJING: dt.tzinfo = ZoneInfo("Asia/Shanghai")
except ZoneInfoNotFoundError:  # no tz database (a bare Windows host): China has kept UTC+8 without DST since 1991
    BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
ZONE_NAME = {"zh_CN": "北京时间", "en": "Beijing time"}


def fmt_time(ts: float | str | None, lang: str = "zh_CN") -> str:
    """An epoch time or an ISO time (stored in UTC: `2027-01-15T02:00:00Z`; one without a zone is taken as UTC)
    shown in Beijing time with the zone named: `2027-01-15 10:00 北京时间`. Text that is no time is shown as it is."""
    if ts is None or ts == "":
        return "-"
    if isinstance(ts, str):
        try:
            when = dt.datetime.fromisoformat(ts.strip().replace("Z", "+00:00"))
        except ValueError:
            return ts
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        local = when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        return f"{local} {ZONE_NAME.get(lang, ZONE_NAME['en'])}"
    local = dt.datetime.fromtimestamp(float(ts), BEIJING).strftime("%Y-%m-%d %H:%M")
    return f"{local} {ZONE_NAME.get(lang, ZONE_NAME['en'])}"


def beijing_date(ts: float) -> dt.date:
    return dt.datetime.fromtimestamp(float(ts), BEIJING).date()


def audit_alarms(ho, store: str | None = None, limit: int = 200) -> dict[str, list[dict]]:
    """The history of audit-anchoring alarms per store (SEC-2): raised (truncation, fork, rewrite),
    acknowledged by IT, and the older head-regression check, from head office's own audit table
    (index ho_audit_action); the newest `limit` per call, oldest first."""
    marks = ",".join("?" * len(ALARM_ACTIONS))
    where = f"action IN ({marks})" + (" AND store = ?" if store is not None else "")
    params = [*ALARM_ACTIONS, *([store] if store is not None else []), int(limit)]
    with ho.storage.read() as c:
        rows = c.all(f"SELECT store, ts, action, details FROM ho_audit WHERE {where} ORDER BY id DESC LIMIT ?", params)
    out: dict[str, list[dict]] = {}
    for st, ts, action, details in reversed(rows):
        out.setdefault(st, []).append({"store": st, "ts": ts, "action": action, "details": details})
    return out


PAGE_SIZE = 100


def stores(ho) -> list[dict]:
    rows = ho.list_stores()
    for s in rows:
        s["alarms"] = 1 if s.get("audit_alarm") else 0  # an open anchoring alarm (until IT acknowledges it)
    return rows


def stores_page(ho, page: int = 1, size: int = PAGE_SIZE) -> dict:
    """One page of the stores list: stores with an open alarm or quarantined rows first, then by code;
    with the totals over all stores (500 stores would not read, nor render quickly, on one page)."""
    rows = sorted(stores(ho), key=lambda s: (not s["alarms"], not s["quarantined"], s["code"]))
    pages = max(1, -(-len(rows) // size))
    page = min(max(1, page), pages)
    return {
        "stores": rows[(page - 1) * size : page * size],
        "page": page,
        "pages": pages,
        "total": len(rows),
        "with_alarm": sum(1 for s in rows if s["alarms"]),
        "with_quarantine": sum(1 for s in rows if s["quarantined"]),
    }


def store_detail(ho, code: str, limit: int = 200) -> dict | None:
    found = [s for s in stores(ho) if s["code"] == code]
    if not found:
        return None
    with ho.storage.read() as c:  # the newest quarantined rows (metadata only; index quarantine_store)
        rows = c.all(
            "SELECT store, seq, entity, entity_id, reason FROM quarantine WHERE store = ? ORDER BY id DESC LIMIT ?",
            (code, int(limit)),
        )
        total = int(c.scalar("SELECT count(*) FROM quarantine WHERE store = ?", (code,), 0))
    q = [dict(zip(("store", "seq", "entity", "entity_id", "reason"), r, strict=True)) for r in reversed(rows)]
    return {
        "store": found[0],
        "quarantine": q,
        "quarantine_total": total,
        "alarms": audit_alarms(ho, code).get(code, []),
    }


def _clock(r: dict, today: dt.date) -> dict:
    try:
        r["days_left"] = (dt.date.fromisoformat(r["due_date"]) - today).days
    except ValueError:
        r["days_left"] = None
    r["overdue"] = r["status"] not in CLOSED_REQUEST_STATES and r["days_left"] is not None and r["days_left"] < 0
    r["due_soon"] = not r["overdue"] and r["days_left"] is not None and r["days_left"] <= DUE_SOON_DAYS
    return r


def requests(ho, today: dt.date, limit: int = 200) -> dict:
    """Open requests with their clock, from the index the upload apply keeps (headoffice/request_index.py):
    overdue (due before today; the same condition as `HeadOffice.overdue_requests`), due within
    DUE_SOON_DAYS, and all open ones — each list the first `limit` by due date, with its total."""
    soon_end = (today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    with ho.storage.read() as c:
        late = request_index.open_requests(c, overdue_before=today.isoformat(), limit=limit)
        soon = request_index.open_requests(c, overdue_before=today.isoformat(), due_by=soon_end, limit=limit)
        open_ = request_index.open_requests(c, limit=limit)
    out = {}
    for name, got in (("overdue", late), ("due_soon", soon), ("open", open_)):
        out[name] = [_clock(r, today) for r in got["rows"]]
        out[name + "_total"] = got["total"]
    return out


def request_detail(ho, store: str, rid: str, today: dt.date) -> dict | None:
    with ho.storage.read() as c:
        r = request_index.one(c, store, rid)
    return None if r is None else _clock(r, today)


MISSING_LISTED = 10


def erasures(ho, limit: int = 100) -> list[dict]:
    """The newest erasure orders with how many enrolled stores returned a signed receipt; the stores
    still to answer are named when there are at most MISSING_LISTED of them (500 stores would not read),
    else counted. Receipts are counted per listed member in SQL (primary key member_id, store)."""
    with ho.storage.read() as c:
        rows = c.all(
            "SELECT member_id, erased_at, origin_store, reason, request_id FROM erasures"
            " ORDER BY received_at DESC, member_id LIMIT ?",
            (int(limit),),
        )
        enrolled = [r[0] for r in c.all("SELECT code FROM stores WHERE enrolled_at IS NOT NULL ORDER BY code")]
        got: dict[str, int] = {}
        mids = [r[0] for r in rows]
        for i in range(0, len(mids), 500):
            chunk = mids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            got.update(
                (m, int(n))
                for m, n in c.all(
                    "SELECT r.member_id, count(*) FROM receipts r JOIN stores s ON s.code = r.store"
                    f" AND s.enrolled_at IS NOT NULL WHERE r.member_id IN ({marks}) GROUP BY r.member_id",
                    chunk,
                )
            )
        named: dict[str, list[str]] = {}
        few = [m for m in mids if 0 < len(enrolled) - got.get(m, 0) <= MISSING_LISTED]
        have: dict[str, set] = {m: set() for m in few}
        if few:  # name the few stores still to answer (one query for all of them)
            marks = ",".join("?" * len(few))
            for m, st in c.all(f"SELECT member_id, store FROM receipts WHERE member_id IN ({marks})", few):
                have[m].add(st)
        for m in few:
            named[m] = [s for s in enrolled if s not in have[m]]
    out = []
    for mid, erased_at, origin, reason, request_id in rows:
        missing = named.get(mid)
        out.append(
            {
                "member_id": mid,
                "erased_at": erased_at,
                "origin_store": origin or "-",
                "reason": reason,
                "request_id": request_id,
                "receipts": got.get(mid, 0),
                "enrolled": len(enrolled),
                "missing": missing if missing is not None else [],
                "missing_count": len(enrolled) - got.get(mid, 0),
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
