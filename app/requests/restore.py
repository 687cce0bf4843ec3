"""Restore a backup and re-apply every later erasure before the data is used (RIG-3).

`restore_with_ledger(bundle, target, ledgers=[...], sign_in=...)` verifies the bundle and unpacks it into an
empty data folder (app.access.backup.restore_backup), signs the manager in to the RESTORED copy with its own
key slots (nothing of the old store is needed: it may be corrupt or gone), audits the restore there, and
merges into the target's erasure-ledger.jsonl the bundle's own ledger and every other ledger given: the old
data folder's erasure-ledger.jsonl and, when that folder is lost, the newest backup's copy
(`newest_backup_ledger`). Until the merged
ledger is written a `restore-incomplete` marker (cache folder) makes apply_ledger refuse the data
(a restore killed half-way is run again into a new folder). It leaves a
`replay-pending` flag file (no personal data). `apply_ledger(session, paths)` — called right
after sign-in, before any page opens — erases every ledger member the DB still holds, checkpoints
the WAL and removes the flag. It runs at every sign-in (cheap: one set difference), so a crash
between the ledger write and the commit of an erasure is completed the next time too; each
re-applied erasure journals its `erase` row, so head office and the other stores follow (RIG-3).

Only lines whose MAC checks are executed (app.erasure.entry_authentic). A line added or edited by
hand is refused: moved to erasure-ledger.jsonl.refused, counted in the audit and the log (no member
ids), and shown to the manager (reminder "erasure.ledger_refused") until acknowledged. A ledger
written before MACs existed is migrated on its first open: its lines are MACed, in the audit.
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

from app import crashpoints, erasure
from app.access.backup import SUFFIX, check_restore_target, discard_restore, restore_backup
from app.access.vault import Vault
from app.clock import Clock, iso
from app.config import Paths
from app.erasure import read_ledger_file, replay_ledger
from app.errors import StoreError, UserError
from app.messages import add_messages
from app.staff import permissions as P
from app.staff.session import Session

log = logging.getLogger("memberdesk.requests.restore")
PENDING = "replay-pending"
INCOMPLETE = "restore-incomplete"  # in the cache folder (allowed in an empty target) until the merge is done

add_messages(
    {
        "restore.incomplete": (
            "这次恢复没有完成（删除台账尚未合并），恢复出的数据不能使用。请重新恢复到一个新的空文件夹。",
            "This restore did not finish (the erasure ledger was not merged yet); its data must not "
            "be used. Restore again into a new, empty folder.",
        ),
    }
)


def ledger_from_bundle(bundle: Path) -> list[dict]:
    try:
        with zipfile.ZipFile(bundle) as zf:
            if "erasure-ledger.jsonl" not in zf.namelist():
                return []
            text = zf.read("erasure-ledger.jsonl").decode("utf-8")
    except (OSError, zipfile.BadZipFile):
        return []
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def newest_backup_ledger(backup_dir: Path) -> list[dict]:
    """The erasure ledger inside the newest bundle of a backup folder ([] when there is none or the folder
    cannot be read: the old disk may be the very thing that failed)."""
    try:
        found = sorted(Path(backup_dir).glob(f"memberdesk-*{SUFFIX}"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return []
    return ledger_from_bundle(found[-1]) if found else []


def merge_entries(*sources: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for entries in sources:
        for e in entries:
            mid = e.get("member_id")
            if mid and mid not in seen:
                seen[mid] = {k: e.get(k) for k in erasure.LEDGER_FIELDS}
                if e.get("mac"):
                    seen[mid]["mac"] = e["mac"]
    return sorted(seen.values(), key=lambda e: e.get("erased_at") or "")


def write_ledger(path: Path, entries: list[dict]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for e in entries:
            fh.write(json.dumps(e, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


SignIn: TypeAlias = "Callable[[Vault], Session]"
"""How the manager signs in to the restored copy: `lambda v: v.sign_in(name, password)` (their password as of
the backup) or `lambda v: v.reset_password_with_recovery(recovery_key, name, new_password)`."""


def read_ledger_if_readable(path: Path) -> list[dict]:
    """The ledger file of an old data folder that may be gone or unreadable (a failed disk): [] then."""
    try:
        return read_ledger_file(Path(path))
    except (OSError, UnicodeDecodeError):
        log.warning("restore: an old erasure ledger could not be read; the other copies are used")
        return []


def restore_with_ledger(
    bundle: Path,
    target: Paths,
    ledgers: list[list[dict]] | None = None,
    ledger_files: list[Path] | None = None,
    *,
    sign_in: SignIn,
    clock: Clock | None = None,
    replay: bool = False,
) -> dict:
    """Restore `bundle` into the empty folder `target`; merge every known ledger into the target's ledger file.

    Needs nothing of the old store: the bundle is verified (manifest, hashes) and unpacked, then `sign_in`
    opens the RESTORED copy with its own key slots. Only a manager (backup.restore) may finish it (SEC-1):
    for anyone else, a wrong password or a copy whose pages fail their HMAC the target is emptied again and
    the error raised. The restore is audited in the restored store's chain (SEC-2). `replay=True` also
    re-applies the merged ledger at once (apply_ledger); otherwise the first sign-in does (RIG-3).
    Returns the manifest with "ledger_entries" (and "reapplied" with replay)."""
    check_restore_target(target)  # before the marker: never plant it in a folder that holds a store
    marker = target.cache_dir / INCOMPLETE
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("1", "utf-8")
    try:
        manifest = restore_backup(Path(bundle), target)
    except BaseException:
        discard_restore(target)
        raise
    crashpoints.hit("restore.after_unpack")
    vault = Vault(target, clock=clock)
    try:
        session = _sign_in_restored(vault, sign_in, target)
        with session.write(
            "backup.restore", details={"file": Path(bundle).name, "created_at": manifest.get("created_at")}
        ):
            pass  # the unpacked folder is the change; this is its audit entry, in the restored chain
        sources = [read_ledger_file(target.erasure_ledger)]
        sources += list(ledgers or [])
        sources += [read_ledger_if_readable(Path(p)) for p in (ledger_files or [])]
        merged = merge_entries(*sources)
        write_ledger(target.erasure_ledger, merged)
        marker.unlink()  # the ledger is complete: apply_ledger (here or at sign-in) does the rest
        crashpoints.hit("restore.after_merge")
        (target.data_dir / PENDING).write_text(str(len(merged)), "utf-8")
        manifest["ledger_entries"] = len(merged)
        if replay:
            manifest["reapplied"] = apply_ledger(session, target)
    finally:
        vault.close()
    log.info("backup restored; %d erasure ledger entries to re-apply", len(merged))
    return manifest


def _sign_in_restored(vault: Vault, sign_in: SignIn, target: Paths) -> Session:
    """The manager's sign-in to the restored copy, or the target emptied again."""
    try:
        vault.acquire_instance_lock()
        session = sign_in(vault)
        session.require(P.BACKUP_RESTORE)  # rule SEC-1: a clerk's slot opens the copy but may not restore it
        if session.db.damaged_pages():  # hashes rewritten to match a changed file: the page HMACs still fail
            raise StoreError("store.backup_corrupt")
    except BaseException:
        vault.close()
        discard_restore(target)
        log.warning("restore refused at the sign-in to the restored copy; the target folder was emptied")
        raise
    return session


