"""The customer information processing notice (顾客信息处理告知书) as one immutable object.

A `Notice` holds the PIPL Art. 17 content: controller and contact point, per purpose the data
types, method, retention, recipients, required/optional and sensitive (with necessity and
protection text), the customer's rights, how to exercise them and the complaint/lawsuit right.
Its `content_hash` is the SHA-256 of its canonical JSON: the screen, the printed form, the
receipt back and the poster all render exactly this object (NOT-2).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from app.errors import UserError
from app.messages import add_messages

add_messages(
    {
        "notice.invalid": ("告知书文件格式不正确：{detail}。", "The notice file is not valid: {detail}."),
        "notice.immutable": (
            "告知书版本 {version} 已发布且内容不同；已发布的版本不能修改，请使用新的版本号。",
            "Notice version {version} is already published with different content; a published "
            "version cannot change. Use a new version number.",
        ),
        "notice.lang_mismatch": (
            "中文版和英文版的版本号或处理目的不一致。",
            "The Chinese and English texts differ in version or purposes.",
        ),
        "notice.not_found": ("没有找到告知书版本 {version}。", "Notice version {version} was not found."),
        "notice.version_reused": (
            "告知书版本 {version} 已有另一份内容（随程序发布或已发布过）。同一个版本号只能对应一份内容，"
            "请给新内容使用新的版本号。",
            "Notice version {version} already exists with other content (shipped with the app or published "
            "before). One version number has one text: give the new text a new version number.",
        ),
        "notice.no_required": (
            "告知书必须有且只有一个“办理会员所必需”的处理目的（membership）。",
            "A notice needs exactly one purpose required for membership (membership).",
        ),
    }
)

LANGS = ("zh_CN", "en")
REQUIRED_PURPOSE = "membership"
# Aspects of a purpose whose change needs fresh consent (CON-5). The title alone is wording.
MATERIAL = ("description", "data_types", "fields", "method", "retention", "recipients", "required", "sensitive")
_PURPOSE_TEXT = ("code", "title", "description", "method", "retention", "recipients", "necessity", "protection")
_NOTICE_TEXT = (
    "version",
    "lang",
    "title",
    "effective_date",
    "controller",
    "contact",
    "intro",
    "how_to_exercise",
    "complaint",
)


# Every notice text ever shipped with the app, pinned by version and language (NOT-2: one text per version).
# A version listed here can never be stored or published with another text, at a store or at head office.
# Changing resources/notices/default.*.json means a NEW version here (and the old text kept in
# resources/notices/shipped/); tests/app/test_notice_versions.py fails otherwise.
SHIPPED_HASHES: dict[tuple[str, str], str] = {
    # 2026.1: shipped with 0.2.0 (0.3.0 shipped the 2026.2 text under this number: the mistake fixed here)
    ("2026.1", "zh_CN"): "923fa197c990ccf20438d08bf3ba103a5732f71e4cb602058aa363602f805a76",
    ("2026.1", "en"): "bbc8c49868032735bb75f134552fe24acd7d8e9dae3e7210260322836d371f1d",
    # 2026.2: NOT-1 additions (service records, scans and originals, storage in China, under-14s)
    ("2026.2", "zh_CN"): "75854c3265e262e80db6df84360b76f272204bf2f5306356dcc5f45789a7565f",
    ("2026.2", "en"): "662a47c75c12097f8972a2a641d2058fd156ce64c6b681ea6e05a4d01c67aee5",
}


def check_version_text(notice: Notice, known: dict[tuple[str, str], str] | None = None) -> None:
    """Refuse `notice` when its version is known with another text: a shipped version (SHIPPED_HASHES) or
    one in `known` ((version, lang) -> content hash: what this store or head office already holds). NOT-2."""
    for table in (SHIPPED_HASHES, known or {}):
        pinned = table.get((notice.version, notice.lang))
        if pinned is not None and pinned != notice.content_hash:
            raise UserError("notice.version_reused", version=notice.version)


def norm_lang(lang: str | None) -> str:
    return "en" if (lang or "").lower().startswith("en") else "zh_CN"


def canonical_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Purpose:
    code: str
    title: str
    description: str
    data_types: tuple[str, ...]
    fields: tuple[str, ...]
    method: str
    retention: str
    recipients: str
    required: bool
    sensitive: bool
    necessity: str = ""
    protection: str = ""

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "description": self.description,
            "data_types": list(self.data_types),
            "fields": list(self.fields),
            "method": self.method,
            "retention": self.retention,
            "recipients": self.recipients,
            "required": self.required,
            "sensitive": self.sensitive,
            "necessity": self.necessity,
            "protection": self.protection,
        }

    @property
    def purpose_hash(self) -> str:
        """SHA-256 of this purpose's text as the customer saw it (stored with each consent item)."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, d: dict) -> Purpose:
        if not isinstance(d, dict):
            raise UserError("notice.invalid", detail="purpose")
        for k in _PURPOSE_TEXT:
            if k in ("necessity", "protection"):
                continue
            if not isinstance(d.get(k), str) or not d[k].strip():
                raise UserError("notice.invalid", detail=f"purposes.{k}")
        if not isinstance(d.get("data_types"), list) or not d["data_types"]:
            raise UserError("notice.invalid", detail="purposes.data_types")
        p = cls(
            code=d["code"],
            title=d["title"],
            description=d["description"],
            data_types=tuple(str(x) for x in d["data_types"]),
            fields=tuple(str(x) for x in d.get("fields", [])),
            method=d["method"],
            retention=d["retention"],
            recipients=d["recipients"],
            required=bool(d.get("required")),
            sensitive=bool(d.get("sensitive")),
            necessity=str(d.get("necessity") or ""),
            protection=str(d.get("protection") or ""),
        )
        if p.sensitive and (not p.necessity.strip() or not p.protection.strip()):
            # SEN-1: a sensitive purpose must state necessity and protection
            raise UserError("notice.invalid", detail=f"purposes.{p.code}.necessity/protection")
        return p


