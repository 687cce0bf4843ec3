"""Restore a backup and re-apply every later erasure before the data is used (RIG-3).

`restore_with_ledger(bundle, target, ledgers=[...])` unpacks the bundle into an empty data
folder (app.access.backup.restore_backup) and merges into the target's erasure-ledger.jsonl the
bundle's own ledger and every other ledger given: the old data folder's erasure-ledger.jsonl
and, when that folder is lost, the newest backup's copy (`newest_backup_ledger`). It leaves a
`replay-pending` flag file (no personal data). `apply_ledger(session, paths)` — called right
after sign-in, before any page opens — erases every ledger member the DB still holds, checkpoints
the WAL and removes the flag. It runs at every sign-in (cheap: one set difference), so a crash
between the ledger write and the commit of an erasure is completed the next time too.
"""
from __future__ import annotations

import json
import logging
import os
import zipfile
from pathlib import Path

from app.config import Paths
from app.erasure import read_ledger_file, replay_ledger
from app.access.backup import SUFFIX, restore_backup

log = logging.getLogger("memberdesk.requests.restore")
PENDING = "replay-pending"


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
    found = sorted(Path(backup_dir).glob(f"memberdesk-*{SUFFIX}"), key=lambda p: p.stat().st_mtime)
    return ledger_from_bundle(found[-1]) if found else []


def merge_entries(*sources: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for entries in sources:
        for e in entries:
            mid = e.get("member_id")
            if mid and mid not in seen:
                seen[mid] = {k: e.get(k) for k in ("member_id", "erased_at", "reason", "request_id", "store_code")}
    return sorted(seen.values(), key=lambda e: e.get("erased_at") or "")


def write_ledger(path: Path, entries: list[dict]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for e in entries:
            fh.write(json.dumps(e, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def restore_with_ledger(bundle: Path, target: Paths, ledgers: list[list[dict]] | None = None,
                        ledger_files: list[Path] | None = None) -> dict:
    """Restore `bundle` into `target` and merge every known ledger into the target's ledger file."""
    manifest = restore_backup(Path(bundle), target)
    sources = [read_ledger_file(target.erasure_ledger)]
    sources += list(ledgers or [])
    sources += [read_ledger_file(Path(p)) for p in (ledger_files or [])]
    merged = merge_entries(*sources)
    write_ledger(target.erasure_ledger, merged)
    (target.data_dir / PENDING).write_text(str(len(merged)), "utf-8")
    manifest["ledger_entries"] = len(merged)
    log.info("backup restored; %d erasure ledger entries to re-apply", len(merged))
    return manifest


def apply_ledger(session, paths: Paths) -> int:
    """Erase every ledger member still in the DB. Call after sign-in, before the data is used."""
    entries = read_ledger_file(paths.erasure_ledger)
    have = {r[0] for r in session.db.all("SELECT member_id FROM erasure_ledger")}
    todo = [e for e in entries if e.get("member_id") and e["member_id"] not in have]
    applied = replay_ledger(session, todo) if todo else 0
    # the DB's ledger may know erasures the file lost (a restored file): write them back
    known = {e.get("member_id") for e in entries}
    missing = [dict(r) for r in session.db.all(
        "SELECT member_id, erased_at, reason, request_id, store_code FROM erasure_ledger")
        if r["member_id"] not in known]
    if missing:
        write_ledger(paths.erasure_ledger, merge_entries(entries, missing))
    session.db.checkpoint()     # also after a crash between an erasure's commit and its checkpoint
    flag = paths.data_dir / PENDING
    if flag.exists():
        flag.unlink()
    if applied:
        log.info("erasure ledger re-applied: %d member(s)", applied)
    return applied
