"""Faults against a real head-office process (uvicorn, TLS from a private CA, 127.0.0.1 only):
server down, 5xx, response cut mid-body, the same batch twice, server killed mid-apply, client
killed mid-apply, a day of clock skew, forged/replayed/oversized requests, a stale store
uploading an erased member."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import ssl
import subprocess
import sys

import httpx
import pytest

from app.clock import FixedClock
from app.erasure import is_erased
from app.sync import SyncEngine, SyncError, signing, sync_log, sync_status
from app.sync.journal import last_seq
from app.sync.state import get_state
from headoffice.service import HeadOffice
from headoffice.storage import open_storage
from tests.app.syncutil import ROOT, ServerProcess, make_ca, pg_dsn_or_skip, reset_pg
from tests.factories import make_member

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def ho_url(tmp_path):
    return f"sqlite:///{tmp_path / 'ho.db'}"


@pytest.fixture
def servers():
    started = []
    yield started
    for s in started:
        s.stop()


def start(servers, url, tls, **kw):
    s = ServerProcess(url, tls, **kw).start()
    servers.append(s)
    return s


def admin(url):
    """Head office's admin side on the same database the server process uses."""
    storage = open_storage(url, pool_size=1)
    return storage, HeadOffice(storage)


def enrol(session, paths, server, tls, sleeps=None, **kw):
    eng = SyncEngine.for_session(
        session,
        ledger_path=paths.erasure_ledger,
        sleep=(sleeps.append if sleeps is not None else (lambda s: None)),
        **kw,
    )
    storage, ho = admin(server.db_url)
    code = ho.create_store(session.store_code, "门店")
    storage.close()
    eng.enrol(server.url, session.store_code, code, ca_file=str(tls["ca"]))
    return eng


def hwm(url, store="SH-001"):
    storage, ho = admin(url)
    try:
        return {s["code"]: s["hwm"] for s in ho.list_stores()}[store]
    finally:
        storage.close()


def test_tls_with_private_ca_and_wrong_ca_refused(manager, paths, servers, ho_url, tls, tmp_path):
    server = start(servers, ho_url, tls)
    other = make_ca(tmp_path / "other")
    eng = SyncEngine.for_session(manager, sleep=lambda s: None)
    with pytest.raises(SyncError) as exc:
        eng.enrol(server.url, "SH-001", "X", ca_file=str(other["ca"]))
    assert exc.value.key == "sync.tls"  # rule: SEC-3
    eng = enrol(manager, paths, server, tls)
    make_member(manager)
    assert eng.sync_once()["uploaded"] > 0  # rule: SEC-3


def test_server_down_then_back(manager, paths, servers, ho_url, tls):
    server = start(servers, ho_url, tls)
    sleeps = []
    eng = enrol(manager, paths, server, tls, sleeps=sleeps)
    make_member(manager)
    server.stop()
    with pytest.raises(SyncError) as exc:
        eng.sync_once()
    assert exc.value.key == "sync.offline"
    assert len(sleeps) == 4  # retried with backoff, then gave up
    assert sync_log(manager.db)[0]["outcome"] == "offline"
    pending = sync_status(manager.db)["pending"]
    assert pending > 0
    start(servers, ho_url, tls, port=server.port)
    eng.sync_once()
    assert sync_status(manager.db)["pending"] == 0


def test_5xx_is_retried_honouring_retry_after(manager, paths, servers, ho_url, tls):
    server = start(servers, ho_url, tls, fault="status503:3")  # the readiness probe takes one
    sleeps = []
    eng = enrol(manager, paths, server, tls, sleeps=sleeps)  # the first two answers are 503
    assert sleeps[:2] == [1.0, 1.0]
    make_member(manager)
    eng.sync_once()
    assert sync_status(manager.db)["pending"] == 0


