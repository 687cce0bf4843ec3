"""Checks on what the console publishes, before it goes to `HeadOffice.publish` (the CLI's path).

The notice is checked exactly as a store will check it on import (app.notices.model.Notice, pure
Python): both languages, the same version and purposes. The other kinds get the shape checks a
store's feed handler relies on.
"""

from __future__ import annotations

import datetime as dt
import json

from app.errors import UserError
from app.notices.model import Notice, check_version_text
from app.retention.rules import check_policy


class PublishError(Exception):
    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


def _json(text: str):
    try:
        return json.loads(text)
    except ValueError:
        raise PublishError("publish.bad_json") from None


def parse_notice(text: str) -> tuple[dict, dict[str, Notice]]:
    payload = _json(text)
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("zh_CN"), dict)
        or not isinstance(payload.get("en"), dict)
    ):
        raise PublishError("publish.bad_notice", detail="zh_CN + en")
    notices = {}
    for lang in ("zh_CN", "en"):
        try:
            notices[lang] = Notice.from_dict(payload[lang])
        except UserError as exc:
            raise PublishError("publish.bad_notice", detail=f"{lang}: {exc.params.get('detail', exc.key)}") from None
        if notices[lang].lang != lang:
            raise PublishError("publish.bad_notice", detail=f"{lang}: lang")
        try:
            check_version_text(notices[lang])  # NOT-2: a shipped version keeps its text (publish checks the rest)
        except UserError:
            raise PublishError("publish.version_reused", version=notices[lang].version) from None
    zh, en = notices["zh_CN"], notices["en"]
    if zh.version != en.version or zh.codes != en.codes:
        raise PublishError("publish.bad_notice", detail="zh_CN / en: version, purposes")
    return {"zh_CN": payload["zh_CN"], "en": payload["en"]}, notices


def _target(form: dict) -> str | None:
    t = form.get("target", "").strip().upper()
    if len(t) > 32:
        raise PublishError("publish.bad_value")
    return t or None


def parse(kind: str, form: dict) -> tuple[dict, str | None]:
    """(payload, target store) for `HeadOffice.publish(kind, payload, target)`."""
    if kind == "notice":
        return parse_notice(form.get("notice", ""))[0], _target(form)
    if kind == "retention_policy":
        payload = _json(form.get("policy", ""))
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("rules"), list)
            or not all(isinstance(r, dict) and r.get("category") for r in payload["rules"])
        ):
            raise PublishError("publish.bad_value")
        try:
            check_policy(payload["rules"])  # RET-1..3: the same check as HeadOffice.publish and the stores
        except UserError as exc:
            if exc.key == "retention.policy_over_limit":
                raise PublishError("publish.policy_over_limit", **exc.params) from None
            raise PublishError("publish.bad_value") from None
        return payload, _target(form)
    if kind == "holiday_table":
        try:
            year = int(form.get("year", ""))
        except ValueError:
            raise PublishError("publish.bad_value") from None
        days = _json(form.get("days", ""))
        if not 2000 <= year <= 2100 or not isinstance(days, dict) or not days:
            raise PublishError("publish.bad_value")
        for day, what in days.items():
            try:
                ok = dt.date.fromisoformat(day).year == year and what in ("holiday", "workday")
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise PublishError("publish.bad_value")
        return {"year": year, "days": days}, None
    if kind == "config":
        try:
            minutes = int(form.get("minutes", ""))
        except ValueError:
            raise PublishError("publish.bad_value") from None
        if not 1 <= minutes <= 24 * 60:
            raise PublishError("publish.bad_value")
        return {"sync_interval_minutes": minutes}, None
    raise PublishError("publish.bad_value")