MIGRATED_META = "erasure_ledger_mac"


def apply_ledger(session: Session, paths: Paths) -> int:
    """Erase every authentic ledger member still in the DB. Call after sign-in, before the data is used."""
    if (paths.cache_dir / INCOMPLETE).exists():
        raise UserError("restore.incomplete")  # a restore killed before its ledgers were merged
    db = session.db
    entries = read_ledger_file(paths.erasure_ledger)
    now = iso(session.clock.now())
    key = erasure.ledger_key(db)
    if key is None:
        raise RuntimeError("the erasure ledger needs the store's key")
    migrated = db.scalar("SELECT value FROM meta WHERE key = ?", (MIGRATED_META,)) is not None
    good, refused, unsigned = [], [], []
    for e in entries:
        if erasure.entry_authentic(key, e):
            good.append(e)
        elif "mac" not in e and not migrated:
            unsigned.append(e)
        else:
            refused.append(e)
    rewrite = bool(refused or unsigned)
    if not migrated:
        good += [erasure.sign_entry(key, e) for e in unsigned]
        with session.write("erasure.ledger.migrated", details={"lines": len(unsigned)}) as tx:
            erasure.keep_ledger_key(tx, db)  # kept in meta from now on (valid across a rekey)
            tx.execute("INSERT INTO meta(key, value) VALUES (?, 'v1')", (MIGRATED_META,))
        log.info("erasure ledger: %d line(s) given a MAC (first open)", len(unsigned))
    if refused:
        _set_aside(paths.erasure_ledger, refused)
        with session.write("erasure.ledger.refused", details={"lines": len(refused)}) as tx:
            erasure.note_refused(tx, len(refused), now)
        log.warning("erasure ledger: %d line(s) failed their MAC check: refused, not executed", len(refused))
    have = {r[0] for r in db.all("SELECT member_id FROM erasure_ledger")}
    todo = [e for e in good if e.get("member_id") and e["member_id"] not in have]
    applied = replay_ledger(session, todo) if todo else 0
    # the DB's ledger may know erasures the file lost (a restored file): write them back
    known = {e.get("member_id") for e in good}
    missing = [
        erasure.sign_entry(key, dict(r))
        for r in db.all("SELECT member_id, erased_at, reason, request_id, store_code FROM erasure_ledger")
        if r["member_id"] not in known
    ]
    if missing or rewrite:
        write_ledger(paths.erasure_ledger, merge_entries(good, missing))
    db.checkpoint()  # also after a crash between an erasure's commit and its checkpoint
    flag = paths.data_dir / PENDING
    if flag.exists():
        flag.unlink()
    if applied:
        log.info("erasure ledger re-applied: %d member(s)", applied)
    return applied


def _set_aside(path: Path, lines: list[dict]) -> None:
    """Refused lines are kept for IT beside the ledger (ids only, never executed)."""
    with open(path.with_name(path.name + erasure.REFUSED_SUFFIX), "a", encoding="utf-8") as fh:
        for e in lines:
            fh.write(json.dumps(e, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
