"""Staff changes killed at each of their crash points: the key file and the DB agree at the next open (issue #17).

A manager adds a clerk, adds a manager with their own password (the new slot gets the field key at once),
disables a clerk, re-enables a disabled one with a new password, removes a clerk, demotes a manager, promotes a
clerk; IT adds and re-enables staff with `memberdesk-admin staff` (a fresh interpreter). The process dies with
os._exit at staff.after_stage, .after_commit and .after_promote (app.staff.slotchange). At the next open,
whoever signs in first: a password opens the store only if its staff member's row and audit entry are in the
chain, a slot goes only when its removal or disabling is, a slot holds the field key only while the DB says
manager, nobody keeps a slot the DB no longer allows and nobody loses one for a change that did not commit; the
chain verifies and nothing staged is left.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.access.vault import Vault
from app.audit import chain
from app.config import Paths
from app.errors import SignInError, UserError
from app.staff import slotchange
from app.staff.service import add_staff, change_role, remove_staff, set_disabled
from app.staff.session import Session
from app.staff.slotchange import MARK
from app.storage import keyslots as ks
from tests.app import crashkit
from tests.app.crashkit import CLERK_PW, KILLED, MANAGER_PW, kill_at, opens, sign_in
from tests.app.test_crashpoints_suite import _scratch, tmp_path  # noqa: F401 - its fixture: kills on tmpfs

NEW_PW = "Brand-new-pass-7"
BOSS2_PW = "Boss2-pass-123"
GONE_PW = "Gone-pass-1234"
POINTS = ["staff.after_stage", "staff.after_commit", "staff.after_promote"]


def _id(s: Session, username: str) -> str:
    return str(s.db.scalar("SELECT id FROM staff WHERE username = ?", (username,)))


# case -> (the staff member it is about, the audit action, what the operation does as the manager)
OPS: dict[str, tuple[str, str, Callable[[Vault, Session], None]]] = {
    "add_clerk": (
        "newbie",
        "staff.add",
        lambda v, s: add_staff(v, s, username="newbie", display_name="周店员", role="clerk", password=NEW_PW),
    ),
    "add_manager_with_key": (
        "newboss",
        "staff.add",
        lambda v, s: add_staff(
            v,
            s,
            username="newboss",
            display_name="孙店长",
            role="manager",
            password=NEW_PW,
            manager_password=MANAGER_PW,
        ),
    ),
    "disable": ("clerk", "staff.disable", lambda v, s: set_disabled(v, s, _id(s, "clerk"), True)),
    "enable": ("gone", "staff.enable", lambda v, s: set_disabled(v, s, _id(s, "gone"), False, password=NEW_PW)),
    "remove": ("clerk", "staff.remove", lambda v, s: remove_staff(v, s, _id(s, "clerk"))),
    "demote": ("boss2", "staff.role_change", lambda v, s: change_role(v, s, _id(s, "boss2"), "clerk")),
    "promote": ("clerk", "staff.role_change", lambda v, s: change_role(v, s, _id(s, "clerk"), "manager")),
}
# `memberdesk-admin staff ...` in a fresh interpreter, its secrets on stdin: (argv tail, stdin, the OPS case)
CLI = {
    "cli_add": (["staff", "add", "--new-username", "newbie", "--display-name", "周店员"], "add_clerk"),
    "cli_enable": (["staff", "enable", "--new-username", "gone"], "enable"),
}
# the password each one had before the change (None: no account yet)
BEFORE = {"newbie": None, "newboss": None, "clerk": CLERK_PW, "gone": GONE_PW, "boss2": BOSS2_PW}
BASELINE: dict[str, int] = {}  # action -> entries in the template


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    """A store with a manager, a clerk, a second manager holding the field key and a disabled clerk."""
    root = _scratch()
    vault, session, _recovery = crashkit.new_store(root, "SH-003", "上海徐家汇店")
    add_staff(
        vault,
        session,
        username="boss2",
        display_name="赵店长",
        role="manager",
        password=BOSS2_PW,
        manager_password=MANAGER_PW,
    )
    gone = add_staff(vault, session, username="gone", display_name="钱店员", role="clerk", password=GONE_PW)
    set_disabled(vault, session, gone.id, True)
    for _who, action, _op in OPS.values():  # the template's own entries (adds, a disable)
        BASELINE[action] = session.db.scalar("SELECT count(*) FROM audit_log WHERE action = ?", (action,))
    vault.close()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _kill(template: Path, work: Path, case: str, point: str) -> Paths:
    if case in CLI:
        argv = ["--username", "manager", *CLI[case][0]]
        exit_code, paths = crashkit.kill_admin(template / "store", work, point, argv, [MANAGER_PW, NEW_PW])
    else:
        op = OPS[case][2]

        def run(paths: Paths, _w: int) -> None:
            vault, s = sign_in(paths)
            op(vault, s)

        exit_code, paths, _ = kill_at(template / "store", work, point, run)
    assert exit_code == KILLED, f"{case} at {point}: exit {exit_code} instead of dying at the point"
    return paths


def _opens(paths: Paths, username: str, password: str | None) -> bool:
    return password is not None and opens(paths, username, password)


def _steps_up(vault: Vault, username: str, password: str) -> bool:
    """`username`'s step-up opens a value sealed to the store's field key (SEN-3)."""
    sealed = vault.field_cipher().encrypt("示例", "member_fields", "value_enc", "m1")
    try:
        with vault.step_up(username, password) as up:
            return up.cipher.decrypt(sealed, "member_fields", "value_enc", "m1") == "示例"
    except (SignInError, UserError):
        return False


def _expected(op_case: str, committed: bool) -> tuple[bool, bool, str | None]:
    """(account active, a manager, the password that opens it) once the change is recorded or not."""
    if op_case in ("add_clerk", "add_manager_with_key", "enable"):
        return committed, committed and op_case == "add_manager_with_key", NEW_PW if committed else None
    if op_case in ("disable", "remove"):
        return not committed, False, None if committed else CLERK_PW
    if op_case == "demote":
        return True, not committed, BOSS2_PW
    return True, committed, CLERK_PW  # promote


@pytest.mark.parametrize("affected_first", [True, False], ids=["affected-first", "manager-first"])
@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("case", sorted(OPS) + sorted(CLI))
def test_a_killed_staff_change_leaves_key_file_and_db_agreeing(template, tmp_path, case, point, affected_first):
    op_case = CLI[case][1] if case in CLI else case
    username, action = OPS[op_case][:2]
    paths = _kill(template, tmp_path / "store", case, point)
    committed = point != "staff.after_stage"  # recorded = rolled forward, else rolled back
    active, manager, opens_with = _expected(op_case, committed)
    # the next start: the staff member the change is about tries every password they may have first, or not
    tries = [pw for pw in dict.fromkeys([BEFORE[username], NEW_PW]) if pw is not None]
    first = {pw: _opens(paths, username, pw) for pw in tries} if affected_first else {}
    vault, s = sign_in(paths)
    assert s.db.scalar("SELECT count(*) FROM audit_log WHERE action = ?", (action,)) == BASELINE[action] + committed
    assert chain.verify(s.db).ok  # rule: SEC-2
    row = s.db.one("SELECT * FROM staff WHERE username = ? OR username GLOB ?", (username, username + "#*"))
    db_active = row is not None and not row["disabled"] and row["removed_at"] is None
    db_manager = db_active and row is not None and row["role"] == "manager"
    assert (db_active, db_manager) == (active, manager)
    assert s.db.scalar("SELECT count(*) FROM meta WHERE key GLOB ?", (MARK + "*",)) == 0
    vault.close()
    # the file follows the DB: a slot exists exactly for an account the DB allows, nothing staged is left
    slots = ks.KeySlotFile.load(paths.keyslots)
    slot = slots.staff_slot(username)
    assert (slot is not None) == db_active  # rule: SEC-1
    assert slots.is_disabled(username) == (row is not None and bool(row["disabled"]) and row["removed_at"] is None)
    assert slots.changes() == [] and slots.staged == {}
    assert not any(sl.get("pending") for sl in json.loads(paths.keyslots.read_text("utf-8"))["slots"])
    # a slot holds the field key only while the DB says manager; a new manager's from the adding manager at once
    assert slot is None or "field_key" not in slot or db_manager  # rule: SEN-3
    if op_case in ("add_manager_with_key", "demote"):
        assert (slot is not None and "field_key" in slot) == db_manager  # rule: SEN-3
    # every password opens exactly what the recorded state allows, whichever was tried first
    for pw in tries:
        now = _opens(paths, username, pw)
        assert now == (pw == opens_with)  # a password opens only with its row and audit entry: rule: SEC-2
        if affected_first:
            assert first[pw] == now
    # the step-up: sealed fields open for this staff member exactly when the DB says manager
    vault, s = sign_in(paths)
    assert _steps_up(vault, "manager", MANAGER_PW)  # the acting manager is never locked out; it completes wraps
    slot = ks.KeySlotFile.load(paths.keyslots).staff_slot(username)
    assert (slot is not None and "field_key" in slot) == db_manager  # rule: SEN-3
    if opens_with is not None:
        assert _steps_up(vault, username, opens_with) == db_manager  # rule: SEN-3
    vault.close()
    assert not [p.name for p in paths.data_dir.rglob("*") if p.name.endswith(".tmp")]


def test_a_staged_removal_keeps_the_slot_until_the_removal_commits(template, tmp_path):
    """Killed after the stage: the slot to be removed was only listed to go; it still opens, and the next open
    forgets the listing. Killed after the commit: the listed slot still sits in the file, but the clerk's own
    sign-in is what reconciles it and is refused."""
    paths = _kill(template, tmp_path / "a", "remove", "staff.after_stage")
    staged = ks.KeySlotFile.load(paths.keyslots)
    assert staged.staff_slot("clerk") is not None and staged.staged  # listed, still there
    assert _opens(paths, "clerk", CLERK_PW)
    assert ks.KeySlotFile.load(paths.keyslots).staged == {}
    paths = _kill(template, tmp_path / "b", "remove", "staff.after_commit")
    assert ks.KeySlotFile.load(paths.keyslots).staff_slot("clerk") is not None
    assert not _opens(paths, "clerk", CLERK_PW)  # rule: SEC-1
    assert ks.KeySlotFile.load(paths.keyslots).staff_slot("clerk") is None


@pytest.mark.parametrize("fails", ["before_commit", "after_commit"])
def test_an_error_around_the_commit_leaves_the_file_as_the_db_says(template, tmp_path, fails):
    """In-process: the transaction raises (nothing committed: the staged removal is undone at once), or an error
    comes after its commit (the marker is there: the change is applied, not undone)."""
    paths = crashkit.copy_store(template / "store", tmp_path / "store")
    vault, s = sign_in(paths)
    slots = vault.slots()
    change = slots.new_change()
    slots.stage_removal(change, "clerk", mark_disabled=True)
    with pytest.raises(RuntimeError), slotchange.staged(s.db, slots, change, kind="staff") as change_id:
        with s.db.transaction() as conn:
            slotchange.record(conn, change_id)
            if fails == "before_commit":
                raise RuntimeError("before the commit")
        raise RuntimeError("after the commit")
    after = ks.KeySlotFile.load(paths.keyslots)
    assert after.staged == {} and after.changes() == []
    assert (after.staff_slot("clerk") is None) == (fails == "after_commit")  # rule: SEC-1
    assert after.is_disabled("clerk") == (fails == "after_commit")
    assert s.db.scalar("SELECT count(*) FROM meta WHERE key GLOB ?", (MARK + "*",)) == 0
    vault.close()
