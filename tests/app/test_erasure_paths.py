"""Every path that erases journals an erase row, so head office deletes its copy and orders the other
stores (RIG-3): requests, the retention sweep, head-office orders, ledger replays after a restore or a
crash. A restore of any older backup followed by a sync ends with the member erased everywhere; a process
killed at each named crash point of the erasure and restore paths converges after restart."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app import crashpoints
from app.access.backup import create_backup
from app.access.vault import Vault
from app.config import resolve_paths
from app.erasure import erase_member, is_erased
from app.errors import UserError
from app.requests.restore import apply_ledger, restore_with_ledger
from app.sync import SyncEngine
from tests.app.syncutil import client, enrolled, ho, hoc, new_store  # noqa: F401  (fixtures)
from tests.conftest import MANAGER_PW
from tests.factories import make_member

ROOT = Path(__file__).resolve().parents[2]


def erase_rows(db, mid) -> int:
    return db.scalar(
        "SELECT count(*) FROM change_journal WHERE entity = 'erasure' AND entity_id = ? AND op = 'erase'", (mid,)
    )


def engine_for(session, paths, client):
    return SyncEngine.for_session(
        session, http=client, allow_plain_http=True, sleep=lambda s: None, ledger_path=paths.erasure_ledger
    )


def converged(ho, mid, *dbs) -> None:
    assert ho.is_erased(mid) and ho.member_records(mid) == 0  # rule: RIG-3
    for db in dbs:
        assert is_erased(db, mid)  # rule: RIG-3
        assert db.one("SELECT 1 FROM members WHERE id = ?", (mid,)) is None  # rule: RIG-3


@pytest.fixture(autouse=True)
def _disarm():
    yield
    crashpoints.disarm()


def restart(vault, paths):
    vault.lock()
    s = vault.sign_in("manager", MANAGER_PW)
    apply_ledger(s, paths)  # what the main window does after sign-in
    return s


# -- every path journals --------------------------------------------------------------------------
def test_head_office_order_and_replay_journal_an_erase_row(manager, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    mid = make_member(manager, "总部删除")
    eng.sync_once()
    ho.file_erasure_order(mid)
    eng.pull()
    assert erase_rows(manager.db, mid) == 1  # rule: RIG-3
    other = make_member(manager, "重放删除")
    crashpoints.arm("erasure.after_ledger")
    with pytest.raises(crashpoints.CrashPoint):
        erase_member(manager, other, ledger_path=paths.erasure_ledger)
    assert not is_erased(manager.db, other) and erase_rows(manager.db, other) == 0
    crashpoints.disarm()
    assert apply_ledger(manager, paths) == 1  # the ledger finishes it...
    assert erase_rows(manager.db, other) == 1  # ...and head office hears of it  # rule: RIG-3
    eng.sync_once()
    converged(ho, other, manager.db)


@pytest.mark.parametrize(
    "point",
    ["erasure.after_ledger", "erasure.after_commit", "order.after_ledger", "sweep.after_ledger", "replay.after_erase"],
)
def test_a_fault_at_each_crash_point_converges_after_restart(vault, manager, paths, client, ho, point, clock):
    from tests.retention_helpers import set_day

    eng = enrolled(manager, paths, client, ho)
    if point == "sweep.after_ledger":
        set_day(clock, 2020, 1, 10, 12)
        mid = make_member(manager, "到期会员", registered_at="2020-01-10T10:00:00+08:00")
    else:
        mid = make_member(manager, "崩溃会员")
    second = make_member(manager, "第二位")
    eng.sync_once()
    crashpoints.arm(point)
    with pytest.raises(crashpoints.CrashPoint):
        if point == "order.after_ledger":
            ho.file_erasure_order(mid)
            eng.pull()
        elif point == "sweep.after_ledger":
            from app.retention import apply_sweep

            set_day(clock, 2026, 8, 2)
            apply_sweep(manager, ledger_path=paths.erasure_ledger)
        elif point == "replay.after_erase":
            bundle = create_backup(vault, manager)
            erase_member(manager, mid, ledger_path=paths.erasure_ledger)
            erase_member(manager, second, ledger_path=paths.erasure_ledger)
            target = resolve_paths(paths.data_dir.parent / "restored").ensure()
            restore_with_ledger(
                bundle, target, ledger_files=[paths.erasure_ledger], sign_in=lambda v: v.sign_in("manager", MANAGER_PW)
            )
            vault.lock()
            vault, paths = Vault(target), target
            apply_ledger(vault.sign_in("manager", MANAGER_PW), target)
        else:
            erase_member(manager, mid, ledger_path=paths.erasure_ledger)
    crashpoints.disarm()
    s = restart(vault, paths)
    assert is_erased(s.db, mid)  # rule: RIG-3
    assert erase_rows(s.db, mid) == 1  # rule: RIG-3
    eng = engine_for(s, paths, client)
    eng.sync_once()
    eng.sync_once()
    converged(ho, mid, s.db)
    if point == "replay.after_erase":
        converged(ho, second, s.db)
    vault.close()


# -- restore orders ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "order", ["erase-sync-restore", "erase-restore-sync", "backup-before-first-sync", "crash-in-the-window"]
)
def test_restore_of_an_older_backup_then_sync_erases_everywhere(
    vault, manager, paths, client, ho, tmp_path, clock, order
):
    vb, sb, pb = new_store(tmp_path, "BJ-002", clock)
    b = enrolled(sb, pb, client, ho)
    a = enrolled(manager, paths, client, ho)
    mid = make_member(manager, "恢复会员")
    if order != "backup-before-first-sync":
        a.sync_once()
    bundle = create_backup(vault, manager)  # holds the member
    if order == "backup-before-first-sync":
        a.sync_once()
    clock.advance(hours=1)
    if order == "crash-in-the-window":
        crashpoints.arm("erasure.after_ledger")
        with pytest.raises(crashpoints.CrashPoint):
            erase_member(manager, mid, ledger_path=paths.erasure_ledger)
        crashpoints.disarm()
    else:
        erase_member(manager, mid, ledger_path=paths.erasure_ledger)
    if order in ("erase-sync-restore", "backup-before-first-sync"):
        a.sync_once()
        assert ho.is_erased(mid)
    target = resolve_paths(tmp_path / "restored").ensure()
    restore_with_ledger(
        bundle, target, ledger_files=[paths.erasure_ledger], sign_in=lambda v: v.sign_in("manager", MANAGER_PW)
    )  # a manager restores
    vault.lock()
    v2 = Vault(target)
    try:
        s2 = v2.sign_in("manager", MANAGER_PW)
        apply_ledger(s2, target)
        assert erase_rows(s2.db, mid) == 1  # rule: RIG-3
        e2 = engine_for(s2, target, client)
        e2.sync_once()
        e2.sync_once()
        b.sync_once()
        converged(ho, mid, s2.db)
        assert is_erased(sb.db, mid) or sb.db.one("SELECT 1 FROM members WHERE id = ?", (mid,)) is None
    finally:
        v2.close()
        vb.close()


# -- head office refuses a row naming another member ---------------------------------------------------
def test_signed_upload_naming_another_member_is_refused(manager, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    mid, other = make_member(manager, "甲"), make_member(manager, "乙")
    eng.sync_once()
    hwm = ho.list_stores()[0]["hwm"]
    rows = [
        {
            "seq": hwm + 1,
            "ts": "2026-11-02T09:00:00+08:00",
            "entity": "erasure",
            "entity_id": mid,
            "op": "erase",
            "payload": {"member_id": other, "reason": "request"},
            "member_id": None,
        },
        {
            "seq": hwm + 2,
            "ts": "2026-11-02T09:00:00+08:00",
            "entity": "member",
            "entity_id": mid,
            "op": "upsert",
            "payload": {"status": "active"},
            "member_id": other,
        },
    ]
    resp = eng.transport().post_json("/v1/upload", {"after": hwm, "rows": rows, "pending": 0}, signer=eng._signer())
    assert resp["quarantined"] == 2 and resp["ack"] == hwm + 2  # nothing lost: acknowledged
    assert not ho.is_erased(mid) and not ho.is_erased(other)  # rule: RIG-3
    assert ho.member_records(other) == 1 and ho.member_records(mid) == 1
    assert [q["reason"] for q in ho.quarantined("SH-001")] == ["member_mismatch"] * 2


# -- a real kill: the process dies at the point (os._exit), then restarts ------------------------------
_CHILD = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {root!r})
    os.environ["MEMBERDESK_FAST_KDF"] = "1"
    from app.domains import load_all
    load_all()
    from app.config import resolve_paths
    from app.access.vault import Vault
    from app.erasure import erase_member
    from app.requests.restore import apply_ledger, restore_with_ledger
    paths = resolve_paths({data!r})
    if {bundle!r}:  # a manager signs in to the restored copy (SEC-1)
        restore_with_ledger({bundle!r}, paths, ledger_files=[{old_ledger!r}], sign_in=lambda v: v.sign_in("manager", {pw!r}))
    session = Vault(paths).sign_in("manager", {pw!r})
    apply_ledger(session, paths)
    if {mid!r}:
        erase_member(session, {mid!r}, ledger_path=paths.erasure_ledger)
    os._exit(0)
""")


