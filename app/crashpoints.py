"""Named crash points of the write paths that must survive a fault (erasure, restore).

    from app import crashpoints
    crashpoints.hit("erasure.after_ledger")

does nothing unless the point is armed: by a test (`arm(name)`: raises `CrashPoint`, or
`arm(name, exit=True)`: the process dies with os._exit(137), like a power cut) or by the
environment variable MEMBERDESK_CRASH_AT=<name> read at import (subprocess tests: the process
dies at that point). Names are labels only; nothing personal is carried.

Points (keep this list in step with the calls):
  erasure.after_ledger        ledger file written, erasure transaction not committed
  erasure.after_commit        erasure committed, WAL not checkpointed
  sweep.after_ledger          retention sweep: batch's ledger lines written, batch not committed
  order.after_ledger          head-office erasure order: ledger written, page not committed
  replay.after_erase          ledger replay: one member re-erased, not yet checkpointed
  restore.after_unpack        backup unpacked, ledgers not merged yet
  restore.after_merge         ledgers merged into the file, replay-pending flag not written
"""

from __future__ import annotations

import os

ENV = "MEMBERDESK_CRASH_AT"
POINTS = (
    "erasure.after_ledger",
    "erasure.after_commit",
    "sweep.after_ledger",
    "order.after_ledger",
    "replay.after_erase",
    "restore.after_unpack",
    "restore.after_merge",
)
_armed: dict[str, bool] = {}


class CrashPoint(BaseException):
    """Raised at an armed point (BaseException: no `except Exception` on the way swallows it)."""


def arm(name: str, *, exit: bool = False) -> None:
    if name not in POINTS:
        raise ValueError(f"unknown crash point {name}")
    _armed[name] = exit


def disarm(name: str | None = None) -> None:
    if name is None:
        _armed.clear()
    else:
        _armed.pop(name, None)


def hit(name: str) -> None:
    if name in _armed:
        if _armed[name]:
            os._exit(137)
        raise CrashPoint(name)


_env = os.environ.get(ENV, "")
if _env in POINTS:
    _armed[_env] = True
