"""run_task(fn, on_done, on_error): run fn on a QThreadPool and deliver the result on the UI thread.

Tests swap in SyncRunner so work happens inline (Picard's pattern)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger("memberdesk.ui.workers")


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable, signals: _Signals):
        super().__init__()
        self.fn, self.signals = fn, signals

    def run(self):
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - delivered to the UI, which shows a message
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


# A busy Python thread (a POS file being parsed) keeps the GIL up to the switch interval each time the UI
# thread asks for it, and a search asks for it again after every SQLite step: at the default 5 ms the counter's
# reads took up to 1.1 s during an import (p95 0.74 s), at 0.5 ms up to 0.15 s (p95 44 ms; docs/bench/counter.md).
SWITCH_INTERVAL = 0.0005


class ThreadRunner:
    def __init__(self, pool: QThreadPool | None = None):
        self.pool = pool or QThreadPool.globalInstance()
        if sys.getswitchinterval() > SWITCH_INTERVAL:
            sys.setswitchinterval(SWITCH_INTERVAL)
        self._alive: set[_Signals] = set()

    def __call__(self, fn: Callable, on_done: Callable | None = None, on_error: Callable | None = None) -> None:
        signals = _Signals()
        self._alive.add(signals)

        def finish(cb, value):
            self._alive.discard(signals)
            if cb:
                cb(value)

        signals.done.connect(lambda r: finish(on_done, r))
        signals.failed.connect(lambda e: finish(on_error or _log_error, e))
        self.pool.start(_Task(fn, signals))


class SyncRunner:
    """Runs the task inline (tests)."""

    def __call__(self, fn: Callable, on_done: Callable | None = None, on_error: Callable | None = None) -> None:
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001
            (on_error or _log_error)(exc)
        else:
            if on_done:
                on_done(result)


def _log_error(exc: BaseException) -> None:
    log.error("background task failed: %s", type(exc).__name__)
