"""Head office's evidence pack (issue #19): for a period and one or more stores, from what head office holds.

Sources, per section (the model, PDF and bundle are app.evidence's, shared with the store's own pack):
- notices: the stores' `notice` records (version + hashes), effective dates from head office's published notices;
- consent: the stores' `consent` records (decisions made in the period), counted;
- requests: `request` records (type, status, outcome, due date) joined with the store's `evidence_summary` rows
  (receipt and closing dates: app/evidence/summary.py); timeliness against the due date;
- erasures: head office's erasure register and the stores' signed receipts;
- originals: `destruction` records + summaries (time, certificate); `scan_document` records counted;
- retention: the stores' summaries (their retention runs, RET-2 erasures included); for a store that never sent
  one, its `retention` records (per purge batch: category, rule, count) and a gap;
- sensitive access and staff: the stores' summaries only (audit entries stay at the store);
- anchoring: the stores table, the anchors and the alarms raised in the period (ho_audit);
- incidents: `incidents()` below (the incident register, headoffice/incidents.py).
A store that sent no summary is named in the section's gaps ("not_reported: S001"), never counted as zero.
Members appear as pseudonymous references; with `personal=True` (auditor or compliance role and a stated
reason, both checked here) the internal ids. Every pack is audited in ho_audit (`console.evidence.pack`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from app.evidence import model as M
from app.evidence.bundle import build_bundle
from app.evidence.render import pack_pdf
from app.notices.model import Notice
from headoffice import anchor, atrest

PERSONAL_ROLES = ("auditor", "compliance")
MIN_REASON = 8
ALARM_ACTIONS = ("audit.anchor.alarm", "audit.head.regressed")


class EvidenceError(Exception):
    """A refused pack; `code` is a console message key."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


BEIJING = dt.timezone(dt.timedelta(hours=8))


def _day(ts: float | None) -> str:
    """An epoch time's day in Beijing ("" for none): for the period checks and the rows that are days."""
    if ts is None:
        return ""
    return dt.datetime.fromtimestamp(float(ts), BEIJING).date().isoformat()


def _when(ts: float | None) -> str:
    """An epoch time as ISO in Beijing time with its offset ("2026-05-02T10:00:00+08:00"; "" for none): the
    PDF prints it as people write it (app.printing.dates), the JSON keeps the hour (PIPL Art. 57's 72 hours)."""
    if ts is None:
        return ""
    return dt.datetime.fromtimestamp(float(ts), BEIJING).isoformat(timespec="seconds")


def incidents(ho: Any, stores: list[str], period: dict[str, str]) -> tuple[list[dict[str, Any]], bool]:
    """The personal-information incidents the pack names for `stores` and the period: read through the incident
    register's own function (`HeadOffice.incidents_for_period`, headoffice/incidents.py — found in the period, or
    found before it and still open; chain-wide ones included), reduced to what an auditor reads. The second value
    says the register exists (it always does now; kept for the pack's gap wording)."""
    rows = ho.incidents_for_period(dt.date.fromisoformat(period["from"]), dt.date.fromisoformat(period["to"]), stores)
    out = [
        {
            "ref": f"INC-{r['id']}",
            "found_at": _when(r["found_at"]),
            "stores": list(r["stores"]),
            "what": str(r["title"]),
            "data_kinds": list(r["data_kinds"]),
            "people_affected": r["people_affected"],
            "authority_told": _when(r["authority_told_at"]),
            "people_told": _when(r["people_told_at"]),
            "closed": _when(r["closed_at"]),
        }
        for r in rows
    ]
    return out, True


def _notice_dates(c: Any) -> dict[str, str]:
    dates: dict[str, str] = {}
    for (payload,) in c.all("SELECT payload FROM feed WHERE kind = 'notice' ORDER BY id"):
        p = json.loads(payload)
        for lang in ("zh_CN", "en"):
            if isinstance(p.get(lang), dict):
                try:
                    n = Notice.from_dict(p[lang])
                except Exception:  # noqa: BLE001 - an unreadable old payload only loses its date here
                    continue
                dates.setdefault(n.version, str(n.effective_date))
    return dates


def build_pack(
    ho: Any,
    *,
    stores: list[str],
    period_from: dt.date,
    period_to: dt.date,
    actor: str,
    role: str,
    personal: bool = False,
    reason: str = "",
) -> M.EvidencePack:
    """The pack, its PDF and its bundle; audited (console.evidence.pack) with the period, stores and reason."""
    if period_to < period_from or (period_to - period_from).days > 3 * 366:
        raise EvidenceError("evidence.bad_period")
    known = {s["code"] for s in ho.list_stores()}
    stores = sorted(set(stores) & known) if stores else sorted(known)
    if not stores:
        raise EvidenceError("evidence.no_store")
    if personal and role not in PERSONAL_ROLES:
        raise EvidenceError("evidence.personal_role")
    if personal and len(reason.strip()) < MIN_REASON:
        raise EvidenceError("evidence.personal_reason")
    now = ho.clock()
    pack = M.new_pack(
        producer="head_office",
        period_from=period_from,
        period_to=period_to,
        stores=stores,
        generated_at=dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        generated_by=actor,
        personal_data=personal,
        reason=reason if personal else None,
    )
    fill_sections(ho, pack, personal=personal)
    pdf = pack_pdf(pack)
    bundle = build_bundle(pack, pdf)
    details = {
        "from": pack["period"]["from"],
        "to": pack["period"]["to"],
        "stores": stores,
        "personal": personal,
        "requests": len(pack["sections"]["requests"]["rows"]),
    }
    if personal:
        details["reason"] = reason.strip()[:200]
    with ho.storage.tx() as c:
        ho._audit(c, actor, "console.evidence.pack", None, ",".join(stores)[:200], details)
    return M.EvidencePack(pack, pdf, bundle)


