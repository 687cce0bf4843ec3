"""Encrypted backups: an online copy of the DB (still under the data key) plus the key-slot
file and a manifest with hashes, in one .mdbak bundle (zip, stored).

Nothing in a bundle is readable without a staff password or the recovery key. Restore goes
into a fresh, empty data folder; sign-in then works with any password valid at backup time.
The erasure ledger (issue 6) is re-applied after a restore, so a deleted customer never
comes back from an old backup.
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


def create_backup(vault, session: Session, *, keep: int | None = None, target_dir: Path | None = None) -> Path:
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


def _setting(session: Session, key: str, default):
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
            return json.loads(zf.read("manifest.json"))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise StoreError("store.backup_corrupt") from exc


def restore_backup(bundle: Path, target: Paths, *, session: Session) -> dict:
    """Unpack a bundle into an empty data folder, checking every hash. Returns the manifest.
    `session`: the manager doing it (backup.restore), signed in to the store that runs the restore;
    the restore is audited there (SEC-1, SEC-2)."""
    session.require(P.BACKUP_RESTORE)
    target.data_dir.mkdir(parents=True, exist_ok=True)
    if any(p.name not in ("logs", "backups", "cache") for p in target.data_dir.iterdir()):
        raise StoreError("store.restore_target_not_empty")
    manifest = read_manifest(bundle)
    staging = target.data_dir / ".restore-staging"
    staging.mkdir()
    try:
        with zipfile.ZipFile(bundle) as zf:
            for name, digest in manifest["files"].items():
                if "/" in name or "\\" in name or name.startswith("."):
                    raise StoreError("store.backup_corrupt")
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
    with session.write("backup.restore", details={"file": Path(bundle).name, "created_at": manifest.get("created_at")}):
        pass  # the unpacked folder is the change; this is its audit entry
    return manifest
