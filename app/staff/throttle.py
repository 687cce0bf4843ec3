"""Exponential back-off after wrong passwords, persisted across restarts.

State lives in signin-state.json beside the DB, keyed by the key-slot lookup hash (no user
names). The first 3 failures are free; then the wait doubles from 5 s up to 15 minutes.
Unknown user names are throttled the same way, so probing reveals nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

FREE_ATTEMPTS = 3
BASE_SECONDS = 5
MAX_SECONDS = 900


def wait_after(failures: int) -> int:
    if failures < FREE_ATTEMPTS:
        return 0
    return min(MAX_SECONDS, BASE_SECONDS * 2 ** (failures - FREE_ATTEMPTS))


class Throttle:
    def __init__(self, path: Path):
        self.path = Path(path)

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _save(self, data: dict) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data), "utf-8")
        os.replace(tmp, self.path)

    def seconds_left(self, lookup: str, now: float) -> int:
        entry = self._load().get(lookup)
        if not entry:
            return 0
        return max(0, round(float(entry.get("until", 0)) - now))

    def failed(self, lookup: str, now: float) -> int:
        data = self._load()
        entry = data.get(lookup, {"failures": 0})
        entry["failures"] = int(entry.get("failures", 0)) + 1
        entry["until"] = now + wait_after(entry["failures"])
        data[lookup] = entry
        self._save(data)
        return entry["failures"]

    def succeeded(self, lookup: str) -> None:
        data = self._load()
        if data.pop(lookup, None) is not None:
            self._save(data)
