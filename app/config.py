"""Paths and settings.

Paths come from platformdirs and can be overridden with `--data-dir` or the environment
variable MEMBERDESK_DATA_DIR; with an override, logs, backups and cache live under it, so
tests and a second test store never touch the real one.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from app import APP_AUTHOR, APP_NAME

ENV_DATA_DIR = "MEMBERDESK_DATA_DIR"

# One table of settings and their defaults. Stored in the encrypted DB (table settings).
DEFAULTS: dict[str, object] = {
    "idle_lock_minutes": 5,
    "backup_keep": 14,
    "backup_interval_hours": 24,
    "sync_interval_minutes": 15,
    "head_office_url": "",
    "font_path": "",
    "receipt_printer": "",  # an 80 mm ESC/POS printer on the network, "host:port"; empty = none (app.printing.escpos)
    "customer_screen": "auto",  # auto | off | screen index
    "pos_export_folder": "",  # the folder the POS writes its exports to; empty = no automatic import
    # (app.purchases.pos_folder)
}

# Settings needed before sign-in (no personal data): language and the store shown on sign-in.
TERMINAL_DEFAULTS: dict[str, object] = {
    "language": "zh_CN",
    "store_code": "",
    "store_name": "",
    "terminal_name": "",
    "scan_watch_folder": "",  # the scanner's scan-to-folder target on this PC (app.scans.watch)
}


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    log_dir: Path
    backup_dir: Path
    cache_dir: Path

    @property
    def db(self) -> Path:
        return self.data_dir / "memberdesk.db"

    @property
    def keyslots(self) -> Path:
        return self.data_dir / "keyslots.json"

    @property
    def signin_state(self) -> Path:
        return self.data_dir / "signin-state.json"

    @property
    def terminal(self) -> Path:
        return self.data_dir / "terminal.json"

    @property
    def lockfile(self) -> Path:
        return self.data_dir / "memberdesk.lock"

    @property
    def erasure_ledger(self) -> Path:
        return self.data_dir / "erasure-ledger.jsonl"

    def ensure(self) -> Paths:
        for p in (self.data_dir, self.log_dir, self.backup_dir, self.cache_dir):
            p.mkdir(parents=True, exist_ok=True)
            try:
                os.chmod(p, 0o700)
            except OSError:
                pass
        return self


def resolve_paths(data_dir: str | os.PathLike | None = None) -> Paths:
    override = data_dir or os.environ.get(ENV_DATA_DIR)
    if override:
        root = Path(override).expanduser().resolve()
        return Paths(root, root / "logs", root / "backups", root / "cache")
    return Paths(
        Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
        Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
        Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)) / "backups",
        Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)),
    )


def read_terminal(paths: Paths) -> dict:
    data = dict(TERMINAL_DEFAULTS)
    try:
        data.update(json.loads(paths.terminal.read_text("utf-8")))
    except (OSError, ValueError):
        pass
    return data


def write_terminal(paths: Paths, **values: Any) -> dict[str, Any]:
    data = read_terminal(paths)
    data.update({k: v for k, v in values.items() if k in TERMINAL_DEFAULTS})
    tmp = paths.terminal.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    os.replace(tmp, paths.terminal)
    return data


def resource_dir() -> Path:
    """resources/ in a source checkout or inside a PyInstaller bundle."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base / "resources"
