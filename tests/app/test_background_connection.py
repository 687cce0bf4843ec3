"""Background jobs write on their own connection (Vault.background_session): the counter reads while a job
holds a write transaction, the counter's writes wait their turn and then succeed (or say the database is busy),
two writers keep one audit chain, and locking interrupts the job, whose import resumes from its checkpoint."""

import csv
import itertools
import threading

import pytest

from app.audit import chain
from app.errors import UserError
from app.members.search import search_members
from app.members.service import find_by_mobile
from app.purchases.pos_import import import_pos_file
from app.storage import db as store_db
from app.storage.db import JobStopped
from tests.app.bgutil import JOIN, HeldImport, held_write, wait_for
from tests.conftest import MANAGER_PW
from tests.factories import make_member


def _members(session, n):
    ids = [make_member(session, name=f"会员{i:03d}", mobile=f"1370000{i:04d}") for i in range(n)]
    nos = dict(session.db.all("SELECT id, member_no FROM members"))
    return ids, [nos[i] for i in ids]


def _pos_csv(path, nos, rows, start=0):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["交易号", "会员号", "交易时间", "金额"])
        for k in range(start, start + rows):
            w.writerow([f"T{k:06d}", nos[k % len(nos)], f"2026-05-0{1 + k % 9} 10:{k % 60:02d}:00", "12.50"])
    return path


def test_background_connection_has_the_same_key_and_pragmas(vault, manager):
    job = vault.background_session(manager)
    assert job.db is not manager.db and job.db.background and job.staff == manager.staff
    assert vault.background_session(manager).db is job.db  # one per sign-in
    for pragma in ("journal_mode", "secure_delete", "foreign_keys", "temp_store", "synchronous", "cache_size"):
        assert job.db.scalar(f"PRAGMA {pragma}") == manager.db.scalar(f"PRAGMA {pragma}"), pragma
    assert job.db.scalar("PRAGMA temp_store") == 2  # temp tables in memory only
    assert job.db.scalar("SELECT value FROM meta WHERE key = 'store_code'") == "SH-001"


def test_a_counter_read_returns_while_a_background_import_holds_its_write(vault, manager, tmp_path, monkeypatch):
    ids, nos = _members(manager, 5)
    f = _pos_csv(tmp_path / "pos.csv", nos, 30)
    held = HeldImport(monkeypatch, vault.background_session(manager), f, batch_size=1000)
    # the import's write transaction is open on the background connection: the UI connection still reads
    assert find_by_mobile(manager.db, "13700000003") == ids[3]
    assert manager.db.scalar("SELECT count(*) FROM purchases") == 0  # the last committed state
    assert held.inside.is_set() and held.thread.is_alive() and not held.go.is_set()  # the writer is still inside
    held.release()
    assert held.error is None and held.result.accepted == 30
    assert manager.db.scalar("SELECT count(*) FROM purchases") == 30


def test_a_counter_write_waits_for_the_background_write_then_succeeds(vault, manager, tmp_path, monkeypatch):
    """A write at the counter (here a registration's member row) waits for the import batch, then goes before
    the next batch (the UI writes first). A search no longer waits (its audit entry goes to the read-audit
    journal while the writer is busy, issue #20): test_a_counter_search_answers_during_the_batch below."""
    _ids, nos = _members(manager, 5)
    f = _pos_csv(tmp_path / "pos.csv", nos, 30)
    held = HeldImport(monkeypatch, vault.background_session(manager), f, batch_size=10)
    out = {}
    ui = threading.Thread(target=lambda: out.update(res=make_member(manager, name="排队")), daemon=True)
    ui.start()
    wait_for(lambda: vault.background_db().ui_write_waiting)  # the UI's write is queued, not failed
    assert "res" not in out
    held.release()
    ui.join(JOIN)
    assert manager.db.scalar("SELECT count(*) FROM members WHERE id = ?", (out["res"],)) == 1
    actions = [r[0] for r in manager.db.all("SELECT action FROM audit_log ORDER BY seq")]
    tail = actions[actions.index("purchase.import.batch") :]
    assert tail[:3] == ["purchase.import.batch", "member.create.test", "purchase.import.batch"]  # UI first
    assert held.result.accepted == 30 and chain.verify(manager.db).ok