@pytest.mark.parametrize(
    "point",
    [
        "erasure.after_ledger",
        "erasure.after_commit",
        "restore.after_unpack",
        "restore.after_merge",
        "replay.after_erase",
    ],
)
def test_killed_process_at_each_point_converges(vault, manager, paths, client, ho, tmp_path, point):
    eng = enrolled(manager, paths, client, ho)
    mid = make_member(manager, "被杀进程会员")
    eng.sync_once()
    data, bundle, old_ledger, victim = paths, "", "", mid
    if point.startswith(("restore.", "replay.")):
        bundle = str(create_backup(vault, manager))
        erase_member(manager, mid, ledger_path=paths.erasure_ledger)
        data, old_ledger, victim = resolve_paths(tmp_path / "restored").ensure(), str(paths.erasure_ledger), ""
    vault.lock()
    env = dict(os.environ, MEMBERDESK_CRASH_AT=point)
    code = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD.format(
                root=str(ROOT), data=str(data.data_dir), pw=MANAGER_PW, mid=victim, bundle=bundle, old_ledger=old_ledger
            ),
        ],
        env=env,
        timeout=120,
    ).returncode
    assert code == 137  # it died at the point
    if point == "restore.after_unpack":  # the half-restored data cannot be used; restore again, elsewhere
        half = Vault(data)
        with pytest.raises(UserError):
            apply_ledger(half.sign_in("manager", MANAGER_PW), data)  # rule: RIG-3
        half.close()
        data = resolve_paths(tmp_path / "restored-again").ensure()
        restore_with_ledger(
            Path(bundle), data, ledger_files=[Path(old_ledger)], sign_in=lambda v: v.sign_in("manager", MANAGER_PW)
        )
    v2 = vault if data is paths else Vault(data)
    try:
        s = v2.sign_in("manager", MANAGER_PW)
        apply_ledger(s, data)
        assert is_erased(s.db, mid)  # rule: RIG-3
        assert (
            erase_rows(s.db, mid) >= 1
            or s.db.scalar("SELECT count(*) FROM erasure_ledger WHERE member_id = ?", (mid,)) == 1
        )
        e2 = engine_for(s, data, client)
        e2.sync_once()
        e2.sync_once()
        converged(ho, mid, s.db)
    finally:
        v2.close()
