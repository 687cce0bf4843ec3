"""Faults fail closed and speak plainly (issue #17): full disk at sign-in and password changes, a damaged
database file, interrupted backups, and a rekey interrupted at each of its steps."""

import errno
import os
import sqlite3
from pathlib import Path

import pytest

from app import crashpoints
from app.access import backup
from app.access.rekey import abandon_rekey, begin_rekey, finish_rekey
from app.access.vault import Vault
from app.audit import chain
from app.errors import SignInError, StoreError, UserError
from app.staff import service
from app.storage import recovery
from app.storage.faults import page_ranges
from tests.conftest import CLERK_PW, MANAGER_PW
from tests.factories import make_member


def _full_disk(monkeypatch):
    """Every atomic write (write to .tmp, then os.replace) fails as on a full disk."""

    def replace(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", replace)


def _tmp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.name.endswith(".tmp"))


# -- sign-in back-off and password changes on a full disk -----------------------------------------------
def test_backoff_is_enforced_in_memory_and_sign_in_refused_when_the_count_cannot_be_saved(
    vault, manager, paths, monkeypatch
):
    vault.lock()
    _full_disk(monkeypatch)
    for _ in range(10):
        with pytest.raises(UserError) as e:
            vault.sign_in("manager", "wrong-password")
        assert e.value.key in ("signin.state_unsaved", "signin.throttled")  # never a raw OSError
        assert "No space" not in e.value.message("en")
    # the right password during the back-off is refused too: the ten failures were counted in memory
    with pytest.raises(UserError) as e:
        vault.sign_in("manager", MANAGER_PW)
    assert e.value.key in ("signin.throttled", "signin.state_unsaved")
    lookup = vault.slots().lookup("manager")
    assert vault.throttle.seconds_left(lookup, vault.clock.time()) > 0  # back-off held without the file
    assert _tmp_files(paths.data_dir) == []


def test_full_disk_refuses_even_the_right_password_with_a_message(vault, manager, paths, monkeypatch):
    vault.lock()
    _full_disk(monkeypatch)
    with pytest.raises(UserError) as e:
        vault.sign_in("manager", MANAGER_PW)
    assert e.value.key == "signin.state_unsaved"
    assert "磁盘已满" in e.value.message("zh_CN") and "disk is full" in e.value.message("en")
    assert vault.db is None
    assert _tmp_files(paths.data_dir) == []
    monkeypatch.undo()
    assert vault.sign_in("manager", MANAGER_PW)  # space freed: sign-in works


def test_a_kill_during_the_password_check_still_counts_the_attempt(vault, manager, paths):
    vault.lock()
    lookup = vault.slots().lookup("manager")
    vault.throttle.attempt(lookup, vault.clock.time())  # what sign_in writes before Argon2 runs
    fresh = Vault(paths, clock=vault.clock)  # a new process after the kill
    assert fresh.throttle._entry(lookup)["failures"] == 1


@pytest.mark.parametrize("how", ["change_own", "reset", "add", "disable", "remove", "promote"])
def test_password_and_staff_changes_on_a_full_disk_say_so_and_change_nothing(
    vault, manager, clerk, paths, monkeypatch, how
):
    clerk_id = clerk.staff.id
    before = paths.keyslots.read_bytes()
    head = chain.head(manager.db)
    _full_disk(monkeypatch)
    with pytest.raises(UserError) as e:
        if how == "change_own":
            service.change_own_password(vault, clerk, CLERK_PW, "Another-pass-99")
        elif how == "reset":
            service.reset_password(vault, manager, clerk_id, "Another-pass-99")
        elif how == "add":
            service.add_staff(
                vault, manager, username="zhao", display_name="赵", role="clerk", password="Another-pass-99"
            )
        elif how == "disable":
            service.set_disabled(vault, manager, clerk_id, True)
        elif how == "remove":
            service.remove_staff(vault, manager, clerk_id)
        else:
            service.change_role(vault, manager, clerk_id, "manager")
    assert e.value.key == "error.disk_full"
    assert paths.keyslots.read_bytes() == before
    assert chain.head(manager.db) == head  # no audit entry for a change that did not happen
    assert _tmp_files(paths.data_dir) == []
    monkeypatch.undo()
    vault.lock()
    assert vault.sign_in("clerk", CLERK_PW)  # the old password still works