def test_a_counter_search_answers_during_the_batch(vault, manager, tmp_path, monkeypatch):
    """Issue #20: a search during the import's batch transaction answers at once; its audit entry (SEC-2)
    reaches the chain with the next write (here the import's next batch), before that batch's own entries."""
    ids, nos = _members(manager, 5)
    f = _pos_csv(tmp_path / "pos.csv", nos, 30)
    held = HeldImport(monkeypatch, vault.background_session(manager), f, batch_size=10)
    res = search_members(manager, "13700000002")  # the batch is held open meanwhile
    assert [h.id for h in res.hits] == [ids[2]]
    held.release()
    wait_for(lambda: held.result is not None)
    actions = [r[0] for r in manager.db.all("SELECT action FROM audit_log ORDER BY seq")]
    tail = actions[actions.index("purchase.import.batch") :]
    assert tail[:3] == ["purchase.import.batch", "member.search", "purchase.import.batch"]  # rule: SEC-2
    assert held.result.accepted == 30 and chain.verify(manager.db).ok


def test_a_write_that_cannot_start_says_the_database_is_busy(vault, manager, monkeypatch):
    with held_write(vault.background_session(manager)):
        monkeypatch.setattr(store_db, "UI_WAIT_SECONDS", 0.01)
        with pytest.raises(UserError) as err:
            make_member(manager)
    assert err.value.key == "store.busy"
    assert "数据库正忙" in err.value.message("zh_CN") and "database is busy" in err.value.message("en")
    make_member(manager)  # afterwards it simply works
    assert chain.verify(manager.db).ok


def test_another_process_holding_the_write_lock_gives_the_busy_message(vault, manager):
    """The admin command (another process) does not share the in-process gate: SQLite's busy timeout
    waits, and "database is locked" after it becomes the same clear message."""
    other = store_db.Database(vault.paths.db, vault.data_key())
    other._gate = store_db.WriterGate()  # as if in another process
    manager.db.execute("PRAGMA busy_timeout = 10")
    try:
        with other.transaction(), pytest.raises(UserError) as err:
            make_member(manager)
        assert err.value.key == "store.busy"
    finally:
        other.close()
    make_member(manager)


@pytest.mark.parametrize("shared_gate", [True, False], ids=["one process", "two processes"])
def test_two_writers_keep_one_valid_audit_chain(vault, manager, monkeypatch, shared_gate):
    if not shared_gate:  # only SQLite's lock (BEGIN IMMEDIATE) orders them
        monkeypatch.setattr(store_db, "writer_gate", lambda path: store_db.WriterGate())
    job = vault.background_session(manager)
    before = chain.verify(manager.db).entries
    errors = []

    def write(session, tag, n=150):
        try:
            for i in range(n):
                with session.write("test.write", "test", f"{tag}{i}", {"i": i}) as tx:
                    tx.audit("test.extra", "test", f"{tag}{i}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(manager, "ui")), threading.Thread(target=write, args=(job, "bg"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN)
    assert not errors
    result = chain.verify(manager.db)
    assert result.ok and result.entries == before + 2 * 2 * 150  # rule: SEC-2
    rows = manager.db.all("SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq")
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))  # one chain, no fork
    heads = {r[0] for r in manager.db.all("SELECT subject_id FROM audit_log WHERE action = 'test.write'")}
    assert len(heads) == 300


def test_an_audit_entry_outside_a_write_transaction_is_refused(manager):
    with pytest.raises(RuntimeError):
        chain.append(manager.db.conn, ts="2026-01-01T00:00:00+08:00", staff_id=None, terminal="T", action="x")


def test_lock_interrupts_a_running_statement(vault, manager):
    job = vault.background_session(manager)
    running, out = threading.Event(), {}
    job.db.conn.create_function("started", 0, lambda: running.set() or 1)

    def long_query():
        try:
            job.db.scalar(
                "WITH RECURSIVE c(x) AS (SELECT started() UNION ALL SELECT x + 1 FROM c"
                " WHERE x < 10000000000) SELECT count(*) FROM c"
            )
        except BaseException as exc:  # noqa: BLE001
            out["error"] = exc

    t = threading.Thread(target=long_query, daemon=True)
    t.start()
    assert running.wait(JOIN)
    vault.lock()  # what the idle timer, 锁定 and 切换用户 call
    t.join(JOIN)
    assert not t.is_alive() and isinstance(out["error"], JobStopped)
    assert job.db.closed and vault.db is None


