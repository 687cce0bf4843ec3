"""Helpers for tests of the background connection: hold a background write transaction open, wait for
another thread to reach a state."""

import threading
from contextlib import contextmanager

import app.purchases.pos_import as pos_import
from app.purchases.pos_import import import_pos_file

JOIN = 120  # a safety net for a broken build (a thread that never ends), not a timing assertion


@contextmanager
def held_write(job):
    """A write transaction held open on `job`'s connection (a background session) while the block runs."""
    inside, go = threading.Event(), threading.Event()

    def hold():
        with job.db.transaction() as conn:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('held_write', '1')"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
            )
            inside.set()
            go.wait()

    t = threading.Thread(target=hold, daemon=True)
    t.start()
    assert inside.wait(JOIN)
    try:
        yield
    finally:
        go.set()
        t.join(JOIN)


class HeldImport:
    """Runs import_pos_file on the background session in a thread and holds the write transaction of batch
    `hold_batch` open (after the batch's journal row, before its purchase_touch rows) until `release()`."""

    def __init__(self, monkeypatch, session, path, *, batch_size, hold_batch=1):
        self.inside, self.go = threading.Event(), threading.Event()
        self.result, self.error = None, None
        calls = []
        real = pos_import.add_purchase_batch

        def add_purchase_batch(tx, **kw):
            out = real(tx, **kw)
            calls.append(kw)
            if len(calls) == hold_batch:
                self.inside.set()
                self.go.wait()
            return out

        monkeypatch.setattr(pos_import, "add_purchase_batch", add_purchase_batch)

        def run():
            try:
                self.result = import_pos_file(session, path, batch_size=batch_size)
            except BaseException as exc:  # noqa: BLE001 - looked at by the test
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert self.inside.wait(JOIN)

    def release(self):
        self.go.set()
        self.thread.join(JOIN)
        assert not self.thread.is_alive()


def wait_for(predicate):
    """Wait until another thread reaches a state (no time limit asserted; a broken build hangs the safety net)."""
    ev = threading.Event()
    for _ in range(JOIN * 100):
        if predicate():
            return
        ev.wait(0.01)
    raise AssertionError("state never reached")
