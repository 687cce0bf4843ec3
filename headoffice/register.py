"""The chain's member register at head office (issue #18): one row per customer of the chain.

Head office is the register of members: one member number and one mobile per customer chain-wide. A row of
`member_register` holds only keys and flags, never a personal value in the clear:

  member_key   blind index of the member id (the `records.member_id` of every record about the member)
  member_no    the member number printed on the card (not personal data: random, never derived from it)
  mobile_key   blind index of the mobile (what a lookup by mobile searches); NULL once erased
  home_store   the store whose upload first named the member; first_seen / last_seen (head office clock)
  restricted   storage-only (RIG-5) as the newest upload saying it left it; minor as the store declared it
  erased       1 once the member was erased anywhere (RIG-3): never found, never adopted again

It is maintained inside the upload's transaction (`note_members`, one call from `HeadOffice._apply` with the
member rows of the batch, merged as stored), marked by erasure (`mark_erased`) and filled once at start from the
records already held (`backfill`, flag in ho_meta).

Conflicts (`register_conflicts`): an uploaded member whose mobile is already registered under ANOTHER member id
(the same customer registered twice offline), or whose member number another customer already has (numbers are
random per store), is kept as it is — nothing is lost or overwritten — and the pair is recorded once per
(kind, pair of keys): kind 'mobile' | 'member_no', key_a / store_a the member registered first, key_b / store_b
the newcomer, detected_at, resolved_at (NULL until the merge rule settles it: headoffice/merge.py, right after the
upload in the same transaction). Each new conflict is audited (`register.conflict`, keys and stores only). A member
number, once registered, stays: a later upload of the same member with another number does not replace it (a
renumbered newcomer's old number cannot come back); a row merged into another (`merged_into`) is never refreshed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from app.members.display import mask_name
from headoffice import atrest
from headoffice.crypto import Keyring

BACKFILL_FLAG = "member_register"
BACKFILL_VERSION = "v1"
CHINA = dt.timezone(dt.timedelta(hours=8))


Audit = Callable[..., None]


def _flag(payload: dict, key: str) -> int | None:
    if key not in payload or payload[key] is None:
        return None
    return 1 if payload[key] in (1, True, "1", "true") else 0


def note_members(
    c: Any, store: str, members: Iterable[tuple[str | None, str | None, dict]], now: float, audit: Audit
) -> int:
    """Register (or refresh) the members of one applied upload: (member key, mobile key — the blind indexes the
    records got —, payload as now stored at head office). Returns the number of new conflicts recorded."""
    rows = []
    for key, mobile_key, payload in members:
        if key is None or not isinstance(payload, dict):
            continue
        member_no = str(payload["member_no"]) if payload.get("member_no") else None
        rows.append((key, mobile_key, member_no, _flag(payload, "restricted"), _flag(payload, "minor")))
    if getattr(c, "pg", False) and rows:
        # Several head-office workers apply uploads at once (READ COMMITTED): two stores registering the same
        # mobile or number must see each other's row, so the keys are locked, in one order, until commit.
        locks = sorted(
            {k for r in rows for k in (("m:" + r[1]) if r[1] else None, ("n:" + r[2]) if r[2] else None) if k}
        )
        c.execute(
            "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 727018)))"
            " FROM (SELECT k FROM unnest(?::text[]) AS t(k) ORDER BY k) s",
            (locks,),
        )
    if not rows:
        return 0
    # One statement per row, pipelined (executemany), safe against a concurrent insert of the same member. An erased
    # row is never revived (its upload rows were quarantined: RIG-3); `restricted` follows the newest store that
    # says (RIG-5).
    c.executemany(
        "INSERT INTO member_register(member_key, member_no, mobile_key, home_store, first_seen, last_seen,"
        " restricted, minor) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(member_key) DO UPDATE SET"
        " member_no = COALESCE(member_register.member_no, excluded.member_no),"
        " mobile_key = COALESCE(excluded.mobile_key, member_register.mobile_key), last_seen = excluded.last_seen,"
        " restricted = CASE WHEN CAST(? AS INTEGER) IS NULL THEN member_register.restricted"
        " ELSE excluded.restricted END,"
        " minor = CASE WHEN CAST(? AS INTEGER) IS NULL THEN member_register.minor ELSE excluded.minor END"
        " WHERE member_register.erased = 0 AND member_register.merged_into IS NULL",
        [(k, no, mk, store, now, now, r or 0, m or 0, r, m) for k, mk, no, r, m in rows],
    )
    # Conflicts, set-based: the registered rows sharing a mobile or a number with this batch (usually none).
    order = {r[0]: i for i, r in enumerate(rows)}
    pairs: list[tuple[str, str, str, str]] = []  # (kind, first key, its store, newcomer key)
    for kind, column, pos in (("mobile", "mobile_key", 1), ("member_no", "member_no", 2)):
        mine: dict[str, list[str]] = {}
        for r in rows:
            value = r[pos]
            if isinstance(value, str):
                mine.setdefault(value, []).append(str(r[0]))
        wanted = list(mine)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT member_key, home_store, {column} FROM member_register WHERE {column} IN ({marks})"
            for other, other_store, value in c.all(sql + " AND erased = 0", chunk):
                for key in mine.get(value, ()):
                    if other == key or order.get(other, -1) > order[key]:
                        continue  # itself; or a newcomer later in this batch (its turn names this one first)
                    pairs.append((kind, other, other_store, key))
    return _record_conflicts(c, store, pairs, now, audit) if pairs else 0


def _record_conflicts(c: Any, store: str, pairs: list[tuple[str, str, str, str]], now: float, audit: Audit) -> int:
    """Each pair once, whichever way round it was seen before; audited (keys and stores only)."""
    keys = sorted({k for p in pairs for k in (p[1], p[3])})
    seen: set[tuple[str, frozenset[str]]] = set()
    for i in range(0, len(keys), 250):
        chunk = keys[i : i + 250]
        marks = ",".join("?" * len(chunk))
        for kind, a, b in c.all(
            f"SELECT kind, key_a, key_b FROM register_conflicts WHERE key_a IN ({marks}) OR key_b IN ({marks})",
            chunk + chunk,
        ):
            seen.add((kind, frozenset((a, b))))
    n = 0
    for kind, other, other_store, key in pairs:
        if (kind, frozenset((other, key))) in seen:
            continue
        seen.add((kind, frozenset((other, key))))
        c.execute(
            "INSERT INTO register_conflicts(kind, key_a, key_b, store_a, store_b, detected_at) VALUES (?,?,?,?,?,?)",
            (kind, other, key, other_store, store, now),
        )
        audit(c, store, "register.conflict", store, key, {"kind": kind, "other": other, "other_store": other_store})
        n += 1
    return n


PREFIX_DIGITS = 3  # 'M' + 3-digit store prefix + 7 random digits: 999 stores, 10M numbers each


def assign_member_prefix(c: Any, store: str) -> str | None:
    """The store's member-number prefix ('001'…'999'), assigned once when head office creates the store; new
    member numbers there are 'M' + prefix + 7 random digits, so two stores never draw the same one. None when
    every prefix is taken (numbers stay random; a collision is then recorded as a conflict)."""
    have = c.scalar("SELECT member_prefix FROM stores WHERE code = ?", (store,))
    if have:
        return str(have)
    taken = {int(r[0]) for r in c.all("SELECT member_prefix FROM stores WHERE member_prefix IS NOT NULL")}
    free = next((n for n in range(1, 10**PREFIX_DIGITS) if n not in taken), None)
    if free is None:
        return None
    prefix = f"{free:0{PREFIX_DIGITS}d}"
    c.execute("UPDATE stores SET member_prefix = ? WHERE code = ?", (prefix, store))
    return prefix


def mark_erased(c: Any, key: str | None, now: float) -> None:
    """The member was erased (RIG-3): the row stays as a tombstone of keys only, never found again."""
    if key is None:
        return
    c.execute(
        "UPDATE member_register SET erased = 1, mobile_key = NULL, last_seen = ? WHERE member_key = ?", (now, key)
    )


def backfill(keys: Keyring, c: Any, now: float, audit: Audit) -> int:
    """Once per database: register every member record already held (oldest first), in the caller's transaction.
    Several workers starting at once: the first back-fills, the others wait for its commit and find the flag."""
    if getattr(c, "pg", False):
        c.execute("SELECT pg_advisory_xact_lock(727018)")
    if c.scalar("SELECT value FROM ho_meta WHERE key = ?", (BACKFILL_FLAG,)) == BACKFILL_VERSION:
        return 0
    recs = sorted(atrest.records(keys, c, entity="member"), key=lambda r: (float(r["received_at"]), r["store"]))
    erased = {r[0] for r in c.all("SELECT member_id FROM erasures")}
    n = 0
    for rec in recs:
        if rec["entity_id"] in erased:
            continue
        at = float(rec["received_at"])
        item = (keys.bidx(c, "member", rec["entity_id"], at), atrest.lookup_of(keys, c, "member", rec["payload"], at))
        note_members(c, rec["store"], [(*item, rec["payload"])], at, audit)
        n += 1
    for mid in erased:
        mark_erased(c, keys.bidx(c, "member", mid, now), now)
    c.execute(
        "INSERT INTO ho_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (BACKFILL_FLAG, BACKFILL_VERSION),
    )
    return n


def conflicts(c: Any, *, open_only: bool = True) -> list[dict]:
    sql = "SELECT id, kind, key_a, key_b, store_a, store_b, detected_at, resolved_at FROM register_conflicts"
    rows = c.all(sql + (" WHERE resolved_at IS NULL" if open_only else "") + " ORDER BY id")
    cols = ("id", "kind", "key_a", "key_b", "store_a", "store_b", "detected_at", "resolved_at")
    return [dict(zip(cols, r, strict=True)) for r in rows]


# -- what a lookup and an adoption read ------------------------------------------------------------------
def find_by_mobile(keys: Keyring, c: Any, mobile: str, now: float) -> list[str]:
    """Member keys registered under this mobile, never an erased one (oldest first)."""
    mobile_key = keys.bidx(c, "mobile", mobile, now)
    if mobile_key is None:
        return []
    rows = c.all(
        "SELECT member_key FROM member_register WHERE mobile_key = ? AND erased = 0 ORDER BY first_seen, member_key",
        (mobile_key,),
    )
    return [r[0] for r in rows]


def _under_14(birth: str, today: dt.date) -> bool:
    b = dt.date.fromisoformat(birth[:10])
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day)) < 14


def member_view(keys: Keyring, c: Any, key: str, now: float) -> dict | None:
    """Everything head office holds of one registered member, decrypted for the answer being built (never
    returned as such): {member_id, member_no, home_store, stores, name, mobile, restricted, minor, consents}.
    `consents`: per purpose the newest decision (a refusal wins a tie), with its notice version, time, store
    and record id — from the consent records the stores uploaded, which stay the evidence here."""
    reg = c.one(
        "SELECT member_no, home_store, restricted, minor, erased, merged_into FROM member_register"
        " WHERE member_key = ?",
        (key,),
    )
    if reg is None or int(reg[4]) or reg[5]:
        return None  # erased, or merged into another member (headoffice/merge.py: that one is found instead)
    members = [r for r in _records_of(keys, c, key) if r["entity"] == "member"]
    if not members:
        return None
    absorbed = {str(r[0]) for r in c.all("SELECT merged_id FROM member_merges WHERE survivor_key = ?", (key,))}
    mid = next((r["entity_id"] for r in members if r["entity_id"] not in absorbed), members[0]["entity_id"])
    if c.one("SELECT 1 FROM erasures WHERE member_id = ?", (mid,)):
        return None  # RIG-3: an erased member is never found
    newest = max(members, key=lambda r: float(r["received_at"]))["payload"]
    today = dt.datetime.fromtimestamp(now, CHINA).date()
    birth = next((r["payload"].get("birth_date") for r in members if r["payload"].get("birth_date")), None)
    declared = any(_flag(r["payload"], "minor") for r in members) or bool(reg[3])
    minor = _under_14(str(birth), today) if birth else declared  # as minor_now at the store: fail closed
    restricted = bool(reg[2])
    consents: dict[str, dict] = {}
    for rec in _records_of(keys, c, key):
        if rec["entity"] != "consent":
            continue
        p = rec["payload"]
        for code, granted in (p.get("decisions") or {}).items():
            item = {
                "purpose": code,
                "granted": bool(granted),
                "notice_version": p.get("notice_version"),
                "notice_hash": p.get("notice_hash"),
                "decided_at": str(p.get("at") or ""),
                "store": rec["store"],
                "record_id": rec["entity_id"],
            }
            old = consents.get(code)
            if old is None or (item["decided_at"], not item["granted"]) > (old["decided_at"], not old["granted"]):
                consents[code] = item
    versions = sorted({str(v["notice_version"]) for v in consents.values() if v["notice_version"]})
    return {
        "member_id": mid,
        "member_no": reg[0] or newest.get("member_no"),
        "home_store": reg[1],
        "stores": sorted({r["store"] for r in members}),
        "name": newest.get("name"),
        "mobile": newest.get("mobile"),
        "registered_at": min((str(r["payload"].get("registered_at") or "") for r in members), default="") or None,
        "restricted": restricted,
        "minor": minor,
        "notice_version": newest.get("notice_version") or (versions[-1] if versions else None),
        "consents": [consents[k] for k in sorted(consents)],
    }


def _records_of(keys: Keyring, c: Any, key: str) -> list[dict]:
    rows = c.all(
        "SELECT store, entity, entity_id, payload, received_at FROM records WHERE member_id = ?"
        " AND entity IN ('member', 'consent') ORDER BY store, entity, entity_id",
        (key,),
    )
    return [
        {
            "store": st,
            "entity": ent,
            "entity_id": eid,
            "payload": atrest.open_json(keys, c, token, atrest.record_aad(st, ent, eid)),
            "received_at": received,
        }
        for st, ent, eid, token, received in rows
    ]


def lookup_answer(view: dict, duplicates: int) -> dict:
    """What a store may see before the customer is adopted: no full name, no mobile, no birth date, no
    sensitive field (SEN-3) — the masked name for the clerk to check with the customer."""
    return {
        "found": True,
        "member": {
            "member_id": view["member_id"],
            "member_no": view["member_no"],
            "name_masked": mask_name(view["name"]),
            "home_store": view["home_store"],
            "restricted": view["restricted"],
            "minor": view["minor"],
            "notice_version": view["notice_version"],
            "consents": [{k: v for k, v in item.items() if k != "notice_hash"} for item in view["consents"]],
        },
        "duplicates": duplicates,
    }


def adoption_answer(view: dict) -> dict:
    """The minimal local record for the adopting store: name and mobile (MIN-1), member number, notice version,
    consents by reference, flags. No birth date, no optional field; a guardian's name is not held here."""
    return {
        "member_id": view["member_id"],
        "member_no": view["member_no"],
        "name": view["name"],
        "mobile": view["mobile"],
        "home_store": view["home_store"],
        "registered_at": view["registered_at"],
        "restricted": view["restricted"],
        "minor": view["minor"],
        "notice_version": view["notice_version"],
        "consents": view["consents"],
        "guardian": None,
    }
