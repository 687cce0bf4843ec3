"""Reads of the printed forms for screens (ui/ holds no SQL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.storage.db import Queries


def recent_form_serials(db: Queries, limit: int = 50) -> list[dict]:
    """The newest printed-form serials: serial, issued_at, notice_version, printed_count, matched (bool)."""
    rows = db.all(
        "SELECT serial, issued_at, notice_version, printed_count, matched_member_id IS NOT NULL AS matched"
        " FROM form_serials ORDER BY issued_at DESC, serial DESC LIMIT ?",
        (int(limit),),
    )
    return [dict(r) for r in rows]
