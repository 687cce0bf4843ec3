"""A password change killed at each of its crash points (issue #17, #14; app.staff.slotchange).

Staff changing their own password (a clerk, and a manager whose slot carries the field key), a manager
resetting a clerk's, and `memberdesk-admin reset-password` with the recovery key (a fresh interpreter, as IT
runs it): the process dies with os._exit at password.after_stage, .after_commit and .after_promote. After each
kill exactly one of the old and the new password works, and the new one works exactly when its audit entry is
in the chain, whichever password is tried first at the next start; the chain verifies and no pending slot or
marker is left.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.audit import chain
from app.config import Paths
from app.staff.service import change_own_password, reset_password
from app.staff.slotchange import MARK
from app.storage import keyslots as ks
from tests.app import crashkit
from tests.app.crashkit import CLERK_PW, KILLED, MANAGER_PW, kill_at, opens, sign_in
from tests.app.test_crashpoints_suite import _scratch, tmp_path  # noqa: F401 - its fixture: kills on tmpfs

NEW_PW = "Brand-new-pass-7"
POINTS = ["password.after_stage", "password.after_commit", "password.after_promote"]
# who changes whose password, and the audit action it writes
CASES = {
    "clerk_own": ("clerk", CLERK_PW, "staff.password_change"),
    "manager_own": ("manager", MANAGER_PW, "staff.password_change"),
    "manager_resets_clerk": ("clerk", CLERK_PW, "staff.password_reset"),
    "admin_reset_password": ("clerk", CLERK_PW, "staff.password_reset_recovery"),
}


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    root = _scratch()
    vault, _session, recovery = crashkit.new_store(root, "SH-002", "上海淮海路店")
    (root / "recovery.txt").write_text(recovery, "ascii")  # test data: the template's recovery key
    vault.close()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _op(case: str):
    def op(paths: Paths, _w: int) -> None:
        if case == "clerk_own":
            vault, s = sign_in(paths, "clerk", CLERK_PW)
            change_own_password(vault, s, CLERK_PW, NEW_PW)
        elif case == "manager_own":
            vault, s = sign_in(paths)
            change_own_password(vault, s, MANAGER_PW, NEW_PW)
        else:
            vault, s = sign_in(paths)
            clerk = s.db.scalar("SELECT id FROM staff WHERE username = 'clerk'")
            reset_password(vault, s, clerk, NEW_PW)

    return op


def _kill(template: Path, work: Path, case: str, point: str) -> Paths:
    if case == "admin_reset_password":  # the admin command in a fresh interpreter, its secrets on stdin
        recovery = (template / "recovery.txt").read_text("ascii")
        argv = ["--username", "clerk", "reset-password"]
        exit_code, paths = crashkit.kill_admin(template / "store", work, point, argv, [recovery, NEW_PW])
    else:
        exit_code, paths, _ = kill_at(template / "store", work, point, _op(case))
    assert exit_code == KILLED, f"{case} at {point}: exit {exit_code} instead of dying at the point"
    return paths


@pytest.mark.parametrize("new_first", [True, False], ids=["new-first", "old-first"])
@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_killed_password_change_leaves_old_password_and_no_entry_or_new_and_its_entry(
    template, tmp_path, case, point, new_first
):
    username, old_pw, action = CASES[case]
    paths = _kill(template, tmp_path / "store", case, point)
    # the next start: the one whose password changed signs in first, with either password
    order = [NEW_PW, old_pw] if new_first else [old_pw, NEW_PW]
    works = {pw: opens(paths, username, pw) for pw in order}
    assert works[NEW_PW] != works[old_pw]  # exactly one of them opens the store
    manager_pw = NEW_PW if username == "manager" and works[NEW_PW] else MANAGER_PW
    vault, s = sign_in(paths, "manager", manager_pw)
    entries = s.db.scalar("SELECT count(*) FROM audit_log WHERE action = ?", (action,))
    assert entries in (0, 1)
    assert works[NEW_PW] == (entries == 1)  # the new password works exactly when its change is audited: rule: SEC-2
    assert chain.verify(s.db).ok  # rule: SEC-2
    assert works[NEW_PW] == (point != "password.after_stage")  # committed = rolled forward, else rolled back
    assert s.db.scalar("SELECT count(*) FROM meta WHERE key GLOB ?", (MARK + "*",)) == 0  # markers cleared
    slots = json.loads(paths.keyslots.read_text("utf-8"))["slots"]
    assert not any(sl.get("pending") for sl in slots)  # no staged slot stays
    assert sum(1 for sl in slots if sl.get("kind") == "staff") == 2  # one slot each, the loser gone
    if case == "manager_own" and works[NEW_PW]:
        vault.lock()
        vault.sign_in("manager", NEW_PW)
        sealed = vault.field_cipher().encrypt("示例", "member_fields", "value_enc", "m1")
        with vault.step_up("manager", NEW_PW) as up:  # the field key moved with the new password (SEN-3)
            assert up.cipher.decrypt(sealed, "member_fields", "value_enc", "m1") == "示例"
    vault.close()
    assert not [p.name for p in paths.data_dir.rglob("*") if p.name.endswith(".tmp")]


def test_the_pending_slot_opens_until_the_next_open_reconciles(template, tmp_path):
    """Killed after the commit: before anyone else signs in, the new password already works and the old one
    is refused; the file is promoted by that sign-in."""
    paths = _kill(template, tmp_path / "store", "clerk_own", "password.after_commit")
    staged = ks.KeySlotFile.load(paths.keyslots)
    assert staged.pending_slot("clerk") is not None and staged.staff_slot("clerk") is not None
    assert not opens(paths, "clerk", CLERK_PW)  # recorded as changed: the old password is refused
    after = ks.KeySlotFile.load(paths.keyslots)
    assert after.pending_slot("clerk") is None  # promoted by that (refused) open
    assert opens(paths, "clerk", NEW_PW)