def test_response_cut_mid_body_and_batch_delivered_twice(manager, paths, servers, ho_url, tls):
    server = start(servers, ho_url, tls, fault="cut_upload:1")
    eng = enrol(manager, paths, server, tls)
    mids = [make_member(manager) for _ in range(3)]
    eng.sync_once()  # first answer cut after commit; the resend is a no-op ack
    storage, ho = admin(ho_url)
    try:
        assert all(ho.member_records(m) == 1 for m in mids)
        assert ho.list_stores()[0]["hwm"] == last_seq(manager.db)
    finally:
        storage.close()
    assert eng.transport().attempts > 3


def test_request_cut_mid_body_applies_nothing(manager, paths, servers, ho_url, tls):
    server = start(servers, ho_url, tls)
    eng = enrol(manager, paths, server, tls)
    make_member(manager)
    body = json.dumps(
        {"after": 0, "rows": [{"seq": 1, "entity": "x", "entity_id": "1", "op": "upsert", "payload": {}}]}
    ).encode()
    headers = signing.sign_headers(
        eng._key(), "POST", "/v1/upload", "SH-001", manager.clock.time() + get_state(manager.db, "clock_offset"), body
    )
    ctx = ssl.create_default_context(cafile=str(tls["ca"]))
    with (
        socket.create_connection(("127.0.0.1", server.port)) as raw,
        ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s,
    ):
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        s.sendall(
            f"POST /v1/upload HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {len(body)}\r\n{head}\r\n".encode()
            + body[: len(body) // 2]
        )
    assert hwm(ho_url) == 0
    eng.sync_once()
    assert hwm(ho_url) == last_seq(manager.db)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_server_killed_mid_apply(backend, manager, paths, servers, ho_url, tls):
    if backend == "postgresql":
        ho_url = pg_dsn_or_skip()
        reset_pg(ho_url)
    server = start(servers, ho_url, tls, fault="kill_mid_apply")
    eng = enrol(manager, paths, server, tls)
    mids = [make_member(manager) for _ in range(5)]
    with pytest.raises(SyncError) as exc:
        eng.sync_once()
    assert exc.value.key == "sync.offline"
    server.proc.wait(10)
    assert hwm(ho_url) == 0  # nothing half-applied survived the crash
    storage, ho = admin(ho_url)
    assert all(ho.member_records(m) == 0 for m in mids)
    storage.close()
    start(servers, ho_url, tls, port=server.port)
    eng.sync_once()
    storage, ho = admin(ho_url)
    try:
        assert all(ho.member_records(m) == 1 for m in mids)
        assert ho.list_stores()[0]["hwm"] == last_seq(manager.db)
    finally:
        storage.close()


CHILD = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
os.environ["MEMBERDESK_FAST_KDF"] = "1"
from app.domains import load_all
load_all()
from app.clock import FixedClock
from app.storage.db import open_database
from app.sync import SyncEngine, feeds
key = bytes.fromhex(sys.stdin.readline().strip())
db = open_database(sys.argv[2], key)
real = feeds.handler_for("holiday_table")
def dying(session, payload, ctx):
    real(session, payload, ctx)
    os._exit(9)                      # the store dies inside the page transaction
feeds.register_feed_handler("holiday_table", dying)
SyncEngine(db, sys.argv[3], "DESK-1", FixedClock(), sleep=lambda s: None).sync_once()
"""


def test_client_killed_mid_apply(vault, manager, paths, servers, ho_url, tls):
    server = start(servers, ho_url, tls)
    eng = enrol(manager, paths, server, tls)
    eng.sync_once()
    cursor = get_state(manager.db, "cursor")
    storage, ho = admin(ho_url)
    ho.publish("holiday_table", {"year": 2027, "days": {"2027-01-01": "holiday"}})
    ho.publish("config", {"sync_interval_minutes": 9})
    storage.close()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT), str(paths.db), "SH-001"],
        input=vault.data_key().hex() + "\n",
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert child.returncode == 9, child.stderr[-2000:]
    assert manager.db.one("SELECT 1 FROM holiday_tables WHERE year = 2027") is None  # rolled back with its page
    assert get_state(manager.db, "cursor") == cursor
    eng.sync_once()
    assert manager.db.scalar("SELECT count(*) FROM holiday_tables WHERE year = 2027") == 1
    assert sync_status(manager.db)["interval_minutes"] == 9


def test_clock_skew_of_a_day(tmp_path, servers, ho_url, tls):
    from tests.app.syncutil import new_store

    skewed = FixedClock(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    vault, session, paths = new_store(tmp_path, "SH-001", skewed)
    try:
        server = start(servers, ho_url, tls)
        eng = enrol(session, paths, server, tls)
        assert abs(get_state(session.db, "clock_offset") - 86400) < 120
        make_member(session)
        eng.sync_once()
        assert sync_status(session.db)["pending"] == 0
        # signed with the raw store clock (no offset), the same request would be refused as stale
        body = json.dumps({"after": 0, "rows": []}).encode()
        h = signing.sign_headers(eng._key(), "POST", "/v1/upload", "SH-001", skewed.time(), body)
        r = httpx.post(
            server.url + "/v1/upload", content=body, headers=h, verify=ssl.create_default_context(cafile=str(tls["ca"]))
        )
        assert (r.status_code, r.json()["error"]) == (401, "stale_timestamp")  # rule: SEC-3
    finally:
        vault.close()


def test_forged_replayed_and_oversized_requests_on_the_wire(manager, paths, servers, ho_url, tls):
    server = start(servers, ho_url, tls)
    eng = enrol(manager, paths, server, tls)
    now = manager.clock.time() + get_state(manager.db, "clock_offset")
    body = json.dumps({"after": 0, "rows": []}).encode()
    h = signing.sign_headers(eng._key(), "POST", "/v1/upload", "SH-001", now, body)
    with httpx.Client(verify=ssl.create_default_context(cafile=str(tls["ca"]))) as c:
        assert c.post(server.url + "/v1/upload", content=body, headers=h).status_code == 200
        replay = c.post(server.url + "/v1/upload", content=body, headers=h)
        assert replay.json()["error"] == "replayed_nonce"  # rule: SEC-3
        forged = signing.sign_headers(signing.new_private_key(), "POST", "/v1/upload", "SH-001", now, body)
        assert (
            c.post(server.url + "/v1/upload", content=body, headers=forged).json()["error"] == "bad_signature"
        )  # rule: SEC-3
        big = b"{" + b" " * (9 * 1024 * 1024) + b"}"
        hb = signing.sign_headers(eng._key(), "POST", "/v1/upload", "SH-001", now, big)
        assert c.post(server.url + "/v1/upload", content=big, headers=hb).status_code == 413
    assert server.proc.poll() is None


def test_stale_store_uploads_erased_member_over_the_wire(manager, paths, servers, ho_url, tls):
    server = start(servers, ho_url, tls)
    eng = enrol(manager, paths, server, tls)
    mid = make_member(manager, "孙七")
    eng.sync_once()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, "-m", "headoffice.cli", "--db", ho_url, "erase", mid],
        check=True,
        env=env,
        cwd=str(ROOT),
        capture_output=True,
        timeout=60,
    )
    with manager.write("member.update.test", "member", mid) as tx:
        tx.execute("UPDATE members SET mobile = ? WHERE id = ?", ("13911112222", mid))
        tx.journal("member", mid, "upsert", {"mobile": "13911112222"})
    res = eng.sync_once()
    assert res["quarantined"] == 1
    assert is_erased(manager.db, mid)  # rule: RIG-3
    storage, ho = admin(ho_url)
    try:
        assert ho.member_records(mid) == 0  # rule: RIG-3
        eng.sync_once()
        assert [r["store"] for r in ho.receipts(mid)] == ["SH-001"]
    finally:
        storage.close()
