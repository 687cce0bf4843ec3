"""Restricted members (RIG-5): kept and protected, used for nothing but the legal purposes.

Every member list a clerk sees (search, marketing selections, exports) adds
`visible_members_sql(session)` to its WHERE clause; marketing uses `marketing_allowed_sql()`
whoever asks. A manager still finds restricted members (to lift the restriction, answer a
request, or for a legal obligation).
"""

from __future__ import annotations

from app.errors import UserError
from app.requests import model as M


def visible_members_sql(session, alias: str = "members") -> str:
    """'1' for a manager; '<alias>.restricted = 0' for a clerk."""
    if session.can(M.MEMBER_RESTRICTED_VIEW):
        return "1"
    return f"{alias}.restricted = 0"


def marketing_allowed_sql(alias: str = "members") -> str:
    """No marketing to restricted, cancelled or erased members, whoever runs the selection."""
    return f"({alias}.restricted = 0 AND {alias}.status = 'active')"


def is_restricted(db, member_id: str) -> bool:
    return bool(db.scalar("SELECT restricted FROM members WHERE id = ?", (member_id,), default=0))


def require_visible(session, member_id: str) -> None:
    """Raise for a clerk opening a restricted member's record."""
    if is_restricted(session.db, member_id) and not session.can(M.MEMBER_RESTRICTED_VIEW):
        raise UserError("requests.restricted_member")
