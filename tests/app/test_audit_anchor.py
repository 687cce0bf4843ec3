"""The audit chain anchored at head office (SEC-2): each sync sends the entries since the last anchor;
head office recomputes them and raises an alarm on a rewrite, a truncation or a fork, which the store's
sync status, `memberdesk-headoffice stores` and head office's own audit show."""

from __future__ import annotations

import json

from app.audit import chain
from app.sync import sync_status
from app.sync.anchor import anchor_status, local_matches_anchor
from headoffice import cli as ho_cli
from tests.app.syncutil import client, enrolled, ho, hoc  # noqa: F401  (fixtures)
from tests.factories import make_member

COLS = ["seq", "ts", "staff_id", "terminal", "action", "subject_type", "subject_id", "details"]


def rewrite_chain(db, seq: int, action: str) -> None:
    """What someone with the data key can do: edit one entry, recompute every later hash and the head."""
    rows = [dict(r) for r in db.all("SELECT * FROM audit_log ORDER BY seq")]
    with db.transaction() as conn:
        prev = chain.GENESIS
        for r in rows:
            if r["seq"] == seq:
                r["action"] = action
            digest = chain.entry_hash(prev, *[r[c] for c in COLS])
            conn.execute(
                "UPDATE audit_log SET action = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (r["action"], prev, digest, r["seq"]),
            )
            prev = digest
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{rows[-1]['seq']}:{prev}",))


def ho_alarms(ho):
    with ho.storage.read() as c:
        return [
            dict(zip(("kind", "anchored_seq", "store_seq"), r, strict=False))
            for r in c.all("SELECT kind, anchored_seq, store_seq FROM audit_alarms ORDER BY id")
        ]


def ho_audit_actions(ho):
    with ho.storage.read() as c:
        return [r[0] for r in c.all("SELECT action FROM ho_audit ORDER BY id")]


