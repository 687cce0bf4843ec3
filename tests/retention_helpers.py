"""Helpers for the retention tests (purchases at a given time, consents, ID numbers)."""

from __future__ import annotations

import datetime as dt
import secrets

from app.clock import iso
from app.notices import default_notice

TZ = dt.timezone(dt.timedelta(hours=8))


def at(y, m, d, h=8) -> dt.datetime:
    return dt.datetime(y, m, d, h, 0, tzinfo=TZ)


def set_day(clock, y, m, d, h=9):
    clock.set(at(y, m, d, h))


def grant_consent(session, member_id: str, purpose: str, granted: bool = True) -> None:
    """A current-consent row as the registration domain writes it (table member_consents, migration 0002)."""
    with session.write("consent.test", "member", member_id) as tx:
        tx.execute(
            "INSERT INTO member_consents(member_id, purpose_code, granted, record_id, notice_version, purpose_hash,"
            " updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(member_id, purpose_code) DO UPDATE SET"
            " granted = excluded.granted",
            (
                member_id,
                purpose,
                int(granted),
                secrets.token_hex(4),
                default_notice("zh_CN").version,
                "h",
                iso(session.clock.now()),
            ),
        )


def store_id_number(session, cipher, member_id: str, value: str) -> str:
    """An ID number as the registration domain stores it (member_fields, fieldcrypt token)."""
    fid = secrets.token_hex(8)
    now = iso(session.clock.now())
    from app.retention.id_numbers import mask_id_number

    with session.write("member.field.test", "member", member_id) as tx:
        tx.execute(
            "INSERT INTO member_fields(id, member_id, field, purpose_code, value_enc, masked, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (
                fid,
                member_id,
                "id_number",
                "instalment",
                cipher.encrypt(value, "member_fields", "value_enc", fid),
                mask_id_number(value),
                now,
                now,
            ),
        )
    return fid
