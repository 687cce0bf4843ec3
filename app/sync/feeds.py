"""What head office publishes, applied at the store: kind -> handler(session, payload, ctx).

Handlers run inside the page transaction (the page and the cursor commit together): the session
they get writes through SAVEPOINTs of that transaction. A kind with no handler (or a handler that
fails or defers) is parked in sync_inbox and retried on the next sync; it never blocks
the rest of the feed. Built in: erasure_order (RIG-3, with a signed receipt), holiday_table,
config, notice (app.notices), retention_policy (app.retention).

Every applier demands `ctx.feed`, a `app.staff.permissions.VerifiedFeed` (SEC-1): only this module holds
the minter, and the engine makes one per page or inbox retry, for rows that came from the enrolled head
office over its certificate-checked connection. A person's session cannot make one, so no clerk (and no
manager) can apply a retention policy, a holiday table, a notice, a config or an erasure order as if
head office had sent it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import crashpoints, erasure
from app.calendar import import_holiday_table
from app.clock import Clock, iso
from app.notices import import_notice
from app.staff import permissions as P
from app.staff.session import Session, Staff
from app.storage.db import Connection, ConnQueries, Database, Queries
from app.sync import signing
from app.sync.state import set_state

log = logging.getLogger("memberdesk.sync")

FeedHandler = Callable[[Session, dict[str, Any], "ApplyContext"], None]
"""fn(session, payload, ctx): applies one row of head office's feed (idempotent: a page may arrive twice)."""
ScanHashSource = Callable[[Queries, str], list[str]]
"""fn(db, member_id) -> SHA-256 of the member's scans (listed in erasure receipts)."""

_HANDLERS: dict[str, FeedHandler] = {}
_mint_feed = P.claim_feed_minter()  # app.sync alone makes VerifiedFeed objects
_SCAN_HASH_SOURCES: list[ScanHashSource] = []


class FeedDeferred(Exception):
    """A handler cannot apply its row yet: keep the row in the inbox and retry it on the next sync."""


def register_feed_handler(kind: str, fn: FeedHandler) -> None:
    """fn(session, payload: dict, ctx: ApplyContext). Must be idempotent (a page may arrive twice)."""
    _HANDLERS[kind] = fn


def handler_for(kind: str) -> FeedHandler | None:
    return _HANDLERS.get(kind)


def register_scan_hash_source(fn: ScanHashSource) -> None:
    """fn(db, member_id) -> list of SHA-256 of the member's scans, listed in erasure receipts."""
    _SCAN_HASH_SOURCES.append(fn)


def record_refusal(session: Session, kind: str, key: str, detail: dict[str, Any], *, feed: object = None) -> None:
    """A head-office row (or part of one) the store refuses for good, e.g. a retention rule over the
    policy's limit: it is not parked for a retry; the sync log and the sync status (`feed_refusal`) show
    `key` (a message key, zh_CN + en) with `detail` (category names, versions: never personal data). Audited.
    Only while applying a verified head-office feed (SEC-1)."""
    if not P.feed_verified(feed):
        session.require(P.HEAD_OFFICE_FEED)
    now = iso(session.clock.now())
    with session.write("sync.feed.refused", "sync_feed", kind, {"key": key, **detail}) as tx:
        tx.execute(
            "INSERT INTO sync_log(started_at, finished_at, trigger, outcome, message_key, detail)"
            " VALUES (?, ?, 'feed', 'refused', ?, ?)",
            (now, now, key, json.dumps(detail, sort_keys=True, ensure_ascii=False)[:500]),
        )
        set_state(tx, "feed_refusal", {"kind": kind, "key": key, "detail": detail, "at": now})
    log.warning("sync: head office's %s refused (%s)", kind, key)


@dataclass
class ApplyContext:
    store_code: str
    private_key: Ed25519PrivateKey  # signs erasure receipts
    ledger_path: Path | None = None
    counts: dict[str, int] = field(default_factory=lambda: {"erasures": 0, "applied": 0, "deferred": 0})
    feed: P.VerifiedFeed | None = None  # the capability the appliers demand (set by _verified_context)


def _verified_context(store_code: str, private_key: Any, ledger_path: Path | None = None) -> ApplyContext:
    """The context for rows the engine received from the enrolled head office (its signed request over the
    certificate-checked connection): the only place a VerifiedFeed is made."""
    return ApplyContext(
        store_code=store_code, private_key=private_key, ledger_path=ledger_path, feed=_mint_feed(store_code)
    )


