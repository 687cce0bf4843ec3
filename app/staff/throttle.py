"""Exponential back-off after wrong passwords, persisted across restarts, failing closed.

State lives in signin-state.json beside the DB, keyed by the key-slot lookup hash (no user
names). The first 3 failures are free; then the wait doubles from 5 s up to 15 minutes.
Unknown user names are throttled the same way, so probing reveals nothing.

Fail closed (issue #17): an attempt is counted *before* the password is checked (`attempt()`), so a
process killed during the check, or a disk that cannot take the count, never gives a free try. The
count is kept in memory too: when the file cannot be written (disk full, read-only folder) the
back-off still holds in this process and the sign-in is refused with `signin.state_unsaved`
(a restart would otherwise forget the count). A failed write leaves no temporary file.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from app.errors import UserError
from app.messages import add_messages

log = logging.getLogger("memberdesk.throttle")

FREE_ATTEMPTS = 3
BASE_SECONDS = 5
MAX_SECONDS = 900

add_messages(
    {
        "signin.state_unsaved": (
            "无法记录登录尝试（磁盘已满或数据目录不可写），为安全起见暂不允许登录。请让IT清理磁盘空间后重试，"
            "见IT手册“故障与提示”一节。",
            "The sign-in attempt cannot be recorded (the disk is full or the data folder is read-only), so "
            "sign-in is refused for safety. Ask IT to free disk space and try again (IT guide, “Faults and "
            "messages”).",
        ),
    }
)


def wait_after(failures: int) -> int:
    if failures < FREE_ATTEMPTS:
        return 0
    return min(MAX_SECONDS, BASE_SECONDS * 2 ** (failures - FREE_ATTEMPTS))


class Throttle:
    def __init__(self, path: Path):
        self.path = Path(path)
        # Failures this process counted: the back-off holds even when the file could not be written.
        # The stricter of memory and file wins (another process, the admin command, writes the file too).
        self._memory: dict[str, dict] = {}

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _save(self, data: dict) -> None:
        """Atomic replace; on any failure the temporary file is removed and OSError raised."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(data))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                tmp.unlink()
            except OSError:
                pass
            raise

    def _entry(self, lookup: str) -> dict | None:
        on_disk = self._load().get(lookup)
        found = [e for e in (self._memory.get(lookup), on_disk) if isinstance(e, dict)]
        return max(found, key=lambda e: (int(e.get("failures", 0)), float(e.get("until", 0)))) if found else None

    def seconds_left(self, lookup: str, now: float) -> int:
        entry = self._entry(lookup)
        if not entry:
            return 0
        return max(0, round(float(entry.get("until", 0)) - now))

    def failed(self, lookup: str, now: float) -> int:
        """Count one failure (kept in memory even when it cannot be saved). Raises
        UserError("signin.state_unsaved") when the file cannot be written."""
        entry = dict(self._entry(lookup) or {"failures": 0})
        entry["failures"] = int(entry.get("failures", 0)) + 1
        entry["until"] = now + wait_after(entry["failures"])
        self._memory[lookup] = entry
        data = self._load()
        data[lookup] = entry
        try:
            self._save(data)
        except OSError as exc:
            log.warning("sign-in state not saved: %s", type(exc).__name__)
            raise UserError("signin.state_unsaved") from None
        return int(entry["failures"])

    def attempt(self, lookup: str, now: float) -> None:
        """Count the attempt before the password is checked (`succeeded` takes it back): a kill during
        the check or a full disk never yields an uncounted try. Raises signin.state_unsaved."""
        self.failed(lookup, now)

    def succeeded(self, lookup: str) -> None:
        """Clear the count. If the file cannot be written it keeps the older count (stricter, never looser)."""
        self._memory.pop(lookup, None)
        data = self._load()
        if data.pop(lookup, None) is not None:
            try:
                self._save(data)
            except OSError as exc:
                log.warning("sign-in state not cleared on disk: %s", type(exc).__name__)
