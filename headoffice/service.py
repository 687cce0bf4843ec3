"""Head-office logic, independent of HTTP: enrolment, request authentication, upload apply,
change feed, snapshots, erasure ledger, admin operations.

Erasures always win (RIG-3): an uploaded row that touches an erased member is quarantined
(metadata only, never its payload) and audited; erasing deletes every record and blob of the
member here and publishes an erasure order that every store executes and answers with a
signed receipt. The store's clock is never used for ordering: head office orders uploads by
the store's gap-free sequence and its own receive time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import time

from app.errors import UserError
from app.notices.model import Notice, check_version_text
from app.retention.rules import check_policy
from app.sync import signing
from headoffice import anchor, atrest, consent_counts, crypto, incidents, merge, orders, register, request_index

log = logging.getLogger("memberdesk.headoffice")

FEED_KINDS = ("notice", "retention_policy", "holiday_table", "erasure_order", "config")
NONCE_PRUNE_SECONDS = 60.0  # how often (at most) some process forgets expired nonces
CLOSED_REQUEST_STATES = {"done", "closed", "completed", "refused", "withdrawn", "cancelled"}


class HOError(Exception):
    """A refusal sent to the client as {"error": code, ...} with an HTTP status."""

    def __init__(self, status: int, code: str, **extra):
        super().__init__(code)
        self.status = status
        self.code = code
        self.extra = extra


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode("utf-8")).hexdigest()


def _parse_cursor(text: str | None) -> tuple[int, int]:
    if not text:
        return (0, 0)
    try:
        a, b = str(text).split(":")
        return (int(a), int(b))
    except ValueError:
        raise HOError(400, "bad_cursor") from None


def _fmt_cursor(pos: tuple[int, int]) -> str:
    return f"{pos[0]}:{pos[1]}"


class HeadOffice:
    def __init__(
        self,
        storage,
        *,
        clock=time.time,
        horizon_days: int = 90,
        keep_scans: bool = True,
        max_body: int = 8 * 1024 * 1024,
        sync_interval_minutes: int = 15,
        max_batch: int = 5000,
        keys: crypto.Keyring | None = None,
    ):
        """`keys`: the master key (STO-1); by default from MEMBERDESK_HO_MASTER_KEY_FILE, or for SQLite a
        0600 file beside the database created at first start (headoffice/crypto.py). There is no
        unencrypted mode."""
        self.storage = storage
        self.clock = clock
        self.horizon_days = horizon_days
        self.keep_scans = keep_scans
        self.max_body = max_body
        self.sync_interval_minutes = sync_interval_minutes
        self.max_batch = max_batch
        self._nonces_pruned = 0.0  # when this process last tried; the database decides who prunes
        self._fault = os.environ.get("MEMBERDESK_HO_FAULT", "")  # test-only fault injection (kill_mid_apply)
        if keys is None:
            path, create = crypto.resolve_master_key_file(storage.url)
            keys = crypto.Keyring.from_file(path, create=create)
        self.keys = keys
        with storage.tx() as c:
            c.lock("startup")  # several processes start at once over one database (issue #18)
            keys.check(c)
            atrest.migrate_plaintext(keys, c, clock())
            keys.bidx(c, "member", "-", clock())  # the blind-index secret exists before the first request
            register.backfill(keys, c, clock(), self._audit)  # once: the register from the records held (#18)
            consent_counts.backfill(keys, c)  # once: the consent figures from the records already held
            request_index.backfill(keys, c)  # once: the requests' index (console) from the records already held
            merge.resolve(self, c, clock())  # conflicts recorded before the merge rule existed (#18)

    # -- admin ------------------------------------------------------------------------
    def _audit(
        self,
        c,
        actor: str,
        action: str,
        store: str | None = None,
        subject: str | None = None,
        details: dict | None = None,
    ) -> None:
        c.execute(
            "INSERT INTO ho_audit(ts, actor, action, store, subject, details) VALUES (?,?,?,?,?,?)",
            (self.clock(), actor, action, store, subject, json.dumps(details or {}, sort_keys=True)),
        )

    def create_store(self, code: str, name: str, ttl_hours: int = 72) -> str:
        """Create (or re-key) a store and return its one-time enrolment code."""
        enrol = "-".join(secrets.token_hex(2).upper() for _ in range(4))
        with self.storage.tx() as c:
            c.execute(
                "INSERT INTO stores(code, name, enrol_code_hash, enrol_expires) VALUES (?,?,?,?) "
                "ON CONFLICT(code) DO UPDATE SET enrol_code_hash=excluded.enrol_code_hash,"
                " enrol_expires=excluded.enrol_expires, name=excluded.name",
                (code, name, _hash_code(enrol), self.clock() + ttl_hours * 3600),
            )
            prefix = register.assign_member_prefix(c, code)  # chain-unique member numbers (issue #18)
            self._audit(c, "admin", "store.create", code, details={"member_prefix": prefix})
        return enrol

    def enrol(self, code: str, enrol_code: str, pubkey: str) -> dict:
        try:
            signing.load_public(pubkey)
        except Exception:  # noqa: BLE001 - any undecodable key is the client's error
            raise HOError(400, "bad_key") from None
        with self.storage.tx() as c:
            row = c.one(
                "SELECT enrol_code_hash, enrol_expires FROM stores WHERE code = ?" + (" FOR UPDATE" if c.pg else ""),
                (code,),
            )
            ok = (
                row is not None
                and row[0] is not None
                and secrets.compare_digest(row[0], _hash_code(enrol_code))
                and float(row[1] or 0) >= self.clock()
            )
            if not ok:
                self._audit(c, code, "store.enrol.refused", code)
                raise HOError(403, "bad_enrolment")
            c.execute(
                "UPDATE stores SET pubkey = ?, enrol_code_hash = NULL, enrol_expires = NULL, enrolled_at = ?,"
                " hwm = 0, cursor_tx = 0, cursor_id = 0 WHERE code = ?",
                (pubkey, self.clock(), code),
            )
            self._audit(c, code, "store.enrol", code)
            prefix = c.scalar("SELECT member_prefix FROM stores WHERE code = ?", (code,))
        return {"store": code, "config": self.config(), "member_prefix": prefix}

    def config(self) -> dict:
        return {
            "sync_interval_minutes": self.sync_interval_minutes,
            "keep_scans": self.keep_scans,
            "max_body": self.max_body,
            "max_batch": self.max_batch,
            "horizon_days": self.horizon_days,
        }

    def publish(self, kind: str, payload: dict, target_store: str | None = None) -> int:
        """Raises ValidationError (a UserError) for a retention policy over the policy's limits (RET-1..3)."""
        if kind not in FEED_KINDS or kind == "erasure_order":
            raise ValueError("unknown feed kind")
        if kind == "retention_policy":
            check_policy(payload.get("rules") if isinstance(payload, dict) else payload)  # type: ignore[arg-type]
        with self.storage.tx() as c:
            if kind == "notice":  # NOT-2: one text per version, across everything head office published
                _check_notice_versions(c, payload)
            fid = c.add_feed(kind, json.dumps(payload, sort_keys=True, ensure_ascii=False), target_store, self.clock())
            self._audit(c, "admin", "feed.publish", target_store, kind, {"feed_id": fid})
        return fid

    def file_erasure_order(
        self,
        member_id: str,
        reason: str = "head_office",
        request_id: str | None = None,
        origin_store: str | None = None,
    ) -> bool:
        with self.storage.tx() as c:
            return self._erase(
                c,
                member_id,
                reason=reason,
                request_id=request_id,
                origin_store=origin_store,
                erased_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock())),
                actor="admin",
            )

    def _erase(self, c, member_id: str, *, reason, request_id, origin_store, erased_at, actor) -> bool:
        """Erase the customer: `member_id` and every id merged with it (headoffice/merge.py). True when
        `member_id` was not erased before."""
        # Exclusive "erasure" lock: no upload is between its erased-member check and its commit (uploads
        # hold it shared), so none can write this member's rows after the DELETE below (RIG-3, issue #18).
        c.lock("erasure")
        first = self._erase_one(
            c,
            member_id,
            reason=reason,
            request_id=request_id,
            origin_store=origin_store,
            erased_at=erased_at,
            actor=actor,
        )
        for other in merge.group_ids(c, member_id):
            if other != member_id:
                self._erase_one(
                    c,
                    other,
                    reason=reason,
                    request_id=request_id,
                    origin_store=origin_store,
                    erased_at=erased_at,
                    actor=actor,
                )
        return first

    def _erase_one(self, c, member_id: str, *, reason, request_id, origin_store, erased_at, actor) -> bool:
        if not c.insert_new(
            "INSERT INTO erasures(member_id, erased_at, origin_store, reason, request_id, received_at)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT(member_id) DO NOTHING",
            (member_id, erased_at, origin_store, reason, request_id, self.clock()),
        ):
            return False
        shas = set()
        for rec in atrest.records(self.keys, c, member_id=member_id):
            shas.update(_blob_refs(rec["payload"]))
        key = self.keys.bidx(c, "member", member_id, self.clock())
        deleted = c.execute("DELETE FROM records WHERE member_id = ?", (key,)).rowcount
        orders.forget_member(self, c, member_id, self.clock())  # a correction's sealed values go too
        register.mark_erased(c, key, self.clock())
        consent_counts.refresh(self.keys, c, [key])  # the member's consent records are gone: so are their counts
        request_index.forget_member(c, key)
        blobs = 0
        for sha in shas:
            blobs += c.execute("DELETE FROM blobs WHERE sha256 = ?", (sha,)).rowcount
        order = {
            "member_id": member_id,
            "erased_at": erased_at,
            "reason": "head_office" if actor == "admin" else reason,
            "request_id": request_id,
            "origin_store": origin_store,
        }
        c.add_feed("erasure_order", json.dumps(order, sort_keys=True), None, self.clock())
        self._audit(c, actor, "member.erase", origin_store, member_id, {"records": deleted, "blobs": blobs})
        return True

    def prune_feed(self, older_than_days: int | None = None) -> int:
        """Drop erasure orders older than the tombstone horizon from the feed (the ledger keeps them).
        A store whose cursor is below the pruned position gets `resync_required` and a snapshot."""
        days = self.horizon_days if older_than_days is None else older_than_days
        cutoff = self.clock() - days * 86400
        with self.storage.tx() as c:
            row = c.one(
                "SELECT tx, id FROM feed WHERE kind = 'erasure_order' AND created_at < ?"
                " ORDER BY tx DESC, id DESC LIMIT 1",
                (cutoff,),
            )
            if row is None:
                return 0
            n = c.execute("DELETE FROM feed WHERE kind = 'erasure_order' AND created_at < ?", (cutoff,)).rowcount
            floor = max(self._floor(c), (int(row[0]), int(row[1])))
            c.execute(
                "INSERT INTO ho_meta(key, value) VALUES ('feed_floor', ?) ON CONFLICT(key) DO UPDATE"
                " SET value = excluded.value",
                (_fmt_cursor(floor),),
            )
            self._audit(c, "admin", "feed.prune", details={"rows": n})
        return n

    def _floor(self, c) -> tuple[int, int]:
        return _parse_cursor(c.scalar("SELECT value FROM ho_meta WHERE key = 'feed_floor'"))

    def list_stores(self) -> list[dict]:
        """Every store with its counters, anchoring state and open alarm, in two queries whatever the
        number of stores (the console's stores page at 500 stores; the newest anchor per store by its
        primary key, backwards)."""
        with self.storage.read() as c:
            rows = c.all(
                "SELECT code, name, enrolled_at, hwm, last_upload, last_pull, pending, disabled,"
                " (SELECT count(*) FROM quarantine q WHERE q.store = s.code), audit_seq, audit_hash,"
                " (SELECT a.seq FROM audit_anchors a WHERE a.store = s.code ORDER BY a.seq DESC LIMIT 1),"
                " (SELECT a.received_at FROM audit_anchors a WHERE a.store = s.code ORDER BY a.seq DESC LIMIT 1)"
                " FROM stores s ORDER BY code"
            )
            alarms: dict[str, dict] = {}
            for store, kind, aseq, sseq, at in c.all(
                "SELECT store, kind, anchored_seq, store_seq, detected_at FROM audit_alarms"
                " WHERE acknowledged_at IS NULL ORDER BY id"
            ):  # the newest open alarm per store, as anchor.open_alarm
                alarms[store] = {
                    "kind": kind,
                    "anchored_seq": int(aseq),
                    "store_seq": int(sseq),
                    "detected_at": float(at),
                }
        return [
            {
                "code": r[0],
                "name": r[1],
                "enrolled": r[2] is not None,
                "hwm": int(r[3]),
                "last_upload": r[4],
                "last_pull": r[5],
                "pending": int(r[6]),
                "disabled": bool(r[7]),
                "quarantined": int(r[8]),
                "audit_seq": int(r[9]),
                "audit_hash": r[10],
                "anchor_seq": int(r[11]) if r[11] is not None else 0,
                "anchored_at": float(r[12]) if r[12] is not None else None,
                "audit_alarm": alarms.get(r[0]),
            }
            for r in rows
        ]

    def acknowledge_audit_alarm(self, store: str, actor: str = "admin") -> int:
        """IT has looked into the store's audit anchoring alarm (SEC-2): it stops showing."""
        with self.storage.tx() as c:
            n = anchor.acknowledge(c, store, actor, self.clock())
            if n:
                self._audit(c, actor, "audit.anchor.alarm.acknowledged", store, details={"alarms": n})
        return n

    def incidents_for_period(self, start, end, stores: list[str] | None = None) -> list[dict]:
        """The incident register's rows for an evidence pack (PIPL Art. 57): headoffice/incidents.py."""
        return incidents.incidents_for_period(self, start, end, stores)

    def overdue_requests(self, today: str) -> list[dict]:
        """Requests whose due date (payload due_date, ISO) is before `today` and that are not closed."""
        out = []
        for rec in self.records(entity="request"):
            store, rid, p = rec["store"], rec["entity_id"], rec["payload"]
            due = str(p.get("due_on") or p.get("due_date") or p.get("due_at") or "")[:10]
            status = str(p.get("status") or "")
            if due and due < today and status not in CLOSED_REQUEST_STATES:
                out.append(
                    {"store": store, "request_id": rid, "due_date": due, "status": status, "kind": p.get("kind")}
                )
        return out

    def records(
        self, *, entity: str | None = None, member_id: str | None = None, mobile: str | None = None
    ) -> list[dict]:
        """The one decrypting reader of records (console, CLI, reports): {store, entity, entity_id,
        member_key, payload, received_at}. `mobile` finds members by blind index, never by plaintext."""
        with self.storage.read() as c:
            lookup = self.keys.bidx(c, "mobile", mobile, self.clock()) if mobile is not None else None
            if mobile is not None and lookup is None:
                return []
            return list(atrest.records(self.keys, c, entity=entity, member_id=member_id, lookup=lookup))

    def blob(self, sha: str) -> bytes | None:
        with self.storage.read() as c:
            row = c.one("SELECT data FROM blobs WHERE sha256 = ?", (sha,))
            return None if row is None else atrest.open_blob(self.keys, c, row[0], sha)

    def rotate_master_key(self, new: crypto.Keyring) -> int:
        """Rewrap every data key (and the index secret) under `new` in one transaction; payloads stay as they
        are. Run again after an interruption: keys already under `new` are skipped. Audited (keys.rotate)."""
        with self.storage.tx() as c:
            if not c.try_lock("serving"):  # running processes keep the old key in memory (issue #18)
                raise crypto.KeyProblem("head office is running (serve): stop every process, then rotate")
            n = self.keys.rotate(c, new, self._audit)
        self.keys = new
        return n

    def receipts(self, member_id: str) -> list[dict]:
        with self.storage.read() as c:
            rows = c.all(
                "SELECT store, receipt, signature FROM receipts WHERE member_id = ? ORDER BY store", (member_id,)
            )
            return [
                {
                    "store": r[0],
                    "receipt": atrest.open_json(self.keys, c, r[1], atrest.receipt_aad(member_id, r[0])),
                    "signature": r[2],
                }
                for r in rows
            ]

    def quarantined(self, store: str | None = None) -> list[dict]:
        with self.storage.read() as c:
            rows = c.all(
                "SELECT store, seq, entity, entity_id, member_id, reason FROM quarantine"
                + (" WHERE store = ?" if store else "")
                + " ORDER BY id",
                (store,) if store else (),
            )
        return [dict(zip(("store", "seq", "entity", "entity_id", "member_id", "reason"), r, strict=True)) for r in rows]

    def member_copy(self, store: str, data: dict) -> dict:
        """POST /v1/members/copy: the member's records from every store (headoffice/orders.py, RIG-6)."""
        try:
            return orders.member_copy(self, store, data)
        except orders.CopyRefused as exc:
            raise HOError(exc.status, exc.code) from None

    def is_erased(self, member_id: str) -> bool:
        with self.storage.read() as c:
            return c.one("SELECT 1 FROM erasures WHERE member_id = ?", (member_id,)) is not None

    def member_records(self, member_id: str) -> int:
        with self.storage.read() as c:
            key = self.keys.bidx(c, "member", member_id, self.clock())
            key = merge.survivor_keys(c, [key]).get(str(key), key)  # merged: its records are the survivor's (#18)
            return int(c.scalar("SELECT count(*) FROM records WHERE member_id = ?", (key,), 0))

    # -- the chain's register (issue #18) ---------------------------------------------
    def lookup_member(self, store: str, mobile: str, staff: str, reason: str) -> dict:
        """A store asks for a customer by mobile (signed; the customer is at its desk). Found through the blind
        index of the mobile, never an erased member; the answer holds no sensitive field, no birth date, no
        full name or mobile (headoffice/register.py `lookup_answer`). Audited: store, staff, reason, the member
        key found — never the mobile."""
        with self.storage.tx() as c:
            now = self.clock()
            found = [
                v
                for k in register.find_by_mobile(self.keys, c, mobile, now)
                if (v := register.member_view(self.keys, c, k, now)) is not None
            ]
            subject = self.keys.bidx(c, "member", found[0]["member_id"], now) if found else None
            self._audit(
                c,
                store,
                "member.lookup",
                store,
                subject,
                {"staff": str(staff)[:64], "reason": str(reason)[:40], "found": len(found)},
            )
        if not found:
            return {"found": False}
        return register.lookup_answer(found[0], duplicates=len(found) - 1)

    def adopt_member(self, store: str, member_id: str, staff: str, reason: str) -> dict:
        """A store takes on a member registered elsewhere (customer present): the minimal record it needs, the
        consents by reference to the records that stay here as evidence. Refused for an erased member (410) and
        for one head office does not know (404). Audited like the lookup."""
        with self.storage.tx() as c:
            now = self.clock()
            key = self.keys.bidx(c, "member", member_id, now)
            erased = c.one("SELECT 1 FROM erasures WHERE member_id = ?", (member_id,)) is not None
            view = None if erased or key is None else register.member_view(self.keys, c, key, now)
            outcome = "erased" if erased else ("not_found" if view is None else "adopted")
            self._audit(
                c,
                store,
                "member.adopt",
                store,
                key,
                {"staff": str(staff)[:64], "reason": str(reason)[:40], "outcome": outcome},
            )
        if erased:
            raise HOError(410, "member_erased")
        if view is None:
            raise HOError(404, "member_not_found")
        return register.adoption_answer(view)

    def register_conflicts(self, open_only: bool = True) -> list[dict]:
        with self.storage.read() as c:
            return register.conflicts(c, open_only=open_only)

    def member_merges(self) -> list[dict]:
        """The merges made (headoffice/merge.py): keys, member ids and numbers, rule version, conflict, time."""
        with self.storage.read() as c:
            return merge.merges(c)

    def merge_open_conflicts(self) -> dict:
        """Settle every open register conflict now (normally done in the upload that found it)."""
        with self.storage.tx() as c:
            return merge.resolve(self, c, self.clock())

    # -- authentication ---------------------------------------------------------------
    def authenticate(self, method: str, path: str, headers, body: bytes) -> str:
        store = headers.get(signing.H_STORE) or ""
        ts = headers.get(signing.H_TS) or ""
        nonce = headers.get(signing.H_NONCE) or ""
        sig = headers.get(signing.H_SIG) or ""
        if not (store and ts and nonce and sig) or len(nonce) > 64:
            raise HOError(401, "unsigned")
        try:
            ts_val = int(ts)
        except ValueError:
            raise HOError(401, "bad_timestamp") from None
        now = self.clock()
        with self.storage.read() as c:
            row = c.one("SELECT pubkey, disabled FROM stores WHERE code = ?", (store,))
        if row is None or not row[0] or row[1]:
            raise HOError(401, "unknown_store")
        if abs(now - ts_val) > signing.MAX_SKEW_SECONDS:
            raise HOError(401, "stale_timestamp", server_time=now)
        if not signing.verify(signing.load_public(row[0]), method, path, store, ts, nonce, body, sig):
            raise HOError(401, "bad_signature")
        with self.storage.tx() as c:
            # The database decides, whichever process the copies reached: one INSERT wins (issue #18).
            fresh = c.insert_new(
                "INSERT INTO nonces(store, nonce, ts) VALUES (?,?,?) ON CONFLICT(store, nonce) DO NOTHING",
                (store, nonce, now),
            )
            if fresh:
                c.execute("UPDATE stores SET last_seen = ? WHERE code = ?", (now, store))
        if not fresh:
            with self.storage.tx() as c:  # its own transaction: the refusal is recorded, not rolled back
                self._audit(c, store, "request.replayed", store, details={"pid": os.getpid()})
            raise HOError(401, "replayed_nonce")
        if now - self._nonces_pruned >= NONCE_PRUNE_SECONDS:
            self._nonces_pruned = now
            self._prune_nonces(now)
        return store

    def _prune_nonces(self, now: float) -> int:
        """Forget nonces older than any timestamp still accepted. At most one process prunes per
        NONCE_PRUNE_SECONDS: the one whose conditional UPDATE of the mark changes it."""
        with self.storage.tx() as c:
            c.execute("INSERT INTO ho_meta(key, value) VALUES ('nonces_pruned', '0') ON CONFLICT(key) DO NOTHING")
            won = c.execute(
                "UPDATE ho_meta SET value = ? WHERE key = 'nonces_pruned' AND CAST(value AS DOUBLE PRECISION) <= ?",
                (repr(now), now - NONCE_PRUNE_SECONDS),
            ).rowcount
            if not won:
                return 0
            return int(c.execute("DELETE FROM nonces WHERE ts < ?", (now - 3 * signing.MAX_SKEW_SECONDS,)).rowcount)

    # -- upload -----------------------------------------------------------------------
    def upload(self, store: str, batch: dict) -> dict:
        try:
            after = int(batch["after"])
            rows = list(batch["rows"])
            pending = int(batch.get("pending", 0))
        except (KeyError, TypeError, ValueError):
            raise HOError(400, "bad_batch") from None
        if len(rows) > self.max_batch:
            raise HOError(413, "batch_too_large", max_batch=self.max_batch)
        now = self.clock()
        with self.storage.tx() as c:
            st = c.lock_store(store)
            hwm, pubkey = int(st[1]), st[2]
            if after > hwm:
                raise HOError(409, "gap", expected=hwm + 1, hwm=hwm)
            last = after
            todo = []
            for r in rows:
                seq = int(r["seq"])
                if seq <= last:
                    raise HOError(400, "bad_sequence")
                last = seq
                if seq > hwm:
                    todo.append(r)
            if todo:  # shared with other uploads; exclusive when this batch erases (no shared→exclusive upgrade)
                c.lock("erasure", shared=not any(r.get("entity") == "erasure" for r in todo))
            if self.keep_scans and todo:
                refs = set()
                for r in todo:
                    refs |= _blob_refs(r.get("payload") or {})
                missing = self._missing(c, sorted(refs))
                if missing:
                    raise HOError(409, "missing_blobs", missing=missing[:100])
            stats = self._apply(c, store, pubkey, todo, now) if todo else {"applied": 0, "quarantined": 0}
            new_hwm = max(hwm, last)
            if self._fault == "kill_mid_apply" and todo:
                os._exit(137)  # test-only: the server dies with the batch applied but not committed
            c.execute(
                "UPDATE stores SET hwm = ?, last_upload = ?, pending = ? WHERE code = ?",
                (new_hwm, now, max(0, pending - len(rows)), store),
            )
            if batch.get("audit") is not None:  # the store's audit chain since its last anchor (SEC-2)
                try:
                    stats["audit"] = anchor.check(c, store, batch["audit"], now, self._audit)
                except anchor.BadAudit:
                    raise HOError(400, "bad_audit") from None
        return {"ack": new_hwm, "duplicate": not todo and bool(rows), **stats}

    def _apply(self, c, store: str, pubkey: str, rows: list[dict], now: float) -> dict:
        mids = {r.get("member_id") or (r["entity_id"] if r["entity"] in ("member", "erasure") else None) for r in rows}
        mids.discard(None)
        erased: set[str] = set()
        mid_list = list(mids)
        for i in range(0, len(mid_list), 500):
            chunk = mid_list[i : i + 500]
            erased.update(
                x[0]
                for x in c.all(
                    "SELECT member_id FROM erasures WHERE member_id IN ({})".format(",".join("?" * len(chunk))), chunk
                )
            )
        final: dict[tuple, tuple] = {}
        quarantined = 0
        for r in rows:
            entity, eid, op = str(r["entity"]), str(r["entity_id"]), str(r["op"])
            seq = int(r["seq"])
            payload = r.get("payload") or {}
            mid = r.get("member_id") or (eid if entity == "member" else None)
            if _names_other_member(entity, eid, r.get("member_id"), payload):
                self._quarantine(c, store, seq, entity, eid, None, "member_mismatch", now)  # RIG-3: never applied
                quarantined += 1
                continue
            if entity == "erasure" and op == "erase":
                group = set(merge.group_ids(c, eid))  # the customer: every id merged with this one (#18)
                for key in [k for k, v in final.items() if v[1] in group]:
                    del final[key]
                erased.update(group)
                if self._erase(
                    c,
                    eid,
                    reason=str(payload.get("reason", "request")),
                    request_id=payload.get("request_id"),
                    origin_store=store,
                    erased_at=str(payload.get("erased_at", "")),
                    actor=store,
                ):
                    erased.add(eid)
                erased.add(eid)
                continue
            if entity == "erasure_receipt":
                receipt, sig = payload.get("receipt") or {}, str(payload.get("signature", ""))
                if pubkey and signing.verify_receipt(signing.load_public(pubkey), receipt, sig):
                    rmid = str(receipt.get("member_id"))
                    c.execute(
                        "INSERT INTO receipts(member_id, store, receipt, signature, received_at) VALUES (?,?,?,?,?)"
                        " ON CONFLICT(member_id, store) DO NOTHING",
                        (rmid, store, self._seal(c, receipt, atrest.receipt_aad(rmid, store)), sig, now),
                    )
                    orders.confirm_erasure(self, c, rmid, store, receipt, now)  # shown at the requesting store
                else:
                    self._quarantine(c, store, seq, entity, eid, receipt.get("member_id"), "bad_receipt", now)
                    quarantined += 1
                continue
            if op == "scrubbed":
                continue  # erased at the store before upload: nothing of it travels
            if mid and mid in erased:
                self._quarantine(c, store, seq, entity, eid, mid, "member_erased", now)
                quarantined += 1
                continue
            if entity in orders.UPLOAD_ENTITIES:  # requests carried out for the whole chain (issue #18)
                refused = orders.on_upload(self, c, store, pubkey, r, now, erased)
                if refused:
                    self._quarantine(c, store, seq, entity, eid, mid, refused, now)
                    quarantined += 1
                continue
            prev = final.get((entity, eid))
            if op != "delete" and prev is not None and prev[0] != "delete":
                payload = {**prev[2], **payload}  # journal upserts carry changed fields only
            final[(entity, eid)] = (op, mid, payload, seq)
        live = {k: v for k, v in final.items() if v[0] != "delete"}
        old = self._stored_payloads(c, store, list(live)) if live else {}
        ups = []
        members: list[tuple[str | None, str | None, dict]] = []
        requested = []  # request rows as the console's index holds them (no personal values; issue #19)
        consented: dict[tuple[str, str], dict] = {}  # consent payloads written here (the consent figures)
        for k, v in live.items():
            payload = {**old[k], **v[2]} if k in old else v[2]  # journal upserts carry changed fields only
            if k[0] == "consent":
                consented[(store, k[1])] = payload
            if k[0] == "request":
                requested.append(
                    request_index.row_of(store, k[1], self.keys.bidx(c, "member", v[1], now), payload, now)
                )
            ups.append(
                (
                    store,
                    k[0],
                    k[1],
                    self.keys.bidx(c, "member", v[1], now),
                    v[0],
                    self._seal(c, payload, atrest.record_aad(store, k[0], k[1])),
                    v[3],
                    now,
                    atrest.lookup_of(self.keys, c, k[0], payload, now),
                )
            )
            if k[0] == "member":  # the register (issue #18) takes the keys just computed: (member, mobile)
                members.append((ups[-1][3], ups[-1][8], payload))
        remap = merge.survivor_keys(c, {u[3] for u in ups}) if ups else {}
        if remap:  # an id merged away, uploaded by a store that did not know yet: its rows join the survivor's (#18)
            ups = [(*u[:3], remap.get(str(u[3]), u[3]), *u[4:]) for u in ups]
            members = [m for m in members if m[0] not in remap]
        dels = [(store, k[0], k[1]) for k, v in final.items() if v[0] == "delete"]
        consent_ids = [k[1] for k in final if k[0] == "consent"]
        touched = consent_counts.consent_keys_of(c, store, consent_ids) if consent_ids else set[str | None]()
        if ups:
            orders.reach_new_holders(self, c, store, {u[3] for u in ups}, now)  # orders filed before it held them
            c.executemany(
                "INSERT INTO records(store, entity, entity_id, member_id, op, payload, seq, received_at, lookup)"
                " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(store, entity, entity_id) DO UPDATE SET"
                " member_id=COALESCE(excluded.member_id, records.member_id), op=excluded.op,"
                " payload=excluded.payload, seq=excluded.seq, received_at=excluded.received_at,"
                " lookup=COALESCE(excluded.lookup, records.lookup)",
                ups,
            )
        if dels:
            c.executemany("DELETE FROM records WHERE store = ? AND entity = ? AND entity_id = ?", dels)
        request_index.note(c, requested)
        request_index.drop(c, store, [d[2] for d in dels if d[1] == "request"])
        if consent_ids:  # the consent figures follow the records in this transaction (issue #19)
            touched.update(u[3] for u in ups if u[1] == "consent")
            consent_counts.refresh(self.keys, c, touched, consented)
        conflicts = register.note_members(c, store, members, now, self._audit) if members else 0
        merged = merge.resolve(self, c, now, {str(m[0]) for m in members if m[0]}) if conflicts else {}
        return {
            "applied": len(ups) + len(dels),
            "quarantined": quarantined,
            "conflicts": conflicts,
            "merged": merged.get("merged", 0),
        }

    def _seal(self, c, value, aad: str) -> str:
        """Seal under this transaction's data key (one per write transaction: per upload batch)."""
        dek = getattr(c, "_ho_dek", None)
        if dek is None:
            dek = c._ho_dek = self.keys.begin(c, self.clock())
        return atrest.seal_json(self.keys, c, dek, value, aad)

    def _stored_payloads(self, c, store: str, keys: list[tuple]) -> dict[tuple, dict]:
        """Decrypted payloads of the rows this batch updates (the merge happens here, not in SQL);
        looked up by the primary key (store, entity, entity_id), a chunk of ids per entity."""
        out: dict[tuple, dict] = {}
        by_entity: dict[str, list[str]] = {}
        for ent, eid in keys:
            by_entity.setdefault(ent, []).append(eid)
        for ent, ids in by_entity.items():
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                if c.pg:  # a join on unnest keeps PostgreSQL on primary-key lookups even before ANALYZE
                    sql = (
                        "SELECT r.entity_id, r.payload FROM unnest(?::text[]) AS v(id) JOIN records r"
                        " ON r.store = ? AND r.entity = ? AND r.entity_id = v.id"
                    )
                    params: list = [chunk, store, ent]
                else:
                    marks = ",".join("?" * len(chunk))
                    sql = "SELECT entity_id, payload FROM records WHERE store = ? AND entity = ?"
                    sql += f" AND entity_id IN ({marks})"
                    params = [store, ent, *chunk]
                for eid, token in c.all(sql, params):
                    out[(ent, eid)] = atrest.open_json(self.keys, c, token, atrest.record_aad(store, ent, eid))
        return out

    def _quarantine(self, c, store, seq, entity, eid, mid, reason, now) -> None:
        c.execute(
            "INSERT INTO quarantine(store, seq, entity, entity_id, member_id, reason, received_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (store, seq, entity, eid, mid, reason, now),
        )
        self._audit(c, store, "upload.quarantined", store, mid, {"seq": seq, "entity": entity, "reason": reason})

    # -- blobs ------------------------------------------------------------------------
    def missing_blobs(self, hashes: list[str]) -> list[str]:
        if not self.keep_scans:
            return []
        hashes = [h for h in hashes if isinstance(h, str) and len(h) == 64][:1000]
        with self.storage.read() as c:
            return self._missing(c, hashes)

    @staticmethod
    def _missing(c, hashes: list[str]) -> list[str]:
        have: set[str] = set()
        for i in range(0, len(hashes), 500):
            chunk = hashes[i : i + 500]
            marks = ",".join("?" * len(chunk))
            have.update(r[0] for r in c.all(f"SELECT sha256 FROM blobs WHERE sha256 IN ({marks})", chunk))
        return [h for h in hashes if h not in have]

    def put_blob(self, store: str, sha: str, data: bytes) -> dict:
        if hashlib.sha256(data).hexdigest() != sha:
            raise HOError(400, "blob_hash_mismatch")
        if not self.keep_scans:
            return {"stored": False}
        with self.storage.tx() as c:
            if c.one("SELECT 1 FROM blobs WHERE sha256 = ?", (sha,)) is not None:
                return {"stored": True}
            dek = self.keys.begin(c, self.clock())
            c.execute(
                "INSERT INTO blobs(sha256, data, size, store, received_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT(sha256) DO NOTHING",
                (sha, atrest.seal_blob(self.keys, c, dek, data, sha), len(data), store, self.clock()),
            )
        return {"stored": True}

    def has_blob(self, sha: str) -> bool:
        with self.storage.read() as c:
            return c.one("SELECT 1 FROM blobs WHERE sha256 = ?", (sha,)) is not None

    # -- download ---------------------------------------------------------------------
    def _needs_resync(self, c, store: str, pos: tuple[int, int]) -> bool:
        floor = self._floor(c)
        if floor > (0, 0) and pos < floor:
            return True
        last = c.scalar("SELECT last_pull FROM stores WHERE code = ?", (store,))
        return last is not None and pos > (0, 0) and self.clock() - float(last) > self.horizon_days * 86400

    def pull(
        self,
        store: str,
        cursor: str | None,
        limit: int = 500,
        pending: int | None = None,
        audit_head: tuple[int, str] | None = None,
    ) -> dict:
        pos = _parse_cursor(cursor)
        limit = max(1, min(int(limit), 2000))
        with self.storage.tx() as c:
            if audit_head is not None:
                self._audit_head(c, store, audit_head)
            if self._needs_resync(c, store, pos):
                return {"resync_required": True, "rows": [], "cursor": _fmt_cursor(pos), "more": False}
            horizon = c.feed_horizon()
            sql = (
                "SELECT tx, id, kind, payload FROM feed WHERE (target_store IS NULL OR target_store = ?)"
                " AND (tx > ? OR (tx = ? AND id > ?))"
            )
            params = [store, pos[0], pos[0], pos[1]]
            if horizon is not None:
                sql += " AND tx < ?"
                params.append(horizon)
            rows = c.all(sql + " ORDER BY tx, id LIMIT ?", [*params, limit + 1])
            more = len(rows) > limit
            rows = rows[:limit]
            out = [
                {"cursor": _fmt_cursor((int(r[0]), int(r[1]))), "kind": r[2], "payload": json.loads(r[3])} for r in rows
            ]
            out = orders.open_rows(self, c, out)
            new = _fmt_cursor((int(rows[-1][0]), int(rows[-1][1]))) if rows else _fmt_cursor(pos)
            c.execute(
                "UPDATE stores SET last_pull = ?, cursor_tx = ?, cursor_id = ?"
                + (", pending = ?" if pending is not None else "")
                + " WHERE code = ?",
                [self.clock(), *_parse_cursor(new)] + ([int(pending)] if pending is not None else []) + [store],
            )
        return {"resync_required": False, "rows": out, "cursor": new, "more": more, "config": self.config()}

    def _audit_head(self, c, store: str, head: tuple[int, str]) -> None:
        """The store's audit chain head (seq, hash) only moves forward; a step back (a restored or
        rewritten audit log) is recorded for IT."""
        old = c.one("SELECT audit_seq, audit_hash FROM stores WHERE code = ?", (store,))
        seq, digest = int(head[0]), str(head[1])[:64]
        if old is not None and (seq < int(old[0]) or (seq == int(old[0]) and old[1] and old[1] != digest)):
            self._audit(c, store, "audit.head.regressed", store, details={"from": int(old[0]), "to": seq})
        c.execute("UPDATE stores SET audit_seq = ?, audit_hash = ? WHERE code = ?", (seq, digest, store))

    def snapshot(self, store: str) -> dict:
        """Everything a store needs after a long absence: the whole erasure ledger and the standing
        publications, with a cursor that continues the feed without skipping anything."""
        with self.storage.tx() as c:
            horizon = c.feed_horizon()
            cond = " AND tx < ?" if horizon is not None else ""
            extra = [horizon] if horizon is not None else []
            erasures = [
                {
                    "member_id": r[0],
                    "erased_at": r[1],
                    "reason": "head_office",
                    "request_id": r[3],
                    "origin_store": r[2],
                }
                for r in c.all("SELECT member_id, erased_at, origin_store, request_id FROM erasures ORDER BY member_id")
            ]
            rows = c.all(
                "SELECT tx, id, kind, payload FROM feed WHERE kind != 'erasure_order'"
                " AND (target_store IS NULL OR target_store = ?)" + cond + " ORDER BY tx, id",
                [store, *extra],
            )
            top = c.one("SELECT tx, id FROM feed WHERE 1=1" + cond + " ORDER BY tx DESC, id DESC LIMIT 1", extra)
            pos = max(self._floor(c), (int(top[0]), int(top[1])) if top else (0, 0))
            c.execute(
                "UPDATE stores SET last_pull = ?, cursor_tx = ?, cursor_id = ? WHERE code = ?",
                (self.clock(), pos[0], pos[1], store),
            )
            self._audit(c, store, "store.snapshot", store, details={"erasures": len(erasures)})
            feed_rows = orders.open_rows(
                self,
                c,
                [
                    {"cursor": _fmt_cursor((int(r[0]), int(r[1]))), "kind": r[2], "payload": json.loads(r[3])}
                    for r in rows
                ],
            )
        return {
            "erasures": erasures,
            "rows": feed_rows,
            "cursor": _fmt_cursor(pos),
            "config": self.config(),
        }


