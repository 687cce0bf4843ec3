"""Consent reads for screens (ui/ holds no rules): which purposes a member can withdraw."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.notices import current_notice
from app.notices.model import REQUIRED_PURPOSE

if TYPE_CHECKING:
    from app.storage.db import Queries


def withdrawable_purposes(db: Queries, member_id: str, lang: str = "zh_CN") -> list[tuple[str, str]]:
    """(code, title) of the purposes the member has granted and may withdraw one by one. The purpose required
    for membership is not among them: giving it up is cancelling the membership (a request of its own).
    Titles come from the notice in effect, in `lang`; a code the notice no longer lists keeps its code."""
    titles = {p.code: p.title for p in current_notice(db, lang).purposes}
    rows = db.all(
        "SELECT purpose_code FROM member_consents WHERE member_id = ? AND granted = 1 AND purpose_code != ?"
        " ORDER BY purpose_code",
        (member_id, REQUIRED_PURPOSE),
    )
    return [(r[0], titles.get(r[0], r[0])) for r in rows]
