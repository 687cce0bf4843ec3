"""Named crash points of the write paths that must survive a fault (erasure, restore, key slots).

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
  registration.before_commit  member, fields, consent, journal written; transaction not committed
  registration.after_commit   registration committed
  consent.before_commit       grant / re-consent written, not committed
  consent.after_commit        grant / re-consent committed
  withdrawal.before_commit    withdrawal and the purpose's fields' erasure written, not committed
  chain.before_order          a member's consent, core fields or restriction changed, its chain order not yet
                              journalled, nothing committed (the change and the order commit together)
  import.batch_before_commit  POS import: one batch's rows, journal row and checkpoint written, not committed
  import.after_batch          POS import: one batch committed (the next resumes from its checkpoint)
  sync.page_before_commit     sync: a downloaded page applied, cursor moved, not committed
  sync.after_page             sync: a page committed
  backup.after_copy           backup: the DB copy (.db.tmp) written, bundle not written
  backup.after_zip            backup: bundle (.mdbak.tmp) written, not renamed
  backup.after_rename         backup: bundle in place, temporary copy not yet removed
  rekey.after_copy            rekey: memberdesk.db.new written (old key), fields not re-encrypted
  rekey.copy_before_commit    rekey: re-encryption written in the copy, not committed
  rekey.after_reencrypt       rekey: copy done, keyslots.json.new not written
  rekey.after_stage           rekey: both staged; the new recovery key not yet shown and confirmed
  rekey.after_confirm         rekey: confirmed (marker written), nothing swapped
  rekey.after_db_swap         rekey: DB swapped, key slots not
  rekey.after_slots_swap      rekey: both swapped, marker not removed
  rekey.after_swap            rekey: done (marker removed), the old key's read-audit journal not yet removed
  password.after_stage        password change: the new key slot saved as pending, nothing committed
  password.after_commit       password change: change, audit entry and marker committed, slot still pending
  password.after_promote      password change: slot promoted and saved, the DB marker not cleared
  staff.after_stage           staff add / disable / enable / remove / role change: the key file saved with the
                              change staged (pending slot, slots or field key listed to go), nothing committed
  staff.after_commit          staff change, audit entry and marker committed, the key file still staged
  staff.after_promote         staff change applied to the key file and saved, the DB marker not cleared
  audit.read_journalled       read audit: the entry committed to the read-audit journal, not taken in

`MEMBERDESK_CRASH_AT=name` dies at the first hit of the point; `name:N` at its N-th hit (a batch loop).
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
    "registration.before_commit",
    "registration.after_commit",
    "consent.before_commit",
    "consent.after_commit",
    "withdrawal.before_commit",
    "chain.before_order",
    "import.batch_before_commit",
    "import.after_batch",
    "sync.page_before_commit",
    "sync.after_page",
    "backup.after_copy",
    "backup.after_zip",
    "backup.after_rename",
    "rekey.after_copy",
    "rekey.copy_before_commit",
    "rekey.after_reencrypt",
    "rekey.after_stage",
    "rekey.after_confirm",
    "rekey.after_db_swap",
    "rekey.after_slots_swap",
    "rekey.after_swap",
    "password.after_stage",
    "password.after_commit",
    "password.after_promote",
    "staff.after_stage",
    "staff.after_commit",
    "staff.after_promote",
    "audit.read_journalled",
)
_armed: dict[str, bool] = {}
_nth: dict[str, int] = {}  # armed point -> hits still to pass before it fires (1: the next one)


class CrashPoint(BaseException):
    """Raised at an armed point (BaseException: no `except Exception` on the way swallows it)."""


def arm(name: str, *, exit: bool = False, nth: int = 1) -> None:
    """Fire at the `nth` hit of `name` from now on (1: the next one)."""
    if name not in POINTS:
        raise ValueError(f"unknown crash point {name}")
    if nth < 1:
        raise ValueError("nth counts from 1")
    _armed[name] = exit
    _nth[name] = nth


def disarm(name: str | None = None) -> None:
    if name is None:
        _armed.clear()
        _nth.clear()
    else:
        _armed.pop(name, None)
        _nth.pop(name, None)


def hit(name: str) -> None:
    if name in _armed:
        left = _nth.get(name, 1) - 1
        if left > 0:
            _nth[name] = left
            return
        if _armed[name]:
            os._exit(137)
        raise CrashPoint(name)


def arm_from_env(value: str | None = None) -> str | None:
    """Arm the point named by MEMBERDESK_CRASH_AT (`name` or `name:N`) to kill the process. Read at import;
    a forked child that sets the variable calls this again. Returns the point's name (None: none)."""
    value = os.environ.get(ENV, "") if value is None else value
    name, _, count = value.partition(":")
    if name not in POINTS:
        return None
    arm(name, exit=True, nth=int(count) if count.isdigit() and int(count) > 0 else 1)
    return name


arm_from_env()
