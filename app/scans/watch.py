"""A watched folder (the scanner's scan-to-folder target), polled by the UI's timer.

A file is imported once its size and modification time have stayed the same for one poll
(the scanner has finished writing). After a successful import the plaintext file is
overwritten and deleted (STO-1). A file that fails is moved to the `未导入` sub-folder (kept, so
nothing is lost) and reported; a file that vanishes mid-import is reported and skipped.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import UserError
from app.scans.importer import ImportResult, import_file

log = logging.getLogger("memberdesk.scans.watch")

EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pdf"}
FAILED_DIR = "未导入"


@dataclass
class PollOutcome:
    imported: list[ImportResult] = field(default_factory=list)
    failed: list[tuple[str, UserError]] = field(default_factory=list)   # (file name, error)
    waiting: int = 0


class FolderWatcher:
    def __init__(self, folder: Path | str):
        self.folder = Path(folder)
        self._seen: dict[str, tuple[int, int]] = {}

    def check(self) -> None:
        if not self.folder.is_dir():
            raise UserError("scans.watch_folder_missing")

    def candidates(self) -> list[Path]:
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            raise UserError("scans.watch_folder_missing") from None
        return sorted(Path(e.path) for e in entries
                      if e.is_file(follow_symlinks=False) and Path(e.name).suffix.lower() in EXTENSIONS
                      and not e.name.startswith("."))

    def poll(self, session, cipher) -> PollOutcome:
        out = PollOutcome()
        current: dict[str, tuple[int, int]] = {}
        for path in self.candidates():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            sig = (st.st_size, st.st_mtime_ns)
            current[path.name] = sig
            if self._seen.get(path.name) != sig or st.st_size == 0:
                out.waiting += 1          # new or still being written: look again next poll
                continue
            try:
                out.imported.append(import_file(session, cipher, path, source="folder", delete_source=True))
                current.pop(path.name, None)
            except UserError as exc:
                current.pop(path.name, None)
                out.failed.append((path.name, exc))
                if exc.key != "scans.file_missing":
                    self._park(path)
                log.warning("watched folder: file not imported: %s", exc.key)
        self._seen = current
        return out

    def _park(self, path: Path) -> None:
        target_dir = self.folder / FAILED_DIR
        try:
            target_dir.mkdir(exist_ok=True)
            target = target_dir / path.name
            n = 1
            while target.exists():
                target = target_dir / f"{path.stem}-{n}{path.suffix}"
                n += 1
            path.rename(target)
        except FileNotFoundError:
            pass
        except OSError:
            log.error("watched folder: could not move a failed file aside")
