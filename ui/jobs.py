"""Background jobs: one queue per lane, cancellation, one way of reporting (Vorta's JobsManager, Anki's
CollectionOp).

A `Job` is a name, a function run off the UI thread (through `ctx.run_task`: a QThreadPool in the app, inline
in tests) and what to do with its result or its error. `JobsManager.submit(job)` queues it in its lane: one
job runs at a time per lane and the next waits (the POS folder, backup and sweep all write through the
background connection, which has one writer anyway); a job whose name is already queued or running is not
queued twice (a slow POS file outlasting the timer's interval does not pile up runs).

Results and errors arrive on the UI thread, in one place: the job's `on_done(result)` / `on_error(exc)`
and the manager's `finished(name, result)` / `failed(name, exc)` signals. A job with no `on_error` has its
error logged by type only (no personal data) or, with `error_parent`, shown through `ctx.show_error`.

`every(name, minutes, make_job)` registers a periodic job (the manager owns the timers: nothing else in ui/
keeps a QTimer and a "running" flag for background work); `start_schedules(first_run_after_ms)` after
sign-in, `run_now(name)` for "do it now" (the settings page after a new POS folder). `cancel_all()` (lock,
sign-out, exit) forgets the schedules, drops what is queued, discards the results of what is running and
stops it through `stop` (the vault's background-connection stop: a job's open transaction rolls back).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger("memberdesk.ui.jobs")

BACKGROUND = "background"  # the lane of the jobs on the background connection


@dataclass
class Job:
    name: str
    fn: Callable[[], object]
    on_done: Callable[[object], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    lane: str = BACKGROUND
    error_parent: object = None  # a widget: show an error without on_error through the error helper


class JobsManager(QObject):
    started = Signal(str)  # job name
    finished = Signal(str, object)  # job name, result
    failed = Signal(str, object)  # job name, exception
    cancelled = Signal(str)  # job name (queued and dropped, or running and stopped)

    def __init__(
        self,
        runner: Callable,
        *,
        stop: Callable[[], None] | None = None,
        show_error: Callable | None = None,
        parent=None,
    ):
        super().__init__(parent)
        self.runner = runner  # run_task(fn, on_done, on_error)
        self.stop = stop
        self.show_error = show_error  # show_error(parent, exc)
        self._queues: dict[str, deque[Job]] = {}
        self._running: dict[str, Job] = {}
        self._generation = 0
        self._schedules: dict[str, tuple[QTimer, Callable[[], Job | None]]] = {}
        self._first_run = QTimer(self)  # the first run of every schedule, soon after sign-in
        self._first_run.setSingleShot(True)
        self._first_run.timeout.connect(self.run_all_now)

    # -- the queue -------------------------------------------------------------------------------------
    def submit(self, job: Job) -> bool:
        """Queue `job` in its lane; False when a job of that name is already queued or running."""
        if self.pending(job.name):
            return False
        self._queues.setdefault(job.lane, deque()).append(job)
        self._pump(job.lane)
        return True

    def pending(self, name: str) -> bool:
        return any(j.name == name for j in self._running.values()) or any(
            j.name == name for q in self._queues.values() for j in q
        )

    def running(self, lane: str = BACKGROUND) -> str | None:
        job = self._running.get(lane)
        return job.name if job else None

    def queued(self, lane: str = BACKGROUND) -> list[str]:
        return [j.name for j in self._queues.get(lane, ())]

    def _pump(self, lane: str) -> None:
        queue = self._queues.get(lane)
        if lane in self._running or not queue:
            return
        job = queue.popleft()
        self._running[lane] = job
        generation = self._generation
        self.started.emit(job.name)
        self.runner(
            job.fn,
            lambda result: self._finish(lane, job, generation, result, None),
            lambda exc: self._finish(lane, job, generation, None, exc),
        )

    def _finish(self, lane: str, job: Job, generation: int, result, exc: BaseException | None) -> None:
        if self._running.get(lane) is job:
            del self._running[lane]
        try:
            if generation != self._generation:  # cancelled while it ran: nobody waits for it any more
                log.info("job %s ended after it was cancelled", job.name)
            elif exc is None:
                if job.on_done is not None:
                    job.on_done(result)
                self.finished.emit(job.name, result)
            else:
                self._report(job, exc)
                self.failed.emit(job.name, exc)
        finally:
            self._pump(lane)

    def _report(self, job: Job, exc: BaseException) -> None:
        if job.on_error is not None:
            job.on_error(exc)
        elif job.error_parent is not None and self.show_error is not None:
            self.show_error(job.error_parent, exc)
        else:
            log.error("job %s failed: %s", job.name, type(exc).__name__)

    # -- schedules -------------------------------------------------------------------------------------
    def every(self, name: str, minutes: float, make_job: Callable[[], Job | None], *, start: bool = False) -> None:
        """A periodic job: every `minutes` (once started) `make_job()` gives the job to queue, or None when
        there is nothing to do this time. Registering a name again replaces it. Schedules belong to the
        signed-in session: cancel_all() forgets them all."""
        self.forget(name)
        timer = QTimer(self)
        timer.setInterval(max(1, int(minutes * 60_000)))
        timer.timeout.connect(lambda: self.run_now(name))
        self._schedules[name] = (timer, make_job)
        if start:
            timer.start()

    def forget(self, name: str) -> None:
        old = self._schedules.pop(name, None)
        if old is not None:
            old[0].stop()
            old[0].deleteLater()

    def run_now(self, name: str) -> bool:
        """Queue the periodic job `name` now (False: unknown, nothing to do, or already queued/running)."""
        entry = self._schedules.get(name)
        if entry is None:
            return False
        job = entry[1]()
        return job is not None and self.submit(job)

    def run_all_now(self) -> None:
        for name in list(self._schedules):
            self.run_now(name)

    def start_schedules(self, first_run_after_ms: int | None = None) -> None:
        """Start every schedule's timer; with `first_run_after_ms`, run them all once that soon."""
        for timer, _ in self._schedules.values():
            timer.start()
        if first_run_after_ms is not None:
            self._first_run.start(first_run_after_ms)

    def scheduled(self) -> dict[str, int]:
        """name -> interval in ms of the periodic jobs whose timers are running."""
        return {n: t.interval() for n, (t, _) in self._schedules.items() if t.isActive()}

    # -- cancellation ----------------------------------------------------------------------------------
    def cancel_all(self) -> None:
        """Lock, sign-out, exit: no timer fires, nothing queued starts, a running job is stopped (through
        `stop`) and its result is dropped. The lane stays busy until that job has actually returned."""
        self._first_run.stop()
        for name in list(self._schedules):
            self.forget(name)
        self._generation += 1
        for queue in self._queues.values():
            while queue:
                self.cancelled.emit(queue.popleft().name)
        for job in list(self._running.values()):
            self.cancelled.emit(job.name)
        if self.stop is not None:
            self.stop()