def _names_other_member(entity: str, eid: str, member_id, payload) -> bool:
    """A row about one member that names another (member id vs the entity it is about): refused."""
    if entity not in ("member", "erasure", "erasure_receipt"):
        return False
    named = {str(member_id)} if member_id else set()
    if isinstance(payload, dict):
        inner = payload.get("receipt") if entity == "erasure_receipt" else payload
        if isinstance(inner, dict) and inner.get("member_id") is not None:
            named.add(str(inner["member_id"]))
    return bool(named - {eid})


def _blob_refs(payload) -> set[str]:
    """Content hashes of the blobs a row points to: the client lists them under "blobs" (scan pages)."""
    out = set()
    if isinstance(payload, dict):
        for k, v in payload.items():
            if k == "blobs":
                if isinstance(v, str) and len(v) == 64:
                    out.add(v)
                elif isinstance(v, list):
                    out.update(x for x in v if isinstance(x, str) and len(x) == 64)
            elif isinstance(v, (dict, list)):
                out |= _blob_refs(v)
    elif isinstance(payload, list):
        for v in payload:
            out |= _blob_refs(v)
    return out


blob_refs = _blob_refs


def _check_notice_versions(c, payload: dict) -> None:
    """A notice version is published with one text only: refused (notice.version_reused, a UserError) when it is
    a shipped version with other content or head office published that version before with other content."""
    known: dict[tuple[str, str], str] = {}
    for (text,) in c.all("SELECT payload FROM feed WHERE kind = 'notice'"):
        try:
            earlier = json.loads(text)
            for lang in ("zh_CN", "en"):
                n = Notice.from_dict(earlier[lang])
                known.setdefault((n.version, n.lang), n.content_hash)
        except (ValueError, KeyError, TypeError, UserError):
            continue  # an earlier payload that is no notice (stores refused it too) pins nothing
    try:
        notices = [Notice.from_dict(payload[lang]) for lang in ("zh_CN", "en")]
    except (KeyError, TypeError, UserError):
        return  # not a notice this check can judge: every store refuses it on import (notice.invalid)
    for n in notices:
        check_version_text(n, known)
