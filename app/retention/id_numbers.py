"""RET-4: ID numbers are kept only while the business need lasts (instalment / finance service).

`mark_business_done(session, member_id, cipher)` — a manager step on the member page:
- at once: member_fields('id_number') is overwritten with the masked form (440301********1234), both
  its value and its display, so no screen, reveal or export can show the original any more;
- the original moves to id_number_retention (encrypted, AAD id_number_retention.original_enc:<member>),
  kept only for the RET-4 period (≤ 30 days, e.g. a dispute about the finished contract);
- the retention sweep deletes it when the period has run (category "id_number").

Without a manual step (issue #16): an ID number kept `id_number_max_days` (a setting, default
`MAX_DAYS_DEFAULT`) after it was stored is presumed no longer needed: the sweep (`mask_overdue`, given the field
cipher) marks it done like the manager would (masked at once, original deleted within 30 days); the reminder
"id_numbers" warns `REMIND_DAYS` before, and `waiting(db, today)` tells the retention page what waits.

Works on the member_fields table of migration 0002 (field 'id_number', fieldcrypt token in value_enc
with AAD member_fields.value_enc:<row id>).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.erasure import register_eraser
from app.errors import NotFound, UserError, ValidationError
from app.members.fields import mask_id_number as members_mask
from app.messages import add_messages
from app.reminders import Reminder, register_provider
from app.settings import get_setting
from app.staff import permissions as P
from app.storage.fieldcrypt import register_column

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries, Row
    from app.storage.fieldcrypt import FieldCipher

ID_BUSINESS_DONE = P.grant("member.id_number.business_done", P.MANAGER)
FIELD = "id_number"

register_column("id_number_retention", "member_id", "original_enc", sealed=True)  # SEN-3: a step-up reads it
MAX_DAYS_DEFAULT = 365  # the longest instalment or exchange service an ID number is collected for (MIN-3)
REMIND_DAYS = 14  # the reminder shows what the sweep will mask in the next two weeks


def max_days(db: Queries) -> int:
    """The policy's longest keeping of an ID number before its business counts as done (setting)."""
    try:
        return max(1, int(get_setting(db, "id_number_max_days", MAX_DAYS_DEFAULT) or MAX_DAYS_DEFAULT))
    except (TypeError, ValueError):
        return MAX_DAYS_DEFAULT


def mask_id_number(value: str | None) -> str:
    """The registration domain's display form (one masking rule for the whole app)."""
    return members_mask(value)


def id_number_state(db: Queries, member_id: str) -> dict:
    """{'stored': bool, 'business_done_at': str|None, 'deleted_at': str|None, 'masked': str|None}."""
    f = db.one("SELECT masked FROM member_fields WHERE member_id = ? AND field = ?", (member_id, FIELD))
    r = db.one("SELECT business_done_at, deleted_at FROM id_number_retention WHERE member_id = ?", (member_id,))
    return {
        "stored": f is not None,
        "masked": f["masked"] if f else None,
        "business_done_at": r["business_done_at"] if r else None,
        "deleted_at": r["deleted_at"] if r else None,
    }


def mark_business_done(session: Session, member_id: str, cipher: FieldCipher) -> None:
    """The business that needed the ID number is finished: mask now, delete the original later (RET-4).
    `cipher` is a manager's step-up cipher (`vault.step_up`): the original is read and kept sealed for the
    sweep to delete within 30 days (SEN-3: nothing else opens it)."""
    session.require(ID_BUSINESS_DONE)
    if not cipher.can_open_sealed:
        raise UserError("fieldcrypt.step_up")
    row = session.db.one(
        "SELECT id, value_enc, masked, updated_at FROM member_fields WHERE member_id = ? AND field = ?",
        (member_id, FIELD),
    )
    if row is None:
        raise NotFound()
    done = session.db.one("SELECT business_done_at FROM id_number_retention WHERE member_id = ?", (member_id,))
    if done and row["updated_at"] <= done["business_done_at"]:
        raise ValidationError("retention.id_already_done", field=FIELD)
    # (an ID number stored again for a new business after an earlier "done" starts a new cycle; the
    # earlier original, if still kept, goes now — earlier than the 30 days, which the policy allows)
    with session.write("member.id_number.business_done", "member", member_id, {"field": FIELD}) as tx:
        _mask_in_tx(tx, row, member_id, cipher, session.staff.id)


