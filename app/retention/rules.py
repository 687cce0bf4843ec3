"""Retention rules as data (RET-1..4): category, trigger event, period, action.

Defaults come from the policy (migration 0006). At the store they are read-only; head office replaces
them through sync with `apply_policy_from_head_office(session, rules)`."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.errors import ValidationError
from app.messages import add_messages
from app.staff import permissions as P
from app.sync.feeds import ApplyContext, record_refusal, register_feed_handler

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

CATEGORIES = ("purchase", "member", "service_record", "id_number")
TRIGGERS = {
    "purchase": "purchased",
    "member": "cancelled_or_last_purchase",
    "service_record": "closed",
    "id_number": "business_done",
}
# Actions the sweep carries out per category (a member's deletion is an erasure; anonymised
# statistics are head office's business, not the store's).
ACTIONS = {
    "purchase": ("delete",),
    "member": ("delete",),
    "service_record": ("delete",),
    "id_number": ("mask", "delete"),
}
UNITS = ("days", "months", "years")
DEFAULT_RULE_IDS = {"purchase": "RET-1", "member": "RET-2", "service_record": "RET-3", "id_number": "RET-4"}
# The policy's upper bounds (RET-1..3): head office may shorten a period, never lengthen it unless the rule
# names its legal basis ("legal_basis"). id_number has its own hard bound in validate_rule (RET-4).
LIMITS: dict[str, tuple[int, str]] = {"purchase": (5, "years"), "member": (3, "years"), "service_record": (2, "years")}
# "Longer" is judged on several reference days (leap days, month ends): longer on any of them is longer.
_REFERENCE_DAYS = (
    dt.date(2028, 2, 29),
    dt.date(2029, 3, 1),
    dt.date(2030, 3, 31),
    dt.date(2030, 12, 31),
    dt.date(2032, 2, 28),  # a 3-year window with no 29 February: 1096 days is longer than 3 years
)
REFUSED_KEY = "sync.policy_over_limit"

add_messages(
    {
        REFUSED_KEY: (
            "总部下发的保存期限规则超过政策上限且未注明法律依据，已拒绝；其余规则照常生效。",
            "A retention rule from head office is longer than the policy allows and names no legal basis: refused;"
            " the other rules apply.",
        ),
        "retention.policy_over_limit": (
            "保存期限规则超过政策上限（{categories}），且未注明法律依据（legal_basis）。",
            "The retention rule is longer than the policy allows ({categories}) and names no legal basis"
            " (legal_basis).",
        ),
    }
)


@dataclass(frozen=True)
class Rule:
    category: str
    rule_id: str
    trigger_event: str
    period_value: int
    period_unit: str
    action: str
    source: str = "policy"
    version: int = 1

    def cutoff(self, today: dt.date) -> dt.date:
        """Records whose trigger date is on or before this date are due (the period has run out)."""
        return subtract_period(today, self.period_value, self.period_unit)

    def as_dict(self) -> dict:
        return {
            "category": self.category,
            "rule_id": self.rule_id,
            "trigger_event": self.trigger_event,
            "period_value": self.period_value,
            "period_unit": self.period_unit,
            "action": self.action,
            "source": self.source,
            "version": self.version,
        }


def subtract_period(day: dt.date, value: int, unit: str) -> dt.date:
    if unit == "days":
        return day - dt.timedelta(days=value)
    months = value * (12 if unit == "years" else 1)
    y, m = divmod(day.year * 12 + (day.month - 1) - months, 12)
    m += 1
    return dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))  # 29 Feb -> 28 Feb


def get_rules(db: Queries) -> dict[str, Rule]:
    return {
        r["category"]: Rule(
            r["category"],
            r["rule_id"],
            r["trigger_event"],
            int(r["period_value"]),
            r["period_unit"],
            r["action"],
            r["source"],
            int(r["version"]),
        )
        for r in db.all("SELECT * FROM retention_rules ORDER BY category")
    }


def validate_rule(data: dict) -> Rule:
    try:
        cat = data["category"]
        value = int(data["period_value"])
        unit = data["period_unit"]
        action = data["action"]
    except (KeyError, TypeError, ValueError):
        raise ValidationError("retention.rule_invalid", field="rule") from None
    if cat not in CATEGORIES or unit not in UNITS or action not in ACTIONS[cat] or value < 0 or value > 100 * 366:
        raise ValidationError("retention.rule_invalid", field=str(cat))
    trigger = data.get("trigger_event") or TRIGGERS[cat]
    if trigger != TRIGGERS[cat]:
        raise ValidationError("retention.rule_invalid", field=str(cat))
    if cat == "id_number" and subtract_period(dt.date(2030, 3, 31), value, unit) < dt.date(2030, 3, 1):
        raise ValidationError("retention.rule_invalid", field=str(cat))  # RET-4: original gone ≤ 30 days
    return Rule(
        cat,
        str(data.get("rule_id") or DEFAULT_RULE_IDS[cat])[:16],
        trigger,
        value,
        unit,
        action,
        "head_office",
        int(data.get("version") or 1),
    )


def exceeds_limit(rule: Rule) -> bool:
    """True when the rule keeps records longer than the policy's bound for its category (RET-1..3)."""
    limit = LIMITS.get(rule.category)
    if limit is None:
        return False
    return any(rule.cutoff(day) < subtract_period(day, *limit) for day in _REFERENCE_DAYS)


