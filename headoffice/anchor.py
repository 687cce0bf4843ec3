"""The stores' audit chains anchored at head office (SEC-2).

A key on the store PC protects nothing against someone who can unlock it: with the data key the whole
audit chain can be rewritten, hashes and head recomputed, and the store's own `verify` passes. So every
sync sends the audit entries (no personal values: the chain refuses them) since the last anchor head
office confirmed, as part of an upload body:

    "audit": {"base_seq": n, "base_hash": h, "head_seq": m, "head_hash": H,
              "entries": [[seq, ts, staff_id, terminal, action, subject_type, subject_id, details,
                           prev_hash, hash], ...]}

Head office recomputes every hash from the base and checks that the chain continues the head it
holds. The answer's "audit" part: status ok | alarm | resend (send again from `resend_from`),
anchor_seq / anchor_hash / anchored_at, and the store's open alarm if any. Alarms:
  truncation  the store's chain ends below the anchored head (entries deleted, or a backup restored);
  fork        the store's chain agrees with an earlier anchor but not with the last one (it went on
              from an older state: a restored backup written on, or a rewritten tail);
  rewrite     the store's chain differs at a head head office confirmed, or its entries do not chain.
An alarm is recorded (table audit_alarms, head office's audit log and log), shown until IT
acknowledges it (`memberdesk-headoffice audit-ack STORE`), and the chain is anchored anew at the
store's current head so later changes are checked again. Anchor history is kept per sync.
"""

from __future__ import annotations

import logging

from app.audit.chain import GENESIS, entry_hash

log = logging.getLogger("memberdesk.headoffice")

MAX_ENTRIES = 5000
ALARM_KINDS = ("truncation", "fork", "rewrite")


class BadAudit(ValueError):
    pass


def current(c, store: str) -> tuple[int, str, float | None]:
    row = c.one("SELECT seq, hash, received_at FROM audit_anchors WHERE store = ? ORDER BY seq DESC LIMIT 1", (store,))
    return (int(row[0]), str(row[1]), float(row[2])) if row else (0, GENESIS, None)


def open_alarm(c, store: str) -> dict | None:
    row = c.one(
        "SELECT kind, anchored_seq, store_seq, detected_at FROM audit_alarms"
        " WHERE store = ? AND acknowledged_at IS NULL ORDER BY id DESC LIMIT 1",
        (store,),
    )
    if row is None:
        return None
    return {"kind": row[0], "anchored_seq": int(row[1]), "store_seq": int(row[2]), "detected_at": float(row[3])}


def _parse(a) -> tuple[int, str, int, list]:
    try:
        base_seq, base_hash = int(a["base_seq"]), str(a["base_hash"])
        head_seq = int(a["head_seq"])
        entries = list(a.get("entries") or [])
    except (KeyError, TypeError, ValueError):
        raise BadAudit("bad_audit") from None
    if base_seq < 0 or head_seq < base_seq or len(entries) > MAX_ENTRIES or len(base_hash) != 64:
        raise BadAudit("bad_audit")
    return base_seq, base_hash, head_seq, entries


def _walk(base_seq: int, base_hash: str, entries: list, mark: int) -> tuple[int, str, str | None, bool]:
    """Recompute the chain from the base. Returns (last good seq, its hash, hash at `mark`, broken)."""
    seq, prev = base_seq, base_hash
    at_mark = base_hash if base_seq == mark else None
    for e in entries:
        try:
            ok = len(e) == 10 and int(e[0]) == seq + 1 and e[8] == prev and entry_hash(prev, int(e[0]), *e[1:8]) == e[9]
        except (TypeError, ValueError):
            ok = False
        if not ok:
            return seq, prev, at_mark, True
        seq, prev = int(e[0]), str(e[9])
        if seq == mark:
            at_mark = prev
    return seq, prev, at_mark, False


def check(c, store: str, a: dict, now: float, audit) -> dict:
    """Check one store's audit upload inside the upload's transaction; `audit(c, actor, action, store,
    subject, details)` writes head office's own audit log."""
    base_seq, base_hash, head_seq, entries = _parse(a)
    cur_seq, cur_hash, _cur_at = current(c, store)
    if base_seq > cur_seq:  # head office holds less than the store was told (restored head office)
        return _answer(c, store, "resend", resend_from=cur_seq)
    last_seq, last_hash, at_cur, broken = _walk(base_seq, base_hash, entries, cur_seq)
    known = (
        GENESIS
        if base_seq == 0
        else c.scalar("SELECT hash FROM audit_anchors WHERE store = ? AND seq = ?", (store, base_seq))
    )
    kind = None
    if broken or (known is not None and known != base_hash):
        kind = "rewrite"
    elif head_seq < cur_seq:
        kind = "truncation"
    elif at_cur is None:
        if last_seq < head_seq:  # this batch has not reached the anchored head yet
            return _answer(c, store, "resend", resend_from=cur_seq)
        kind = "truncation"
    elif at_cur != cur_hash:
        kind = "fork" if base_seq < cur_seq else "rewrite"
    if kind is None:
        if last_seq > cur_seq:
            c.execute(
                "INSERT INTO audit_anchors(store, seq, hash, received_at) VALUES (?,?,?,?)",
                (store, last_seq, last_hash, now),
            )
        return _answer(c, store, "ok")
    c.execute(
        "INSERT INTO audit_alarms(store, kind, anchored_seq, anchored_hash, store_seq, detected_at)"
        " VALUES (?,?,?,?,?,?)",
        (store, kind, cur_seq, cur_hash, head_seq, now),
    )
    audit(
        c,
        store,
        "audit.anchor.alarm",
        store,
        kind,
        {"kind": kind, "anchored_seq": cur_seq, "store_seq": head_seq, "base_seq": base_seq},
    )
    log.warning("audit anchor alarm: store=%s kind=%s anchored=%d store_head=%d", store, kind, cur_seq, head_seq)
    # anchor anew at what the store holds now; history that no longer matches it goes (the alarm keeps it)
    keep_upto = base_seq if known == base_hash else -1
    c.execute("DELETE FROM audit_anchors WHERE store = ? AND seq > ?", (store, keep_upto))
    if last_seq > keep_upto:
        c.execute(
            "INSERT INTO audit_anchors(store, seq, hash, received_at) VALUES (?,?,?,?)",
            (store, last_seq, last_hash, now),
        )
    return _answer(c, store, "alarm")


def _answer(c, store: str, status: str, resend_from: int | None = None) -> dict:
    seq, digest, at = current(c, store)
    out = {"status": status, "anchor_seq": seq, "anchor_hash": digest, "anchored_at": at, "alarm": open_alarm(c, store)}
    if resend_from is not None:
        out["resend_from"] = resend_from
    return out


def acknowledge(c, store: str, actor: str, now: float) -> int:
    return c.execute(
        "UPDATE audit_alarms SET acknowledged_at = ?, acknowledged_by = ? WHERE store = ? AND acknowledged_at IS NULL",
        (now, actor, store),
    ).rowcount