def fill_sections(ho: Any, pack: dict[str, Any], *, personal: bool = False) -> None:
    period, stores = pack["period"], pack["stores"]
    today = _day(ho.clock())
    recs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with ho.storage.read() as c:
        notice_dates = _notice_dates(c)
        for store in stores:
            for ent in ("notice", "consent", "request", "destruction", "retention", "scan_document", M.SUMMARY_ENTITY):
                recs.setdefault(ent, {})[store] = list(atrest.records(ho.keys, c, entity=ent, store=store))
        erasures = c.all(
            "SELECT member_id, erased_at, origin_store, reason, request_id FROM erasures"
            " WHERE erased_at >= ? AND erased_at <= ? ORDER BY erased_at, member_id",
            (period["from"], period["to"] + "\uffff"),
        )
        receipts: dict[str, set[str]] = {}
        for mid, store in c.all("SELECT member_id, store FROM receipts"):
            receipts.setdefault(mid, set()).add(store)
        marks = ",".join("?" * len(ALARM_ACTIONS))
        alarms = c.all(f"SELECT store, ts FROM ho_audit WHERE action IN ({marks})", ALARM_ACTIONS)
        anchors = {s: anchor.current(c, s) for s in stores}
    srows = {s["code"]: s for s in ho.list_stores()}
    inc, have_register = incidents(ho, stores, period)

    summaries = {s: _merge_summaries(recs[M.SUMMARY_ENTITY][s], period) for s in stores}
    silent = [s for s in stores if not recs[M.SUMMARY_ENTITY][s]]

    notices = []
    for store in stores:
        for r in recs["notice"][store]:
            p = r["payload"]
            for lang, digest in sorted((p.get("hashes") or {}).items()):
                version = str(p.get("version") or r["entity_id"])
                notices.append(
                    {
                        "store": store,
                        "version": version,
                        "lang": lang,
                        "effective_date": notice_dates.get(version) or _day(r["received_at"]),
                        "sha256": digest,
                    }
                )
    seen = {(n["store"], n["version"], n["lang"]) for n in notices}
    for store in stores:  # versions the store holds but never journalled (the shipped default), from its summary
        for n in summaries[store]["notices"]:
            if (n.get("store"), n.get("version"), n.get("lang")) not in seen:
                seen.add((n.get("store"), n.get("version"), n.get("lang")))
                notices.append(n)
    M.put_section(pack, "notices", M.notices_in_force(notices, period))

    decisions = []
    for store in stores:
        for r in recs["consent"][store]:
            p = r["payload"]
            if not M.in_period(str(p.get("at") or ""), period):
                continue
            for purpose, granted in (p.get("decisions") or {}).items():
                state = "granted" if granted else ("withdrawn" if p.get("kind") == "withdrawal" else "refused")
                decisions.append((str(p.get("at")), str(p.get("notice_version") or "-"), purpose, state))
    M.put_section(pack, "consent", M.consent_counts(decisions))

    requests, req_gaps = [], set()
    for store in stores:
        reported = summaries[store]["requests"]
        for r in recs["request"][store]:
            p, rid = r["payload"], r["entity_id"]
            s = reported.pop(rid, None)
            if s is None:
                if not M.in_period(_day(r["received_at"]), period) and str(p.get("status")) in ("completed", "refused"):
                    continue
                req_gaps.add(M.gap(store, "request_dates_not_reported"))
                s = {"ref": rid[:12], "received_on": None, "closed_on": None}
            row = {
                "store": store,
                "ref": s.get("ref"),
                "request_id": rid,
                "type": p.get("type"),
                "channel": p.get("channel"),
                "received_on": s.get("received_on"),
                "due_on": str(p.get("due_on") or s.get("due_on") or "")[:10] or None,
                "closed_on": s.get("closed_on"),
                "status": p.get("status"),
                "outcome": p.get("outcome"),
            }
            if personal:
                row["member_ref"] = M.member_ref(p.get("member_id"), personal=True)
            row["timeliness"] = M.timeliness(row["received_on"], row["due_on"], row["closed_on"], today)
            requests.append(row)
        requests.extend(reported.values())  # reported by the store, record not (yet) at head office
    requests.sort(key=lambda r: (str(r.get("received_on") or ""), str(r["store"]), str(r.get("ref"))))
    M.put_section(pack, "requests", requests, gaps=req_gaps | {M.gap(s) for s in silent})

    er_rows = []
    for mid, erased_at, origin, reason, request_id in erasures:
        got = receipts.get(mid, set())
        if origin not in stores and not got & set(stores):
            continue
        er_rows.append(
            {
                "member_ref": M.member_ref(mid, personal=personal),
                "erased_at": erased_at,
                "reason": reason,
                "origin_store": origin or "-",
                "request_ref": request_id,
                "receipts": sorted(got),
                "missing": [s for s in stores if s not in got],
            }
        )
    M.put_section(pack, "erasures", er_rows)

    destroyed, scanned = [], 0
    for store in stores:
        reported = {d["batch_no"]: d for d in summaries[store]["originals"]}
        for r in recs["destruction"][store]:
            p = r["payload"]
            s = reported.pop(str(p.get("batch_no")), None)
            when = (s or {}).get("destroyed_at") or _day(r["received_at"])
            if not M.in_period(when, period):
                continue
            destroyed.append(
                {
                    "store": store,
                    "batch_no": p.get("batch_no"),
                    "destroyed_at": when,
                    "method": p.get("method"),
                    "forms": len(p.get("serials") or []),
                    "certificate_no": (s or {}).get("certificate_no"),
                    "batch_sha256": p.get("batch_sha256"),
                }
            )
        destroyed.extend(reported.values())
        scanned += sum(1 for r in recs["scan_document"][store] if M.in_period(_day(r["received_at"]), period))
    M.put_section(pack, "originals", destroyed, extra={"forms_scanned": scanned})

    retention: list[dict[str, Any]] = []
    for store in stores:
        if summaries[store]["retention"] or store not in silent:
            # the store's own runs (retention_runs): every category, members erased by RET-2 included
            retention.extend(r for r in summaries[store]["retention"] if M.in_period(r.get("date"), period))
            continue
        retention.extend(  # a store that never reported: the purge batches it journalled (not RET-2 erasures)
            {
                "store": store,
                "date": _day(r["received_at"]),
                "category": r["payload"].get("category"),
                "rule": r["payload"].get("rule"),
                "count": int(r["payload"].get("count") or 0),
            }
            for r in recs["retention"][store]
            if M.in_period(_day(r["received_at"]), period)
        )
    M.put_section(pack, "retention", retention, gaps={M.gap(s) for s in silent})

    access = [row for s in stores for row in summaries[s]["sensitive_access"]]
    M.put_section(pack, "sensitive_access", _sum_access(access), gaps={M.gap(s) for s in silent})
    M.put_section(
        pack, "staff", [row for s in stores for row in summaries[s]["staff"]], gaps={M.gap(s) for s in silent}
    )

    anchoring = []
    for s in stores:
        row = srows[s]
        n = sum(1 for st, ts in alarms if st == s and M.in_period(_day(ts), period))
        anchoring.append(
            {
                "store": s,
                "audit_seq": row["audit_seq"],
                "anchor_seq": anchors[s][0],
                "anchored_at": _when(anchors[s][2]) or None,
                "alarms": n,
                "open_alarm": bool(row["audit_alarm"]),
            }
        )
    M.put_section(pack, "anchoring", anchoring)
    M.put_section(pack, "incidents", inc, gaps=() if have_register else ["incident_register_missing"])


