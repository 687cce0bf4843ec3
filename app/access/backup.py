"""Encrypted backups: an online copy of the DB (still under the data key) plus the key-slot
file and a manifest with hashes, in one .mdbak bundle (zip, stored).

Nothing in a bundle is readable without a staff password or the recovery key. Restore goes
into a fresh, empty data folder; sign-in then works with any password valid at backup time.
The erasure ledger (issue 6) is re-applied after a restore, so a deleted customer never
comes back from an old backup. A restore needs no working store: it verifies the bundle, unpacks it, and
the manager signs in to the restored copy (app.requests.restore).
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import logging
import os
import shutil
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import __version__, crashpoints
from app.clock import iso
from app.config import Paths, write_terminal
from app.errors import StoreError, UserError
from app.messages import add_messages
from app.settings import get_setting
from app.staff import permissions as P
from app.staff.session import Session
from app.storage.db import export_copy
from app.storage.faults import page_ranges
from app.storage.recovery import remove_partial_backups

if TYPE_CHECKING:
    from app.access.vault import Vault

log = logging.getLogger("memberdesk.backup")
SUFFIX = ".mdbak"

add_messages(
    {
        "backup.write_failed": (
            "备份文件无法写入（{code}），没有生成备份，已有的备份未受影响。请检查备份目录是否存在、可写且有足够空间。",
            "The backup file could not be written ({code}); no backup was made and the existing ones are "
            "untouched. Check that the backup folder exists, is writable and has space.",
        ),
    }
)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def list_backups(paths: Paths) -> list[Path]:
    if not paths.backup_dir.exists():
        return []
    return sorted(paths.backup_dir.glob(f"memberdesk-*{SUFFIX}"))


def last_backup_time(paths: Paths) -> dt.datetime | None:
    found = list_backups(paths)
    if not found:
        return None
    return dt.datetime.fromtimestamp(found[-1].stat().st_mtime, dt.UTC)


def create_backup(vault: Vault, session: Session, *, keep: int | None = None, target_dir: Path | None = None) -> Path:
    session.require(P.BACKUP_CREATE)
    paths: Paths = vault.paths
    out_dir = Path(target_dir or paths.backup_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    now = session.clock.now()
    name = f"memberdesk-{session.store_code}-{now.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"
    final = out_dir / name
    tmp_db = out_dir / (name + ".db.tmp")
    tmp_zip = out_dir / (name + ".tmp")
    remove_partial_backups(out_dir)  # what an interrupted backup left (issue #17)
    damaged = session.db.damaged_pages()
    if damaged:  # a copy of a damaged file is no backup: say so, keep the older (good) ones
        raise UserError("backup.untrusted", pages=page_ranges(damaged))
    with session.write("backup.create", details={"file": name}):
        pass  # the audit entry is inside the copy
    try:
        export_copy(session.db, tmp_db, vault.data_key())
        crashpoints.hit("backup.after_copy")
        manifest = {
            "format": 1,
            "app_version": __version__,
            "store_code": session.store_code,
            "created_at": iso(now),
            "schema_version": session.db.scalar("PRAGMA user_version"),
            "files": {"memberdesk.db": _sha256(tmp_db), "keyslots.json": _sha256(paths.keyslots)},
        }
        ledger = paths.erasure_ledger
        with zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.write(tmp_db, "memberdesk.db")
            zf.write(paths.keyslots, "keyslots.json")
            if ledger.exists():
                manifest["files"]["erasure-ledger.jsonl"] = _sha256(ledger)
                zf.write(ledger, "erasure-ledger.jsonl")
            zf.writestr("manifest.json", json.dumps(manifest, indent=1))
        with open(tmp_zip, "rb+") as fh:
            os.fsync(fh.fileno())
        crashpoints.hit("backup.after_zip")
        os.replace(tmp_zip, final)
        crashpoints.hit("backup.after_rename")
    except OSError as exc:  # never a raw OSError to a person
        if exc.errno == errno.ENOSPC:
            raise UserError("error.disk_full") from None
        raise UserError("backup.write_failed", code=errno.errorcode.get(exc.errno or 0, "EIO")) from None
    finally:
        for p in (tmp_db, tmp_zip):
            try:
                p.unlink()
            except OSError:
                pass
    keep = keep if keep is not None else int(_setting(session, "backup_keep", 14))
    rotate(out_dir, keep)
    log.info("backup written: %s", name)
    return final


def _setting(session: Session, key: str, default: Any) -> Any:
    return get_setting(session.db, key, default)


def backup_due(session: Session, paths: Paths) -> bool:
    """The scheduled backup is due: there is none yet, or the newest is older than the setting
    backup_interval_hours by the session's clock."""
    hours = float(_setting(session, "backup_interval_hours", 24) or 24)
    last = last_backup_time(paths)
    return last is None or session.clock.now() - last > dt.timedelta(hours=hours)


