"""The evidence pack (issue #19): one model shared by its two producers, head office's console and a store's
desk application. Pure functions over plain data (dicts of str/int/bool/None/lists): no database, no Qt.

A pack is a dict:
  format, producer ("head_office" | "store"), generated_at, generated_by, period {from, to} (ISO dates,
  inclusive), stores [codes], personal_data (bool), reason (None unless personal_data), sections {key: section}
A section is {"rows": [dict], "summary": {name: number}, "gaps": [text]}: `gaps` names what the producer does
not hold ("not reported by store S001"), never an invented number.

No customer's personal data: members appear only as `member_ref(member_id)`, a pseudonymous reference (a hash
of the store's random internal id: it neither names nor contacts anyone, and links only to the store's own
records). With `personal_data=True` (head office, auditor or compliance role with a stated reason, audited by
the producer) the internal id itself is shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

FORMAT = "memberdesk-evidence-pack/1"
PRODUCERS = ("head_office", "store")
WORKING_DAYS_LIMIT = 15  # RIG-1: a request is answered within 15 working days
NOT_REPORTED = "not_reported"  # a gap's kind: the producer does not hold it
SUMMARY_ENTITY = "evidence_summary"  # the store's monthly non-personal summary for head office (summary.py)


@dataclass(frozen=True)
class EvidencePack:
    """A built pack: the model (dict), its PDF and its zipped bundle."""

    pack: dict[str, Any]
    pdf: bytes
    bundle: bytes


# (key, Chinese title, English title, [(column, Chinese label, English label)]) in the order of the PDF.
SECTIONS: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "notices",
        "生效的顾客信息处理告知书",
        "Notices in force",
        [
            ("store", "门店", "Store"),
            ("version", "版本", "Version"),
            ("lang", "语言", "Language"),
            ("effective_date", "生效日期", "Effective"),
            ("sha256", "SHA-256", "SHA-256"),
        ],
    ),
    (
        "consent",
        "同意情况统计",
        "Consent statistics",
        [
            ("version", "告知书版本", "Notice version"),
            ("purpose", "处理目的", "Purpose"),
            ("granted", "同意", "Granted"),
            ("refused", "不同意", "Refused"),
            ("withdrawn", "撤回", "Withdrawn"),
        ],
    ),
    (
        "requests",
        "个人信息权利申请及答复时限",
        "Requests and timeliness (15 working days)",
        [
            ("store", "门店", "Store"),
            ("ref", "申请编号", "Request"),
            ("type", "类型", "Type"),
            ("received_on", "收到日期", "Received"),
            ("due_on", "答复期限", "Due"),
            ("closed_on", "办结日期", "Closed"),
            ("outcome", "结果", "Outcome"),
            ("timeliness", "时限", "Timeliness"),
        ],
    ),
    (
        "erasures",
        "删除及各门店回执",
        "Erasures and receipts",
        [
            ("member_ref", "会员（假名化）", "Member (pseudonymous)"),
            ("erased_at", "删除时间", "Erased at"),
            ("reason", "原因", "Reason"),
            ("origin_store", "发起门店", "Origin"),
            ("receipts", "已回执门店", "Receipts from"),
            ("missing", "未回执门店", "Missing receipts"),
        ],
    ),
    (
        "originals",
        "纸质原件扫描与销毁记录",
        "Paper originals scanned and destroyed",
        [
            ("store", "门店", "Store"),
            ("batch_no", "销毁批次", "Batch"),
            ("destroyed_at", "销毁时间", "Destroyed"),
            ("method", "方式", "Method"),
            ("forms", "份数", "Forms"),
            ("certificate_no", "证明编号", "Certificate"),
            ("batch_sha256", "批次校验码", "Batch SHA-256"),
        ],
    ),
    (
        "retention",
        "保存期限清理（删除数量）",
        "Retention sweeps (counts removed)",
        [
            ("store", "门店", "Store"),
            ("date", "日期", "Date"),
            ("category", "类别", "Category"),
            ("rule", "规则", "Rule"),
            ("count", "数量", "Count"),
        ],
    ),
    (
        "sensitive_access",
        "敏感个人信息的访问",
        "Access to sensitive data",
        [
            ("store", "门店", "Store"),
            ("staff_ref", "员工", "Staff"),
            ("role", "角色", "Role"),
            ("action", "操作", "Action"),
            ("reason", "理由", "Reason"),
            ("count", "次数", "Times"),
        ],
    ),
    (
        "staff",
        "员工与角色",
        "Staff and roles",
        [
            ("store", "门店", "Store"),
            ("staff_ref", "员工", "Staff"),
            ("role", "角色", "Role"),
            ("status", "状态", "Status"),
        ],
    ),
    (
        "anchoring",
        "审计日志锚定状态",
        "Audit-chain anchoring",
        [
            ("store", "门店", "Store"),
            ("audit_seq", "审计日志序号", "Audit head"),
            ("anchor_seq", "已锚定序号", "Anchored to"),
            ("anchored_at", "锚定时间", "Anchored at"),
            ("alarms", "告警次数", "Alarms"),
            ("open_alarm", "未处理告警", "Open alarm"),
        ],
    ),
    (
        "incidents",
        "个人信息安全事件",
        "Personal-information incidents",
        [
            ("ref", "编号", "Ref"),
            ("found_at", "发现时间", "Found"),
            ("stores", "门店", "Stores"),
            ("what", "事件", "What"),
            ("authority_told", "已报告监管部门", "Authority told"),
            ("people_told", "已通知个人", "People told"),
        ],
    ),
]
SECTION_KEYS = tuple(s[0] for s in SECTIONS)


def member_ref(member_id: str | None, personal: bool = False) -> str:
    """A member as the pack names them: a pseudonymous reference (12 hex of SHA-256 of the internal id) unless
    the pack was allowed to hold personal data (then the internal id itself)."""
    if not member_id:
        return "-"
    if personal:
        return str(member_id)
    return "m-" + hashlib.sha256(("memberdesk-evidence:" + str(member_id)).encode()).hexdigest()[:12]


def staff_ref(staff_id: str | None) -> str:
    """A staff account as the pack names it: its random id's first 8 characters (no name)."""
    return "-" if not staff_id else "s-" + str(staff_id)[:8]


