"""The main window's background jobs (backup, POS folder import, retention sweep) run on the background
connection; locking closes it; a counter search that cannot write its audit entry in time says so in words."""

from __future__ import annotations

import os
import time

from tests.app.bgutil import held_write
from tests.conftest import MANAGER_PW
from tests.factories import make_member


def _sign_in(ctx, win):
    ctx.vault.setup(
        store_code="SH-001",
        store_name="上海南京路店",
        terminal_name="DESK-1",
        username="manager",
        display_name="王店长",
        password=MANAGER_PW,
    )
    ctx.vault.lock()
    win.show()
    win.sign_in.username.setText("manager")
    win.sign_in.password.setText(MANAGER_PW)
    win.sign_in.submit()
    assert ctx.session is not None


def test_background_jobs_use_their_own_connection_and_lock_closes_it(qtbot, window, tmp_path, monkeypatch):
    import app.purchases.pos_folder
    import app.retention.sweep
    from app.access import backup
    from app.settings import set_setting

    ctx, win = window
    _sign_in(ctx, win)
    mid = make_member(ctx.session)
    no = ctx.session.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))
    folder = tmp_path / "pos"
    folder.mkdir()
    f = folder / "a.csv"
    f.write_text(f"交易号,会员号,交易时间,金额\r\nT1,{no},2026-10-01 10:00,10\r\n", encoding="utf-8")
    os.utime(f, (time.time() - 60, time.time() - 60))
    set_setting(ctx.session, "pos_export_folder", str(folder))
    used = {}
    for module, name in (
        (backup, "create_backup"),
        (app.purchases.pos_folder, "run_folder_import"),
        (app.retention.sweep, "sweep_due"),
    ):
        real = getattr(module, name)

        def spy(*args, _real=real, _name=name, **kw):
            session = args[-1] if _name == "create_backup" else args[0]
            used[_name] = session.db
            return _real(*args, **kw)

        monkeypatch.setattr(module, name, spy)
    win.background_jobs()
    bg = ctx.vault._background
    assert bg is not None and bg is not ctx.session.db
    assert set(used) == {"create_backup", "run_folder_import", "sweep_due"}
    assert all(db is bg for db in used.values())
    assert ctx.session.db.scalar("SELECT count(*) FROM purchases") == 1  # seen on the UI connection
    assert len(backup.list_backups(ctx.paths)) == 1
    win.lock()
    assert bg.closed and bg.stopped and ctx.vault._background is None and ctx.vault.db is None


def test_a_search_answers_while_a_job_writes_and_a_busy_store_says_so_in_words(qtbot, window, monkeypatch):
    """Issue #20: a search while the background connection holds the writer answers (its audit entry goes to
    the read-audit journal); when the store really cannot record the read, the page says so in words."""
    from app.audit import journal

    ctx, win = window
    _sign_in(ctx, win)
    make_member(ctx.session, mobile="13800001111")
    page = win.open_page("members")
    with held_write(ctx.background_session()):
        page.search.setText("13800001111")
        page.run_search()
        assert page.table.rowCount() == 1 and not page.status.text().startswith("数据库正忙")
        assert [p[4] for p in journal.journal_for(ctx.session.db).pending()] == ["member.search"]
    from app.errors import UserError

    def busy(*a, **k):
        raise UserError("store.busy")

    monkeypatch.setattr(journal, "record", busy)
    page.run_search()
    assert page.status.text().startswith("数据库正忙")  # words, not a traceback
    monkeypatch.undo()
    page.run_search()
    assert page.table.rowCount() == 1


def test_a_timer_takes_the_read_journal_in_while_signed_in_and_lock_takes_in_the_rest(qtbot, window, monkeypatch):
    """Issue #20: a counter that only reads writes nothing that would take its journalled reads in; the main
    window's `read_journal` job (every minute; here every 60 ms) does, on the background connection, only when
    the journal may hold entries; locking takes in what came after (SEC-2)."""
    from app.audit import chain, journal
    from app.members.service import get_member
    from app.storage.db import Database

    monkeypatch.setattr(journal, "TAKE_IN_MINUTES", 0.001)
    ctx, win = window
    _sign_in(ctx, win)
    assert ctx.jobs.scheduled()["read_journal"] == 60
    assert ctx.jobs.scheduled()["wal_checkpoint"] == 60_000  # the counter's connection leaves it to the jobs
    assert ctx.jobs.run_now("wal_checkpoint") is True
    for name in ("backup", "pos_folder", "retention_sweep", "evidence_summary"):
        ctx.jobs.forget(name)  # their writes would take the journal in too: only the timer's job is left
    assert ctx.jobs.run_now("read_journal") is False  # nothing journalled: no job, no write
    mid = make_member(ctx.session)
    views = "SELECT count(*) FROM audit_log WHERE action = 'member.view' AND subject_id = ?"
    with held_write(ctx.background_session()):
        get_member(ctx.session, mid)  # the writer is busy: into the journal
    assert ctx.session.db.scalar(views, (mid,)) == 0
    with qtbot.waitSignal(ctx.jobs.finished, timeout=10_000, check_params_cb=lambda n, _r: n == "read_journal") as s:
        pass  # the timer fires
    assert s.args[1] == 1
    assert ctx.session.db.scalar(views, (mid,)) == 1  # rule: SEC-2
    with held_write(ctx.background_session()):
        get_member(ctx.session, mid)
    key, db_path = bytes(ctx.vault.data_key()), ctx.paths.db
    win.lock()  # before the timer: lock takes it in
    db = Database(db_path, key)  # a look at the file without a sign-in (whose write would take it in)
    try:
        assert db.scalar(views, (mid,)) == 2  # rule: SEC-2
        assert chain.verify(db).ok
    finally:
        db.close()
