"""Retention (RET-1..4): rules as data, legal hold, dry run, sweep, purge report, ID-number schedule.

Public API:
- rules:   get_rules(db), apply_policy_from_head_office(session, rules)        (app.retention.rules)
- holds:   place_hold(session, subject_type, subject_id, case_ref), release_hold, list_holds
- sweep:   dry_run(session), apply_sweep(session, ledger_path=...), sweep_due(session, ledger_path=...)
- report:  purge_report_csv(run) / purge_report_pdf(run, store)                (app.retention.report)
- RET-4:   mark_business_done(session, member_id, cipher)                      (app.retention.id_numbers)
- admin:   app.retention.cli.add_parser(subparsers)  ->  memberdesk-admin retention-sweep
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from app.messages import add_messages
from app.reminders import Reminder, register_provider

if TYPE_CHECKING:
    from app.storage.db import Queries

add_messages(
    {
        "retention.rule_invalid": ("保存期限规则无效({field})。", "The retention rule is not valid ({field})."),
        "retention.hold_subject_invalid": (
            "法律保全只能针对会员、消费记录或服务记录。",
            "A legal hold applies to a member, a purchase or a service record.",
        ),
        "retention.hold_case_required": (
            "请填写案件或纠纷编号（最多 64 个字符）。",
            "Enter the case or dispute reference (at most 64 characters).",
        ),
        "retention.id_already_done": (
            "该会员的身份证号已标记为业务办结。",
            "This member's ID number is already marked as no longer needed.",
        ),
    }
)

from app.retention.holds import LEGAL_HOLD, active_hold, list_holds, place_hold, release_hold  # noqa: E402
from app.retention.id_numbers import mark_business_done, mask_id_number  # noqa: E402
from app.retention.rules import Rule, apply_policy_from_head_office, get_rules  # noqa: E402
from app.retention.sweep import RETENTION_SWEEP, RETENTION_VIEW, apply_sweep, dry_run, last_apply, list_runs, sweep_due  # noqa: E402

__all__ = [
    "LEGAL_HOLD",
    "RETENTION_SWEEP",
    "RETENTION_VIEW",
    "Rule",
    "active_hold",
    "apply_policy_from_head_office",
    "apply_sweep",
    "dry_run",
    "get_rules",
    "last_apply",
    "list_holds",
    "list_runs",
    "mark_business_done",
    "mask_id_number",
    "place_hold",
    "release_hold",
    "sweep_due",
]

add_messages(
    {
        "retention.reminder.not_run": (
            "保存期限清理已 {days} 天未执行。请店长在“保存期限”页试运行并清理，或检查定时任务。",
            "The retention sweep has not run for {days} days. A manager should run it on the "
            "Retention page, or check the scheduled task.",
        ),
        "retention.reminder.never": (
            "尚未执行过保存期限清理。请店长在“保存期限”页先试运行。",
            "The retention sweep has never run. A manager should start with a dry run on the Retention page.",
        ),
        "retention.reminder.holds": (
            "{n} 项法律保全生效中：纠纷结束后请及时解除。",
            "{n} legal hold(s) in force: release them when the dispute is over.",
        ),
    }
)


def _reminders(db: Queries, today: dt.date) -> list[Reminder]:
    out = []
    last = last_apply(db)
    if last is None:
        if db.scalar("SELECT count(*) FROM members"):
            out.append(Reminder("retention.reminder.never", level="due", page="retention"))
    else:
        days = (today - dt.date.fromisoformat(last["as_of"])).days
        if days >= 2:
            out.append(Reminder("retention.reminder.not_run", {"days": days}, level="overdue", page="retention"))
    holds = int(db.scalar("SELECT count(*) FROM legal_holds WHERE released_at IS NULL", default=0) or 0)
    if holds:
        out.append(Reminder("retention.reminder.holds", {"n": holds}, level="info", page="retention"))
    return out


register_provider("retention", _reminders)
