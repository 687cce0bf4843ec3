"""Read-audit journal (issue #20): a read at the counter never waits for a background job's write, and SEC-2
stays whole — every read is in the hash chain, in order, after a crash too (app.audit.journal)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from app import crashpoints
from app.access import audit_log
from app.audit import chain, journal
from app.members.search import search_members
from app.members.service import get_member
from app.purchases.pos_import import import_pos_file
from tests.app.crashkit import KILLED, kill_at, sign_in
from tests.factories import make_member

WAIT = 30  # seconds: a safety net against a hang, never a timing threshold


@contextmanager
def writer_held(vault, session):
    """Another connection (the background jobs') holds the store's write transaction until the block ends."""
    bg = vault.background_session(session)
    inside, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold():
        with bg.db.transaction():
            inside.set()
            release.wait(WAIT)
        done.set()

    t = threading.Thread(target=hold)
    t.start()
    assert inside.wait(WAIT)
    try:
        yield done
    finally:
        release.set()
        t.join(WAIT)


def _actions(db, after: int = 0) -> list[tuple]:
    return [tuple(r) for r in db.all("SELECT action, subject_id FROM audit_log WHERE seq > ? ORDER BY seq", (after,))]


def _in_thread(fn, *args):
    """Run fn in a thread; returns (finished within WAIT while we waited, result box)."""
    box: dict = {}
    t = threading.Thread(target=lambda: box.setdefault("r", fn(*args)))
    t.start()
    t.join(WAIT)
    return not t.is_alive(), box


def test_with_the_writer_free_a_read_goes_straight_into_the_chain(manager):
    mid = make_member(manager)
    get_member(manager, mid)
    assert _actions(manager.db)[-1] == ("member.view", mid)  # rule: SEC-2
    assert journal.journal_for(manager.db).pending() == []


def test_reads_while_another_connection_writes_do_not_wait_and_are_chained_in_order(vault, manager):
    mid = make_member(manager)
    other = make_member(manager, name="李四")
    before = chain.head(manager.db)[0]
    with writer_held(vault, manager) as held_done:
        ok1, _ = _in_thread(get_member, manager, mid)
        ok2, res = _in_thread(search_members, manager, "李四")
        ok3, _ = _in_thread(get_member, manager, other)
        # all three answered while the other connection still held its write transaction
        assert ok1 and ok2 and ok3 and not held_done.is_set()
        assert [h.id for h in res["r"].hits] == [other]
        pending = journal.journal_for(manager.db).pending()
        assert [(p[4], p[6]) for p in pending] == [
            ("member.view", mid),
            ("member.search", other),
            ("member.view", other),
        ]
        assert chain.head(manager.db)[0] == before  # not in the chain yet: in the journal, committed
    # the next write takes them in first, in the order they were read, then its own entry
    with manager.write("test.write", "member", mid):
        pass
    actions = _actions(manager.db, before)
    assert actions == [
        ("member.view", mid),
        ("member.search", other),
        ("member.view", other),
        ("test.write", mid),
    ]  # rule: SEC-2
    assert chain.verify(manager.db).ok  # rule: SEC-2
    # each read keeps who and where: the staff member and terminal of the read
    rows = manager.db.all(
        "SELECT staff_id, terminal FROM audit_log WHERE seq > ? AND action LIKE 'member.%'", (before,)
    )
    assert {tuple(r) for r in rows} == {(manager.staff.id, manager.terminal)}


def test_the_audit_log_view_export_and_verify_see_journalled_reads(vault, manager):
    mid = make_member(manager)
    with writer_held(vault, manager):
        get_member(manager, mid)
        assert len(journal.journal_for(manager.db).pending()) == 1
    # no write since: the view takes the journal in before it lists
    entries = audit_log.list_entries(manager, action="member.view")
    assert [e["subject_id"] for e in entries] == [mid]  # rule: SEC-2
    with writer_held(vault, manager):
        get_member(manager, mid)
    exported = audit_log.export_csv(manager).decode("utf-8-sig")
    assert exported.count(f"member.view,member,{mid}") == 2  # rule: SEC-2
    with writer_held(vault, manager):
        get_member(manager, mid)
    result = audit_log.verify_chain(manager)
    assert result.ok  # rule: SEC-2
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'member.view'") == 3


def test_each_read_is_taken_in_exactly_once(vault, manager):
    """The taken rows stay in the journal until the next take-in (the state a kill right after the commit
    leaves): the mark in the store skips them; a new store connection (restart) does too."""
    mid = make_member(manager)
    with writer_held(vault, manager):
        get_member(manager, mid)
    with manager.write("test.write"):
        pass
    assert len(journal.journal_for(manager.db).pending()) == 1  # taken in, not yet pruned
    with manager.write("test.write"):
        pass
    assert journal.journal_for(manager.db).pending() == []
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'member.view'") == 1  # rule: SEC-2


def test_a_lost_journal_file_restarts_numbering_without_skipping(vault, manager):
    mid = make_member(manager)
    j = journal.journal_for(manager.db)
    with writer_held(vault, manager):
        get_member(manager, mid)
    with manager.write("test.write"):
        pass
    j.close()
    for p in Path(j.path).parent.glob(Path(j.path).name + "*"):
        p.unlink()
    j._clean = -1  # as after a restart
    with writer_held(vault, manager):
        get_member(manager, mid)  # id 1 again in a new journal (new journal id)
    with manager.write("test.write"):
        pass
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'member.view'") == 2  # rule: SEC-2


def test_personal_values_are_refused_before_they_reach_the_journal(vault, manager):
    with writer_held(vault, manager), pytest.raises(ValueError):
        manager.audit_read("member.view", "member", "x", details={"mobile": "13900000000"})
    assert journal.journal_for(manager.db).pending() == []


def test_a_member_view_during_a_running_pos_import_does_not_wait_for_its_transaction(
    vault, manager, tmp_path, monkeypatch
):
    """The import stops inside its batch transaction (before COMMIT); the counter's view and search answer
    meanwhile; their entries reach the chain with the next write on the store."""
    mid = make_member(manager)
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))
    f = tmp_path / "pos.csv"
    f.write_text("交易号,会员号,交易时间,金额\r\n" + "".join(f"T{i},{no},2026-10-01 10:00,1\r\n" for i in range(5)))
    inside, release = threading.Event(), threading.Event()
    real_hit = crashpoints.hit

    def pause_in_batch(name):
        if name == "import.batch_before_commit" and not release.is_set():
            inside.set()
            release.wait(WAIT)
        real_hit(name)

    monkeypatch.setattr(crashpoints, "hit", pause_in_batch)
    job = vault.background_session(manager)
    out: dict = {}
    t = threading.Thread(target=lambda: out.setdefault("r", import_pos_file(job, f)))
    t.start()
    try:
        assert inside.wait(WAIT)
        ok_view, _ = _in_thread(get_member, manager, mid)
        ok_search, _ = _in_thread(search_members, manager, no)
        assert ok_view and ok_search and t.is_alive()  # answered while the import held its transaction
    finally:
        release.set()
        t.join(WAIT)
    assert out["r"].accepted == 5
    # the import's batch was its last transaction: the reads wait in the journal for the next write
    assert [p[4] for p in journal.journal_for(manager.db).pending()] == ["member.view", "member.search"]
    with manager.write("test.write"):
        pass
    acts = [a for a, _ in _actions(manager.db)]
    assert acts[-3:] == ["member.view", "member.search", "test.write"]  # rule: SEC-2
    assert acts.index("purchase.import.batch") < acts.index("member.view")
    assert chain.verify(manager.db).ok  # rule: SEC-2


def _op_read_while_job_writes(paths, pipe):
    vault, session = sign_in(paths)
    mid = session.db.scalar("SELECT id FROM members LIMIT 1")
    bg = vault.background_session(session)
    inside = threading.Event()

    def hold():
        with bg.db.transaction():
            inside.set()
            threading.Event().wait(WAIT)

    threading.Thread(target=hold, daemon=True).start()
    inside.wait(WAIT)
    import os

    os.write(pipe, mid.encode())
    get_member(session, mid)  # journalled; the process dies at audit.read_journalled


def test_a_kill_between_the_read_and_the_take_in_keeps_the_read(vault, manager, paths, tmp_path):
    make_member(manager)
    vault.close()
    code, work, data = kill_at(paths.data_dir, tmp_path / "killed", "audit.read_journalled", _op_read_while_job_writes)
    assert code == KILLED
    mid = data.decode()
    v2, s2 = sign_in(work)  # the next start
    try:
        assert chain.verify(s2.db).ok
        result = audit_log.verify_chain(s2)  # takes in what the killed process journalled
        assert result.ok  # rule: SEC-2
        views = s2.db.all("SELECT staff_id FROM audit_log WHERE action = 'member.view' AND subject_id = ?", (mid,))
        assert len(views) == 1  # rule: SEC-2
    finally:
        v2.close()


def test_the_next_read_that_finds_the_writer_free_takes_the_journal_in_first(vault, manager):
    mid = make_member(manager)
    other = make_member(manager, name="李四")
    before = chain.head(manager.db)[0]
    with writer_held(vault, manager):
        get_member(manager, mid)
    get_member(manager, other)  # writer free: straight into the chain, after the journalled one
    assert _actions(manager.db, before) == [("member.view", mid), ("member.view", other)]  # rule: SEC-2
    assert chain.verify(manager.db).ok


def test_an_unreadable_journal_is_set_aside_audited_and_does_not_stop_writes(vault, manager):
    mid = make_member(manager)
    j = journal.journal_for(manager.db)
    with writer_held(vault, manager):
        get_member(manager, mid)
    j.close()
    Path(j.path).write_bytes(b"\0" * 4096)  # damaged
    for suffix in ("-wal", "-shm"):
        Path(j.path + suffix).unlink(missing_ok=True)
    j._clean = -1  # as after a restart
    with manager.write("test.write"):
        pass
    acts = [a for a, _ in _actions(manager.db)]
    assert acts[-2:] == ["audit.read_journal_set_aside", "test.write"]  # the loss is itself in the chain
    assert list(Path(j.path).parent.glob(Path(j.path).name + ".unreadable-*"))  # kept on disk, not deleted
    assert chain.verify(manager.db).ok
