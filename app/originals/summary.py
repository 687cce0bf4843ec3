"""What managers are told at sign-in: originals overdue or due soon, and missing holiday tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.messages import add_messages, render
from app.originals.tracking import counts
from app.reminders import Reminder, register_provider

if TYPE_CHECKING:
    from app.storage.db import Queries

add_messages(
    {
        "originals.summary_overdue": (
            "{n} 份纸质原件已超过销毁期限，请尽快销毁。",
            "{n} paper originals are past their destruction date; destroy them now.",
        ),
        "originals.summary_due": (
            "{n} 份纸质原件将在 3 个工作日内到期销毁。",
            "{n} paper originals are due for destruction within 3 working days.",
        ),
        "originals.summary_missing": (
            "{n} 份原件的截止日期按保守方法计算（缺少节假日表，可能偏早），请导入节假日表。",
            "{n} due dates are computed conservatively (holiday table missing, possibly early); "
            "import the holiday table.",
        ),
    }
)


@dataclass(frozen=True)
class DueSummary:
    overdue: int
    due_soon: int
    due_this_week: int
    missing_table: int

    @property
    def any(self) -> bool:
        return bool(self.overdue or self.due_soon or self.missing_table)

    def lines(self, lang: str = "zh_CN") -> list[str]:
        out = []
        if self.overdue:
            out.append(render("originals.summary_overdue", lang, n=self.overdue))
        if self.due_soon:
            out.append(render("originals.summary_due", lang, n=self.due_soon))
        if self.missing_table:
            out.append(render("originals.summary_missing", lang, n=self.missing_table))
        return out


def originals_due_summary(db: Queries, today: dt.date) -> DueSummary:
    """Called by the main window at a manager's sign-in."""
    c = counts(db, today)
    return DueSummary(c["overdue"], c["due_soon"], c["due_this_week"], c["missing_table"])


def _reminders(db: Queries, today: dt.date) -> list[Reminder]:
    s = originals_due_summary(db, today)
    out = []
    if s.overdue:
        out.append(Reminder("originals.summary_overdue", {"n": s.overdue}, "overdue", "originals"))
    if s.due_soon:
        out.append(Reminder("originals.summary_due", {"n": s.due_soon}, "due", "originals"))
    if s.missing_table:
        out.append(Reminder("originals.summary_missing", {"n": s.missing_table}, "info", "originals"))
    return out


register_provider("originals", _reminders)
