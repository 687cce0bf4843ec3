"""The read-audit journal around lock, rekey and the admin command (issue #20 leftovers, SEC-2): a read
journalled while the writer was busy reaches the chain at lock, survives a rekey (killed at any step too) and is
never lost in silence when its file is of another key; `admin verify-audit` chains and checks it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.access.rekey import begin_rekey, finish_rekey
from app.audit import chain, journal
from app.errors import UserError
from app.members.service import get_member
from app.storage.db import Database
from tests.app.crashkit import KILLED, MANAGER_PW, kill_at, sign_in
from tests.app.test_cli import run as run_cli
from tests.app.test_read_journal import writer_held
from tests.factories import make_member


def _views(db, mid: str) -> int:
    return db.scalar("SELECT count(*) FROM audit_log WHERE action = 'member.view' AND subject_id = ?", (mid,))


def _journal_files(db_path: Path, *, main_only: bool = False) -> list[str]:
    """The journal files next to the store (with main_only: not their -wal/-shm)."""
    names = sorted(p.name for p in db_path.parent.glob(db_path.name + ".reads-*"))
    return [n for n in names if not n.endswith(("-wal", "-shm"))] if main_only else names


def _journalled_view(vault, session, mid: str) -> None:
    """A member view while the background connection holds the writer: its entry goes to the journal."""
    with writer_held(vault, session):
        get_member(session, mid)
        assert [p[4] for p in journal.journal_for(session.db).pending()] == ["member.view"]


def test_lock_takes_the_journal_in(vault, manager, paths):
    mid = make_member(manager)
    _journalled_view(vault, manager, mid)
    assert journal.pending_maybe(manager.db) and _views(manager.db, mid) == 0
    key = bytes(vault.data_key())
    vault.lock()  # what lock, sign-out and exit call (after the jobs have stopped)
    db = Database(paths.db, key)  # a plain look at the file, no session (a sign-in's write would take it in)
    try:
        assert _views(db, mid) == 1  # in the chain before the store closed # rule: SEC-2
        assert chain.verify(db).ok
    finally:
        db.close()


def test_rekey_takes_the_journal_in_and_removes_the_old_key_s_file(vault, manager, paths):
    mid = make_member(manager)
    _journalled_view(vault, manager, mid)
    assert len(_journal_files(paths.db, main_only=True)) == 1
    plan = begin_rekey(vault, manager, MANAGER_PW)
    finish_rekey(vault, plan, plan.recovery_key)
    assert _journal_files(paths.db) == []  # the old key's file, its -wal and -shm are gone
    s = vault.sign_in("manager", MANAGER_PW)
    assert _views(s.db, mid) == 1  # rule: SEC-2
    assert chain.verify(s.db).ok
    assert s.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'audit.read_journal_set_aside'") == 0


def test_a_read_journalled_after_the_rekey_copy_cancels_it_and_stays_in_the_chain(vault, manager, paths):
    mid = make_member(manager)
    plan = begin_rekey(vault, manager, MANAGER_PW)
    _journalled_view(vault, manager, mid)  # after the copy: the copy does not hold it
    with pytest.raises(UserError) as exc:
        finish_rekey(vault, plan, plan.recovery_key)
    assert exc.value.key == "rekey.store_changed"
    assert _views(manager.db, mid) == 1  # in the live chain, not lost with a swapped-out file # rule: SEC-2
    assert not (paths.db.parent / "memberdesk.db.new").exists()


def test_a_journal_of_an_unknown_key_is_set_aside_and_audited(vault, manager, paths):
    manager.db  # noqa: B018 - the store is set up; its own journal is another file
    vault.lock()
    stray = Path(f"{os.path.realpath(paths.db)}.reads-0badc0de")
    stray.write_bytes(b"journal of a key this store never had")
    s = vault.sign_in("manager", MANAGER_PW)  # its write deals with the stray file first
    assert not stray.exists()
    kept = list(stray.parent.glob(stray.name + ".unreadable-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"journal of a key")  # kept on disk
    rows = s.db.all("SELECT details FROM audit_log WHERE action = 'audit.read_journal_set_aside'")
    assert [json.loads(r[0]) for r in rows] == [{"reason": "other_key"}]  # never lost in silence # rule: SEC-2
    assert chain.verify(s.db).ok


# -- killed mid-rekey with a journalled read ------------------------------------------------------------------
def _op_read_then_rekey(paths, pipe):
    vault, session = sign_in(paths)
    mid = session.db.scalar("SELECT id FROM members LIMIT 1")
    _journalled_view(vault, session, mid)
    os.write(pipe, mid.encode())
    plan = begin_rekey(vault, session, MANAGER_PW)  # its first write takes the read in, before the copy
    finish_rekey(vault, plan, plan.recovery_key)


CONFIRMED = ("rekey.after_confirm", "rekey.after_db_swap", "rekey.after_swap")


@pytest.mark.parametrize("point", ["rekey.after_stage", *CONFIRMED])
def test_a_rekey_killed_with_a_journalled_read_keeps_it_and_leaves_no_old_journal(
    vault, manager, paths, tmp_path, point
):
    make_member(manager)
    vault.close()
    code, work, data = kill_at(paths.data_dir, tmp_path / "killed", point, _op_read_then_rekey)
    assert code == KILLED
    mid = data.decode()
    left = _journal_files(work.db, main_only=True)
    assert len(left) == 1  # the journal of the key the store had when the process died
    v2, s2 = sign_in(work)  # the next start: finishes or undoes the rekey; its sign-in write meets the file
    try:
        assert _views(s2.db, mid) == 1  # rule: SEC-2
        assert chain.verify(s2.db).ok  # rule: SEC-2
        rekeyed = s2.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'store.rekey'") == 1
        assert rekeyed == (point in CONFIRMED)
        now = _journal_files(work.db, main_only=True)
        if rekeyed:  # the old key's file was retired by the rekey: removed, not set aside
            assert not [n for n in _journal_files(work.db) if n.startswith(left[0])]  # -wal, -shm too
        else:  # rolled back: it is the store's own journal still
            assert now == left
        assert s2.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'audit.read_journal_set_aside'") == 0
    finally:
        v2.close()


# -- the admin command ----------------------------------------------------------------------------------------
def test_admin_verify_audit_chains_the_journalled_reads_and_reports_them_verified(vault, manager, paths):
    """The app (this process) still has the store open with two reads in the journal; the admin command, another
    process, takes them into the chain and verifies it; the app's own later write does not chain them again."""
    mid = make_member(manager)
    other = make_member(manager, name="李四")
    with writer_held(vault, manager):  # (the block's own write would take in a read made before it)
        get_member(manager, mid)
        get_member(manager, other)
    assert len(journal.journal_for(manager.db).pending()) == 2
    assert _views(manager.db, mid) == _views(manager.db, other) == 0
    r = run_cli(["--username", "manager", "--password-stdin", "verify-audit"], MANAGER_PW + "\n", paths.data_dir)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] is True  # rule: SEC-2
    assert report["read_journal_taken_in"] == 2
    assert _views(manager.db, mid) == 1 and _views(manager.db, other) == 1  # rule: SEC-2
    assert report["entries"] == manager.db.scalar("SELECT count(*) FROM audit_log")  # they were verified
    with manager.write("test.write"):
        pass
    assert _views(manager.db, mid) == 1 and _views(manager.db, other) == 1  # exactly once # rule: SEC-2
    assert chain.verify(manager.db).ok
