"""Sync core in-process (Starlette TestClient, real SQLCipher stores, SQLite head office):
enrolment, signed requests, idempotent upload, feed download, erasures that never come back."""

from __future__ import annotations

import json

import httpx
import pytest

from app.erasure import erase_member, is_erased, read_ledger_file
from app.sync import SyncEngine, SyncError, feeds, signing, sync_log, sync_status
from app.sync.journal import last_seq
from app.sync.state import get_state, save_state
from tests.app.syncutil import client, engine, enrolled, ho, hoc, new_store  # noqa: F401  (fixtures)
from tests.factories import make_member


def test_enrol_upload_and_download(manager, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    mids = [make_member(manager, "张三"), make_member(manager, "李四")]
    ho.publish("holiday_table", {"year": 2027, "days": {"2027-01-01": "holiday", "2027-02-07": "workday"}})
    ho.publish("config", {"sync_interval_minutes": 7})
    res = eng.sync_once(trigger="manual")
    assert res["uploaded"] >= 2
    assert all(ho.member_records(m) == 1 for m in mids)
    row = manager.db.one("SELECT source FROM holiday_tables WHERE year = 2027")
    assert row[0] == "head_office"
    st = sync_status(manager.db)
    assert st["pending"] == 0 and st["last_success"] and st["last_error"] is None
    assert st["interval_minutes"] == 7
    assert sync_log(manager.db)[0]["outcome"] == "ok"
    from app.audit import chain

    eng.sync_once()  # nothing new: the audit head sent is the current one
    seq, digest = chain.head(manager.db)
    assert (ho.list_stores()[0]["audit_seq"], ho.list_stores()[0]["audit_hash"]) == (seq, digest)
    # the store's clock (2026, FixedClock) is far from head office's: the offset was measured and used
    assert abs(st["clock_offset"] - (ho.clock() - manager.clock.time())) < 5


def test_enrolment_code_is_one_time(manager, paths, client, ho):
    code = ho.create_store("SH-001", "门店")
    eng = engine(manager, paths, client)
    with pytest.raises(SyncError) as wrong:
        eng.enrol("http://testserver", "SH-001", "0000-0000-0000-0000")
    assert wrong.value.key == "sync.enrol_refused"  # rule: SEC-3
    eng.enrol("http://testserver", "SH-001", code)
    with pytest.raises(SyncError) as again:
        engine(manager, paths, client).enrol("http://testserver", "SH-001", code)
    assert again.value.key == "sync.enrol_refused"  # rule: SEC-3


def member_with_id(session, mid, name, mobile="13900009999"):
    now = session.clock.now().isoformat(timespec="seconds")
    with session.write("member.create.test", "member", mid) as tx:
        tx.execute(
            "INSERT INTO members(id, member_no, name, mobile, registered_at, registered_store, updated_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (mid, "M" + mid[:9], name, mobile, now, session.store_code, now),
        )
        tx.journal("member", mid, "upsert", {"name": name, "mobile": mobile})
    return mid


def _signed(client, key, store, method, path, body=b"", ts=None, nonce_headers=None, hoc=None):
    headers = nonce_headers or signing.sign_headers(key, method, path, store, ts if ts is not None else hoc(), body)
    return client.request(method, path, content=body, headers=headers), headers


def test_forged_replayed_stale_unknown_and_oversized_requests_are_refused(manager, paths, client, ho, hoc):
    eng = enrolled(manager, paths, client, ho)
    key = eng._key()
    body = json.dumps({"after": 0, "rows": []}).encode()
    ok, headers = _signed(client, key, "SH-001", "POST", "/v1/upload", body, hoc=hoc)
    assert ok.status_code == 200
    replay, _ = _signed(client, key, "SH-001", "POST", "/v1/upload", body, nonce_headers=headers)
    assert (replay.status_code, replay.json()["error"]) == (401, "replayed_nonce")  # rule: SEC-3
    forged, _ = _signed(client, signing.new_private_key(), "SH-001", "POST", "/v1/upload", body, hoc=hoc)
    assert (forged.status_code, forged.json()["error"]) == (401, "bad_signature")  # rule: SEC-3
    h = signing.sign_headers(key, "POST", "/v1/upload", "SH-001", hoc(), body)
    tampered = client.post("/v1/upload", content=body.replace(b"[]", b"[ ]"), headers=h)
    assert tampered.json()["error"] == "bad_signature"  # rule: SEC-3
    h = signing.sign_headers(key, "GET", "/v1/pull?cursor=0%3A0", "SH-001", hoc(), b"")
    other_path = client.get("/v1/pull?cursor=5%3A5", headers=h)
    assert other_path.json()["error"] == "bad_signature"  # rule: SEC-3
    stale, _ = _signed(client, key, "SH-001", "POST", "/v1/upload", body, ts=hoc() - 301)
    assert (stale.status_code, stale.json()["error"]) == (401, "stale_timestamp")  # rule: SEC-3
    unknown, _ = _signed(client, key, "XX-999", "POST", "/v1/upload", body, hoc=hoc)
    assert unknown.json()["error"] == "unknown_store"  # rule: SEC-3
    unsigned = client.post("/v1/upload", content=body)
    assert unsigned.status_code == 401
    big = b"{" + b" " * (ho.max_body + 10) + b"}"
    over, _ = _signed(client, key, "SH-001", "POST", "/v1/upload", big, hoc=hoc)
    assert over.status_code == 413


def test_same_batch_twice_is_a_noop_that_acknowledges(manager, paths, client, ho, hoc):
    eng = enrolled(manager, paths, client, ho)
    mid = make_member(manager)
    rows = [
        {
            "seq": r[0],
            "ts": r[1],
            "entity": r[2],
            "entity_id": r[3],
            "op": r[4],
            "payload": json.loads(r[5]),
            "member_id": r[6],
        }
        for r in manager.db.all("SELECT * FROM change_journal ORDER BY seq")
    ]
    batch = {"after": 0, "rows": rows}
    tr, signer = eng.transport(), eng._signer()
    first = tr.post_json("/v1/upload", batch, signer=signer)
    second = tr.post_json("/v1/upload", batch, signer=signer)
    assert first["ack"] == second["ack"] == rows[-1]["seq"]
    assert second["duplicate"] and second["applied"] == 0
    assert ho.member_records(mid) == 1
    with pytest.raises(SyncError) as gap:
        tr.post_json("/v1/upload", {"after": rows[-1]["seq"] + 5, "rows": []}, signer=signer)
    assert gap.value.code == "gap" and gap.value.extra["expected"] == rows[-1]["seq"] + 1


def test_gap_is_answered_with_expected_sequence_and_client_resends(manager, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    first = make_member(manager)
    save_state(manager.db, acked_seq=last_seq(manager.db))  # as if acked …
    second = make_member(manager)  # … but head office never got the earlier rows
    eng.sync_once()
    assert ho.member_records(first) == 1 and ho.member_records(second) == 1
    assert ho.list_stores()[0]["hwm"] == last_seq(manager.db)


def test_partial_updates_merge_at_head_office(manager, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    with manager.write("request.test", "request", "R1") as tx:
        tx.journal("request", "R1", "upsert", {"type": "access", "status": "received", "due_on": "2026-11-20"})
    eng.sync_once()
    with manager.write("request.test", "request", "R1") as tx:
        tx.journal("request", "R1", "upsert", {"status": "verified"})
    eng.sync_once()
    overdue = ho.overdue_requests("2026-12-01")
    assert [(r["request_id"], r["due_date"], r["status"]) for r in overdue] == [("R1", "2026-11-20", "verified")]


def test_erasure_at_a_store_reaches_head_office_and_other_stores(manager, paths, client, ho, tmp_path, clock):
    a = enrolled(manager, paths, client, ho)
    vb, sb, pb = new_store(tmp_path, "BJ-002", clock)
    b = enrolled(sb, pb, client, ho)
    shared = make_member(manager, "王五")
    member_with_id(sb, shared, "王五")  # the same customer known at both stores
    a.sync_once(), b.sync_once()
    assert ho.member_records(shared) == 2
    erase_member(manager, shared, ledger_path=paths.erasure_ledger)
    a.sync_once()
    assert ho.is_erased(shared) and ho.member_records(shared) == 0  # rule: RIG-3
    b.sync_once()
    assert is_erased(sb.db, shared)  # rule: RIG-3
    assert sb.db.one("SELECT 1 FROM members WHERE id = ?", (shared,)) is None  # rule: RIG-3
    assert any(e["member_id"] == shared for e in read_ledger_file(pb.erasure_ledger))
    b.sync_once()  # the receipt travels
    receipts = {r["store"]: r for r in ho.receipts(shared)}
    assert set(receipts) == {"SH-001", "BJ-002"}
    pub = signing.load_public(signing.public_text(b._key()))
    assert signing.verify_receipt(pub, receipts["BJ-002"]["receipt"], receipts["BJ-002"]["signature"])
    assert receipts["BJ-002"]["receipt"]["counts"]["member"] == 1
    vb.close()


def test_stale_store_uploading_an_erased_member_is_quarantined(manager, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    mid = make_member(manager, "赵六")
    eng.sync_once()
    ho.file_erasure_order(mid, request_id="HO-1")  # the customer asked at head office
    with manager.write("member.update.test", "member", mid) as tx:  # the store, offline, edits the member
        tx.execute("UPDATE members SET name = ? WHERE id = ?", ("赵六六", mid))
        tx.journal("member", mid, "upsert", {"name": "赵六六"})
    eng.upload()
    assert ho.member_records(mid) == 0  # rule: RIG-3
    q = ho.quarantined("SH-001")
    assert [x["member_id"] for x in q] == [mid] and q[0]["reason"] == "member_erased"
    assert "赵六六" not in json.dumps(q, ensure_ascii=False)
    eng.sync_once()
    assert is_erased(manager.db, mid)  # rule: RIG-3
    assert manager.db.one("SELECT 1 FROM members WHERE id = ?", (mid,)) is None  # rule: RIG-3
    assert ho.member_records(mid) == 0  # rule: RIG-3


def test_offline_beyond_horizon_gets_resync_with_whole_ledger(manager, paths, client, ho, hoc, tmp_path, clock):
    a = enrolled(manager, paths, client, ho)
    mid = make_member(manager)
    a.sync_once()
    ho.file_erasure_order(mid)
    ho.publish("holiday_table", {"year": 2028, "days": {"2028-01-01": "holiday"}})
    hoc.t += 100 * 86400
    assert ho.prune_feed() == 1
    res = a.sync_once()
    assert res["resynced"]
    assert is_erased(manager.db, mid)  # rule: RIG-3
    assert manager.db.one("SELECT 1 FROM holiday_tables WHERE year = 2028")
    assert get_state(manager.db, "resync_required") is False
    assert a.sync_once()["resynced"] is False


def test_scans_travel_as_blobs_before_rows_and_go_with_the_member(vault, manager, paths, client, ho):
    from app.storage.fieldcrypt import FieldCipher

    cipher = FieldCipher(vault.data_key())
    eng = SyncEngine.for_session(manager, http=client, allow_plain_http=True, sleep=lambda s: None, cipher=cipher)
    eng.enrol("http://testserver", "SH-001", ho.create_store("SH-001", "门店"))
    mid = make_member(manager)
    image = b"\x89PNG fake page bytes " * 50
    import hashlib

    sha = hashlib.sha256(image).hexdigest()
    with manager.write("scan.test", "scan_document", "D1") as tx:
        tx.execute(
            "INSERT INTO scan_batches(id, imported_at, source, file_sha256, file_kind, page_count)"
            " VALUES ('B1', '2026-11-02T09:00:00+08:00', 'file', ?, 'png', 1)",
            (sha,),
        )
        tx.execute(
            "INSERT INTO scan_documents(id, batch_id, member_id, status, content_sha256, page_count, created_at)"
            " VALUES ('D1', 'B1', ?, 'matched', ?, 1, '2026-11-02T09:00:00+08:00')",
            (mid, sha),
        )
        tx.execute(
            "INSERT INTO scans(id, document_id, page_no, source_page, mime, width, height, sha256, image, created_at)"
            " VALUES ('S1', 'D1', 1, 1, 'image/png', 10, 10, ?, ?, '2026-11-02T09:00:00+08:00')",
            (sha, cipher.encrypt_bytes(image, "scans.image:S1")),
        )
        tx.journal("scan_document", "D1", "upsert", {"member_id": mid, "content_sha256": sha}, member_id=mid)
    eng.sync_once()
    assert ho.has_blob(sha)
    assert ho.blob(sha) == image  # read through head office's decrypting reader
    with ho.storage.read() as c:
        assert image not in bytes(c.scalar("SELECT data FROM blobs WHERE sha256 = ?", (sha,)))  # rule: STO-1
    ho.file_erasure_order(mid)
    assert not ho.has_blob(sha)  # rule: RIG-3
    eng.sync_once()
    eng.sync_once()
    receipt = ho.receipts(mid)[0]["receipt"]
    assert receipt["scan_hashes"] == [sha]


def test_policy_can_keep_scans_at_the_store(manager, paths, client, ho):
    ho.keep_scans = False
    eng = enrolled(manager, paths, client, ho)
    with manager.write("scan.test", "scan_document", "D2") as tx:
        tx.journal("scan_document", "D2", "upsert", {"content_sha256": "ab" * 32, "blobs": ["cd" * 32]})
    eng.sync_once()
    assert not ho.has_blob("cd" * 32)
    with ho.storage.read() as c:
        assert c.scalar("SELECT count(*) FROM records WHERE entity = 'scan_document'") == 1


def test_missing_feed_module_parks_row_and_retries(manager, paths, client, ho, monkeypatch):
    eng = enrolled(manager, paths, client, ho)

    def missing(session, payload, ctx):
        raise feeds.FeedDeferred("app.nothing")

    monkeypatch.setitem(feeds._HANDLERS, "retention_policy", missing)
    ho.publish("retention_policy", {"rules": []})
    ho.publish("holiday_table", {"year": 2029, "days": {"2029-01-01": "holiday"}})
    eng.sync_once()
    assert manager.db.one("SELECT 1 FROM holiday_tables WHERE year = 2029")  # the rest of the feed applied
    assert sync_status(manager.db)["inbox"] == 1
    seen = []
    monkeypatch.setitem(feeds._HANDLERS, "retention_policy", lambda s, p, c: seen.append(p))
    eng.sync_once()
    assert seen == [{"rules": []}] and sync_status(manager.db)["inbox"] == 0


def test_client_refuses_plain_http(manager, paths):
    eng = SyncEngine.for_session(manager)
    with pytest.raises(SyncError) as exc:
        eng.enrol("http://127.0.0.1:9", "SH-001", "X")
    assert exc.value.key == "sync.insecure_url"  # rule: SEC-3


def _mock_transport(responses, calls):
    def handler(request):
        calls.append(request)
        item = responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_retry_policy_backoff_retry_after_and_no_retry_on_4xx():
    from app.sync.transport import Transport

    calls, sleeps = [], []
    http = _mock_transport(
        [
            httpx.Response(503, headers={"Retry-After": "7"}),
            httpx.Response(429),
            httpx.ConnectError("down"),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json={"ok": 1}),
        ],
        calls,
    )
    tr = Transport("https://ho.test", http=http, sleep=sleeps.append, rng=lambda: 0.5, retries=4)
    assert tr.get_json("/v1/time") == {"ok": 1}
    assert len(calls) == 5 and sleeps[0] == 7.0
    assert sleeps[1:] == [1.0, 2.0, 4.0]  # exponential backoff (jitter fixed by rng)
    calls.clear(), sleeps.clear()
    tr = Transport(
        "https://ho.test",
        http=_mock_transport([httpx.Response(400, json={"error": "bad_batch"})], calls),
        sleep=sleeps.append,
    )
    with pytest.raises(SyncError) as exc:
        tr.get_json("/v1/pull")
    assert len(calls) == 1 and sleeps == [] and exc.value.code == "bad_batch"
    calls.clear()
    tr = Transport(
        "https://ho.test", http=_mock_transport([httpx.ConnectError("down")] * 3, calls), sleep=sleeps.append, retries=2
    )
    with pytest.raises(SyncError) as exc:
        tr.get_json("/v1/time")
    assert exc.value.key == "sync.offline" and len(calls) == 3


def test_notice_version_and_retention_policy_from_head_office(manager, paths, client, ho):
    from app.notices import default_notice, get_notice
    from app.retention.rules import TRIGGERS, get_rules

    eng = enrolled(manager, paths, client, ho)
    zh, en = default_notice("zh_CN").to_dict(), default_notice("en").to_dict()
    zh["version"] = en["version"] = "HO-2027.1"
    zh["effective_date"] = en["effective_date"] = "2027-01-01"
    ho.publish("notice", {"zh_CN": zh, "en": en})
    ho.publish(
        "retention_policy",
        {
            "rules": [
                {
                    "category": "purchase",
                    "trigger_event": TRIGGERS["purchase"],
                    "period_value": 2,
                    "period_unit": "years",
                    "action": "delete",
                    "version": 3,
                }
            ]
        },
    )
    eng.sync_once()
    eng.sync_once()  # delivered twice: idempotent
    from app.notices.model import Notice

    stored = get_notice(manager.db, "HO-2027.1", "zh_CN")
    assert stored.content_hash == Notice.from_dict(zh).content_hash  # rule: NOT-2
    rule = get_rules(manager.db)["purchase"]
    assert (rule.period_value, rule.period_unit, rule.source, rule.version) == (
        2,
        "years",
        "head_office",
        3,
    )  # rule: RET-1
    assert sync_status(manager.db)["inbox"] == 0
