"""Selecting members for a purpose (CON-3, CON-5, RIG-5): the one list a marketing text, a personalised offer
or a delivery run is sent to.

It reads the consent state (`member_consents`), never a copy of it (the members row's opt-in flags): a member
is selected when the member is active and not restricted (RIG-5: storage only), has granted the purpose, and the
purpose has not changed in the notice in effect today since the version agreed to (CON-5: suspended until the
member consents again). Every selection is audited with the purpose and the count, never a member's data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import ValidationError
from app.members.queries import processing_allowed_sql
from app.messages import add_messages
from app.notices import REQUIRED_PURPOSE, current_notice, unchanged_purposes
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

SELECT_FOR_PURPOSE = P.grant("consent.select_for_purpose", P.MANAGER)

add_messages(
    {
        "consent.selection_purpose_invalid": (
            "现行告知书中没有这一处理目的，不能按它挑选会员。",
            "The notice in effect has no such purpose: members cannot be selected for it.",
        ),
    }
)


def selectable_members(db: Queries, purpose_code: str, today: str) -> list[str]:
    """Ids of the members whose data may be used for `purpose_code` on `today` (ISO date), in member order."""
    notice = current_notice(db, "zh_CN", today)
    if notice.purpose(purpose_code) is None:
        return []
    out: list[str] = []
    versions: dict[str, bool] = {}  # notice version -> the purpose is unchanged since it
    for member_id, version in db.all(
        "SELECT c.member_id, c.notice_version FROM member_consents c JOIN members m ON m.id = c.member_id"
        f" WHERE c.purpose_code = ? AND c.granted = 1 AND {processing_allowed_sql('m')}"
        " ORDER BY m.member_no",
        (purpose_code,),
    ):
        if version not in versions:
            versions[version] = purpose_code in unchanged_purposes(db, {purpose_code: version}, today)
        if versions[version]:
            out.append(member_id)
    return out


def select_members_for_purpose(session: Session, purpose_code: str) -> list[str]:
    """A manager's selection of the members to contact or process for an optional purpose (marketing,
    offers, delivery, ...), as of the session's date. Audited with the purpose and the count."""
    session.require(SELECT_FOR_PURPOSE)
    today = session.clock.now().date().isoformat()
    if purpose_code == REQUIRED_PURPOSE or current_notice(session.db, "zh_CN", today).purpose(purpose_code) is None:
        raise ValidationError("consent.selection_purpose_invalid", field="purpose")
    ids = selectable_members(session.db, purpose_code, today)
    with session.write("consent.select", "purpose", purpose_code, {"purpose": purpose_code, "count": len(ids)}):
        pass
    return ids
