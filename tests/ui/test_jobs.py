"""ui/jobs.py: one job at a time per lane (the next waits), cancellation on lock (the running job is stopped
through the vault's background-connection stop and its result dropped), one way of reporting results and
errors (on the UI thread)."""

from __future__ import annotations

import logging
import threading

import pytest

from app.storage.db import JobStopped
from ui.jobs import Job, JobsManager
from ui.workers import SyncRunner, ThreadRunner

WAIT = 5000


def _manager(runner=None, **kw):
    return JobsManager(runner or ThreadRunner(), **kw)


def test_one_job_at_a_time_per_lane_the_next_waits(qtbot):
    jobs = _manager()
    gate, order, done = threading.Event(), [], []

    def first():
        order.append("first started")
        assert gate.wait(WAIT / 1000)
        order.append("first ended")
        return 1

    def second():
        order.append("second started")
        return 2

    assert jobs.submit(Job("a", first, on_done=done.append))
    assert jobs.submit(Job("b", second, on_done=done.append))
    qtbot.waitUntil(lambda: order == ["first started"], timeout=WAIT)
    assert jobs.running() == "a" and jobs.queued() == ["b"]  # b waits for a
    assert not jobs.submit(Job("a", first))  # a is not queued twice
    qtbot.wait(50)
    assert order == ["first started"]
    gate.set()
    qtbot.waitUntil(lambda: done == [1, 2], timeout=WAIT)
    assert order == ["first started", "first ended", "second started"]
    assert jobs.running() is None and jobs.queued() == []


def test_lanes_run_side_by_side(qtbot):
    jobs = _manager()
    gate, seen = threading.Event(), []
    jobs.submit(Job("slow", lambda: gate.wait(WAIT / 1000), lane="one"))
    jobs.submit(Job("quick", lambda: "ok", lane="two", on_done=seen.append))
    qtbot.waitUntil(lambda: seen == ["ok"], timeout=WAIT)  # not behind the slow one
    assert jobs.running("one") == "slow"
    gate.set()
    qtbot.waitUntil(lambda: jobs.running("one") is None, timeout=WAIT)


def test_results_and_errors_arrive_once_on_the_ui_thread(qtbot, caplog):
    shown = []
    jobs = _manager(show_error=lambda parent, exc: shown.append((parent, type(exc).__name__)))
    threads, finished, failed = [], [], []
    jobs.finished.connect(lambda name, result: finished.append((name, result)))
    jobs.failed.connect(lambda name, exc: failed.append((name, type(exc).__name__)))

    def boom():
        raise ValueError("13800001111")  # a message that must not reach the log

    def note(value):
        threads.append(threading.current_thread() is threading.main_thread())

    jobs.submit(Job("ok", lambda: 42, on_done=note))
    jobs.submit(Job("handled", boom, on_error=note))
    jobs.submit(Job("shown", boom, error_parent="the page"))
    with caplog.at_level(logging.ERROR, logger="memberdesk.ui.jobs"):
        jobs.submit(Job("logged", boom))
        qtbot.waitUntil(lambda: len(failed) == 3, timeout=WAIT)
    assert finished == [("ok", 42)] and threads == [True, True]
    assert failed == [("handled", "ValueError"), ("shown", "ValueError"), ("logged", "ValueError")]
    assert shown == [("the page", "ValueError")]  # through the one error helper
    assert "logged" in caplog.text and "ValueError" in caplog.text and "13800001111" not in caplog.text


def test_cancel_all_stops_the_running_job_drops_its_result_and_the_queue(qtbot):
    stops, done, errors, cancelled = [], [], [], []
    gate = threading.Event()
    jobs = _manager(stop=lambda: (stops.append(1), gate.set()))
    jobs.cancelled.connect(cancelled.append)
    jobs.every("tick", 60, lambda: Job("tick", lambda: None), start=True)
    jobs.submit(Job("running", lambda: gate.wait(WAIT / 1000), on_done=done.append, on_error=errors.append))
    jobs.submit(Job("waiting", lambda: "never", on_done=done.append))
    qtbot.waitUntil(lambda: jobs.running() == "running", timeout=WAIT)
    jobs.cancel_all()
    assert stops == [1] and sorted(cancelled) == ["running", "waiting"]
    assert jobs.queued() == [] and jobs.scheduled() == {}  # nothing starts after a lock
    qtbot.waitUntil(lambda: jobs.running() is None, timeout=WAIT)  # the stopped job has returned
    qtbot.wait(50)
    assert done == [] and errors == []  # its result went nowhere
    jobs.submit(Job("after", lambda: "next", on_done=done.append))  # the lane works again
    qtbot.waitUntil(lambda: done == ["next"], timeout=WAIT)


def test_schedules_run_by_name_and_skip_when_nothing_to_do():
    jobs = _manager(SyncRunner())
    ran, work = [], {"n": 0}

    def make():
        work["n"] += 1
        return None if work["n"] == 1 else Job("pos", lambda: ran.append(work["n"]))

    jobs.every("pos", 5, make)
    assert jobs.scheduled() == {}  # not started yet
    assert not jobs.run_now("pos") and ran == []  # nothing to do this time
    assert jobs.run_now("pos") and ran == [2]
    assert not jobs.run_now("unknown")
    jobs.start_schedules()
    assert jobs.scheduled() == {"pos": 5 * 60_000}


def test_lock_stops_a_job_on_the_background_connection(qtbot, vault, manager):
    from ui.context import AppContext

    ctx = AppContext(vault, runner=ThreadRunner())
    ctx.set_session(manager)
    started, outcome, delivered = threading.Event(), [], []

    def work():
        bg = ctx.background_session()
        started.set()
        try:
            while True:
                bg.db.scalar("SELECT count(*) FROM staff")
        except JobStopped as exc:
            outcome.append(type(exc).__name__)
            raise

    ctx.jobs.submit(Job("long", work, on_done=delivered.append, on_error=delivered.append))
    assert started.wait(WAIT / 1000)
    ctx.jobs.cancel_all()  # what the main window's lock does first
    qtbot.waitUntil(lambda: ctx.jobs.running() is None, timeout=WAIT)
    assert outcome == ["JobStopped"] and delivered == []
    assert vault._background is None


def test_main_window_schedules_its_jobs_at_sign_in_and_forgets_them_at_lock(qtbot, window):
    from app.purchases.pos_folder import INTERVAL_MINUTES
    from tests.conftest import MANAGER_PW

    ctx, win = window
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
    scheduled = ctx.jobs.scheduled()
    assert scheduled["backup"] == scheduled["retention_sweep"] == 60 * 60_000
    assert scheduled["pos_folder"] == INTERVAL_MINUTES * 60_000
    assert "sync" not in scheduled  # not enrolled: no periodic sync
    win.lock()
    assert ctx.jobs.scheduled() == {}


@pytest.fixture(autouse=True)
def _no_threads_left(qtbot):
    yield
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(WAIT)
