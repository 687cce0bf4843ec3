"""Time source. Services take a clock so tests can push time across boundaries."""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    """What services need of a time source: SystemClock, or FixedClock in tests."""

    def now(self) -> dt.datetime: ...

    def today(self) -> dt.date: ...

    def time(self) -> float: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).astimezone()

    def today(self) -> dt.date:
        return self.now().date()

    def time(self) -> float:
        return time.time()


class FixedClock(SystemClock):
    """A clock that stands still until moved (tests)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

    def now(self) -> dt.datetime:
        return self._now

    def time(self) -> float:
        return self._now.timestamp()

    def advance(self, **kw: float) -> None:
        self._now += dt.timedelta(**kw)

    def set(self, when: dt.datetime) -> None:
        self._now = when


def iso(ts: dt.datetime) -> str:
    return ts.isoformat(timespec="seconds")