def _merge_summaries(rows: list[dict[str, Any]], period: dict[str, str]) -> dict[str, Any]:
    """A store's monthly summaries overlapping the period: requests by id (the latest month wins), destructions
    by batch, sensitive access in the period, staff from the latest summary."""
    out: dict[str, Any] = {
        "requests": {},
        "originals": [],
        "sensitive_access": [],
        "staff": [],
        "notices": [],
        "retention": [],
    }
    months = sorted(rows, key=lambda r: str(r["entity_id"]))
    for r in months:
        month = str(r["entity_id"])
        if not (period["from"][:7] <= month <= period["to"][:7]):
            continue
        secs = r["payload"].get("sections") or {}
        for q in (secs.get("requests") or {}).get("rows", []):
            if q.get("request_id"):
                out["requests"][q["request_id"]] = q
        out["originals"].extend((secs.get("originals") or {}).get("rows", []))
        out["sensitive_access"].extend((secs.get("sensitive_access") or {}).get("rows", []))
        out["notices"].extend((secs.get("notices") or {}).get("rows", []))
        out["retention"].extend((secs.get("retention") or {}).get("rows", []))
    inside = [r for r in months if str(r["entity_id"]) <= period["to"][:7]] or months
    if inside:
        out["staff"] = ((inside[-1]["payload"].get("sections") or {}).get("staff") or {}).get("rows", [])
    return out


def _sum_access(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    total: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        key = (r.get("store"), r.get("staff_ref"), r.get("action"), r.get("reason"))
        cur = total.setdefault(key, {**r, "count": 0})
        cur["count"] += int(r.get("count") or 0)
    return [total[k] for k in sorted(total, key=lambda k: tuple(str(x) for x in k))]