def test_lock_stops_the_background_import_and_it_resumes_from_its_checkpoint(vault, manager, tmp_path, monkeypatch):
    _ids, nos = _members(manager, 7)
    f = _pos_csv(tmp_path / "pos.csv", nos, 35)
    job = vault.background_session(manager)
    held = HeldImport(monkeypatch, job, f, batch_size=10, hold_batch=2)  # batch 2's transaction is open
    locker = threading.Thread(target=vault.lock, daemon=True)
    locker.start()
    wait_for(lambda: job.db.stopped)  # lock asked the job to stop ...
    held.release()  # ... its next statement is refused: batch 2 rolls back
    locker.join(JOIN)
    assert isinstance(held.error, JobStopped)
    assert job.db.closed and vault.db is None
    monkeypatch.undo()

    session = vault.sign_in("manager", MANAGER_PW)
    assert session.db.scalar("SELECT count(*) FROM purchases") == 10  # batch 1 only
    assert session.db.scalar("SELECT line_done FROM pos_imports") == 11  # its checkpoint (header = line 1)
    res = import_pos_file(vault.background_session(session), f, batch_size=10)
    assert res.resumed_from == 11 and res.accepted == 35 and not res.rejected
    assert session.db.scalar("SELECT count(DISTINCT pos_txn_id) FROM purchases") == 35
    assert session.db.scalar("SELECT count(*) FROM purchases") == 35
    assert chain.verify(session.db).ok


def test_background_jobs_and_an_interrupted_import_leave_no_plaintext_or_temp_files(
    vault, manager, paths, tmp_path, monkeypatch
):
    """STO-1 with the second connection: an import stopped by the lock, then backup, import and sweep on the
    background connection; afterwards no file holds the marker and no temporary file is left."""
    import tempfile

    from app.access import backup
    from app.logs import setup_logging
    from app.retention import sweep_due

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    setup_logging(paths.log_dir)
    marker_name, marker_mobile = "标记姓名丙丁", "13912344321"
    mid = make_member(manager, name=marker_name + "ZQXBGMARK", mobile=marker_mobile)
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))
    f = _pos_csv(tmp_path / "pos.csv", [no], 25)
    stopped = vault.background_session(manager)
    held = HeldImport(monkeypatch, stopped, f, batch_size=10, hold_batch=2)
    locker = threading.Thread(target=vault.lock, daemon=True)
    locker.start()
    wait_for(lambda: stopped.db.stopped)
    held.release()
    locker.join(JOIN)
    assert isinstance(held.error, JobStopped)
    session = vault.sign_in("manager", MANAGER_PW)
    job = vault.background_session(session)
    assert import_pos_file(job, f, batch_size=10).accepted == 25
    bundle = backup.create_backup(vault, job)
    sweep_due(job, ledger_path=paths.erasure_ledger)
    vault.lock()
    files = [p for root in (paths.data_dir, tmp) for p in root.rglob("*") if p.is_file()]
    assert not list(tmp.rglob("*"))  # nothing in the temp folder
    for p in files:
        assert not p.name.endswith((".tmp", "-journal", ".new")), p.name
        assert not (p.name.endswith("-wal") and p.stat().st_size), p.name
    for p in [*files, bundle]:
        data = p.read_bytes()
        for marker in (marker_name.encode(), marker_mobile.encode(), b"ZQXBGMARK"):
            assert marker not in data, f"{marker!r} found in {p.name}"  # rule: STO-1


def _fill_wal(db, pages: int) -> None:
    """One write transaction of about `pages` new 4 KB pages (a scratch table: the size is what matters)."""
    with db.transaction() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS wal_scratch(b BLOB)")
        conn.executemany("INSERT INTO wal_scratch(b) VALUES (randomblob(4000))", [()] * pages)


def test_the_counter_s_connection_leaves_wal_checkpoints_to_the_jobs(vault, manager, paths):
    """docs/bench/counter.md (issue #20): a counter commit that found more than 1,000 pages in the WAL (an import
    batch's, not yet copied because a read held an old snapshot) ran SQLite's auto-checkpoint of all of it. The
    vault's (counter's) connection never does; the background connection's commits and its periodic passive
    checkpoint do. The main file only grows when a checkpoint copies pages into it."""
    bg = vault.background_db()
    _fill_wal(bg, 1500)  # a job's big commit: its own auto-checkpoint copies it
    after_job = paths.db.stat().st_size
    assert after_job > 1500 * 4000
    _fill_wal(manager.db, 1500)  # the counter's: nothing copied, however full the WAL
    _fill_wal(manager.db, 10)
    assert paths.db.stat().st_size == after_job
    bg.checkpoint(passive=True)  # the main window's wal_checkpoint job
    assert paths.db.stat().st_size > after_job + 1400 * 4000