def test_a_read_only_key_file_folder_is_a_message_too(vault, manager, clerk, paths, monkeypatch):
    def replace(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(UserError) as e:
        service.change_own_password(vault, clerk, CLERK_PW, "Another-pass-99")
    assert e.value.key == "store.keyslots_unsaved"
    assert _tmp_files(paths.data_dir) == []


# -- a damaged database file -------------------------------------------------------------------------
def _corrupt_table(vault, paths, table: str) -> int:
    """Overwrite bytes in the middle of `table`'s root page of the real SQLCipher file. Returns the page."""
    page = vault.db.scalar("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
    vault.lock()
    with open(paths.db, "r+b") as fh:
        fh.seek(4096 * (page - 1) + 1000)
        fh.write(os.urandom(64))
    return page


def _store_with_members(vault, manager, n=200):
    for i in range(n):
        make_member(manager, name=f"测试{i}", mobile=f"136{i:08d}")
    manager.db.checkpoint()


def test_a_damaged_page_is_reported_with_its_page_and_the_connection_is_reset(vault, manager, paths):
    _store_with_members(vault, manager)
    page = _corrupt_table(vault, paths, "members")
    session = vault.sign_in("manager", MANAGER_PW)
    with pytest.raises(StoreError) as e:
        session.db.all("SELECT * FROM members")
    assert e.value.key == "store.damaged"
    assert str(page) in e.value.params["pages"]
    assert "备份" in e.value.message("zh_CN") and "backup" in e.value.message("en")
    assert "malformed" not in e.value.message("en")
    # the connection was reopened: writes that do not touch the damaged page work again (no "readonly")
    with session.write("x.after_damage") as tx:
        tx.execute("INSERT INTO meta(key, value) VALUES ('after_damage', '1')")
    assert session.db.scalar("SELECT value FROM meta WHERE key = 'after_damage'") == "1"
    assert session.db.damaged_pages() == [page]


def test_a_write_that_meets_the_damaged_page_is_a_message_not_a_raw_error(vault, manager, paths):
    _store_with_members(vault, manager)
    _corrupt_table(vault, paths, "members")
    session = vault.sign_in("manager", MANAGER_PW)
    with pytest.raises(StoreError) as e:
        make_member(session, name="新会员", mobile="13500000001")
    assert e.value.key == "store.damaged"
    with session.write("x.after_damage") as tx:  # and the next write is not refused as read-only
        tx.execute("INSERT INTO meta(key, value) VALUES ('after_damage', '1')")


def test_backup_of_a_damaged_store_says_it_cannot_be_trusted_and_keeps_the_good_ones(vault, manager, paths, clock):
    _store_with_members(vault, manager)
    good = backup.create_backup(vault, manager, keep=1)
    clock.advance(minutes=1)
    page = _corrupt_table(vault, paths, "members")
    session = vault.sign_in("manager", MANAGER_PW)
    with pytest.raises(UserError) as e:
        backup.create_backup(vault, session, keep=1)
    assert e.value.key == "backup.untrusted" and str(page) in e.value.params["pages"]
    assert backup.list_backups(paths) == [good]  # rotation did not drop the last good backup
    assert _tmp_files(paths.backup_dir) == []


def test_page_ranges():
    assert page_ranges([3, 4, 5, 9]) == "3–5, 9"
    assert page_ranges([]) == "?"
    assert page_ranges(list(range(1, 40, 2)), limit=2) == "1, 3, …"


# -- interrupted backups ---------------------------------------------------------------------------------
@pytest.mark.parametrize("point", ["backup.after_copy", "backup.after_zip"])
def test_an_interrupted_backup_leaves_nothing_after_the_next_backup_and_the_next_start(vault, manager, paths, point):
    crashpoints.arm(point)
    try:
        with pytest.raises(crashpoints.CrashPoint):
            backup.create_backup(vault, manager)
    finally:
        crashpoints.disarm()
    # a kill skips the `finally` that removes them: leave what a kill leaves
    (paths.backup_dir / "memberdesk-SH-001-20200101-000000.mdbak.db.tmp").write_bytes(b"x" * 4096)
    (paths.backup_dir / "memberdesk-SH-001-20200101-000000.mdbak.tmp").write_bytes(b"x" * 4096)
    vault.close()
    fresh = Vault(paths, clock=vault.clock)
    fresh.acquire_instance_lock()  # the next start
    assert _tmp_files(paths.backup_dir) == []
    fresh.close()
    (paths.backup_dir / "memberdesk-SH-001-20200101-000000.mdbak.tmp").write_bytes(b"x")
    session = fresh.sign_in("manager", MANAGER_PW)
    backup.create_backup(fresh, session)  # the next backup
    assert _tmp_files(paths.backup_dir) == []
    fresh.close()


def test_a_backup_folder_that_cannot_be_written_is_a_message(vault, manager, paths, monkeypatch):
    def replace(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(UserError) as e:
        backup.create_backup(vault, manager)
    assert e.value.key == "backup.write_failed" and e.value.params["code"] == "EACCES"
    assert _tmp_files(paths.backup_dir) == []


# -- rekey interrupted at each step ------------------------------------------------------------------------
def _can_recover(vault, text) -> bool:
    vault.lock()
    try:
        vault.reset_password_with_recovery(text, "manager", MANAGER_PW)
        return True
    except SignInError:
        return False
    finally:
        vault.lock()


def _actions(session) -> list[str]:
    return [r[0] for r in session.db.all("SELECT action FROM audit_log ORDER BY seq")]


REKEY_BEFORE_CONFIRM = ["rekey.after_copy", "rekey.copy_before_commit", "rekey.after_reencrypt", "rekey.after_stage"]
REKEY_AFTER_CONFIRM = ["rekey.after_confirm", "rekey.after_db_swap", "rekey.after_slots_swap"]


@pytest.mark.parametrize("point", REKEY_BEFORE_CONFIRM)
def test_rekey_killed_before_the_key_was_confirmed_changes_nothing(vault, manager, clerk, paths, point):
    old_recovery = manager.recovery_key
    if point == "rekey.after_stage":
        begin_rekey(vault, manager, MANAGER_PW)  # staged, shown, never confirmed (the process dies)
    else:
        crashpoints.arm(point)
        try:
            with pytest.raises(crashpoints.CrashPoint):
                begin_rekey(vault, manager, MANAGER_PW)
        finally:
            crashpoints.disarm()
        # a kill skips the clean-up: put back what a kill leaves (the staged DB at least)
        paths.db.with_name(recovery.DB_NEW).write_bytes(b"partial")
    vault.close()
    fresh = Vault(paths, clock=vault.clock)
    fresh.acquire_instance_lock()
    assert not paths.db.with_name(recovery.DB_NEW).exists()  # orphan removed at the next open
    assert not paths.keyslots.with_name(recovery.SLOTS_NEW).exists()
    s = fresh.sign_in("clerk", CLERK_PW)  # the other staff were not disabled
    assert "store.rekey" not in _actions(s)  # not audited as done
    assert "store.rekey_begun" in _actions(s)
    assert chain.verify(s.db).ok  # rule: SEC-2
    assert _can_recover(fresh, old_recovery)  # the confirmed recovery key still works
    fresh.close()


@pytest.mark.parametrize("point", REKEY_AFTER_CONFIRM)
def test_rekey_killed_after_the_key_was_confirmed_is_finished_at_the_next_open(vault, manager, clerk, paths, point):
    plan = begin_rekey(vault, manager, MANAGER_PW)
    crashpoints.arm(point)
    try:
        with pytest.raises(crashpoints.CrashPoint):
            finish_rekey(vault, plan, plan.recovery_key.lower().replace("-", " "))
    finally:
        crashpoints.disarm()
    vault.close()
    fresh = Vault(paths, clock=vault.clock)
    fresh.acquire_instance_lock()
    assert not paths.db.with_name(recovery.CONFIRMED).exists()
    s = fresh.sign_in("manager", MANAGER_PW)
    assert _actions(s)[-2:] == ["store.rekey", "staff.sign_in"]
    assert chain.verify(s.db).ok  # rule: SEC-2
    fresh.lock()
    with pytest.raises(SignInError) as e:
        fresh.sign_in("clerk", CLERK_PW)
    assert e.value.key == "signin.disabled"  # told why: a manager sets a temporary password
    assert _can_recover(fresh, plan.recovery_key)  # the new, confirmed key works
    assert not _can_recover(fresh, manager.recovery_key)
    fresh.close()


def test_rekey_needs_the_shown_key_typed_back_and_an_unchanged_store(vault, manager, clerk, paths):
    plan = begin_rekey(vault, manager, MANAGER_PW)
    with pytest.raises(UserError) as e:
        finish_rekey(vault, plan, "AAAA-BBBB")
    assert e.value.key == "rekey.confirm_mismatch"
    assert _can_recover_while_open(vault, paths, manager.recovery_key)
    make_member(manager)  # the store changed after the copy
    with pytest.raises(UserError) as e:
        finish_rekey(vault, plan, plan.recovery_key)
    assert e.value.key == "rekey.store_changed"
    assert not paths.db.with_name(recovery.DB_NEW).exists()
    plan = begin_rekey(vault, manager, MANAGER_PW)
    abandon_rekey(vault, plan)
    with pytest.raises(UserError):
        finish_rekey(vault, plan, plan.recovery_key)
    assert "store.rekey" not in _actions(manager)


def _can_recover_while_open(vault, paths, text) -> bool:
    from app.storage import keyslots as ks

    try:
        ks.KeySlotFile.load(paths.keyslots).unlock_recovery(ks.parse_recovery_key(text))
        return True
    except SignInError:
        return False


def test_two_step_rekey_swaps_and_leaves_no_marker(vault, manager, paths):
    plan = begin_rekey(vault, manager, MANAGER_PW)
    finish_rekey(vault, plan, plan.recovery_key)
    assert not paths.db.with_name(recovery.CONFIRMED).exists()
    assert _can_recover(vault, plan.recovery_key)


def test_damage_error_words():
    from app.storage.faults import is_damage_error

    assert is_damage_error(sqlite3.DatabaseError("database disk image is malformed"))
    assert is_damage_error(sqlite3.OperationalError("attempt to write a readonly database"))
    assert not is_damage_error(sqlite3.OperationalError("database is locked"))
