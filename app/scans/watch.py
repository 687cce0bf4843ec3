"""A watched folder (the scanner's scan-to-folder target), polled by the UI's timer.

A file is imported once its size and modification time have stayed the same for one poll
(the scanner has finished writing). After a successful import the plaintext file is
overwritten and deleted (STO-1). A file that fails is moved into the encrypted quarantine with the reason
(app.scans.quarantine: kept, so nothing is lost, but nothing readable stays in the folder: STO-1) and reported;
files an older version left in the `未导入` sub-folder are moved there too. A file that vanishes mid-import is
reported and skipped.
One bad file never blocks the folder: whatever importing it raises is that file's problem, and the
files after it are imported in the same poll. A failure of the store itself (busy, locked, permission)
is not the file's fault: the file stays where it is and is tried again at the next poll.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import UserError
from app.scans.importer import SCAN_IMPORT, ImportResult, import_file
from app.scans.quarantine import quarantine_file
from app.storage.db import JobStopped

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.fieldcrypt import FieldCipher

log = logging.getLogger("memberdesk.scans.watch")

EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pdf"}
FAILED_DIR = "未导入"


@dataclass
class PollOutcome:
    imported: list[ImportResult] = field(default_factory=list)
    failed: list[tuple[str, UserError]] = field(default_factory=list)  # (file name, error)
    waiting: int = 0


class FolderWatcher:
    def __init__(self, folder: Path | str) -> None:
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
        return sorted(
            Path(e.path)
            for e in entries
            if e.is_file(follow_symlinks=False)
            and Path(e.name).suffix.lower() in EXTENSIONS
            and not e.name.startswith(".")
        )

    def poll(self, session: Session, cipher: FieldCipher) -> PollOutcome:
        session.require(SCAN_IMPORT)
        out = PollOutcome()
        self._drain_failed_dir(session, cipher)
        current: dict[str, tuple[int, int]] = {}
        for path in self.candidates():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            sig = (st.st_size, st.st_mtime_ns)
            current[path.name] = sig
            if self._seen.get(path.name) != sig or st.st_size == 0:
                out.waiting += 1  # new or still being written: look again next poll
                continue
            current.pop(path.name, None)
            try:
                out.imported.append(import_file(session, cipher, path, source="folder", delete_source=True))
            except JobStopped:
                raise  # the app is locking: the file stays for the next session
            except UserError as exc:
                out.failed.append((path.name, exc))
                if _files_fault(exc):
                    self._park(session, cipher, path, exc.key)
                log.warning("watched folder: file not imported: %s", exc.key)
            except Exception as exc:  # noqa: BLE001 - never let one file stop the poll (issue #17)
                log.error("watched folder: import failed: %s", type(exc).__name__)
                out.failed.append((path.name, UserError("scans.unreadable")))
                self._park(session, cipher, path, "scans.unreadable")
        self._seen = current
        return out

    def _park(self, session: Session, cipher: FieldCipher, path: Path, reason: str) -> None:
        """Move a refused file into the encrypted quarantine (nothing is lost, nothing readable stays: STO-1).
        If the store cannot take it now (busy, locked), the file stays and the next poll tries again."""
        try:
            quarantine_file(session, cipher, path, reason=reason, source="folder")
        except JobStopped:
            raise
        except FileNotFoundError:
            pass
        except Exception as exc:  # noqa: BLE001 - the file stays where it is; retried at the next poll
            log.error("watched folder: could not quarantine a failed file: %s", type(exc).__name__)

    def _drain_failed_dir(self, session: Session, cipher: FieldCipher) -> None:
        """Files an earlier version parked in plaintext in 未导入 go into the quarantine too."""
        failed = self.folder / FAILED_DIR
        if not failed.is_dir():
            return
        for entry in sorted(os.scandir(failed), key=lambda e: e.name):
            if entry.is_file(follow_symlinks=False):
                self._park(session, cipher, Path(entry.path), "scans.legacy_failed")
        try:
            failed.rmdir()
        except OSError:
            pass


def _files_fault(exc: UserError) -> bool:
    """A refusal caused by the file (moved to 未导入), not by the store or the session (tried again)."""
    return exc.key.startswith("scans.") and exc.key != "scans.file_missing"
