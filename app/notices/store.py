"""Notice versions in the encrypted store: published once, immutable, kept forever (NOT-2).

A version is published in both languages together (zh_CN is the master for change detection).
`import_notice` is the one way in: a manager's import of a file, or head-office sync
(`source="head_office"`, `feed=` the verified feed from app.sync). The table has triggers that refuse UPDATE and
DELETE, so a published text can never change under its hash.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from app.clock import iso
from app.config import resource_dir
from app.errors import UserError
from app.notices.model import LANGS, Notice, changed_purposes, norm_lang
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries, Row

NOTICE_PUBLISH = P.grant("notice.publish", P.MANAGER)

NoticeInput: TypeAlias = "Notice | dict[str, Any] | str | bytes | bytearray"
"""A notice as given to import_notice: the object, its dict, or its JSON text."""


@functools.lru_cache(maxsize=4)
def default_notice(lang: str = "zh_CN") -> Notice:
    """The default notice shipped in resources/notices (no database needed)."""
    lang = norm_lang(lang)
    path = Path(resource_dir()) / "notices" / f"default.{lang}.json"
    return Notice.from_json(path.read_text("utf-8"))


def _row_to_notice(row: Row) -> Notice:
    return Notice.from_json(row["content"])


def get_notice(db: Queries, version: str, lang: str = "zh_CN") -> Notice:
    """A published version (as published, hash-checked). Falls back to the default text when the
    version is the default one and the store has not stored it yet."""
    lang = norm_lang(lang)
    row = db.one("SELECT content, content_hash FROM notices WHERE version = ? AND lang = ?", (version, lang))
    if row is None:
        d = default_notice(lang)
        if d.version == version:
            return d
        raise UserError("notice.not_found", version=version)
    notice = _row_to_notice(row)
    if notice.content_hash != row["content_hash"]:
        from app.errors import StoreError

        raise StoreError("store.unreadable")
    return notice


def current_notice(db: Queries, lang: str = "zh_CN", today: str | None = None) -> Notice:
    """The newest published version in effect on `today` (ISO date; default: any), else the default."""
    lang = norm_lang(lang)
    sql = "SELECT content, content_hash FROM notices WHERE lang = ?"
    params: list[str] = [lang]
    if today:
        sql += " AND effective_date <= ?"
        params.append(today)
    row = db.one(sql + " ORDER BY effective_date DESC, published_at DESC, rowid DESC LIMIT 1", params)
    if row is None:
        return default_notice(lang)
    return _row_to_notice(row)


def unchanged_purposes(db: Queries, agreed: dict[str, str], today: str) -> set[str]:
    """Of `agreed` (purpose code -> the notice version the member agreed to it under), the purposes that may
    run on `today`: still in the notice in effect then, and not changed since the version agreed to (CON-5:
    a purpose changed by a newer notice is suspended until the member consents again). A version that
    cannot be read counts as changed (fail closed)."""
    current = current_notice(db, "zh_CN", today)
    out: set[str] = set()
    cache: dict[str, dict[str, list[str]]] = {}
    for code, version in agreed.items():
        if current.purpose(code) is None:
            continue
        if version != current.version:
            if version not in cache:
                try:
                    cache[version] = changed_purposes(get_notice(db, version, "zh_CN"), current)
                except UserError:
                    cache[version] = {c: ["unknown"] for c in current.codes}
            if code in cache[version]:
                continue
        out.add(code)
    return out


def list_versions(db: Queries) -> list[dict[str, Any]]:
    """All stored versions (newest first): version, effective_date, source, published_at, hashes per lang."""
    out: dict[str, dict[str, Any]] = {}
    for r in db.all(
        "SELECT version, lang, content_hash, effective_date, source, published_at FROM notices"
        " ORDER BY effective_date DESC, published_at DESC"
    ):
        e = out.setdefault(
            r["version"],
            {
                "version": r["version"],
                "effective_date": r["effective_date"],
                "source": r["source"],
                "published_at": r["published_at"],
                "hashes": {},
            },
        )
        e["hashes"][r["lang"]] = r["content_hash"]
    return list(out.values())


def store_notice(tx: Queries, notice: Notice, source: str, published_at: str, published_by: str | None) -> bool:
    """Insert one language of a version inside the caller's transaction. Returns False if the identical
    text is already stored; raises notice.immutable if the version exists with other content."""
    row = tx.one("SELECT content_hash FROM notices WHERE version = ? AND lang = ?", (notice.version, notice.lang))
    if row is not None:
        if row[0] != notice.content_hash:
            raise UserError("notice.immutable", version=notice.version)
        return False
    tx.execute(
        "INSERT INTO notices(version, lang, content, content_hash, effective_date, source, published_at,"
        " published_by) VALUES (?,?,?,?,?,?,?,?)",
        (
            notice.version,
            notice.lang,
            notice.canonical_json(),
            notice.content_hash,
            notice.effective_date,
            source,
            published_at,
            published_by,
        ),
    )
    return True


def ensure_default_stored(session: Session) -> Notice:
    """Store the shipped default notice (both languages) if the store has no notice yet."""
    if session.db.scalar("SELECT count(*) FROM notices") == 0:
        with session.write("notice.publish", "notice", default_notice("zh_CN").version, {"source": "default"}) as tx:
            for lang in LANGS:
                store_notice(tx, default_notice(lang), "default", iso(session.clock.now()), session.staff.id)
    return current_notice(session.db, "zh_CN")


def _parse(data: NoticeInput) -> Notice:
    if isinstance(data, Notice):
        return data
    if isinstance(data, (bytes, bytearray)):
        data = data.decode("utf-8")
    if isinstance(data, str):
        return Notice.from_json(data)
    return Notice.from_dict(data)


def import_notice(
    session: Session, zh: NoticeInput, en: NoticeInput, *, source: str = "manager_import", feed: object = None
) -> dict[str, Any]:
    """Publish a new version in both languages (dicts, JSON text or Notice objects).

    Idempotent for the identical text (head-office sync may deliver twice); a different text under a
    published version number is refused (immutable). Members who consented to a purpose that this
    version changes are flagged for re-consent (CON-5). Returns {"version", "hashes", "changed",
    "flagged", "new"}.
    """
    if source == "head_office" or feed is not None:  # head office's notice: only with its verified feed (SEC-1)
        if not P.feed_verified(feed):
            session.require(P.HEAD_OFFICE_FEED)
    else:
        session.require(NOTICE_PUBLISH)
    nz, ne = _parse(zh), _parse(en)
    if nz.lang != "zh_CN" or ne.lang != "en" or nz.version != ne.version or nz.codes != ne.codes:
        raise UserError("notice.lang_mismatch")
    now = iso(session.clock.now())
    with session.write("notice.publish", "notice", nz.version) as tx:
        new_zh = store_notice(tx, nz, source, now, session.staff.id)
        new_en = store_notice(tx, ne, source, now, session.staff.id)
        flagged = 0
        changed_all: dict[str, dict[str, list[str]]] = {}
        if new_zh or new_en:
            flagged, changed_all = _flag_reconsent(tx, nz)
            tx.journal(
                "notice",
                nz.version,
                "upsert",
                {"version": nz.version, "hashes": {"zh_CN": nz.content_hash, "en": ne.content_hash}},
            )
        tx.details = {"source": source, "stored": bool(new_zh or new_en), "flagged": flagged}
    return {
        "version": nz.version,
        "hashes": {"zh_CN": nz.content_hash, "en": ne.content_hash},
        "changed": changed_all,
        "flagged": flagged,
        "new": bool(new_zh or new_en),
    }


def _flag_reconsent(tx: Tx, new_zh: Notice) -> tuple[int, dict[str, dict[str, list[str]]]]:
    """Flag members whose granted purposes changed since the version they consented to (CON-5)."""
    flagged = 0
    changed_all: dict[str, dict[str, list[str]]] = {}
    versions = [r[0] for r in tx.all("SELECT DISTINCT notice_version FROM member_consents")]
    for v in versions:
        if v == new_zh.version:
            continue
        row = tx.one("SELECT content FROM notices WHERE version = ? AND lang = 'zh_CN'", (v,))
        old = (
            Notice.from_json(row[0])
            if row
            else (default_notice("zh_CN") if default_notice("zh_CN").version == v else None)
        )
        if old is None:
            continue
        changed = changed_purposes(old, new_zh)
        changed_all[v] = changed
        codes = [c for c, what in changed.items() if what != ["added"]]
        if not codes:
            continue
        marks = ",".join("?" * len(codes))
        flagged += tx.execute(
            f"UPDATE members SET reconsent_needed = 1 WHERE reconsent_needed = 0 AND id IN (SELECT member_id FROM"
            f" member_consents WHERE notice_version = ? AND granted = 1 AND purpose_code IN ({marks}))",
            (v, *codes),
        ).rowcount
    return flagged, changed_all


def load_notice_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a notice JSON file (a manager's import). Returns the parsed dict (validated later)."""
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError("notice.invalid", detail="JSON") from exc
