"""Settings stored in the encrypted DB, with defaults from app.config.DEFAULTS."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.config import DEFAULTS
from app.errors import ValidationError
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

# A setting's value is whatever JSON holds (numbers, text, lists, objects): `Any` below says so.
Validator = Callable[[Any], Any]
_VALIDATORS: dict[str, Validator] = {}


def register_validator(key: str, fn: Validator) -> None:
    """fn(value) -> the value to store, or raises ValidationError (the domain's own message)."""
    _VALIDATORS[key] = fn


def get_setting(db: Queries, key: str, default: Any = None) -> Any:
    row = db.one("SELECT value FROM settings WHERE key = ?", (key,))
    if row is None:
        return DEFAULTS.get(key, default)
    return json.loads(row[0])


def all_settings(db: Queries) -> dict[str, Any]:
    values: dict[str, Any] = dict(DEFAULTS)
    for row in db.all("SELECT key, value FROM settings"):
        values[row[0]] = json.loads(row[1])
    return values


def set_setting(session: Session, key: str, value: Any) -> None:
    session.require(P.SETTINGS_CHANGE)
    if key not in DEFAULTS:
        raise ValidationError("settings.unknown", field=key)
    default = DEFAULTS[key]
    if isinstance(default, int) and not isinstance(default, bool):
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ValidationError("settings.not_a_number", field=key) from None
        if value < 0:
            raise ValidationError("settings.not_a_number", field=key)
    if key in _VALIDATORS:
        value = _VALIDATORS[key](value)
    with session.write("settings.change", details={"key": key}) as tx:
        tx.execute(
            "INSERT INTO settings(key, value, updated_at, updated_by) VALUES (?,?,?,?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at,"
            " updated_by=excluded.updated_by",
            (key, json.dumps(value, ensure_ascii=False), iso(session.clock.now()), session.staff.id),
        )
        tx.journal("setting", key, "upsert", {"value": value})
