"""Consent figures at head office without decrypting every record: a non-personal aggregate kept
inside the upload apply (issue #19; the console's consent page reads it with GROUP BY).

Per member (by blind index, as `records.member_id` holds it) and purpose the latest decision counts:
the decision of the consent record with the greatest (at, store, entity_id), its notice version and
its state — granted, refused, or withdrawn (a "no" in a withdrawal record). Per member, the latest
registration or re-consent names the notice version the member stands on; a member whose version is
not the current notice awaits fresh consent (CON-5).

Tables (headoffice/storage.py):
  consent_members     member_key → latest (JSON {purpose: [store, version, state]}), store, version of the
                      member's latest registration / re-consent: what each member contributes (one row
                      per member, so an upload adds one random index insert per member, not one per purpose)
  consent_counts      (store, version, purpose, state) → n            the figures, per store
  consent_versions    (store, version) → n                            members per notice version
Whenever the consent records of a member change (upload apply: upsert, partial upsert, delete; an
erasure), `refresh` recomputes that member's contribution from the member's records and moves the
counts by the difference, in the same transaction. `backfill` builds everything once from the
records an older head office holds. No count names a person; the per-member rows hold only the
blind index head office already keeps beside every record, and an erasure deletes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from headoffice import atrest
from headoffice.crypto import Keyring

STATES = ("granted", "refused", "withdrawn")
META_KEY = "consent_counts_v1"
CHUNK = 500

_Contribution = tuple[dict[str, tuple[str, str, str]], tuple[str, str] | None]


def contribution(records: Iterable[tuple[str, str, dict]]) -> _Contribution:
    """One member's consent records (store, entity_id, payload) → ({purpose: (store, version, state)},
    (store, version) of the latest registration / re-consent, or None)."""
    latest: dict[str, tuple[tuple, tuple[str, str, str]]] = {}
    member: tuple[tuple, tuple[str, str]] | None = None
    for store, eid, p in records:
        if not isinstance(p, dict):
            continue
        order = (str(p.get("at") or ""), store, eid)
        version, kind = str(p.get("notice_version") or "-"), p.get("kind")
        decisions = p.get("decisions")
        for purpose, granted in (decisions if isinstance(decisions, dict) else {}).items():
            state = "granted" if granted else ("withdrawn" if kind == "withdrawal" else "refused")
            if purpose not in latest or latest[purpose][0] <= order:
                latest[purpose] = (order, (store, version, state))
        if kind in ("registration", "reconsent") and (member is None or member[0] <= order):
            member = (order, (store, version))
    return {k: v[1] for k, v in latest.items()}, (member[1] if member else None)


def _bump(c: Any, counts: dict[tuple, int], versions: dict[tuple, int]) -> None:
    ups = [(*k, n) for k, n in sorted(counts.items()) if n]
    if ups:
        c.executemany(
            "INSERT INTO consent_counts(store, version, purpose, state, n) VALUES (?,?,?,?,?)"
            " ON CONFLICT(store, version, purpose, state) DO UPDATE SET n = consent_counts.n + excluded.n",
            ups,
        )
    vups = [(*k, n) for k, n in sorted(versions.items()) if n]
    if vups:
        c.executemany(
            "INSERT INTO consent_versions(store, version, n) VALUES (?,?,?)"
            " ON CONFLICT(store, version) DO UPDATE SET n = consent_versions.n + excluded.n",
            vups,
        )


def _records_of(
    keys: Keyring, c: Any, chunk: list[str], known: dict[tuple[str, str], dict]
) -> dict[str, list[tuple[str, str, dict]]]:
    marks = ",".join("?" * len(chunk))
    out: dict[str, list[tuple[str, str, dict]]] = {k: [] for k in chunk}
    for mkey, store, eid, token in c.all(
        f"SELECT member_id, store, entity_id, payload FROM records WHERE member_id IN ({marks}) AND entity = 'consent'",
        chunk,
    ):
        payload = known.get((store, eid))  # written in this transaction: no need to decrypt it again
        if payload is None:
            payload = atrest.open_json(keys, c, token, atrest.record_aad(store, "consent", eid))
        out[mkey].append((store, eid, payload))
    return out


def _stored(c: Any, chunk: list[str]) -> dict[str, _Contribution]:
    marks = ",".join("?" * len(chunk))
    out: dict[str, _Contribution] = {}
    for mkey, latest, store, version in c.all(
        f"SELECT member_key, latest, store, version FROM consent_members WHERE member_key IN ({marks})", chunk
    ):
        parsed = {p: (v[0], v[1], v[2]) for p, v in json.loads(latest).items()}
        out[mkey] = (parsed, (store, version) if store is not None else None)
    return out


def refresh(
    keys: Keyring, c: Any, member_keys: Iterable[str | None], known: dict[tuple[str, str], dict] | None = None
) -> int:
    """Recompute these members' contributions from their consent records and move the counts by the
    difference (inside the caller's transaction). `known`: {(store, entity_id): payload} of consent
    records this transaction wrote (the upload apply holds them in the clear already). Returns how many
    members changed."""
    todo = sorted({k for k in member_keys if k})
    changed = 0
    for i in range(0, len(todo), CHUNK):
        chunk = todo[i : i + CHUNK]
        recs = _records_of(keys, c, chunk, known or {})
        stored = _stored(c, chunk)
        counts: dict[tuple, int] = {}
        versions: dict[tuple, int] = {}
        gone: list[tuple[str]] = []
        rows: list[tuple] = []
        for mkey in chunk:
            new_latest, new_member = contribution(recs[mkey])
            old, old_member = stored.get(mkey, ({}, None))
            if new_latest == old and new_member == old_member:
                continue
            changed += 1
            for purpose, (store, version, state) in old.items():
                counts[(store, version, purpose, state)] = counts.get((store, version, purpose, state), 0) - 1
            for purpose, (store, version, state) in new_latest.items():
                counts[(store, version, purpose, state)] = counts.get((store, version, purpose, state), 0) + 1
            if old_member is not None:
                versions[old_member] = versions.get(old_member, 0) - 1
            if new_member is not None:
                versions[new_member] = versions.get(new_member, 0) + 1
            if mkey in stored:
                gone.append((mkey,))
            if new_latest or new_member is not None:
                latest = json.dumps({p: list(v) for p, v in sorted(new_latest.items())}, ensure_ascii=False)
                rows.append((mkey, latest, *(new_member or (None, None))))
        if gone:
            c.executemany("DELETE FROM consent_members WHERE member_key = ?", gone)
        if rows:
            c.executemany("INSERT INTO consent_members(member_key, latest, store, version) VALUES (?,?,?,?)", rows)
        _bump(c, counts, versions)
    return changed


def consent_keys_of(c: Any, store: str, entity_ids: list[str]) -> set[str | None]:
    """The member keys the stored consent records of these ids carry now (before an upsert or delete
    changes them)."""
    out: set[str | None] = set()
    for i in range(0, len(entity_ids), CHUNK):
        chunk = entity_ids[i : i + CHUNK]
        marks = ",".join("?" * len(chunk))
        out.update(
            r[0]
            for r in c.all(
                f"SELECT member_id FROM records WHERE store = ? AND entity = 'consent' AND entity_id IN ({marks})",
                [store, *chunk],
            )
            if r[0]
        )
    return out


def backfill(keys: Keyring, c: Any) -> int:
    """Build the aggregate once from the consent records already held (the first start of a head office
    that has this module); later starts find the mark in ho_meta and do nothing. Returns members counted."""
    claimed = c.execute(
        "INSERT INTO ho_meta(key, value) VALUES (?, 'done') ON CONFLICT(key) DO NOTHING", (META_KEY,)
    ).rowcount
    if claimed != 1:
        return 0
    for table in ("consent_members", "consent_counts", "consent_versions"):
        c.execute(f"DELETE FROM {table}")
    mkeys = [r[0] for r in c.all("SELECT DISTINCT member_id FROM records WHERE entity = 'consent'") if r[0]]
    return refresh(keys, c, mkeys)


def summary(c: Any, current: str | None, stores: list[str] | None = None) -> dict:
    """The consent page's figures: rows per (version, purpose) with granted / refused / withdrawn, and the
    members whose latest registration / re-consent is not on `current` (re-consent pending)."""
    where, params = "", list(stores or [])
    if stores is not None:
        where = " WHERE store IN ({})".format(",".join("?" * len(stores))) if stores else " WHERE 1 = 0"
    rows: dict[tuple, dict] = {}
    for version, purpose, state, n in c.all(
        "SELECT version, purpose, state, SUM(n) FROM consent_counts" + where + " GROUP BY version, purpose, state",
        params,
    ):
        if int(n or 0) == 0:
            continue
        row = rows.setdefault(
            (version, purpose), {"version": version, "purpose": purpose, "granted": 0, "refused": 0, "withdrawn": 0}
        )
        row[state] += int(n)
    pending = 0
    if current:
        cond = (where + " AND" if where else " WHERE") + " version <> ?"
        pending = int(c.scalar("SELECT SUM(n) FROM consent_versions" + cond, [*params, current], 0))
    return {"rows": [rows[k] for k in sorted(rows)], "current": current, "reconsent_pending": pending}
