"""The erasure ledger file is authenticated (RIG-3, STO-1): a line added or edited by hand is refused,
set aside, audited and shown to the manager, never executed; a ledger from before MACs is migrated."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from app import erasure, reminders
from app.erasure import erase_member, is_erased, read_ledger_file
from app.errors import PermissionDenied, UserError
from app.requests.restore import apply_ledger
from tests.factories import make_member


def _lines(path):
    return [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]


def _write(path, entries):
    path.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in entries), "utf-8")


@pytest.fixture
def ledger(manager, paths):
    """A store whose ledger is in use: one genuine erasure, opened once (migrated)."""
    gone = make_member(manager, "已删除")
    erase_member(manager, gone, ledger_path=paths.erasure_ledger)
    apply_ledger(manager, paths)
    return gone


def test_hand_added_line_is_refused_shown_and_never_executed(manager, clerk, paths, ledger, caplog):
    victim = make_member(manager, "无辜会员")
    forged = {
        "member_id": victim,
        "erased_at": "2026-11-01T10:00:00+08:00",
        "reason": "request",
        "request_id": None,
        "store_code": "SH-001",
    }
    with open(paths.erasure_ledger, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(forged) + "\n")
    with caplog.at_level(logging.INFO):
        assert apply_ledger(manager, paths) == 0
    assert not is_erased(manager.db, victim)  # rule: RIG-3 (never executed)
    assert manager.db.one("SELECT 1 FROM members WHERE id = ?", (victim,)) is not None  # rule: RIG-3
    assert [e["member_id"] for e in read_ledger_file(paths.erasure_ledger)] == [ledger]  # set aside...
    aside = paths.erasure_ledger.with_name("erasure-ledger.jsonl.refused")
    assert [e["member_id"] for e in _lines(aside)] == [victim]  # ...kept for IT
    assert victim not in caplog.text  # rule: STO-1 (log: a count)
    assert manager.db.scalar("SELECT details FROM audit_log WHERE action = 'erasure.ledger.refused'") == '{"lines":1}'
    shown = [r for r in reminders.collect(manager.db, dt.date(2026, 11, 2)) if r.key == "erasure.ledger_refused"]
    assert shown and shown[0].params["n"] == 1 and "1" in shown[0].text("zh_CN")  # rule: RIG-3 (manager sees it)
    assert apply_ledger(manager, paths) == 0  # nothing left to refuse; the reminder stays
    assert erasure.refused_lines(manager.db)["lines"] == 1
    with pytest.raises(PermissionDenied):
        erasure.acknowledge_refused(clerk)
    assert erasure.acknowledge_refused(manager) == 1
    assert not [r for r in reminders.collect(manager.db, dt.date(2026, 11, 2)) if r.key == "erasure.ledger_refused"]
    with pytest.raises(UserError):
        erasure.acknowledge_refused(manager)


def test_edited_line_and_another_stores_line_are_refused(manager, paths, ledger, tmp_path, clock):
    from tests.app.syncutil import new_store

    victim = make_member(manager, "无辜会员")
    lines = _lines(paths.erasure_ledger)
    edited = dict(lines[0], member_id=victim)  # a genuine MAC on an edited line
    vb, sb, pb = new_store(tmp_path, "BJ-002", clock)
    other = make_member(sb, "别店会员")
    erase_member(sb, other, ledger_path=pb.erasure_ledger)
    foreign = dict(_lines(pb.erasure_ledger)[0], member_id=victim)  # signed under another store's key
    replayed = dict(_lines(pb.erasure_ledger)[0])  # another store's genuine line, copied
    vb.close()
    _write(paths.erasure_ledger, [*lines, edited, foreign, replayed])
    assert apply_ledger(manager, paths) == 0
    assert not is_erased(manager.db, victim) and not is_erased(manager.db, other)  # rule: RIG-3
    assert erasure.refused_lines(manager.db)["lines"] == 3
    assert [e["member_id"] for e in read_ledger_file(paths.erasure_ledger)] == [ledger]


def test_a_ledger_from_before_macs_is_migrated_on_first_open(manager, paths):
    old = make_member(manager, "老台账会员")
    erase_member(manager, old, ledger_path=paths.erasure_ledger)
    lost = make_member(manager, "崩溃窗口会员")
    legacy = [{k: e.get(k) for k in erasure.LEDGER_FIELDS} for e in _lines(paths.erasure_ledger)]
    legacy.append(
        {
            "member_id": lost,
            "erased_at": "2026-11-02T09:00:00+08:00",
            "reason": "request",
            "request_id": None,
            "store_code": "SH-001",
        }
    )  # an old erasure the DB lost (crash window)
    _write(paths.erasure_ledger, legacy)
    assert apply_ledger(manager, paths) == 1  # migrated lines are executed
    assert is_erased(manager.db, lost)  # rule: RIG-3
    assert all(
        erasure.entry_authentic(erasure.ledger_key(manager.db), e) for e in _lines(paths.erasure_ledger)
    )  # rule: RIG-3 (MACed)
    assert manager.db.scalar("SELECT details FROM audit_log WHERE action = 'erasure.ledger.migrated'") == '{"lines":2}'
    # from now on a line without a MAC is a forgery
    victim = make_member(manager, "无辜会员")
    with open(paths.erasure_ledger, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(dict(legacy[0], member_id=victim)) + "\n")
    assert apply_ledger(manager, paths) == 0 and not is_erased(manager.db, victim)  # rule: RIG-3


def test_the_ledger_key_is_derived_from_the_data_key_and_survives_a_rekey(vault, manager, paths):
    from app.access.rekey import begin_rekey, finish_rekey
    from app.storage.db import ledger_subkey
    from tests.conftest import MANAGER_PW

    gone = make_member(manager, "已删除")
    erase_member(manager, gone, ledger_path=paths.erasure_ledger)
    key = erasure.ledger_key(manager.db)
    assert key == ledger_subkey(vault.data_key()) and key != vault.data_key()  # rule: STO-1 (own label)
    plan = begin_rekey(vault, manager, MANAGER_PW)
    finish_rekey(vault, plan, plan.recovery_key)
    vault.lock()
    s = vault.sign_in("manager", MANAGER_PW)
    apply_ledger(s, paths)
    assert erasure.refused_lines(s.db) is None  # the genuine line still checks after a rekey
