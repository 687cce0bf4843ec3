"""The store's sync engine (worker-agnostic: the UI runs `sync_once` off the UI thread).

    engine = SyncEngine(db, store_code, terminal, clock, cipher=FieldCipher(vault.data_key()),
                        ledger_path=paths.erasure_ledger)
    engine.enrol("https://ho.example.cn:8443", "SH-001", "ABCD-…", ca_file="ca.pem")
    result = engine.sync_once(trigger="manual")

One run: measure the clock offset; upload the change journal in batches chained on head office's
high-water mark (scan pages first, as content-addressed blobs); pull the feed page by page, each
page applied with its cursor in one transaction; on "resync required" apply a full snapshot
(the whole erasure ledger); upload again so erasure receipts leave at once; anchor the audit chain
at head office (app/sync/anchor.py); write the sync log.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app import crashpoints
from app.audit import chain
from app.clock import iso
from app.errors import PermissionDenied
from app.messages import add_messages
from app.staff import permissions as P
from app.sync import anchor, feeds, journal, signing
from app.sync.state import get_state, pending_count, save_state, set_state
from app.sync.transport import Signer, SyncError, Transport, make_signer

if TYPE_CHECKING:
    from pathlib import Path

    import httpx
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.clock import Clock
    from app.staff.session import Session
    from app.storage.db import Connection, Database
    from app.storage.fieldcrypt import FieldCipher

log = logging.getLogger("memberdesk.sync")

add_messages(
    {
        "sync.failed": ("同步未完成，请稍后重试。", "Sync did not complete. Try again later."),
        "sync.offline": (
            "无法连接总部，数据已保存在本店，稍后会自动重试。",
            "Head office cannot be reached. Everything is kept at the store and will be sent later.",
        ),
        "sync.server_busy": ("总部服务器繁忙，稍后会自动重试。", "Head office is busy; sync will try again later."),
        "sync.server_error": (
            "总部服务器出错，稍后会自动重试。",
            "Head office had an error; sync will try again later.",
        ),
        "sync.refused": (
            "总部拒绝了本次同步(代码 {code})。请联系总部IT。",
            "Head office refused the sync (code {code}). Contact head-office IT.",
        ),
        "sync.tls": (
            "总部服务器证书无法验证，已停止同步。请联系总部IT。",
            "Head office's certificate could not be verified; sync stopped. Contact head-office IT.",
        ),
        "sync.insecure_url": (
            "总部地址必须以 https:// 开头（加密传输）。",
            "The head-office address must start with https:// (encrypted transport).",
        ),
        "sync.not_enrolled": (
            "本店尚未向总部登记，请店长输入总部提供的登记码。",
            "This store is not enrolled with head office yet. A manager enters the enrolment code.",
        ),
        "sync.enrol_refused": (
            "登记码无效或已过期，请向总部索取新的登记码。",
            "The enrolment code is invalid or has expired. Ask head office for a new one.",
        ),
        "sync.busy": ("正在同步，请稍候。", "A sync is already running."),
        "sync.blob_unreadable": ("扫描件无法读取，未能上传。", "A scanned page could not be read for upload."),
        "sync.journal_unavailable": (
            "总部缺少一部分它此前已确认、本店已清理的变更（总部可能从较早的备份恢复）。"
            "其余变更已继续上传，缺少的序号已记入审计日志。请联系总部IT。",
            "Head office lacks changes it had confirmed earlier and the store has since cleared "
            "(head office may have been restored from an older backup). The other changes were "
            "sent; the missing sequence numbers are in the audit log. Contact head-office IT.",
        ),
        "sync.journal_renumbered": (
            "总部已有本店从未发送过的变更序号（本店可能从较早的备份恢复）。本店未上传的变更已重新编号并上传。",
            "Head office holds change numbers this store never sent (the store may have been "
            "restored from an older backup). The store's unsent changes were renumbered and sent.",
        ),
    }
)

_RUN_LOCK = threading.Lock()
SYNC_ENROL = P.grant("sync.enrol", P.MANAGER)


class SyncEngine:
    def __init__(
        self,
        db: Database,
        store_code: str,
        terminal: str,
        clock: Clock,
        *,
        cipher: FieldCipher | None = None,
        ledger_path: Path | None = None,
        http: httpx.Client | None = None,
        allow_plain_http: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        retries: int = 4,
        batch_rows: int = 500,
        page_rows: int = 200,
        transport: Transport | None = None,
    ) -> None:
        self.db = db
        self.store_code = store_code
        self.terminal = terminal
        self.clock = clock
        self.cipher = cipher
        self.ledger_path = ledger_path
        self._http = http
        self._allow_plain = allow_plain_http
        self._sleep = sleep
        self._retries = retries
        self.batch_rows = batch_rows
        self.page_rows = page_rows
        self._transport = transport
        self._trigger = "timer"
        self.session: Session | None = None  # who acts (for_session): enrolment needs a manager

    @classmethod
    def for_session(cls, session: Session, **kw: Any) -> SyncEngine:
        engine = cls(session.db, session.store_code, session.terminal, session.clock, **kw)
        engine.session = session
        return engine

    # -- plumbing ---------------------------------------------------------------------
    def transport(self) -> Transport:
        if self._transport is None:
            url = get_state(self.db, "url")
            if not url:
                raise SyncError("sync.not_enrolled")
            self._transport = Transport(
                url,
                ca_file=get_state(self.db, "ca_file"),
                http=self._http,
                allow_plain_http=self._allow_plain,
                sleep=self._sleep,
                retries=self._retries,
            )
        return self._transport

    def _key(self) -> Ed25519PrivateKey:
        raw = get_state(self.db, "private_key")
        if raw is None:
            raise SyncError("sync.not_enrolled")
        return signing.load_private(signing.unb64(raw))

    def _now(self) -> float:
        return self.clock.time() + float(get_state(self.db, "clock_offset", 0.0) or 0.0)

    def _signer(self) -> Signer:
        offset = float(get_state(self.db, "clock_offset", 0.0) or 0.0)
        return make_signer(self._key(), self.store_code, lambda: self.clock.time() + offset)

    def measure_offset(self) -> float:
        """Server time minus store time, from the midpoint of one round trip."""
        t0 = self.clock.time()
        m0 = time.monotonic()
        data = self.transport().get_json("/v1/time")
        rtt = time.monotonic() - m0
        offset = float(data["now"]) - (t0 + rtt / 2)
        save_state(self.db, clock_offset=offset)
        return offset

    # -- enrolment --------------------------------------------------------------------
    def enrol(
        self, url: str, store_code: str, code: str, *, ca_file: str | None = None, session: Session | None = None
    ) -> dict:
        """Enrol the store with head office: a manager only (`session`, else the engine's own), audited
        (SEC-1, SEC-2): a clerk could otherwise point the store at another server and upload its members."""
        session = session or self.session
        if session is None:
            raise PermissionDenied(action=SYNC_ENROL)
        session.require(SYNC_ENROL)
        self._transport = Transport(
            url,
            ca_file=ca_file,
            http=self._http,
            allow_plain_http=self._allow_plain,
            sleep=self._sleep,
            retries=self._retries,
        )
        key = signing.new_private_key()
        try:
            data = self._transport.post_json(
                "/v1/enrol", {"store": store_code, "code": code.strip(), "pubkey": signing.public_text(key)}
            )
        except SyncError as exc:
            if exc.code == "bad_enrolment":
                raise SyncError("sync.enrol_refused", code=exc.code, status=exc.status) from None
            raise
        cfg = data.get("config") or {}
        save_state(
            self.db,
            url=url,
            ca_file=ca_file,
            store_code=store_code,
            private_key=signing.b64(signing.private_bytes(key)),
            enrolled_at=iso(self.clock.now()),
            acked_seq=0,
            sent_seq=0,
            cursor="0:0",
            resync_required=False,
            keep_scans=bool(cfg.get("keep_scans", True)),
            max_body=int(cfg.get("max_body", 8 << 20)),
        )
        self.store_code = store_code
        self.measure_offset()
        self._log("enrol", "ok", started=iso(self.clock.now()))
        prefix = str(data.get("member_prefix") or "")
        with session.on_db(self.db).write(
            "sync.enrol", "store", store_code, {"ca_file": bool(ca_file), "member_prefix": prefix}
        ) as tx:  # the state above is the change; this is its audit entry (SEC-2)
            if prefix.isdigit():  # chain-unique member numbers from now on (issue #18, app.members.records)
                tx.execute(
                    "INSERT INTO meta(key, value) VALUES ('member_no_prefix', ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (prefix,),
                )
        return cfg

    # -- one run ----------------------------------------------------------------------
    def sync_once(self, trigger: str = "timer") -> dict:
        if not _RUN_LOCK.acquire(blocking=False):
            raise SyncError("sync.busy")
        started = iso(self.clock.now())
        self._trigger = trigger
        result: dict[str, Any] = {"uploaded": 0, "downloaded": 0, "erasures": 0, "quarantined": 0, "resynced": False}
        try:
            save_state(self.db, last_attempt=started)
            self.measure_offset()
            self.retry_inbox(result)
            self.upload(result)
            self.pull(result)
            self.upload(result)  # erasure receipts and anything written meanwhile
            anchor.anchor_audit(self.db, self.transport(), self._signer())  # SEC-2: audit chain at head office
            save_state(self.db, last_success=iso(self.clock.now()), last_error=None)
            self._log(trigger, "ok", started=started, **result)
            return result
        except SyncError as exc:
            outcome = {"sync.offline": "offline", "sync.refused": "refused"}.get(exc.key, "error")
            save_state(self.db, last_error=exc.key)
            self._log(trigger, outcome, started=started, key=exc.key, detail=exc.code, **result)
            raise
        finally:
            _RUN_LOCK.release()

    def _log(
        self,
        trigger: str,
        outcome: str,
        *,
        started: str,
        key: str | None = None,
        detail: str | None = None,
        uploaded: int = 0,
        downloaded: int = 0,
        erasures: int = 0,
        **_: Any,
    ) -> None:
        with self.db.transaction() as conn:
            self._log_row(
                conn,
                trigger,
                outcome,
                started=started,
                key=key,
                detail=detail,
                uploaded=uploaded,
                downloaded=downloaded,
                erasures=erasures,
            )

    def _log_row(
        self,
        conn: Connection,
        trigger: str,
        outcome: str,
        *,
        started: str,
        key: str | None = None,
        detail: str | None = None,
        uploaded: int = 0,
        downloaded: int = 0,
        erasures: int = 0,
    ) -> None:
        conn.execute(
            "INSERT INTO sync_log(started_at, finished_at, trigger, outcome, uploaded, downloaded, erasures,"
            " message_key, detail) VALUES (?,?,?,?,?,?,?,?,?)",
            (started, iso(self.clock.now()), trigger, outcome, uploaded, downloaded, erasures, key, detail),
        )
        conn.execute("DELETE FROM sync_log WHERE id <= (SELECT max(id) - 1000 FROM sync_log)")

    def _note(self, conn: Connection, key: str, action: str, details: dict[str, Any]) -> None:
        """A repair of the journal/high-water-mark agreement: a sync_log row for the sync page and an
        audit entry, in the repair's transaction. Sequence numbers and counts only."""
        now = iso(self.clock.now())
        detail = ",".join(f"{k}={v}" for k, v in sorted(details.items()))
        self._log_row(conn, self._trigger, "error", started=now, key=key, detail=detail)
        chain.append(conn, ts=now, staff_id=feeds.SYNC_STAFF.id, terminal=self.terminal, action=action, details=details)
        log.warning("sync: %s (%s)", action, detail)

    # -- upload -----------------------------------------------------------------------
    def upload(self, result: dict | None = None) -> int:
        """Send the journal above head office's mark in batches of at most batch_rows rows (span rows
        expanded); each acknowledgement prunes the rows it covers in the same transaction."""
        result = result if result is not None else {"uploaded": 0, "quarantined": 0}
        tr, signer = self.transport(), self._signer()
        keep_scans = bool(get_state(self.db, "keep_scans", True))
        max_body = int(get_state(self.db, "max_body", 8 << 20))
        sent = 0
        checked = False
        while True:
            acked = journal.acked_seq(self.db)
            batch = journal.pending_rows(self.db, acked, self.batch_rows)
            if not batch:
                break
            if not checked:
                checked = True
                if self._check_mark(tr, signer, acked):
                    continue
            if keep_scans:
                self._send_blobs(tr, signer, batch)
            body = {"after": acked, "rows": batch, "pending": pending_count(self.db)}
            while len(batch) > 1 and len(json.dumps(body, ensure_ascii=False).encode("utf-8")) > max_body // 2:
                batch = batch[: len(batch) // 2]
                body["rows"] = batch
            journal.mark_sent(self.db, batch[-1]["seq"])
            try:
                resp = tr.post_json("/v1/upload", body, signer=signer)
            except SyncError as exc:
                if exc.code == "gap" and "expected" in exc.extra:
                    self._head_office_behind(acked, int(exc.extra["expected"]) - 1)
                    continue
                raise
            new_ack = int(resp["ack"])
            with self.db.transaction() as conn:
                journal.acknowledge(conn, new_ack)
            sent += len(batch)
            result["uploaded"] = result.get("uploaded", 0) + len(batch)
            result["quarantined"] = result.get("quarantined", 0) + int(resp.get("quarantined", 0))
            if new_ack <= acked:
                break
        return sent

    def _check_mark(self, tr: Transport, signer: Signer, acked: int) -> bool:
        """Ask head office for its mark (an empty batch) before the first batch. Above what we ever sent:
        this database was restored from an older backup and its new rows reuse numbers head office has,
        which it would skip as duplicates; they move above the mark. Returns True when the journal moved.
        Below acked: the upload's `gap` answer deals with it."""
        hwm = int(
            tr.post_json("/v1/upload", {"after": 0, "rows": [], "pending": pending_count(self.db)}, signer=signer)[
                "ack"
            ]
        )
        if hwm <= acked:
            return False
        sent_before = journal.sent_seq(self.db)
        with self.db.transaction() as conn:
            if hwm > sent_before:
                moved, shift = journal.renumber_above(conn, sent_before, hwm)
                self._note(
                    conn,
                    "sync.journal_renumbered",
                    "sync.journal.renumbered",
                    {"hwm": hwm, "sent": sent_before, "rows": moved, "shift": shift},
                )
            journal.acknowledge(conn, hwm)  # an answer lost on the way: head office has up to hwm
        return True

    def _head_office_behind(self, acked: int, hwm: int) -> None:
        """Head office's mark is below what it acknowledged (it was restored from an older backup):
        resend from its mark what the journal still holds; the pruned part is noted, never waited for."""
        if hwm >= acked or hwm < 0:
            raise SyncError("sync.server_error", code="bad_gap")  # a gap answer that would not move us
        gone = journal.unavailable(self.db, acked, hwm)
        with self.db.transaction() as conn:
            set_state(conn, "acked_seq", hwm)
            set_state(conn, "sent_seq", hwm)
            if gone is not None:  # ... which may have held erasures: those go again (RIG-3)
                again = journal.rejournal_erasures(conn, iso(self.clock.now()))
                self._note(
                    conn,
                    "sync.journal_unavailable",
                    "sync.journal.unavailable",
                    {"from": gone[0], "to": gone[1], "rows": gone[1] - gone[0] + 1, "erasures": again},
                )

    def _send_blobs(self, tr: Transport, signer: Signer, batch: list[dict[str, Any]]) -> None:
        """Scan pages travel before the rows that point to them, named by their SHA-256."""
        docs = [r for r in batch if r["entity"] == "scan_document" and r["op"] == "upsert"]
        if not docs:
            return
        wanted = {}
        for r in docs:
            pages = self.db.all(
                "SELECT id, sha256 FROM scans WHERE document_id = ? ORDER BY page_no", (r["entity_id"],)
            )
            if pages:
                r["payload"] = {**r["payload"], "blobs": [p[1] for p in pages]}
                for p in pages:
                    wanted[p[1]] = p[0]
        if not wanted:
            return
        missing = tr.post_json("/v1/blobs/missing", {"hashes": sorted(wanted)}, signer=signer).get("missing", [])
        for sha in missing:
            if self.cipher is None:
                raise SyncError("sync.blob_unreadable", code="no_key")
            row = self.db.one("SELECT image FROM scans WHERE id = ?", (wanted[sha],))
            if row is None:  # erased since the batch was read
                raise SyncError("sync.blob_unreadable", code="scan_gone")
            data = self.cipher.decrypt_bytes(row[0], f"scans.image:{wanted[sha]}")
            tr.request("PUT", f"/v1/blobs/{sha}", body=data, signer=signer, content_type="application/octet-stream")

    # -- download ---------------------------------------------------------------------
    def pull(self, result: dict | None = None) -> int:
        result = result if result is not None else {"downloaded": 0, "erasures": 0, "resynced": False}
        tr, signer = self.transport(), self._signer()
        got = 0
        for _ in range(10000):
            if get_state(self.db, "resync_required", False):
                self.resync(result)
            cursor = get_state(self.db, "cursor", "0:0")
            audit_seq, audit_hash = chain.head(self.db)
            page = tr.get_json(
                "/v1/pull",
                query={
                    "cursor": cursor,
                    "limit": self.page_rows,
                    "pending": pending_count(self.db),
                    "audit_seq": audit_seq,
                    "audit_hash": audit_hash,
                },
                signer=signer,
            )
            if page.get("resync_required"):
                save_state(self.db, resync_required=True)
                continue
            self._apply_page(page["rows"], page["cursor"], result)
            got += len(page["rows"])
            if not page.get("more"):
                break
        return got

    def resync(self, result: dict) -> None:
        """Offline beyond the tombstone horizon: apply head office's full snapshot (whole erasure ledger)."""
        snap = self.transport().get_json("/v1/snapshot", signer=self._signer())
        rows = [{"cursor": snap["cursor"], "kind": "erasure_order", "payload": e} for e in snap["erasures"]]
        self._apply_page(rows + snap["rows"], snap["cursor"], result, resync=True)
        result["resynced"] = True

    def _ctx(self) -> feeds.ApplyContext:
        return feeds._verified_context(self.store_code, self._key(), self.ledger_path)

    def _apply_page(self, rows: list[dict], cursor: str, result: dict, *, resync: bool = False) -> None:
        """Apply one page and move the cursor in one transaction; a row that cannot apply goes to the inbox."""
        ctx = self._ctx()
        pdb = None
        with self.db.transaction() as conn:
            pdb = feeds.PageDB(self.db, conn)
            session = feeds.sync_session(pdb, self.store_code, self.terminal, self.clock)
            for row in rows:
                self._apply_row(session, pdb, conn, row, ctx)
            set_state(conn, "cursor", cursor)
            if resync:
                set_state(conn, "resync_required", False)
            crashpoints.hit("sync.page_before_commit")
        crashpoints.hit("sync.after_page")
        if pdb is not None and pdb.checkpoint_wanted:
            self.db.checkpoint()
        result["downloaded"] = result.get("downloaded", 0) + len(rows)
        result["erasures"] = result.get("erasures", 0) + ctx.counts["erasures"]

    def _apply_row(
        self,
        session: Session,
        pdb: feeds.PageDB,
        conn: Connection,
        row: dict[str, Any],
        ctx: feeds.ApplyContext,
        inbox_id: int | None = None,
    ) -> bool:
        kind, payload = str(row["kind"]), row["payload"]
        fn = feeds.handler_for(kind)
        error = None
        if fn is None:
            error = "no_handler"
        else:
            try:
                with pdb.transaction():
                    fn(session, payload, ctx)
                if inbox_id is not None:
                    conn.execute("DELETE FROM sync_inbox WHERE id = ?", (inbox_id,))
                ctx.counts["applied"] += 1
                return True
            except feeds.FeedDeferred:
                error = "module_missing"
            except Exception as exc:  # noqa: BLE001 - a bad row never blocks the feed; kept for the next try
                error = type(exc).__name__[:60]
                log.warning("sync: feed row of kind %s failed: %s", kind, error)
        if inbox_id is None:
            conn.execute(
                "INSERT INTO sync_inbox(cursor, kind, payload, received_at, attempts, last_error) VALUES (?,?,?,?,1,?)",
                (row.get("cursor", ""), kind, json.dumps(payload, ensure_ascii=False), iso(self.clock.now()), error),
            )
        else:
            conn.execute(
                "UPDATE sync_inbox SET attempts = attempts + 1, last_error = ? WHERE id = ?", (error, inbox_id)
            )
        ctx.counts["deferred"] += 1
        return False

    def retry_inbox(self, result: dict) -> int:
        rows = self.db.all("SELECT id, cursor, kind, payload FROM sync_inbox ORDER BY id")
        if not rows:
            return 0
        ctx = self._ctx()
        done = 0
        with self.db.transaction() as conn:
            pdb = feeds.PageDB(self.db, conn)
            session = feeds.sync_session(pdb, self.store_code, self.terminal, self.clock)
            for r in rows:
                done += self._apply_row(
                    session, pdb, conn, {"cursor": r[1], "kind": r[2], "payload": json.loads(r[3])}, ctx, inbox_id=r[0]
                )
        if pdb.checkpoint_wanted:
            self.db.checkpoint()
        result["erasures"] = result.get("erasures", 0) + ctx.counts["erasures"]
        return done
