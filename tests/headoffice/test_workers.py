"""Head office as several processes over one PostgreSQL (issue #18 "Scale").

A real `memberdesk-headoffice serve --workers 4` (uvicorn workers on one TLS socket) is driven over fresh
connections from many threads at once; every answer names the process that gave it (X-MD-Worker), and each
test checks that more than one process answered. What must hold whichever process a copy reaches:
  - the same batch uploaded by several connections at once is applied once (hwm and record counts exact);
  - a signed request replayed concurrently is accepted exactly once (the others 401 replayed_nonce, never 500);
  - concurrent uploads from 20 stores lose nothing;
  - an erasure filed while other stores upload rows of that member still wins (RIG-3), and one member erased
    by several stores at once is one order;
  - one enrolment code enrols one key; the master key is not rotated while processes serve.
Also (no server): two services over one database refuse each other's nonces and prune once a minute;
`serve --workers N` refuses N > 1 on SQLite. The server tests skip without MEMBERDESK_TEST_PG_DSN (CI sets it).
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import random
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from app.sync import signing
from headoffice import crypto
from headoffice.cli import workers_refusal
from headoffice.service import NONCE_PRUNE_SECONDS, HeadOffice, HOError
from headoffice.storage import SQLiteStorage, open_storage
from tests.app.syncutil import ROOT, free_port, make_ca, pg_dsn_or_skip, reset_pg

WORKERS = 4
ROUNDS = 10  # a small burst may all land on one process: repeat (each round checked) until two have answered


class Workers:
    """`serve --workers N` as a real process tree (the uvicorn supervisor and its N workers)."""

    def __init__(self, dsn: str, tls: dict, key_file: Path, workers: int = WORKERS):
        self.dsn, self.tls, self.key_file, self.workers = dsn, tls, key_file, workers
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.ctx = ssl.create_default_context(cafile=str(tls["ca"]))
        self.proc: subprocess.Popen | None = None

    def start(self) -> Workers:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env.pop("MEMBERDESK_HO_FAULT", None)
        cmd = [sys.executable, "-m", "headoffice.cli", "--db", self.dsn, "--master-key-file", str(self.key_file)]
        cmd += ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        cmd += ["--cert", str(self.tls["cert"]), "--key", str(self.tls["key"]), "--workers-pool", "2"]
        # stderr into a file, never an unread pipe (a full pipe blocks the worker that writes to it); start() returns
        # once a second process answers (a clean-clone CI run saw one process answer every test)
        self.err = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=self.err, start_new_session=True
        )
        deadline = time.monotonic() + 60
        seen: set[str] = set()
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.err.seek(0)
                raise RuntimeError("head office did not start: " + self.err.read().decode()[-2000:])
            try:
                seen.add(httpx.get(self.url + "/v1/time", verify=self.ctx, timeout=2.0).headers["x-md-worker"])
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            if len(seen) >= min(2, self.workers):  # a second process answers: the workers are up, not just one
                return self
            time.sleep(0.05)
        self.err.seek(0)
        raise RuntimeError(
            f"head office: {len(seen)} process(es) answered within 60 s: " + self.err.read().decode()[-2000:]
        )

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # the supervisor stops its workers
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only this tree
                self.proc.wait(5)
        self.err.close()

    def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> httpx.Response:
        """One request over its own new TLS connection (as separate store PCs would)."""
        with httpx.Client(verify=self.ctx, timeout=60) as cl:
            h = dict(headers, **({"content-type": "application/json"} if body else {}))
            return cl.request(method, self.url + path, headers=h, content=body)


class Store:
    def __init__(self, code: str, key):
        self.code, self.key = code, key
        self.hwm = 0

    def signed(self, method: str, path: str, body: bytes = b"") -> dict:
        return signing.sign_headers(self.key, method, path, self.code, time.time(), body)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    dsn = pg_dsn_or_skip()
    reset_pg(dsn)
    tmp = tmp_path_factory.mktemp("workers")
    tls = make_ca(tmp / "ca")
    key_file = crypto.new_master_key_file(tmp / "master.key")
    storage = open_storage(dsn, pool_size=2)
    ho = HeadOffice(storage, keys=crypto.Keyring.from_file(key_file))  # the admin: another process again
    server = Workers(dsn, tls, key_file).start()
    try:
        yield server, ho
    finally:
        server.stop()
        storage.close()


def stores(ho: HeadOffice, prefix: str, n: int) -> list[Store]:
    out = []
    for i in range(n):
        code = f"{prefix}{i:02d}"
        ho.create_store(code, "门店")
        key = signing.new_private_key()
        with ho.storage.tx() as c:
            c.execute("UPDATE stores SET pubkey = ?, enrolled_at = 1 WHERE code = ?", (signing.public_text(key), code))
        out.append(Store(code, key))
    return out


def rows(code: str, first: int, last: int, member=None) -> list[dict]:
    """Journal rows first..last: purchases of members (member ids from `member(seq)`), unique entity ids."""
    member = member or (lambda seq: f"M-{code}-{seq % 7}")
    return [
        {
            "seq": s,
            "ts": "2027-01-15T10:00:00Z",
            "entity": "purchase",
            "entity_id": f"{code}-P{s}",
            "op": "upsert",
            "member_id": member(s),
            "payload": {"amount": s, "member_id": member(s)},
        }
        for s in range(first, last + 1)
    ]


def upload(server: Workers, st: Store, after: int, batch: list[dict]) -> httpx.Response:
    body = json.dumps({"after": after, "rows": batch, "pending": 0}).encode()
    for _ in range(50):
        resp = server.request("POST", "/v1/upload", st.signed("POST", "/v1/upload", body), body)
        if resp.status_code != 503:  # busy: the store tries later, as its sync does
            return resp
        time.sleep(0.2)
    return resp


def at_once(n: int, fn) -> list:
    """Run fn(i) in n threads released together."""
    gate = threading.Barrier(n)

    def run(i):
        gate.wait()
        return fn(i)

    with cf.ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def worker_pids(responses) -> set[str]:
    return {r.headers["x-md-worker"] for r in responses}


def hwm_and_count(ho: HeadOffice, code: str) -> tuple[int, int]:
    with ho.storage.read() as c:
        hwm = int(c.scalar("SELECT hwm FROM stores WHERE code = ?", (code,)))
        return hwm, int(c.scalar("SELECT count(*) FROM records WHERE store = ?", (code,)))


def test_same_batch_uploaded_by_several_connections_is_applied_once(env):
    server, ho = env
    (st,) = stores(ho, "DUP", 1)
    seen: list[httpx.Response] = []
    top = 0
    for rnd in range(ROUNDS + 3):
        if rnd >= 4 and len(worker_pids(seen)) >= 2:
            break
        # 8 copies at once: most the same batch, some overlapping it further (after = the old mark)
        ends = [top + 150] * 6 + [top + 120, top + 180]
        got = at_once(8, lambda i, top=top, ends=ends: upload(server, st, top, rows(st.code, top + 1, ends[i])))
        seen += got
        assert [r.status_code for r in got] == [200] * 8, [r.text for r in got]
        applied = sum(r.json()["applied"] for r in got)
        top = max(ends)
        # each seq is applied by exactly one copy: the applied counts add up to the rows above the old mark
        assert applied == 180, [r.json() for r in got]
        assert hwm_and_count(ho, st.code) == (top, top)
    assert len(worker_pids(seen)) >= 2, worker_pids(seen)  # the copies reached several processes


def test_a_replayed_request_is_accepted_once_across_workers(env):
    server, ho = env
    (st,) = stores(ho, "RPL", 1)
    seen: list[httpx.Response] = []
    for rnd in range(5):
        body = json.dumps({"after": rnd, "rows": rows(st.code, rnd + 1, rnd + 1), "pending": 0}).encode()
        headers = st.signed("POST", "/v1/upload", body)  # one signature, sent 8 times at once
        got = at_once(8, lambda i, h=headers, b=body: server.request("POST", "/v1/upload", h, b))
        seen += got
        codes = sorted((r.status_code, r.json().get("error")) for r in got)
        assert codes == [(200, None)] + [(401, "replayed_nonce")] * 7, codes  # rule: SEC-3
    assert hwm_and_count(ho, st.code) == (5, 5)
    with ho.storage.read() as c:
        audited = c.all("SELECT details FROM ho_audit WHERE action = 'request.replayed' AND store = ?", (st.code,))
    assert len(audited) == 35  # every refusal is recorded, by whichever process refused it
    pids = worker_pids(seen)
    assert len(pids) >= 2, pids
    assert {str(json.loads(d[0])["pid"]) for d in audited} <= pids


def test_concurrent_uploads_from_20_stores_lose_nothing(env):
    server, ho = env
    shops = stores(ho, "S", 20)
    seen: list[httpx.Response] = []
    lock = threading.Lock()

    def sync(i):
        st = shops[i]
        for b in range(8):
            resp = upload(server, st, b * 40, rows(st.code, b * 40 + 1, b * 40 + 40))
            assert resp.status_code == 200, resp.text
            assert resp.json()["ack"] == b * 40 + 40
            path = f"/v1/pull?cursor=0:0&limit=50&pending={320 - b * 40 - 40}"
            pulled = server.request("GET", path, st.signed("GET", path))
            assert pulled.status_code == 200, pulled.text
            with lock:
                seen.extend([resp, pulled])

    at_once(20, sync)
    for st in shops:
        assert hwm_and_count(ho, st.code) == (320, 320)
    assert len(worker_pids(seen)) >= 2, worker_pids(seen)


def test_erasure_during_concurrent_uploads_still_wins(env):
    server, ho = env
    seen: list[httpx.Response] = []
    for attempt in range(3):  # under load one process may take every connection: run again, fresh, until two have
        _erasure_race(server, ho, attempt, seen)
        if len(worker_pids(seen)) >= 2:
            break
    assert len(worker_pids(seen)) >= 2, worker_pids(seen)


def _erasure_race(server, ho, attempt: int, seen: list) -> None:
    shops = stores(ho, f"E{attempt}", 8)
    (eraser,) = stores(ho, f"ERS{attempt}", 1)
    doomed = [f"DOOMED-{attempt}-{i}" for i in range(12)]
    kept = [f"KEPT-{attempt}-{i}" for i in range(6)]
    lock = threading.Lock()
    rnd = random.Random(18)
    choice = {st.code: [rnd.choice(doomed + kept) for _ in range(1000)] for st in shops}

    def shop(i):
        st = shops[i]
        for b in range(12):
            batch = rows(st.code, b * 60 + 1, b * 60 + 60, member=lambda s, c=st.code: choice[c][s % 1000])
            resp = upload(server, st, b * 60, batch)
            assert resp.status_code == 200, resp.text
            with lock:
                seen.append(resp)

    def erase_over_the_wire():
        for k, mid in enumerate(doomed[:6]):
            time.sleep(0.15)
            row = {
                "seq": k + 1,
                "ts": "2027-01-15T10:00:00Z",
                "entity": "erasure",
                "entity_id": mid,
                "op": "erase",
                "member_id": mid,
                "payload": {"reason": "request", "erased_at": "2027-01-15T10:00:00Z"},
            }
            resp = upload(server, eraser, k, [row])
            assert resp.status_code == 200, resp.text
            with lock:
                seen.append(resp)

    def erase_by_admin():
        for mid in doomed[6:]:
            time.sleep(0.15)
            assert ho.file_erasure_order(mid)  # the admin tool: one more process over the same database

    with cf.ThreadPoolExecutor(len(shops) + 2) as pool:
        jobs = [pool.submit(shop, i) for i in range(len(shops))]
        jobs += [pool.submit(erase_over_the_wire), pool.submit(erase_by_admin)]
        for j in jobs:
            j.result()
    for mid in doomed:
        assert ho.is_erased(mid)
        assert ho.member_records(mid) == 0, mid  # rule: RIG-3
    for mid in kept:  # nothing else was lost: every kept member's purchases are all there
        want = sum(1 for st in shops for s in range(1, 721) if choice[st.code][s % 1000] == mid)
        assert ho.member_records(mid) == want, mid


def test_one_member_erased_by_several_stores_at_once_is_one_order(env):
    server, ho = env
    seen: list[httpx.Response] = []
    for rnd in range(ROUNDS):
        seen += erased_by_all(server, ho, rnd)
        if rnd >= 1 and len(worker_pids(seen)) >= 2:
            break
    assert len(worker_pids(seen)) >= 2, worker_pids(seen)


def erased_by_all(server: Workers, ho: HeadOffice, rnd: int) -> list[httpx.Response]:
    shops = stores(ho, f"TWO{rnd}-", 6)
    mid = f"ERASED-BY-ALL-{rnd}"

    def erase(i):
        row = {
            "seq": 1,
            "ts": "2027-01-15T10:00:00Z",
            "entity": "erasure",
            "entity_id": mid,
            "op": "erase",
            "member_id": mid,
            "payload": {"reason": "request", "erased_at": "2027-01-15T10:00:00Z"},
        }
        return upload(server, shops[i], 0, [row])

    got = at_once(len(shops), erase)
    assert [r.status_code for r in got] == [200] * len(shops), [r.text for r in got]
    with ho.storage.read() as c:
        orders = c.scalar("SELECT count(*) FROM feed WHERE kind = 'erasure_order' AND payload LIKE ?", (f"%{mid}%",))
        audited = c.scalar("SELECT count(*) FROM ho_audit WHERE action = 'member.erase' AND subject = ?", (mid,))
    assert (orders, audited) == (1, 1)  # rule: RIG-3
    return got


def test_one_enrolment_code_enrols_one_key_whichever_workers_get_it(env):
    server, ho = env
    seen: list[httpx.Response] = []
    for rnd in range(ROUNDS):
        seen += enrolled_once(server, ho, f"ENR{rnd}")
        if rnd >= 1 and len(worker_pids(seen)) >= 2:
            break
    assert len(worker_pids(seen)) >= 2, worker_pids(seen)


def enrolled_once(server: Workers, ho: HeadOffice, store: str) -> list[httpx.Response]:
    code = ho.create_store(store, "门店")
    keys = [signing.public_text(signing.new_private_key()) for _ in range(6)]

    def enrol(i):
        body = json.dumps({"store": store, "code": code, "pubkey": keys[i]}).encode()
        return server.request("POST", "/v1/enrol", {}, body)

    got = at_once(len(keys), enrol)
    codes = sorted((r.status_code, r.json().get("error")) for r in got)
    assert codes == [(200, None)] + [(403, "bad_enrolment")] * 5, codes  # rule: SEC-3
    winner = next(i for i, r in enumerate(got) if r.status_code == 200)
    with ho.storage.read() as c:
        assert c.scalar("SELECT pubkey FROM stores WHERE code = ?", (store,)) == keys[winner]
    return got


def test_the_master_key_is_not_rotated_under_running_processes(env, tmp_path):
    server, ho = env
    new = crypto.Keyring.from_file(crypto.new_master_key_file(tmp_path / "new.key"))
    with pytest.raises(crypto.KeyProblem, match="stop every process"):
        ho.rotate_master_key(new)  # the workers keep the old key in memory: they would wrap with it
    with ho.storage.read() as c:
        assert c.scalar("SELECT count(*) FROM ho_keys WHERE master_id = ?", (new.master_id,)) == 0
    cmd = [sys.executable, "-m", "headoffice.cli", "--db", server.dsn, "--master-key-file", str(server.key_file)]
    cmd += ["rotate-master-key", "--new-key-file", str(tmp_path / "new.key")]
    out = subprocess.run(
        cmd,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (out.returncode, "not rotated" in out.stderr) == (2, True), out.stderr
    assert httpx.get(server.url + "/v1/time", verify=server.ctx).status_code == 200


def test_nonces_across_two_services_over_one_database(tmp_path):
    """Two services over one database, as two processes: a nonce one accepted is refused by the other (and
    the refusal audited); expired nonces are pruned by one of them at most once a minute."""
    t = {"now": 1_800_000_000.0}
    key_file = crypto.new_master_key_file(tmp_path / "master.key")
    a_st, b_st = SQLiteStorage(tmp_path / "ho.db"), SQLiteStorage(tmp_path / "ho.db")
    a = HeadOffice(a_st, clock=lambda: t["now"], keys=crypto.Keyring.from_file(key_file))
    b = HeadOffice(b_st, clock=lambda: t["now"], keys=crypto.Keyring.from_file(key_file))
    try:
        a.create_store("S", "门店")
        key = signing.new_private_key()
        with a.storage.tx() as c:
            c.execute("UPDATE stores SET pubkey = ? WHERE code = 'S'", (signing.public_text(key),))
        headers = signing.sign_headers(key, "GET", "/v1/pull", "S", t["now"], b"")
        assert a.authenticate("GET", "/v1/pull", headers, b"") == "S"
        with pytest.raises(HOError) as refused:
            b.authenticate("GET", "/v1/pull", headers, b"")
        assert (refused.value.status, refused.value.code) == (401, "replayed_nonce")  # rule: SEC-3
        with b.storage.read() as c:
            assert c.scalar("SELECT count(*) FROM ho_audit WHERE action = 'request.replayed'") == 1

        def old_nonces(n: int) -> None:
            with a.storage.tx() as c:
                for i in range(n):
                    c.execute("INSERT INTO nonces(store, nonce, ts) VALUES ('S', ?, ?)", (f"old{i}", t["now"]))

        old_nonces(5)
        t["now"] += 3 * signing.MAX_SKEW_SECONDS + 1
        assert a._prune_nonces(t["now"]) == 6  # the five and the request's own
        with a.storage.tx() as c:
            c.execute("DELETE FROM nonces")
        t["now"] -= 3 * signing.MAX_SKEW_SECONDS + 1
        old_nonces(3)
        t["now"] += 3 * signing.MAX_SKEW_SECONDS + 1
        assert b._prune_nonces(t["now"] + 10) == 0  # a pruned less than a minute ago
        assert b._prune_nonces(t["now"] + NONCE_PRUNE_SECONDS) == 3
    finally:
        a_st.close()
        b_st.close()


def test_several_workers_need_postgresql():
    assert workers_refusal("postgresql://ho@db/ho", 4) is None
    assert workers_refusal("sqlite:///ho.db", 1) is None
    assert "PostgreSQL" in (workers_refusal("sqlite:///ho.db", 2) or "")
    assert workers_refusal("postgresql://ho@db/ho", 0) is not None
    out = subprocess.run(
        [sys.executable, "-m", "headoffice.cli", "--db", "sqlite:///unused.db", "serve", "--workers", "2"],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "needs PostgreSQL" in out.stderr
    assert not (ROOT / "unused.db").exists()  # refused before anything was opened
