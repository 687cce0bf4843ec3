"""`memberdesk-admin restore` needs nothing of the old store (issue #14 follow-up, SEC-1, SEC-2, SEC-3, RIG-3).

The restore verifies the bundle, unpacks it into an empty folder and signs the manager in to the RESTORED copy
with its own key slots. Enumerated: the old data folder intact, missing, its database corrupt, its key slots
gone; the password as of the backup and the recovery key; a wrong password, a clerk, a tampered bundle (bytes
changed, hashes rewritten to match, a file missing, a path outside the folder), a target that holds a store.
Every refusal leaves the target without data and the bundle untouched; erasures after the backup stay erased.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from app import cli
from app.access import backup
from app.access.vault import Vault
from app.audit import chain
from app.config import Paths, resolve_paths
from app.erasure import erase_member, is_erased
from app.errors import PermissionDenied, SignInError, StoreError
from app.requests.restore import INCOMPLETE, PENDING, restore_with_ledger
from tests.conftest import CLERK_PW, MANAGER_PW
from tests.factories import make_member

OLD_STATES = ["intact", "missing", "db_corrupt", "slots_gone"]


@pytest.fixture
def scene(vault, manager, clerk, paths, tmp_path, clock):
    """A store with two members and a clerk; a backup; one member erased after it; a newer backup (it carries
    the ledger). Both bundles also copied to a second place (IT's copy), as the old disk may be lost."""
    keep = make_member(manager, "留下会员")
    gone = make_member(manager, "后删会员")
    bundle = backup.create_backup(vault, manager)
    clock.advance(minutes=5)
    erase_member(manager, gone, ledger_path=paths.erasure_ledger)
    backup.create_backup(vault, manager)
    usb = tmp_path / "usb"
    usb.mkdir()
    for p in backup.list_backups(paths):
        shutil.copy2(p, usb / p.name)
    return {"keep": keep, "gone": gone, "bundle": usb / bundle.name, "recovery": manager.recovery_key}


def _break_old_store(state: str, vault: Vault, paths: Paths) -> None:
    if state == "intact":
        return
    vault.close()
    if state == "missing":
        shutil.rmtree(paths.data_dir)
    elif state == "db_corrupt":
        paths.db.write_bytes(b"\x00garbage" * 4096)
        for suffix in ("-wal", "-shm"):
            Path(str(paths.db) + suffix).unlink(missing_ok=True)
    elif state == "slots_gone":
        paths.keyslots.unlink()


def _admin(monkeypatch, capsys, argv: list[str], stdin: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _files(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and "logs" not in p.parts and p.name != "memberdesk.lock"
    }


def _holds_no_data(target: Paths) -> bool:
    return not target.data_dir.exists() or all(p.name in ("logs", "backups") for p in target.data_dir.iterdir())


def _check_restored(target: Paths, scene: dict, manager_id: str) -> None:
    v = Vault(target)
    try:
        s = v.sign_in("manager", MANAGER_PW)
        assert s.db.one("SELECT 1 FROM members WHERE id = ?", (scene["keep"],)) is not None  # rule: SEC-3
        assert s.db.one("SELECT 1 FROM members WHERE id = ?", (scene["gone"],)) is None  # rule: RIG-3
        assert is_erased(s.db, scene["gone"])  # rule: RIG-3
        row = s.db.one("SELECT staff_id FROM audit_log WHERE action = 'backup.restore'")
        assert row is not None and row[0] == manager_id  # rule: SEC-2
        assert chain.verify(s.db).ok  # rule: SEC-2
        assert not (target.data_dir / PENDING).exists() and not (target.cache_dir / INCOMPLETE).exists()
    finally:
        v.close()


@pytest.mark.parametrize("state", OLD_STATES)
def test_admin_restore_works_whatever_became_of_the_old_folder(
    vault, manager, paths, scene, tmp_path, monkeypatch, capsys, state
):
    _break_old_store(state, vault, paths)
    before = _files(paths.data_dir)
    target = tmp_path / "new-pc"
    argv = ["--data-dir", str(paths.data_dir), "--username", "manager", "--password-stdin"]
    code, out, err = _admin(
        monkeypatch, capsys, [*argv, "restore", str(scene["bundle"]), "--target", str(target)], MANAGER_PW + "\n"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["store_code"] == "SH-001" and report["erasures_reapplied"] == 1  # rule: RIG-3
    assert _files(paths.data_dir) == before  # the old folder is only read, never opened or changed
    _check_restored(resolve_paths(target), scene, manager.staff.id)


def test_admin_restore_with_the_recovery_key_sets_a_new_password(
    vault, manager, paths, scene, tmp_path, monkeypatch, capsys
):
    _break_old_store("slots_gone", vault, paths)
    target = tmp_path / "new-pc"
    argv = ["--username", "manager", "--password-stdin", "restore", str(scene["bundle"]), "--target", str(target)]
    code, _out, err = _admin(monkeypatch, capsys, [*argv, "--recovery-key"], f"{scene['recovery']}\nNew-pass-2026\n")
    assert code == 0, err
    v = Vault(resolve_paths(target))
    try:
        with pytest.raises(SignInError):
            v.sign_in("manager", MANAGER_PW)  # the old password gave way to the new one
        s = v.sign_in("manager", "New-pass-2026")
        assert s.db.one("SELECT 1 FROM members WHERE id = ?", (scene["gone"],)) is None  # rule: RIG-3
        assert s.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'backup.restore'") == 1  # rule: SEC-2
    finally:
        v.close()


@pytest.mark.parametrize("who", ["wrong_password", "clerk", "unknown", "recovery_for_clerk"])
def test_only_a_manager_of_the_backup_restores(vault, manager, paths, scene, tmp_path, monkeypatch, capsys, who):
    _break_old_store("db_corrupt", vault, paths)
    target = tmp_path / "new-pc"
    name, stdin, extra = {
        "wrong_password": ("manager", "not-the-password\n", []),
        "clerk": ("clerk", CLERK_PW + "\n", []),
        "unknown": ("nobody", MANAGER_PW + "\n", []),
        "recovery_for_clerk": ("clerk", f"{scene['recovery']}\nNew-pass-2026\n", ["--recovery-key"]),
    }[who]
    argv = ["--username", name, "--password-stdin", "restore", str(scene["bundle"]), "--target", str(target)]
    code, out, _err = _admin(monkeypatch, capsys, [*argv, *extra], stdin)
    assert code == 2 and out == ""  # rule: SEC-1
    assert _holds_no_data(resolve_paths(target))  # rule: SEC-1
    assert not (resolve_paths(target).cache_dir / INCOMPLETE).exists()
    # the same folder takes a manager's restore afterwards
    argv = ["--username", "manager", "--password-stdin", "restore", str(scene["bundle"]), "--target", str(target)]
    assert _admin(monkeypatch, capsys, argv, MANAGER_PW + "\n")[0] == 0


def test_core_refusals_leave_no_data(vault, manager, scene, tmp_path):
    target = resolve_paths(tmp_path / "t")
    with pytest.raises(SignInError):
        restore_with_ledger(scene["bundle"], target, sign_in=lambda v: v.sign_in("manager", "wrong"))  # rule: SEC-1
    assert _holds_no_data(target)
    with pytest.raises(PermissionDenied):
        restore_with_ledger(scene["bundle"], target, sign_in=lambda v: v.sign_in("clerk", CLERK_PW))  # rule: SEC-1
    assert _holds_no_data(target)
    with pytest.raises(StoreError) as e:  # a folder that holds a store: refused, and no marker planted in it
        restore_with_ledger(scene["bundle"], vault.paths, sign_in=lambda v: v.sign_in("manager", MANAGER_PW))
    assert e.value.key == "store.restore_target_not_empty"
    assert not (vault.paths.cache_dir / INCOMPLETE).exists()


def _rewrite(bundle: Path, out: Path, *, change=None, drop=None, rehash: bool = False, extra=None) -> Path:
    """A copy of `bundle` with one file changed or dropped; `rehash` rewrites the manifest to match."""
    with zipfile.ZipFile(bundle) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(files.pop("manifest.json"))
    if change:
        name, fn = change
        files[name] = fn(files[name])
    if drop:
        files.pop(drop)
    if extra:
        files[extra[0]] = extra[1]
        manifest["files"][extra[0]] = hashlib.sha256(extra[1]).hexdigest()
    if rehash:
        manifest["files"] = {n: hashlib.sha256(files[n]).hexdigest() for n in manifest["files"] if n in files}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for n, data in files.items():
            zf.writestr(n, data)
        zf.writestr("manifest.json", json.dumps(manifest))
    return out


def _flip_page(data: bytes) -> bytes:
    b = bytearray(data)
    b[3 * 4096 + 100] ^= 0xFF  # inside the fourth page: its HMAC fails
    return bytes(b)


TAMPER = {
    "bytes_changed": {"change": ("memberdesk.db", _flip_page)},
    "hashes_rewritten": {"change": ("memberdesk.db", _flip_page), "rehash": True},
    "slots_missing": {"drop": "keyslots.json", "rehash": True},
    "db_missing": {"drop": "memberdesk.db", "rehash": True},
    "name_outside": {"extra": ("../evil.txt", b"x")},
    "truncated": None,
}


@pytest.mark.parametrize("how", sorted(TAMPER))
def test_a_tampered_bundle_is_refused(vault, manager, scene, tmp_path, monkeypatch, capsys, how):
    bad = tmp_path / "bad.mdbak"
    if how == "truncated":
        data = scene["bundle"].read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    else:
        _rewrite(scene["bundle"], bad, **TAMPER[how])
    original = bad.read_bytes()
    target = resolve_paths(tmp_path / "t")
    with pytest.raises(StoreError) as e:
        restore_with_ledger(bad, target, sign_in=lambda v: v.sign_in("manager", MANAGER_PW))
    assert e.value.key == "store.backup_corrupt"  # rule: SEC-3
    assert _holds_no_data(target)
    assert not (tmp_path / "evil.txt").exists() and not (target.data_dir.parent / "evil.txt").exists()
    assert bad.read_bytes() == original
    argv = ["--username", "manager", "--password-stdin", "restore", str(bad), "--target", str(tmp_path / "t2")]
    code, _out, err = _admin(monkeypatch, capsys, argv, MANAGER_PW + "\n")
    assert code == 2 and "备份文件已损坏" in err and "damaged" in err  # a plain message, both languages


def test_verify_bundle_passes_a_good_bundle_without_a_key(vault, manager, scene):
    manifest = backup.verify_bundle(scene["bundle"])
    assert set(backup.REQUIRED_FILES) <= set(manifest["files"])


def test_restore_help_says_the_old_store_is_not_needed(monkeypatch, capsys):
    with pytest.raises(SystemExit):
        cli.main(["restore", "--help"])
    text = capsys.readouterr().out
    assert "RESTORED" in text and "--recovery-key" in text and "as of the backup" in text
