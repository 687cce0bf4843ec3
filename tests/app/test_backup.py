"""Encrypted, restorable backups (SEC-3)."""

import errno
import zipfile

import pytest

from app.access import backup
from app.access.vault import Vault
from app.config import resolve_paths
from app.errors import StoreError, UserError
from tests.conftest import MANAGER_PW
from tests.factories import make_member


def test_backup_round_trip_into_a_fresh_folder(vault, manager, tmp_path, clock):
    mid = make_member(manager, name="钱七", mobile="13700001111")
    bundle = backup.create_backup(vault, manager)
    raw = bundle.read_bytes()
    assert "钱七".encode() not in raw and b"13700001111" not in raw  # rule: SEC-3
    target = resolve_paths(tmp_path / "restored")
    manifest = backup.restore_backup(bundle, target)
    assert manifest["store_code"] == "SH-001"
    restored = Vault(target, clock=clock)
    s = restored.sign_in("manager", MANAGER_PW)
    assert s.db.scalar("SELECT name FROM members WHERE id = ?", (mid,)) == "钱七"  # rule: SEC-3
    restored.close()


def test_rotation_keeps_n(vault, manager, clock):
    made = []
    for _ in range(4):
        made.append(backup.create_backup(vault, manager, keep=2))
        clock.advance(minutes=1)
    left = backup.list_backups(vault.paths)
    assert left == made[-2:]


def test_restore_refuses_a_damaged_bundle_and_a_used_folder(vault, manager, tmp_path):
    bundle = backup.create_backup(vault, manager)
    broken = tmp_path / "broken.mdbak"
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 0xFF
    broken.write_bytes(bytes(data))
    target = resolve_paths(tmp_path / "t1")
    with pytest.raises(StoreError) as e:
        backup.restore_backup(broken, target)
    assert e.value.key == "store.backup_corrupt"
    assert not any(p.name.endswith(".db") for p in target.data_dir.iterdir())
    with pytest.raises(StoreError) as e:
        backup.restore_backup(bundle, vault.paths)
    assert e.value.key == "store.restore_target_not_empty"


def test_disk_full_during_backup_leaves_old_backups(vault, manager, monkeypatch):
    first = backup.create_backup(vault, manager)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "write", full)
    with pytest.raises(UserError) as e:
        backup.create_backup(vault, manager)
    assert e.value.key == "error.disk_full"
    assert backup.list_backups(vault.paths) == [first]
    assert not [p for p in vault.paths.backup_dir.iterdir() if p.name.endswith(".tmp")]
