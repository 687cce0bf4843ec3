"""Finishing or undoing what a crash interrupted, at the next open (issue #17). Files only, no key.

A rekey (app.access.rekey) stages `memberdesk.db.new` (the copy under the new key) and
`keyslots.json.new` (the acting manager's slot and the new recovery key's), shows the new recovery key,
and only once it is confirmed writes the marker `rekey.confirmed`, swaps the DB, then the key slots,
and removes the marker. So at the next open:
  - marker present: the new recovery key was shown and confirmed: roll forward (finish the swaps);
  - no marker: nothing was swapped: roll back (the staged files are orphans and go); the old DB, the
    old key slots and the old recovery key are untouched;
  - no marker, `keyslots.json.new` alone: a rekey by an older version crashed after its DB swap: roll
    forward as that version did.
Temporary files of atomic writes (`*.tmp`) left by a kill go too. `remove_partial_backups` removes the
temporary copies an interrupted backup left (they hold the whole store, erased members included).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from app import crashpoints

log = logging.getLogger("memberdesk.recovery")

DB_NEW = "memberdesk.db.new"
SLOTS_NEW = "keyslots.json.new"
CONFIRMED = "rekey.confirmed"
PARTIAL_BACKUP_GLOBS = ("memberdesk-*.mdbak.tmp", "memberdesk-*.mdbak.db.tmp")


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False


def fsync_dir(directory: Path) -> None:
    """Make renames and removals in `directory` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def rekey_files(db_path: Path, keyslots_path: Path) -> tuple[Path, Path, Path]:
    """(staged DB, staged key slots, confirmed marker) of a rekey."""
    return db_path.with_name(DB_NEW), keyslots_path.with_name(SLOTS_NEW), db_path.with_name(CONFIRMED)


def swap_in(db_path: Path, keyslots_path: Path) -> None:
    """The confirmed half of a rekey (also its roll-forward): DB first, then the key slots, then the marker.
    Each step is idempotent, so a kill at any point is finished by running this again."""
    db_new, slots_new, marker = rekey_files(db_path, keyslots_path)
    if db_new.exists():
        for suffix in ("-wal", "-shm"):  # the old file's (checkpointed) WAL must not meet the new file
            _unlink(Path(str(db_path) + suffix))
        os.replace(db_new, db_path)
        fsync_dir(db_path.parent)
        crashpoints.hit("rekey.after_db_swap")
    if slots_new.exists():
        os.replace(slots_new, keyslots_path)
        fsync_dir(keyslots_path.parent)
        crashpoints.hit("rekey.after_slots_swap")
    _unlink(marker)
    fsync_dir(db_path.parent)


def roll_back(db_path: Path, keyslots_path: Path) -> bool:
    """Remove a rekey's staged files (slots before DB, so a kill here never leaves slots.new alone)."""
    db_new, slots_new, _marker = rekey_files(db_path, keyslots_path)
    found = _unlink(slots_new)
    found = _unlink(db_new) or found
    for suffix in ("-wal", "-shm", "-journal"):
        _unlink(Path(str(db_new) + suffix))
    if found:
        fsync_dir(db_path.parent)
    return found


def recover_interrupted(db_path: Path, keyslots_path: Path) -> str | None:
    """Finish or undo an interrupted rekey; remove temporary files. Returns "rolled_forward",
    "rolled_back" or None (nothing to do). Call only while no connection to the DB is open."""
    db_new, slots_new, marker = rekey_files(db_path, keyslots_path)
    for tmp in (keyslots_path.with_name(keyslots_path.name + ".tmp"), slots_new.with_name(SLOTS_NEW + ".tmp")):
        _unlink(tmp)
    outcome: str | None = None
    if marker.exists():
        swap_in(db_path, keyslots_path)
        outcome = "rolled_forward"
    elif slots_new.exists() and not db_new.exists():
        os.replace(slots_new, keyslots_path)  # an older version's rekey, DB already swapped
        fsync_dir(keyslots_path.parent)
        outcome = "rolled_forward"
    elif roll_back(db_path, keyslots_path):
        outcome = "rolled_back"
    if outcome:
        log.warning("interrupted rekey %s", outcome.replace("_", " "))
    return outcome


def remove_partial_backups(directory: Path) -> int:
    """Delete the temporary copies of interrupted backups in `directory`. Returns how many went."""
    directory = Path(directory)
    if not directory.is_dir():
        return 0
    removed = 0
    for pattern in PARTIAL_BACKUP_GLOBS:
        for path in directory.glob(pattern):
            removed += _unlink(path)
    if removed:
        log.warning("removed %d temporary file(s) of an interrupted backup", removed)
    return removed
