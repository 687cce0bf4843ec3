"""Restricted members (RIG-5): kept and protected, used for nothing but the legal purposes.

Every member list a clerk sees (search) adds `visible_members_sql(session)` to its WHERE clause; a
selection for a purpose (`app.consent.selection`) uses `marketing_allowed_sql()` whoever asks. Both are
the members domain's rules (`app.members.queries`), named here for the requests domain. A manager still
finds restricted members (to lift the restriction, answer a request, or for a legal obligation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import UserError
from app.members import queries as Q
from app.requests import model as M

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries


def visible_members_sql(session: Session, alias: str = "members") -> str:
    """'1' for a manager; '<alias>.restricted = 0' for a clerk (the members domain's rule, used by search)."""
    return Q.visible_members_sql(session, alias)


def marketing_allowed_sql(alias: str = "members") -> str:
    """No marketing to restricted, cancelled or erased members, whoever runs the selection
    (`app.consent.selection` uses the same condition and adds the consent state)."""
    return Q.processing_allowed_sql(alias)


def is_restricted(db: Queries, member_id: str) -> bool:
    return bool(db.scalar("SELECT restricted FROM members WHERE id = ?", (member_id,), default=0))


def require_visible(session: Session, member_id: str) -> None:
    """Raise for a clerk opening a restricted member's record."""
    if is_restricted(session.db, member_id) and not session.can(M.MEMBER_RESTRICTED_VIEW):
        raise UserError("requests.restricted_member")
