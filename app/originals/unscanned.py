"""Paper registration forms registered but not scanned yet (STO-2, CON-1).

A member registered from a signed paper form (method "paper"), or who consented again on one (re-consent,
CON-5), has that form as the evidence of the consent; it must be scanned and archived, and the original
destroyed within 30 working days of scanning (app.originals.tracking). Until it is scanned the only evidence is
a loose sheet somewhere at the counter, and the destruction clock has not even started. This module lists those
forms (`form_serials.matched_member_id` set by a paper registration or re-consent, `matched_scan_id` still
empty) with their age in working days since that consent ("registered_at" is the consent's time).

Thresholds (one place; the UI, the reminders and the guides use these):
- SCAN_AMBER_AFTER = 3 working days: forms are scanned in the same or the next working day's batch, so
  a form still unscanned after 3 working days has been forgotten in a tray or a drawer. 3 is also the
  "due soon" window of the originals register (UX: amber = 3 working days).
- SCAN_RED_AFTER = 10 working days (two working weeks, a third of the 30-working-day destruction budget):
  by then the form is probably lost or misfiled; the consent cannot be proved without it, so the manager
  finds it or asks the member to sign a new form.

A member erased before the scan arrived drops off the list: the erasure unlinks the form from the member
(app.printing.serials eraser) and deletes the member; nothing personal is kept for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.calendar import HolidayTables
from app.messages import add_messages
from app.originals.tracking import working_day_offsets
from app.reminders import Reminder, register_provider

if TYPE_CHECKING:
    from app.storage.db import Queries

SCAN_AMBER_AFTER = 3  # working days after the paper registration: amber
SCAN_RED_AFTER = 10  # working days after the paper registration: red

add_messages(
    {
        "originals.unscanned_red": (
            "{n} 份纸质登记表登记后已超过 {days} 个工作日仍未扫描，请找到原件扫描归档。",
            "{n} paper registration forms are still not scanned {days} working days or more "
            "after the registration; find them and scan them.",
        ),
        "originals.unscanned_amber": (
            "{n} 份纸质登记表登记后已过 {days} 个工作日仍未扫描，请尽快扫描归档。",
            "{n} paper registration forms are still not scanned {days} working days or more "
            "after the registration; scan them soon.",
        ),
    }
)


@dataclass(frozen=True)
class UnscannedForm:
    serial: str
    member_id: str
    member_no: str
    registered_at: str  # ISO time of the paper registration (its consent record)
    registered_by: str  # the clerk's display name ("" when the account is gone)
    age: int  # working days since the registration day (0 on that day)
    level: str  # ok | amber | red
    kind: str = "registration"  # the consent the form carries: registration | reconsent (CON-5 on paper)


def level_of(age: int) -> str:
    if age >= SCAN_RED_AFTER:
        return "red"
    if age >= SCAN_AMBER_AFTER:
        return "amber"
    return "ok"


def list_unscanned(db: Queries, today: dt.date) -> list[UnscannedForm]:
    """Forms a member was registered with on paper whose scan has not been archived; oldest first."""
    rows = db.all(
        "SELECT f.serial, f.matched_member_id AS member_id, m.member_no, c.created_at AS registered_at,"
        " c.kind, s.display_name AS staff_name"
        " FROM form_serials f"
        " JOIN members m ON m.id = f.matched_member_id"
        " JOIN consent_records c ON c.id = f.matched_consent_id AND c.method = 'paper'"
        " LEFT JOIN staff s ON s.id = c.staff_id"
        " WHERE f.matched_scan_id IS NULL"
        " ORDER BY c.created_at, f.serial"
    )
    days = {r["serial"]: dt.datetime.fromisoformat(r["registered_at"]).date() for r in rows}
    ages = working_day_offsets(today, days.values(), HolidayTables.from_db(db))
    out = []
    for r in rows:
        age = max(0, -ages[days[r["serial"]]])
        out.append(
            UnscannedForm(
                r["serial"],
                r["member_id"],
                r["member_no"],
                r["registered_at"],
                r["staff_name"] or "",
                age,
                level_of(age),
                r["kind"],
            )
        )
    return out


def unscanned_counts(db: Queries, today: dt.date) -> dict[str, int]:
    """{"all", "amber", "red"}: amber counts the forms at SCAN_AMBER_AFTER or more but below red."""
    out = {"all": 0, "ok": 0, "amber": 0, "red": 0}
    for f in list_unscanned(db, today):
        out["all"] += 1
        out[f.level] += 1
    return out


def _reminders(db: Queries, today: dt.date) -> list[Reminder]:
    c = unscanned_counts(db, today)
    out = []
    if c["red"]:
        out.append(Reminder("originals.unscanned_red", {"n": c["red"], "days": SCAN_RED_AFTER}, "overdue", "originals"))
    if c["amber"]:
        out.append(
            Reminder("originals.unscanned_amber", {"n": c["amber"], "days": SCAN_AMBER_AFTER}, "due", "originals")
        )
    return out


register_provider("unscanned_forms", _reminders)
