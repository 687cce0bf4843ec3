"""Small reads the screens need about a member, so ui/ holds no SQL. Nothing here returns a personal value
in clear: member numbers, flags, and masked display forms only (UX.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.members.fields import mask_mobile, mask_name
from app.members.service import MEMBER_VIEW, MEMBER_VIEW_RESTRICTED

if TYPE_CHECKING:
    from app.staff.session import Session

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries


def member_no(db: Queries, member_id: str) -> str | None:
    """The member number, or None when the member does not exist (any more: erased)."""
    return db.scalar("SELECT member_no FROM members WHERE id = ?", (member_id,))


def member_exists(db: Queries, member_id: str) -> bool:
    return db.one("SELECT 1 FROM members WHERE id = ?", (member_id,)) is not None


def member_brief(db: Queries, member_id: str) -> dict | None:
    """{'member_no', 'restricted'} or None when the member is gone."""
    row = db.one("SELECT member_no, restricted FROM members WHERE id = ?", (member_id,))
    return None if row is None else {"member_no": row["member_no"], "restricted": bool(row["restricted"])}


def is_restricted(db: Queries, member_id: str) -> bool:
    """Processing restricted (RIG-5); False for a member who does not exist."""
    return bool(db.scalar("SELECT restricted FROM members WHERE id = ?", (member_id,)))


def visible_members_sql(session: Session, alias: str = "members") -> str:
    """The WHERE condition of every member list a person sees: '1' for a manager, '<alias>.restricted = 0'
    for a clerk (RIG-5: a restricted member is kept, not shown). Member search uses it."""
    if session.can(MEMBER_VIEW_RESTRICTED):
        return "1"
    return f"{alias}.restricted = 0"


def processing_allowed_sql(alias: str = "members") -> str:
    """The WHERE condition of every selection of members to process for a purpose (marketing, offers,
    delivery), whoever runs it: active and not restricted (RIG-5). `app.consent.selection` adds the consent."""
    return f"({alias}.restricted = 0 AND {alias}.status = 'active')"


def member_id_by_ref(db: Queries, text: str) -> str | None:
    """A member number (or an internal id) typed by a manager -> the member's id."""
    row = db.one("SELECT id FROM members WHERE member_no = ? OR id = ?", (text, text))
    return None if row is None else str(row[0])


def masked_summary(session: Session, member_id: str) -> dict | None:
    """What the registration screen shows of an existing member with the same mobile: member number, masked
    name and masked mobile (the clerk checks it with the customer; no clear values leave this function)."""
    session.require(MEMBER_VIEW)
    row = session.db.one("SELECT member_no, name, mobile FROM members WHERE id = ?", (member_id,))
    if row is None:
        return None
    return {"member_no": row["member_no"], "name": mask_name(row["name"]), "mobile": mask_mobile(row["mobile"])}
