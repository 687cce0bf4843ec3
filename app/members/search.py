"""Member search at the counter: mobile (exact or last 4), member number (typed or scanned with a
keyboard-wedge barcode scanner), name (including 2-character names, through the bigram table
member_name_grams kept by triggers; FTS5 trigram cannot match 2 characters).

Results are masked. Clerks never see restricted members (RIG-5: storage only). Every search is
audited with its kind and result count, never the query text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.members.fields import mask_mobile, mask_name
from app.members.queries import visible_members_sql
from app.members.service import MEMBER_VIEW

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries, Row

_COLS = "m.id, m.member_no, m.name, m.mobile, m.status, m.restricted, m.registered_at, m.reconsent_needed"
MAX_LIMIT = 200


@dataclass(frozen=True)
class SearchHit:
    id: str
    member_no: str
    name_masked: str
    mobile_masked: str
    status: str
    restricted: bool
    registered_at: str
    reconsent_needed: bool


@dataclass(frozen=True)
class SearchResult:
    kind: str  # mobile | mobile_last4 | member_no | name | empty | invalid
    hits: tuple[SearchHit, ...]
    truncated: bool


def classify(query: str) -> tuple[str, str]:
    q = unicodedata.normalize("NFKC", query or "").strip()
    if not q:
        return "empty", ""
    compact = re.sub(r"[\s\-]", "", q)
    if compact.startswith("+86"):
        compact = compact[3:]
    if re.fullmatch(r"[Mm]\d{6,12}", compact):
        return "member_no", compact.upper()
    if re.fullmatch(r"\d{11}", compact):
        return "mobile", compact
    if re.fullmatch(r"\d{10}", compact):  # card barcode without its letter
        return "member_no", "M" + compact
    if re.fullmatch(r"\d{4}", compact):
        return "mobile_last4", compact
    if re.fullmatch(r"[\d\W_]+", compact):
        return "invalid", ""
    name = re.sub(r"\s+", " ", q).lower()
    if len(name) > 30:
        return "invalid", ""
    return "name", name


def _hit(r: Row) -> SearchHit:
    return SearchHit(
        id=r[0],
        member_no=r[1],
        name_masked=mask_name(r[2]),
        mobile_masked=mask_mobile(r[3]),
        status=r[4],
        restricted=bool(r[5]),
        registered_at=r[6],
        reconsent_needed=bool(r[7]),
    )


def _name_query(db: Queries, q: str, limit: int, where_extra: str) -> list[Row]:
    if len(q) == 1:
        sql = (
            f"SELECT DISTINCT {_COLS} FROM member_name_grams g JOIN members m ON m.id = g.member_id"
            f" WHERE g.gram >= ? AND g.gram < ? {where_extra} LIMIT ?"
        )
        return db.all(sql, (q, q + "\U0010ffff", limit))
    # exact names first (index members_name_nocase), then other names containing the query, without
    # sorting the whole gram list: a common 2-character gram can have thousands of members at 1M.
    exact = db.all(f"SELECT {_COLS} FROM members m WHERE m.name = ? COLLATE NOCASE {where_extra} LIMIT ?", (q, limit))
    grams = list(dict.fromkeys(q[i : i + 2] for i in range(len(q) - 1)))
    if len(grams) == 1:
        sql = (
            f"SELECT {_COLS} FROM member_name_grams g JOIN members m ON m.id = g.member_id"
            f" WHERE g.gram = ? AND instr(lower(m.name), ?) > 0 {where_extra} LIMIT ?"
        )
    else:
        # intersect the gram lists inside the index (sorted by member id) before touching members rows
        inter = " INTERSECT ".join("SELECT member_id FROM member_name_grams WHERE gram = ?" for _ in grams)
        sql = (
            f"SELECT {_COLS} FROM members m WHERE m.id IN ({inter})"
            f" AND instr(lower(m.name), ?) > 0 {where_extra} LIMIT ?"
        )
    rows = list(exact)
    seen = {r[0] for r in exact}
    for r in db.all(sql, (*grams, q, limit + len(exact))):
        if r[0] not in seen:
            seen.add(r[0])
            rows.append(r)
    return rows[:limit]


def search_members(session: Session, query: str, limit: int = 50) -> SearchResult:
    session.require(MEMBER_VIEW)
    kind, q = classify(query)
    if kind in ("empty", "invalid"):
        return SearchResult(kind, (), False)
    limit = max(1, min(int(limit), MAX_LIMIT))
    where_extra = f"AND m.status != 'erased' AND {visible_members_sql(session, 'm')}"  # RIG-5
    db = session.db
    if kind == "mobile":
        rows = db.all(f"SELECT {_COLS} FROM members m WHERE m.mobile = ? {where_extra}", (q,))
    elif kind == "member_no":
        rows = db.all(f"SELECT {_COLS} FROM members m WHERE m.member_no = ? {where_extra}", (q,))
    elif kind == "mobile_last4":
        rows = db.all(
            f"SELECT {_COLS} FROM members m WHERE substr(m.mobile, -4) = ? {where_extra} LIMIT ?", (q, limit + 1)
        )
    else:
        rows = _name_query(db, q, limit + 1, where_extra)
    hits = tuple(_hit(r) for r in rows[:limit])
    session.audit_read(
        "member.search", "member", hits[0].id if len(hits) == 1 else None, {"kind": kind, "results": len(hits)}
    )
    return SearchResult(kind, hits, len(rows) > limit)


def lookup_scanned(session: Session, text: str) -> str | None:
    """A barcode scanned into a search box: the member id when it is exactly one member number."""
    session.require(MEMBER_VIEW)
    kind, _q = classify(text)
    if kind != "member_no":
        return None
    res = search_members(session, text, limit=2)
    return res.hits[0].id if len(res.hits) == 1 else None
