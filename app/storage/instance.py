"""One running MemberDesk per data folder: an OS file lock on memberdesk.lock."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import TextIO

from app.errors import StoreError


class InstanceLock:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._fh: TextIO | None = None

    def acquire(self) -> InstanceLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")  # noqa: SIM115  # held open: the lock lives as long as the handle
        try:
            if os.name == "nt":
                import msvcrt

                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]  # Windows only
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.close()
            raise StoreError("store.locked_by_other") from exc
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            try:
                if os.name != "nt":
                    import fcntl

                    fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            finally:
                self._fh.close()
                self._fh = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