@dataclass(frozen=True)
class Notice:
    version: str
    lang: str
    title: str
    effective_date: str
    controller: str
    contact: str
    intro: str
    purposes: tuple[Purpose, ...]
    rights: tuple[str, ...]
    how_to_exercise: str
    complaint: str
    _hash: str = field(default="", compare=False, repr=False)

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "lang": self.lang,
            "title": self.title,
            "effective_date": self.effective_date,
            "controller": self.controller,
            "contact": self.contact,
            "intro": self.intro,
            "purposes": [p.to_dict() for p in self.purposes],
            "rights": list(self.rights),
            "how_to_exercise": self.how_to_exercise,
            "complaint": self.complaint,
        }

    def canonical_json(self) -> str:
        return canonical_json(self.to_dict())

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def purpose(self, code: str) -> Purpose | None:
        for p in self.purposes:
            if p.code == code:
                return p
        return None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.purposes)

    @property
    def required_purposes(self) -> tuple[Purpose, ...]:
        return tuple(p for p in self.purposes if p.required)

    @property
    def optional_purposes(self) -> tuple[Purpose, ...]:
        return tuple(p for p in self.purposes if not p.required)

    @property
    def sensitive_purposes(self) -> tuple[Purpose, ...]:
        return tuple(p for p in self.purposes if p.sensitive)

    @classmethod
    def from_dict(cls, d: dict) -> Notice:
        if not isinstance(d, dict):
            raise UserError("notice.invalid", detail="root")
        for k in _NOTICE_TEXT:
            if not isinstance(d.get(k), str) or not d[k].strip():
                raise UserError("notice.invalid", detail=k)
        if d["lang"] not in LANGS:
            raise UserError("notice.invalid", detail="lang")
        if len(d["version"]) > 32:
            raise UserError("notice.invalid", detail="version")
        if not isinstance(d.get("purposes"), list) or not d["purposes"]:
            raise UserError("notice.invalid", detail="purposes")
        if not isinstance(d.get("rights"), list) or not d["rights"]:
            raise UserError("notice.invalid", detail="rights")
        purposes = tuple(Purpose.from_dict(p) for p in d["purposes"])
        codes = [p.code for p in purposes]
        if len(set(codes)) != len(codes):
            raise UserError("notice.invalid", detail="duplicate purpose code")
        required = [p for p in purposes if p.required]
        if len(required) != 1 or required[0].code != REQUIRED_PURPOSE:
            raise UserError("notice.no_required")
        return cls(
            version=d["version"],
            lang=d["lang"],
            title=d["title"],
            effective_date=d["effective_date"],
            controller=d["controller"],
            contact=d["contact"],
            intro=d["intro"],
            purposes=purposes,
            rights=tuple(str(r) for r in d["rights"]),
            how_to_exercise=d["how_to_exercise"],
            complaint=d["complaint"],
        )

    @classmethod
    def from_json(cls, text: str) -> Notice:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UserError("notice.invalid", detail="JSON") from exc
        return cls.from_dict(data)


def changed_purposes(old: Notice, new: Notice) -> dict[str, list[str]]:
    """Purposes whose processing differs between two notices (CON-5): code -> changed aspects.

    'added' / 'removed' for purposes only in one of them; otherwise the material aspects
    (description, data types, fields, method, retention, recipients, required, sensitive)
    that changed. Title-only wording changes are not material. Compare the same language.
    """
    out: dict[str, list[str]] = {}
    for p in new.purposes:
        q = old.purpose(p.code)
        if q is None:
            out[p.code] = ["added"]
            continue
        a, b = q.to_dict(), p.to_dict()
        diffs = [k for k in MATERIAL if a[k] != b[k]]
        if diffs:
            out[p.code] = diffs
    for q in old.purposes:
        if new.purpose(q.code) is None:
            out[q.code] = ["removed"]
    return out