class PageDB(ConnQueries):
    """The Database seen by handlers during a page: same connection, writes become SAVEPOINTs,
    checkpoints wait for the outer commit."""

    def __init__(self, db: Database, conn: Connection) -> None:
        self._db = db
        self.conn = conn
        self._n = 0
        self.checkpoint_wanted = False

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        self._n += 1
        name = f"sync_sp{self._n}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        self.conn.execute(f"RELEASE {name}")

    def checkpoint(self) -> None:
        self.checkpoint_wanted = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


SYNC_STAFF = Staff(id="head-office-sync", username="head-office-sync", display_name="总部同步", role="manager")


def sync_session(db: Database | PageDB, store_code: str, terminal: str, clock: Clock) -> Session:
    """Head office acts through its own audit identity, never a signed-in person's. A page's PageDB stands in
    for the Database (the same connection; writes become SAVEPOINTs of the page transaction)."""
    return Session(db=cast(Database, db), staff=SYNC_STAFF, store_code=store_code, terminal=terminal, clock=clock)


# -- built-in handlers ----------------------------------------------------------------------
def _scan_hashes(db: Queries, member_id: str) -> list[str]:
    out: set[str] = set()
    for fn in _SCAN_HASH_SOURCES:
        try:
            out.update(fn(db, member_id) or [])
        except Exception:  # a missing table in an older store: no scans to list
            log.debug("scan hash source failed", exc_info=True)
    return sorted(out)


def _scans_of_member(db: Queries, member_id: str) -> list[str]:
    return [
        r[0]
        for r in db.all(
            "SELECT s.sha256 FROM scans s JOIN scan_documents d ON d.id = s.document_id WHERE d.member_id = ?",
            (member_id,),
        )
    ]


register_scan_hash_source(_scans_of_member)


def apply_erasure_order(session: Session, payload: dict[str, Any], ctx: ApplyContext) -> None:
    """Execute head office's erasure order and journal a signed receipt (RIG-3)."""
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)

    mid = str(payload["member_id"])
    already = erasure.is_erased(session.db, mid)
    counts: dict[str, int] = {}
    hashes = _scan_hashes(session.db, mid)
    now = iso(session.clock.now())
    if not already:
        with session.write("member.erase.head_office", "member", mid, {"reason": "head_office"}) as tx:
            # journaled like every erasure (RIG-3): head office ignores an erasure it holds already
            counts, entry = erasure.erase_in_tx(
                tx, mid, reason="head_office", request_id=payload.get("request_id"), store_code=ctx.store_code
            )
            if ctx.ledger_path is not None:
                erasure.append_ledger(Path(ctx.ledger_path), [entry])
            crashpoints.hit("order.after_ledger")
        session.db.checkpoint()
        ctx.counts["erasures"] += 1
    receipt = {
        "member_id": mid,
        "store": ctx.store_code,
        "executed_at": now,
        "already_erased": already,
        "counts": counts,
        "scan_hashes": hashes,
        "order_erased_at": payload.get("erased_at"),
    }
    sig = signing.sign_receipt(ctx.private_key, receipt)
    with session.write("sync.erasure_receipt", "member", mid, {"already_erased": already}) as tx:
        tx.journal("erasure_receipt", mid, "event", {"receipt": receipt, "signature": sig})


def apply_holiday_table(session: Session, payload: dict[str, Any], ctx: ApplyContext) -> None:
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    import_holiday_table(session, int(payload["year"]), payload["days"], source="head_office", feed=ctx.feed)


def apply_config(session: Session, payload: dict[str, Any], ctx: ApplyContext) -> None:
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    minutes = payload.get("sync_interval_minutes")
    if minutes is None:
        return
    minutes = max(1, min(24 * 60, int(minutes)))
    with session.write("settings.change", details={"key": "sync_interval_minutes", "source": "head_office"}) as tx:
        tx.execute(
            "INSERT INTO settings(key, value, updated_at, updated_by) VALUES (?,?,?,?) ON CONFLICT(key)"
            " DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at, updated_by=excluded.updated_by",
            ("sync_interval_minutes", json.dumps(minutes), iso(session.clock.now()), session.staff.id),
        )


def apply_notice(session: Session, payload: dict[str, Any], ctx: ApplyContext) -> None:
    if not P.feed_verified(ctx.feed):
        session.require(P.HEAD_OFFICE_FEED)
    import_notice(session, payload["zh_CN"], payload["en"], source="head_office", feed=ctx.feed)


register_feed_handler("erasure_order", apply_erasure_order)
register_feed_handler("holiday_table", apply_holiday_table)
register_feed_handler("config", apply_config)
register_feed_handler("notice", apply_notice)
# "retention_policy" is registered by app.retention.rules (retention sits above sync: purchases journal through it)
