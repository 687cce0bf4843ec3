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
from app.errors import StoreError, UserError
from app.notices.model import SHIPPED_HASHES, Notice, changed_purposes, check_version_text, norm_lang
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries, Row

NOTICE_PUBLISH = P.grant("notice.publish", P.MANAGER)
# Which stored version is newest: the later effective date; on the same date a published notice (head office, a
# manager) before a shipped default, which may be stored late, at its first use; then the later stored.
NEWEST_FIRST = "effective_date DESC, source = 'default', published_at DESC, rowid DESC"

NoticeInput: TypeAlias = "Notice | dict[str, Any] | str | bytes | bytearray"
"""A notice as given to import_notice: the object, its dict, or its JSON text."""


@functools.lru_cache(maxsize=4)
def default_notice(lang: str = "zh_CN") -> Notice:
    """The default notice shipped in resources/notices (no database needed)."""
    lang = norm_lang(lang)
    path = Path(resource_dir()) / "notices" / f"default.{lang}.json"
    return Notice.from_json(path.read_text("utf-8"))


@functools.lru_cache(maxsize=8)
def shipped_notice(version: str, lang: str = "zh_CN") -> Notice | None:
    """A notice text shipped with this or an earlier release (the default, or resources/notices/shipped/), or
    None. Hash-checked against SHIPPED_HASHES: a resource file edited under an old number is not served."""
    lang = norm_lang(lang)
    d = default_notice(lang)
    if d.version == version:
        notice = d
    else:
        path = Path(resource_dir()) / "notices" / "shipped" / f"{version}.{lang}.json"
        if (version, lang) not in SHIPPED_HASHES or not path.is_file():
            return None
        notice = Notice.from_json(path.read_text("utf-8"))
    check_version_text(notice)
    return notice


def _row_to_notice(row: Row) -> Notice:
    return Notice.from_json(row["content"])


def get_notice(db: Queries, version: str, lang: str = "zh_CN") -> Notice:
    """A published version (as published, hash-checked). Falls back to a shipped text (this release's default
    or an earlier one) when the store has not stored that version."""
    lang = norm_lang(lang)
    row = db.one("SELECT content, content_hash FROM notices WHERE version = ? AND lang = ?", (version, lang))
    if row is None:
        shipped = shipped_notice(version, lang)
        if shipped is not None:
            return shipped
        raise UserError("notice.not_found", version=version)
    notice = _row_to_notice(row)
    if notice.content_hash != row["content_hash"]:
        raise StoreError("store.unreadable")
    return notice


def _runs_older_default(db: Queries) -> bool:
    """The store's newest notice is an earlier shipped default (never a head-office or manager notice) and this
    release's default is not stored yet: the new default is the store's current notice (NOT-2, CON-5)."""
    d = default_notice("zh_CN")
    if db.one("SELECT 1 FROM notices WHERE version = ?", (d.version,)) is not None:
        return False
    row = db.one(
        "SELECT version, source, effective_date FROM notices WHERE lang = 'zh_CN' ORDER BY " + NEWEST_FIRST + " LIMIT 1"
    )
    return (
        row is not None
        and row["source"] == "default"
        and (row["version"], "zh_CN") in SHIPPED_HASHES
        and row["effective_date"] <= d.effective_date
    )


def current_notice(db: Queries, lang: str = "zh_CN", today: str | None = None) -> Notice:
    """The newest published version in effect on `today` (ISO date; default: any), else the default. A store
    still on an earlier shipped default gets this release's default (stored by ensure_default_stored)."""
    lang = norm_lang(lang)
    if _runs_older_default(db) and (today is None or default_notice(lang).effective_date <= today):
        return default_notice(lang)
    sql = "SELECT content, content_hash FROM notices WHERE lang = ?"
    params: list[str] = [lang]
    if today:
        sql += " AND effective_date <= ?"
        params.append(today)
    row = db.one(sql + " ORDER BY " + NEWEST_FIRST + " LIMIT 1", params)
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
        "SELECT version, lang, content_hash, effective_date, source, published_at FROM notices ORDER BY " + NEWEST_FIRST
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
    """Insert one language of a version inside the caller's transaction: the one way a notice enters the
    notices table (the default's seeding, a consent's first use of it, a manager's import, head office's feed).
    Returns False if the identical text is already stored; raises notice.immutable if the version exists with
    other content, notice.version_reused if it is a shipped version with other content (NOT-2)."""
    check_version_text(notice)
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


def store_default(tx: Tx, published_at: str, published_by: str | None) -> int:
    """Store this release's default notice (both languages) inside the caller's transaction. When the store
    already holds notices (it ran an earlier shipped default), members whose granted purposes the new text
    changed are flagged for re-consent (CON-5), as for any new version, and head office is told the version's
    hashes. Returns the number of members flagged. Used by ensure_default_stored and by a consent that is the
    first use of the default (app.consent.service)."""
    d_zh, d_en = default_notice("zh_CN"), default_notice("en")
    upgrade = tx.scalar("SELECT count(*) FROM notices") > 0
    new = [store_notice(tx, n, "default", published_at, published_by) for n in (d_zh, d_en)]
    if not (upgrade and any(new)):
        return 0
    flagged, _changed = _flag_reconsent(tx, d_zh)
    tx.journal(
        "notice",
        d_zh.version,
        "upsert",
        {"version": d_zh.version, "hashes": {"zh_CN": d_zh.content_hash, "en": d_en.content_hash}},
    )
    return flagged


def ensure_default_stored(session: Session) -> Notice:
    """Store the shipped default notice if the store has no notice yet, or if it still runs an earlier shipped
    default (store_default: re-consent flagged per CON-5). Called at sign-in (the main window, the admin
    command) and before a printed form; returns the current notice."""
    if session.db.scalar("SELECT count(*) FROM notices") == 0 or _runs_older_default(session.db):
        version = default_notice("zh_CN").version
        with session.write("notice.publish", "notice", version) as tx:
            flagged = store_default(tx, iso(session.clock.now()), session.staff.id)
            tx.details = {"source": "default", "flagged": flagged}
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
        old = Notice.from_json(row[0]) if row else shipped_notice(v, "zh_CN")
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