def legal_basis(data: dict) -> str | None:
    basis = data.get("legal_basis") if isinstance(data, dict) else None
    return str(basis).strip()[:200] if isinstance(basis, str) and basis.strip() else None


def split_by_limits(rules: list[dict]) -> tuple[list[Rule], list[Rule], dict[str, str]]:
    """(accepted, refused, legal bases of the accepted longer ones). Every rule is validated first
    (a malformed one raises, as before); a rule longer than the policy's limit is refused unless it
    names its legal basis. Head office's publish and the store's feed handler both use this."""
    if not isinstance(rules, list):
        raise ValidationError("retention.rule_invalid", field="rules")
    parsed = [(validate_rule(r), legal_basis(r)) for r in rules]
    accepted, refused, bases = [], [], {}
    for rule, basis in parsed:
        if exceeds_limit(rule) and basis is None:
            refused.append(rule)
        else:
            accepted.append(rule)
            if basis is not None and exceeds_limit(rule):
                bases[rule.category] = basis
    return accepted, refused, bases


def check_policy(rules: list[dict]) -> None:
    """Head office's check before publishing: raises ValidationError naming the categories over the limit."""
    _accepted, refused, _ = split_by_limits(rules)
    if refused:
        raise ValidationError("retention.policy_over_limit", categories=",".join(sorted(r.category for r in refused)))


def apply_policy_from_head_office(session: Session, rules: list[dict], *, feed: object = None) -> dict[str, Rule]:
    """Replace the store's retention rules with head office's (called by the sync engine). Every rule is
    validated first (a malformed one refuses the whole policy); a rule longer than the policy's limit
    without a legal basis is refused and recorded in the sync log and status, the others apply;
    categories not mentioned keep their current rule. Audited.
    Only with the verified feed's capability (`feed`, made by app.sync): never from a person's session (SEC-1)."""
    if not P.feed_verified(feed):
        session.require(P.HEAD_OFFICE_FEED)
    parsed, refused, bases = split_by_limits(rules)
    if refused:
        record_refusal(
            session,
            "retention_policy",
            REFUSED_KEY,
            {"categories": sorted(r.category for r in refused), "versions": {r.category: r.version for r in refused}},
            feed=feed,
        )
    if not parsed:
        return get_rules(session.db)
    now = iso(session.clock.now())
    with session.write(
        "retention.policy.head_office",
        "retention_rules",
        None,
        {
            "categories": sorted(r.category for r in parsed),
            "versions": {r.category: r.version for r in parsed},
            **({"legal_basis": bases} if bases else {}),
        },
    ) as tx:
        for r in parsed:
            tx.execute(
                "INSERT INTO retention_rules(category, rule_id, trigger_event, period_value, period_unit, action,"
                " source, version, updated_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(category) DO UPDATE SET"
                " rule_id=excluded.rule_id, trigger_event=excluded.trigger_event, period_value=excluded.period_value,"
                " period_unit=excluded.period_unit, action=excluded.action, source=excluded.source,"
                " version=excluded.version, updated_at=excluded.updated_at",
                (
                    r.category,
                    r.rule_id,
                    r.trigger_event,
                    r.period_value,
                    r.period_unit,
                    r.action,
                    r.source,
                    r.version,
                    now,
                ),
            )
    return get_rules(session.db)


def apply_retention_policy(session: Session, payload: dict | list, ctx: ApplyContext) -> None:
    """The head office's "retention_policy" feed (registered with app.sync below)."""
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    rules: Any = payload.get("rules") if isinstance(payload, dict) else payload
    apply_policy_from_head_office(session, rules, feed=ctx.feed)


register_feed_handler("retention_policy", apply_retention_policy)
