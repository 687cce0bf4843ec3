"""The one way into and out of head office's personal columns (STO-1).

Writers seal (`seal_json`, `seal_blob`); every reader — service, console, CLI — opens through
`open_json` / `open_blob` / `records`. The places a value is bound to (associated data) are named
here once: records by (store, entity, entity_id), receipts by (member, store), blobs by hash.
`migrate_plaintext` seals what an older head office wrote in the clear, once, at start.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from headoffice.crypto import PREFIX, Keyring

META_FLAG = "at_rest"
META_VERSION = "v1"


def record_aad(store: str, entity: str, eid: str) -> str:
    return f"records|{store}|{entity}|{eid}"


def receipt_aad(member_id: str, store: str) -> str:
    return f"receipts|{member_id}|{store}"


def blob_aad(sha: str) -> str:
    return f"blobs|{sha}"


def seal_json(keys: Keyring, c: Any, dek: int, value: Any, aad: str) -> str:
    return keys.seal(c, dek, json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8"), aad)


def open_json(keys: Keyring, c: Any, token: str, aad: str) -> Any:
    return json.loads(keys.open_(c, token, aad).decode("utf-8"))


def seal_blob(keys: Keyring, c: Any, dek: int, data: bytes, sha: str) -> bytes:
    return keys.seal(c, dek, data, blob_aad(sha)).encode("ascii")


def open_blob(keys: Keyring, c: Any, token: bytes | memoryview, sha: str) -> bytes:
    return keys.open_(c, bytes(token), blob_aad(sha))


def lookup_of(keys: Keyring, c: Any, entity: str, payload: Any, now: float) -> str | None:
    """The blind index of a member's mobile number (what a lookup by mobile searches)."""
    if entity != "member" or not isinstance(payload, dict):
        return None
    return keys.bidx(c, "mobile", payload.get("mobile"), now)


def records(
    keys: Keyring,
    c: Any,
    *,
    entity: str | None = None,
    member_id: str | None = None,
    store: str | None = None,
    lookup: str | None = None,
) -> Iterator[dict]:
    """Decrypted records: {store, entity, entity_id, member_key, payload, received_at}, ordered by store, id.
    `member_key` is the blind index (the member's id is not stored in the clear here)."""
    where: list[str] = []
    params: list[str | None] = []
    if entity is not None:
        where.append("entity = ?")
        params.append(entity)
    if member_id is not None:
        where.append("member_id = ?")
        params.append(keys.bidx(c, "member", member_id))
    if store is not None:
        where.append("store = ?")
        params.append(store)
    if lookup is not None:
        where.append("lookup = ?")
        params.append(lookup)
    sql = "SELECT store, entity, entity_id, member_id, payload, received_at FROM records"
    sql += (" WHERE " + " AND ".join(where)) if where else ""
    for st, ent, eid, mkey, token, received in c.all(sql + " ORDER BY store, entity, entity_id", params):
        yield {
            "store": st,
            "entity": ent,
            "entity_id": eid,
            "member_key": mkey,
            "payload": open_json(keys, c, token, record_aad(st, ent, eid)),
            "received_at": received,
        }


def migrate_plaintext(keys: Keyring, c: Any, now: float) -> int:
    """Seal the rows an older head office stored in the clear (records, receipts, blobs) and turn
    member ids into blind indexes; runs once (flag in ho_meta), inside the caller's transaction."""
    if c.scalar("SELECT value FROM ho_meta WHERE key = ?", (META_FLAG,)) == META_VERSION:
        return 0
    dek = keys.begin(c, now)
    n = 0
    for st, ent, eid, mid, payload in c.all("SELECT store, entity, entity_id, member_id, payload FROM records"):
        if str(payload).startswith(PREFIX):
            continue
        value = json.loads(payload)
        c.execute(
            "UPDATE records SET payload = ?, member_id = ?, lookup = ?"
            " WHERE store = ? AND entity = ? AND entity_id = ?",
            (
                seal_json(keys, c, dek, value, record_aad(st, ent, eid)),
                keys.bidx(c, "member", mid, now),
                lookup_of(keys, c, ent, value, now),
                st,
                ent,
                eid,
            ),
        )
        n += 1
    for mid, st, receipt in c.all("SELECT member_id, store, receipt FROM receipts"):
        if not str(receipt).startswith(PREFIX):
            c.execute(
                "UPDATE receipts SET receipt = ? WHERE member_id = ? AND store = ?",
                (seal_json(keys, c, dek, json.loads(receipt), receipt_aad(mid, st)), mid, st),
            )
            n += 1
    for sha, data in c.all("SELECT sha256, data FROM blobs"):
        if not bytes(data).startswith(PREFIX.encode()):
            c.execute("UPDATE blobs SET data = ? WHERE sha256 = ?", (seal_blob(keys, c, dek, bytes(data), sha), sha))
            n += 1
    c.execute(
        "INSERT INTO ho_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (META_FLAG, META_VERSION),
    )
    return n