def in_period(day: str | None, period: dict[str, str]) -> bool:
    """True when an ISO date or timestamp `day` falls in the pack's period (both ends included)."""
    if not day:
        return False
    d = str(day)[:10]
    return period["from"] <= d <= period["to"]


def timeliness(received_on: str | None, due_on: str | None, closed_on: str | None, today: str) -> str:
    """A request against its due date (15 working days after receipt, plus only the pauses for the customer and
    the one extension the store's triggers allow): on_time | late | open | overdue | unknown."""
    if not due_on:
        return "unknown"
    due = str(due_on)[:10]
    if closed_on:
        return "on_time" if str(closed_on)[:10] <= due else "late"
    return "overdue" if today > due else "open"


def new_pack(
    *,
    producer: str,
    period_from: dt.date,
    period_to: dt.date,
    stores: Iterable[str],
    generated_at: str,
    generated_by: str,
    personal_data: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    if producer not in PRODUCERS:
        raise ValueError("producer")
    if period_to < period_from:
        raise ValueError("period")
    if personal_data and not (reason or "").strip():
        raise ValueError("a pack with personal data needs a stated reason")
    return {
        "format": FORMAT,
        "producer": producer,
        "generated_at": generated_at,
        "generated_by": generated_by,
        "period": {"from": period_from.isoformat(), "to": period_to.isoformat()},
        "stores": sorted(set(stores)),
        "personal_data": bool(personal_data),
        "reason": (reason or "").strip() or None if personal_data else None,
        "sections": {k: {"rows": [], "summary": {}, "gaps": []} for k in SECTION_KEYS},
    }


def put_section(
    pack: dict[str, Any],
    key: str,
    rows: list[dict[str, Any]],
    gaps: Iterable[str] = (),
    extra: dict[str, int] | None = None,
) -> None:
    """Set a section's rows and gaps; its summary is computed here from the rows (one rule for both producers),
    plus `extra` counts the rows do not show (e.g. forms scanned in the period)."""
    if key not in SECTION_KEYS:
        raise KeyError(key)
    summary = {**summarise(key, rows), **(extra or {})}
    pack["sections"][key] = {"rows": rows, "summary": summary, "gaps": sorted(set(gaps))}


def summarise(key: str, rows: list[dict[str, Any]]) -> dict[str, int]:
    if key == "requests":
        c = Counter(str(r.get("timeliness")) for r in rows)
        return {"total": len(rows), **{k: c.get(k, 0) for k in ("on_time", "late", "open", "overdue", "unknown")}}
    if key == "consent":
        return {k: sum(int(r.get(k) or 0) for r in rows) for k in ("granted", "refused", "withdrawn")}
    if key == "erasures":
        return {"total": len(rows), "receipts_missing": sum(1 for r in rows if r.get("missing"))}
    if key == "originals":
        return {"batches": len(rows), "forms_destroyed": sum(int(r.get("forms") or 0) for r in rows)}
    if key in ("retention", "sensitive_access"):
        return {"rows": len(rows), "count": sum(int(r.get("count") or 0) for r in rows)}
    if key == "anchoring":
        return {"stores": len(rows), "open_alarms": sum(1 for r in rows if r.get("open_alarm"))}
    return {"rows": len(rows)}


# The gaps a producer may name (codes in the JSON; words in the PDF and on the console page).
GAP_WORDS: dict[str, tuple[str, str]] = {
    NOT_REPORTED: ("门店未上报", "not reported by the store"),
    "request_dates_not_reported": ("门店未上报申请的收到和办结日期", "the store did not report the request dates"),
    "incident_register_missing": ("事件登记尚不可用", "the incident register is not available yet"),
    "receipts_at_head_office": ("其他门店的回执由总部保存", "other stores' receipts are held by head office"),
    "incidents_at_head_office": ("事件登记由总部保存", "the incident register is held by head office"),
}
# The summaries' counts, in words.
SUMMARY_WORDS: dict[str, tuple[str, str]] = {
    "total": ("总数", "total"),
    "on_time": ("按时", "on time"),
    "late": ("超期办结", "late"),
    "open": ("办理中", "open"),
    "overdue": ("已超期", "overdue"),
    "unknown": ("未知", "unknown"),
    "granted": ("同意", "granted"),
    "refused": ("不同意", "refused"),
    "withdrawn": ("撤回", "withdrawn"),
    "receipts_missing": ("缺回执", "receipts missing"),
    "batches": ("销毁批次", "batches"),
    "forms_destroyed": ("销毁份数", "forms destroyed"),
    "forms_scanned": ("扫描份数", "forms scanned"),
    "rows": ("行数", "rows"),
    "count": ("次数/数量", "count"),
    "stores": ("门店数", "stores"),
    "open_alarms": ("未处理告警", "open alarms"),
}


def gap(store: str | None, what: str = NOT_REPORTED) -> str:
    """A gap as the JSON holds it: its code and the store it concerns ("not_reported: S001")."""
    return f"{what}: {store}" if store else what


def gap_text(code: str, lang: str = "zh_CN") -> str:
    """A gap in words ("门店未上报：S001"); an unknown code stays as it is."""
    what, _sep, store = code.partition(": ")
    words = GAP_WORDS.get(what)
    if words is None:
        return code
    text = words[0 if lang == "zh_CN" else 1]
    return f"{text}：{store}" if store and lang == "zh_CN" else (f"{text}: {store}" if store else text)


def summary_text(summary: dict[str, int], lang: str = "zh_CN") -> str:
    i = 0 if lang == "zh_CN" else 1
    sep = "，" if lang == "zh_CN" else ", "
    return sep.join(f"{SUMMARY_WORDS.get(k, (k, k))[i]} {v}" for k, v in summary.items()) or "-"


def notices_in_force(rows: list[dict[str, Any]], period: dict[str, str]) -> list[dict[str, Any]]:
    """The notice versions in force at some time in the period, per store and language: effective on or before
    its end and not replaced by a later version already effective at its start. Rows: store, version, lang,
    effective_date, sha256."""
    by_key: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        by_key.setdefault((r.get("store"), r.get("lang")), []).append(r)
    out = []
    for key in sorted(by_key, key=lambda k: (str(k[0]), str(k[1]))):
        versions = sorted(by_key[key], key=lambda r: (str(r.get("effective_date") or ""), str(r.get("version"))))
        started = [r for r in versions if str(r.get("effective_date") or "")[:10] <= period["to"]]
        for i, r in enumerate(started):
            nxt = started[i + 1] if i + 1 < len(started) else None
            if nxt is not None and str(nxt.get("effective_date") or "")[:10] <= period["from"]:
                continue  # replaced before the period began
            out.append(r)
    return out


def consent_counts(decisions: Iterable[tuple[str, str, str, str]]) -> list[dict[str, Any]]:
    """Decisions recorded in the period, counted per (notice version, purpose): granted | refused | withdrawn.
    `decisions`: (at, notice version, purpose, state). Counted, never listed per member."""
    counts: dict[tuple[str, str], dict[str, Any]] = {}
    for _at, version, purpose, state in decisions:
        row = counts.setdefault(
            (str(version), str(purpose)),
            {"version": str(version), "purpose": str(purpose), "granted": 0, "refused": 0, "withdrawn": 0},
        )
        row[state] += 1
    return [counts[k] for k in sorted(counts)]