def _mask_in_tx(tx: Tx, row: Row, member_id: str, cipher: FieldCipher, staff_id: str | None) -> None:
    """Mask the stored ID number now. With a manager's step-up cipher the original moves to id_number_retention
    (deleted by the sweep within RET-4's 30 days); without one (the sweep at the maximum age: the ID number is
    sealed, SEN-3, and only a step-up opens it) the mask stored at registration replaces it and the original is
    gone at once, which also keeps RET-4's "deleted within 30 days"."""
    now = iso(tx.session.clock.now())
    if cipher.can_open_sealed:
        original = cipher.decrypt(row["value_enc"], "member_fields", "value_enc", row["id"])
        masked = mask_id_number(original)
        kept = cipher.encrypt(original, "id_number_retention", "original_enc", member_id)
        del original
    else:
        masked, kept = row["masked"], None
    tx.execute(
        "INSERT OR REPLACE INTO id_number_retention(member_id, original_enc, business_done_at, masked_at,"
        " deleted_at, staff_id) VALUES (?,?,?,?,?,?)",
        (member_id, kept, now, now, None if kept else now, staff_id),
    )
    tx.execute(
        "UPDATE member_fields SET value_enc = ?, masked = ?, updated_at = ? WHERE id = ?",
        (cipher.encrypt(masked, "member_fields", "value_enc", row["id"]), masked, now, row["id"]),
    )
    tx.journal(
        "member", member_id, "upsert", {"id_number_masked": masked, "business_done_at": now}, member_id=member_id
    )


_DUE = (
    "SELECT f.id, f.member_id, f.value_enc, f.masked, f.updated_at FROM member_fields f LEFT JOIN id_number_retention i"
    " ON i.member_id = f.member_id WHERE f.field = 'id_number' AND f.updated_at < ?"
    " AND (i.business_done_at IS NULL OR f.updated_at > i.business_done_at)"
)


def _limit(today: dt.date, days: int) -> str:
    """ID numbers stored before this timestamp have reached the maximum age on `today`."""
    return (today - dt.timedelta(days=days) + dt.timedelta(days=1)).isoformat()


def mask_overdue(session: Session, cipher: FieldCipher, today: dt.date) -> int:
    """The sweep's step (RET-4 without a manual step): every ID number stored `max_days` ago or longer whose
    business was not marked done is masked now, its original kept for the sweep's id_number category (≤ 30
    days). Members on legal hold wait. One transaction, audited with the count only."""
    days = max_days(session.db)
    rows = session.db.all(
        _DUE + " AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.released_at IS NULL"
        " AND h.subject_type = 'member' AND h.subject_id = f.member_id)",
        (_limit(today, days),),
    )
    if not rows:
        return 0
    with session.write("member.id_number.business_done", "retention", None) as tx:
        for row in rows:
            _mask_in_tx(tx, row, row["member_id"], cipher, None)
        tx.details = {"field": FIELD, "count": len(rows), "trigger": "max_age", "days": days}
    return len(rows)


def waiting(db: Queries, today: dt.date) -> dict[str, Any]:
    """For the retention page and the reminder: ID numbers past the maximum age (masked by the next sweep),
    due within REMIND_DAYS, and originals kept after masking (deleted by the sweep)."""
    days = max_days(db)
    overdue = int(db.scalar(f"SELECT count(*) FROM ({_DUE})", (_limit(today, days),), default=0) or 0)
    soon = int(db.scalar(f"SELECT count(*) FROM ({_DUE})", (_limit(today + dt.timedelta(days=REMIND_DAYS), days),)))
    kept = db.one("SELECT count(*), min(business_done_at) FROM id_number_retention WHERE original_enc IS NOT NULL") or (
        0,
        None,
    )  # an aggregate: always one row
    return {
        "max_days": days,
        "overdue": overdue,
        "due_soon": soon - overdue,
        "originals_kept": int(kept[0]),
        "oldest_kept": (kept[1] or "")[:10] or None,
    }


add_messages(
    {
        "retention.reminder.id_numbers_soon": (
            "{n} 个身份证号将在 {days} 天内达到最长保存期限，届时自动打码。业务已办结的请店长先标记。",
            "{n} ID number(s) reach the longest keeping period within {days} days and will then be masked. "
            "A manager can mark finished business now.",
        ),
        "retention.reminder.id_numbers_overdue": (
            "{n} 个身份证号已超过最长保存期限，等待保存期限清理打码。",
            "{n} ID number(s) are past the longest keeping period and wait for the retention sweep to mask them.",
        ),
    }
)


def _reminders(db: Queries, today: dt.date) -> list[Reminder]:
    w = waiting(db, today)
    out = []
    if w["overdue"]:
        out.append(
            Reminder("retention.reminder.id_numbers_overdue", {"n": w["overdue"]}, level="overdue", page="retention")
        )
    if w["due_soon"]:
        out.append(
            Reminder(
                "retention.reminder.id_numbers_soon",
                {"n": w["due_soon"], "days": REMIND_DAYS},
                level="due",
                page="retention",
            )
        )
    return out


register_provider("id_numbers", _reminders)


def _erase_id_retention(tx: Tx, member_id: str) -> int:
    return tx.execute("DELETE FROM id_number_retention WHERE member_id = ?", (member_id,)).rowcount


register_eraser("id_number_retention", _erase_id_retention)