def rotate(directory: Path, keep: int) -> list[Path]:
    found = sorted(Path(directory).glob(f"memberdesk-*{SUFFIX}"))
    removed = found[:-keep] if keep > 0 and len(found) > keep else []
    for p in removed:
        p.unlink()
    return removed


def read_manifest(bundle: Path) -> dict:
    try:
        with zipfile.ZipFile(bundle) as zf:
            manifest = json.loads(zf.read("manifest.json"))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise StoreError("store.backup_corrupt") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise StoreError("store.backup_corrupt")
    return manifest


# What a restore target may already hold: folders the data-folder layout makes (Paths.ensure), nothing else.
_TARGET_MAY_HOLD = ("logs", "backups", "cache")
REQUIRED_FILES = ("memberdesk.db", "keyslots.json")


def check_restore_target(target: Paths) -> None:
    """The restore target exists (made if missing) and is empty: a restore never writes over a store."""
    target.data_dir.mkdir(parents=True, exist_ok=True)
    if any(p.name not in _TARGET_MAY_HOLD for p in target.data_dir.iterdir()):
        raise StoreError("store.restore_target_not_empty")


def verify_bundle(bundle: Path) -> dict:
    """Check a bundle without unpacking it and without any key: the manifest is readable, lists the database
    and the key slots under plain file names, and every listed file has the SHA-256 the manifest names.
    Returns the manifest; raises store.backup_corrupt. (A bundle rewritten with matching hashes is caught
    later: the database's pages carry SQLCipher HMACs, checked after the sign-in to the restored copy.)"""
    manifest = read_manifest(bundle)
    files = manifest["files"]
    if any(name not in files for name in REQUIRED_FILES):
        raise StoreError("store.backup_corrupt")
    try:
        with zipfile.ZipFile(bundle) as zf:
            for name, digest in files.items():
                if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
                    raise StoreError("store.backup_corrupt")
                h = hashlib.sha256()
                with zf.open(name) as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
                if h.hexdigest() != digest:
                    raise StoreError("store.backup_corrupt")
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:  # BadZipFile: a CRC that fails too
        raise StoreError("store.backup_corrupt") from exc
    return manifest


def restore_backup(bundle: Path, target: Paths) -> dict:
    """Verify a bundle (verify_bundle) and unpack it into an empty data folder, checking every hash again
    as written. Returns the manifest.

    No sign-in here: nothing unpacked is readable without a key slot of the backup. Who restores is
    established by signing in to the RESTORED copy with its own key slots (a manager's password as of the
    backup, or the recovery key), which `app.requests.restore.restore_with_ledger` does, audited in the
    restored store's chain (SEC-1, SEC-2). So a store whose database cannot be opened any more (a corrupt
    file, a lost disk, a new PC) can be restored."""
    check_restore_target(target)
    manifest = verify_bundle(Path(bundle))
    staging = target.data_dir / ".restore-staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        with zipfile.ZipFile(bundle) as zf:
            for name, digest in manifest["files"].items():
                zf.extract(name, staging)
                if _sha256(staging / name) != digest:
                    raise StoreError("store.backup_corrupt")
        for name in manifest["files"]:
            os.replace(staging / name, target.data_dir / name)
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise StoreError("store.backup_corrupt") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    write_terminal(target, store_code=manifest.get("store_code", ""))
    target.ensure()
    return manifest


def discard_restore(target: Paths) -> None:
    """Remove what a refused restore unpacked: the target folder is empty again (its logs stay)."""
    if not target.data_dir.exists():
        return
    for p in target.data_dir.iterdir():
        if p.name in ("logs", "backups"):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
