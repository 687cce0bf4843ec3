"""Head office as several worker processes over one database: the console's sign-in back-off and
sessions live in the database, so every instance sees the same ones (issue #19)."""

from __future__ import annotations

import threading

import pytest
from starlette.testclient import TestClient

from headoffice.console.accounts import Throttle
from headoffice.server import create_app
from headoffice.service import HeadOffice
from headoffice.storage import PostgresStorage, SQLiteStorage
from tests.app.syncutil import HOClock, pg_dsn_or_skip, reset_pg
from tests.headoffice.conftest import T0
from tests.headoffice.consoleutil import add_users, csrf_of, signin


def _two_instances(kind: str, tmp_path):
    if kind == "sqlite":
        a, b = SQLiteStorage(tmp_path / "ho.db"), None
        b = SQLiteStorage(tmp_path / "ho.db")
    else:
        dsn = pg_dsn_or_skip()
        reset_pg(dsn)
        a, b = PostgresStorage(dsn, pool_size=2), None
        b = PostgresStorage(dsn, pool_size=2)
    return a, b


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_console_instances_share_back_off_and_sessions(kind, tmp_path):
    clock = HOClock(T0)
    sa, sb = _two_instances(kind, tmp_path)
    try:
        ho_a = HeadOffice(sa, clock=clock)
        add_users(sa, clock)
        ho_b = HeadOffice(sb, clock=clock, keys=ho_a.keys)
        worker_a = TestClient(create_app(ho_a), base_url="https://testserver")
        worker_b = TestClient(create_app(ho_b), base_url="https://testserver")
        # failures spread over two workers (a load balancer alternating) add up in one count
        assert signin(worker_a, "alice", "wrong-password-1").status_code == 401
        assert signin(worker_b, "alice", "wrong-password-2").status_code == 401
        assert signin(worker_a, "alice", "wrong-password-3").status_code == 401
        r = signin(worker_b, "alice")  # the right password waits on the other worker too
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1  # rule: SEC-1
        clock.t += 3
        assert signin(worker_b, "alice").status_code == 303
        # a session opened on one worker is valid on the other, and signing out on one ends it on both
        cookie = worker_b.cookies.get("md_console")
        worker_a.cookies.set("md_console", cookie, path="/console")
        page = worker_a.get("/console/stores", follow_redirects=False)
        assert page.status_code == 200
        worker_a.post("/console/signout", data={"csrf": csrf_of(page.text)})
        assert worker_b.get("/console/stores", follow_redirects=False).status_code == 303
        with sa.read() as c:
            keys = [r[0] for r in c.all("SELECT key_hash FROM console_throttle")]
        assert keys and all(len(k) == 64 and "alice" not in k for k in keys)  # typed names are not kept
    finally:
        sa.close()
        sb.close()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_parallel_attempts_cannot_slip_past_the_limit(kind, tmp_path):
    """Attempts are counted before the password check under a row lock: 12 threads over two storages
    racing for one user get exactly `free` attempts through, the rest are told to wait."""
    clock = HOClock(T0)
    sa, sb = _two_instances(kind, tmp_path)
    try:
        ta, tb = Throttle(sa, clock=clock), Throttle(sb, clock=clock)
        results: list[int] = []
        lock = threading.Lock()

        def go(t: Throttle) -> None:
            w = t.attempt("user:alice", "addr:10.0.0.1")
            with lock:
                results.append(w)

        threads = [threading.Thread(target=go, args=(ta if i % 2 else tb,)) for i in range(12)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert results.count(0) == ta.free  # rule: SEC-1
        assert ta.wait("user:alice") == tb.wait("user:alice") > 0
        ta.succeeded("user:alice", "addr:10.0.0.1")
        assert tb.wait("user:alice") == 0
        clock.t += 24 * 3600 + 1  # a day later the address's count starts again
        assert tb.attempt("addr:10.0.0.1") == 0
    finally:
        sa.close()
        sb.close()