def test_each_sync_anchors_the_chain_and_verify_audit_says_how_far(manager, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    make_member(manager, "张三")
    eng.sync_once()
    a = anchor_status(manager.db)
    head_seq, _head_hash = chain.head(manager.db)
    with ho.storage.read() as c:
        held = c.one("SELECT seq, hash FROM audit_anchors WHERE store = 'SH-001' ORDER BY seq DESC LIMIT 1")
    assert (int(held[0]), held[1]) == (
        a["anchor_seq"],
        (manager.db.scalar("SELECT hash FROM audit_log WHERE seq = ?", (a["anchor_seq"],))),
    )  # rule: SEC-2
    assert a["anchor_seq"] >= head_seq - 1 and a["anchored_at"] and a["alarm"] is None
    assert local_matches_anchor(manager.db) is True
    make_member(manager, "李四")
    eng.sync_once()
    assert anchor_status(manager.db)["anchor_seq"] > a["anchor_seq"]
    assert ho_alarms(ho) == []
    st = sync_status(manager.db)
    assert st["audit_anchor_seq"] == anchor_status(manager.db)["anchor_seq"] and st["audit_alarm"] is None


def test_a_chain_rewritten_with_the_data_key_is_flagged_by_head_office(manager, paths, client, ho, capsys):
    eng = enrolled(manager, paths, client, ho)
    for i in range(4):
        make_member(manager, f"测试{i}")
    eng.sync_once()
    anchored = anchor_status(manager.db)["anchor_seq"]
    rewrite_chain(manager.db, 3, "nothing.to.see")
    assert chain.verify(manager.db).ok  # the store alone cannot tell any more...
    assert local_matches_anchor(manager.db) is False  # ...except against the head head office confirmed
    eng.sync_once()
    alarms = ho_alarms(ho)
    assert [x["kind"] for x in alarms] == ["rewrite"]  # rule: SEC-2
    assert alarms[0]["anchored_seq"] == anchored
    assert "audit.anchor.alarm" in ho_audit_actions(ho)  # rule: SEC-2
    st = sync_status(manager.db)
    assert st["audit_alarm"]["kind"] == "rewrite"  # rule: SEC-2 (sync page)
    ho_cli_out = _stores_listing(ho, capsys)
    assert "ALARM rewrite" in ho_cli_out  # rule: SEC-2
    # anchored anew: the next sync is quiet, the alarm stays until IT acknowledges it
    eng.sync_once()
    assert len(ho_alarms(ho)) == 1 and sync_status(manager.db)["audit_alarm"]["kind"] == "rewrite"
    assert ho.acknowledge_audit_alarm("SH-001") == 1
    eng.sync_once()
    assert sync_status(manager.db)["audit_alarm"] is None


def _stores_listing(ho, capsys) -> str:
    path = ho.storage.path
    ho_cli.main(["--db", f"sqlite:///{path}", "stores"])
    return capsys.readouterr().out


def test_truncated_chain_is_flagged(manager, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    for i in range(3):
        make_member(manager, f"测试{i}")
    eng.sync_once()
    anchored = anchor_status(manager.db)["anchor_seq"]
    keep = anchored - 3
    with manager.db.transaction() as conn:  # delete the newest entries and move the head back
        conn.execute("DELETE FROM audit_log WHERE seq > ?", (keep,))
        h = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (keep,)).fetchone()[0]
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{keep}:{h}",))
    assert chain.verify(manager.db).ok
    eng.pull()  # no new entries written before the anchor check (pull only records the head)
    from app.sync.anchor import anchor_audit

    ans = anchor_audit(manager.db, eng.transport(), eng._signer())
    assert ans["status"] == "alarm" and ans["alarm"]["kind"] == "truncation"  # rule: SEC-2
    assert ho_alarms(ho)[0]["anchored_seq"] == anchored


def test_fork_from_an_older_state_is_flagged(manager, paths, client, ho):
    """The store goes on from an older copy of its DB (its own older anchor, then new entries)."""
    eng = enrolled(manager, paths, client, ho)
    make_member(manager, "张三")
    eng.sync_once()
    old_state = manager.db.scalar("SELECT value FROM sync_state WHERE key = 'audit_anchor'")
    old_seq = json.loads(old_state)["seq"]
    make_member(manager, "李四")
    eng.sync_once()
    # back to the older state: entries after the old anchor replaced by others (as a restored copy would write)
    with manager.db.transaction() as conn:
        conn.execute("DELETE FROM audit_log WHERE seq > ?", (old_seq,))
        h = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (old_seq,)).fetchone()[0]
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{old_seq}:{h}",))
        conn.execute("UPDATE sync_state SET value = ? WHERE key = 'audit_anchor'", (old_state,))
    for i in range(12):
        make_member(manager, f"分叉{i}")
    eng.sync_once()
    assert [x["kind"] for x in ho_alarms(ho)] == ["fork"]  # rule: SEC-2


def test_an_edited_entry_without_recomputation_is_a_rewrite(manager, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    make_member(manager, "张三")
    eng.sync_once()
    make_member(manager, "李四")
    last = manager.db.scalar("SELECT max(seq) FROM audit_log")
    manager.db.execute("UPDATE audit_log SET action = 'x' WHERE seq = ?", (last,))  # after the anchor
    eng.sync_once()
    assert [x["kind"] for x in ho_alarms(ho)] == ["rewrite"]  # rule: SEC-2


def test_verify_audit_says_how_far_the_chain_is_anchored(manager, paths, client, ho, capsys):
    from types import SimpleNamespace

    from app.cli import cmd_verify_audit

    eng = enrolled(manager, paths, client, ho)
    make_member(manager, "张三")
    eng.sync_once()
    ctx = SimpleNamespace(sign_in=lambda: manager)
    assert cmd_verify_audit(None, ctx) == 0
    report = json.loads(capsys.readouterr().out)
    a = anchor_status(manager.db)
    assert report["anchored_seq"] == a["anchor_seq"] > 0 and report["anchored_at"] == a["anchored_at"]  # rule: SEC-2
    assert report["anchor_matches"] is True and report["head_office_alarm"] is None
    rewrite_chain(manager.db, 2, "nothing.to.see")
    assert cmd_verify_audit(None, ctx) == 3  # the confirmed head no longer holds  # rule: SEC-2
    assert json.loads(capsys.readouterr().out)["anchor_matches"] is False
