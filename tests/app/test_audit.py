"""The audit log is a tamper-evident hash chain (SEC-2); the write path is one transaction."""

import pytest

from app.audit import chain
from tests.factories import make_member


@pytest.fixture
def busy(manager):
    for i in range(6):
        make_member(manager, name=f"测试{i}", mobile=f"1380000000{i}")
    assert chain.verify(manager.db).ok
    return manager


def test_editing_an_entry_is_detected(busy):
    busy.db.execute("UPDATE audit_log SET action = 'nothing.to.see' WHERE seq = 4")
    r = chain.verify(busy.db)
    assert not r.ok and r.first_broken == 4  # rule: SEC-2


def test_deleting_an_entry_is_detected(busy):
    busy.db.execute("DELETE FROM audit_log WHERE seq = 3")
    r = chain.verify(busy.db)
    assert not r.ok and r.first_broken == 3  # rule: SEC-2


def test_deleting_the_newest_entries_is_detected(busy):
    last = busy.db.scalar("SELECT max(seq) FROM audit_log")
    busy.db.execute("DELETE FROM audit_log WHERE seq >= ?", (last - 1,))
    r = chain.verify(busy.db)
    assert not r.ok and r.first_broken == last - 1  # rule: SEC-2


def test_reordering_entries_is_detected(busy):
    a = busy.db.one("SELECT * FROM audit_log WHERE seq = 2")
    b = busy.db.one("SELECT * FROM audit_log WHERE seq = 5")
    cols = ["ts", "staff_id", "terminal", "action", "subject_type", "subject_id", "details", "prev_hash", "hash"]
    with busy.db.transaction() as conn:
        conn.execute(f"UPDATE audit_log SET {', '.join(c + '=?' for c in cols)} WHERE seq = 2", [b[c] for c in cols])
        conn.execute(f"UPDATE audit_log SET {', '.join(c + '=?' for c in cols)} WHERE seq = 5", [a[c] for c in cols])
    r = chain.verify(busy.db)
    assert not r.ok and r.first_broken == 2  # rule: SEC-2


def test_recomputing_the_tail_after_an_edit_still_breaks_at_the_head(busy):
    """Editing an entry and recomputing every later hash (prev links included) is caught by the chain
    head kept in meta; rewriting that head too takes head office's anchor (tests/app/test_audit_anchor.py)."""
    cols = ["seq", "ts", "staff_id", "terminal", "action", "subject_type", "subject_id", "details"]
    rows = [dict(r) for r in busy.db.all("SELECT * FROM audit_log ORDER BY seq")]
    with busy.db.transaction() as conn:
        prev = rows[1]["hash"]
        for r in rows[2:]:
            if r["seq"] == 3:
                r["action"] = "nothing.to.see"
            digest = chain.entry_hash(prev, *[r[c] for c in cols])
            conn.execute(
                "UPDATE audit_log SET action = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (r["action"], prev, digest, r["seq"]),
            )
            prev = digest
    r = chain.verify(busy.db)
    assert not r.ok and r.reason == "entries missing at the end"  # rule: SEC-2 (every link checks, the head not)
    assert r.entries == len(rows)  # the recomputed tail itself links up


def test_details_refuse_personal_values(manager):
    with pytest.raises(ValueError), manager.write("member.update", "member", "x", {"name": "张三"}):
        pass
    assert chain.verify(manager.db).ok


def test_write_is_atomic_with_audit_and_journal(manager):
    audits = manager.db.scalar("SELECT count(*) FROM audit_log")
    journal = manager.db.scalar("SELECT count(*) FROM change_journal")
    with pytest.raises(RuntimeError), manager.write("member.create", "member", "m1") as tx:
        tx.execute("INSERT INTO meta(key, value) VALUES ('half', 'done')")
        tx.journal("member", "m1", "upsert", {"x": 1})
        raise RuntimeError("crash in the middle")
    assert manager.db.scalar("SELECT count(*) FROM audit_log") == audits
    assert manager.db.scalar("SELECT count(*) FROM change_journal") == journal
    assert manager.db.scalar("SELECT value FROM meta WHERE key='half'") is None
    with manager.write("member.create", "member", "m1") as tx:
        tx.journal("member", "m1", "upsert", {"x": 1})
    assert manager.db.scalar("SELECT count(*) FROM audit_log") == audits + 1  # rule: SEC-2
    assert manager.db.scalar("SELECT count(*) FROM change_journal") == journal + 1


def test_every_entry_names_a_person(manager, clerk):
    make_member(clerk)
    clerk.audit_read("member.view", "member", "x")
    rows = manager.db.all("SELECT staff_id, terminal FROM audit_log")
    assert rows and all(r[0] and r[1] == "DESK-1" for r in rows)  # rule: SEC-1
