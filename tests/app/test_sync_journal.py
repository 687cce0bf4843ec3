"""The change journal's span rows (one row for a POS import batch, expanded per purchase at upload),
pruning after head office's acknowledgement, and the repairs when head office's mark and the journal
disagree (head office restored from an older backup, store restored from an older backup)."""

from __future__ import annotations

import json

import httpx
import pytest

from app.clock import iso
from app.erasure import erase_member
from app.sync import SyncError, journal, pending_count
from app.sync.state import get_state, save_state
from tests.app.syncutil import client, enrolled, ho, hoc  # noqa: F401  (fixtures)
from tests.factories import make_member


class Recorder:
    """The engine's http client: keeps every upload body; `fail_after` uploads carrying rows, goes offline."""

    def __init__(self, client, fail_after: int | None = None):
        self.client, self.fail_after = client, fail_after
        self.uploads: list[dict] = []

    def request(self, method, url, **kw):
        if url.endswith("/v1/upload"):
            body = json.loads(kw["content"])
            if body["rows"]:
                if self.fail_after is not None and len(self.batches) >= self.fail_after:
                    raise httpx.ConnectError("down")
                self.uploads.append(body)
        return self.client.request(method, url, **kw)

    @property
    def batches(self) -> list[dict]:
        return [b for b in self.uploads if b["rows"]]

    def rows(self) -> list[dict]:
        return [r for b in self.batches for r in b["rows"]]


def recorded(session, paths, client, ho, **kw):
    eng = enrolled(session, paths, client, ho)
    rec = Recorder(client, kw.pop("fail_after", None))
    eng._transport.http = rec
    for k, v in kw.items():
        setattr(eng, k, v)
    return eng, rec


def import_batch(session, members: list[str], import_id: int = 7) -> tuple[int, list[str]]:
    """Purchases inserted the way the POS import does, journalled as one span row. Returns (seq, txn ids)."""
    now = iso(session.clock.now())
    txns = [f"T{import_id}-{i:04d}" for i in range(len(members))]
    with session.write("purchase.import.test", "pos_import", str(import_id)) as tx:
        first = tx.scalar("SELECT coalesce(max(id), 0) FROM purchases") + 1
        tx.executemany(
            "INSERT INTO purchases(id, store_code, pos_txn_id, member_id, purchased_at, amount_fen, goods_type,"
            " payment_method, coupon_code, source, import_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    first + i,
                    session.store_code,
                    t,
                    m,
                    "2026-11-01T10:00:00+08:00",
                    100 + i,
                    "food",
                    "cash",
                    None,
                    "pos",
                    import_id,
                    now,
                )
                for i, (t, m) in enumerate(zip(txns, members, strict=True))
            ],
        )
        seq = journal.add_purchase_batch(
            tx,
            ts=now,
            store_code=session.store_code,
            import_id=import_id,
            first_id=first,
            last_id=first + len(members) - 1,
        )
    return seq, txns


def ho_purchases(ho) -> dict[str, tuple]:
    """(member id, payload) per purchase at head office, read through its decrypting reader; the member id
    is the payload's when head office's blind index (records.member_id, STO-1) matches it."""
    out = {}
    recs = ho.records(entity="purchase")
    with ho.storage.read() as c:
        for r in recs:
            named = r["payload"].get("member_id")
            key = ho.keys.bidx(c, "member", named) if named else None
            out[r["entity_id"]] = (
                named if key is not None and key == r["member_key"] else r["member_key"],
                r["payload"],
            )
    return out


def test_span_row_reserves_its_sequence_numbers(manager):
    mid = make_member(manager)
    seq, _ = import_batch(manager, [mid] * 5)
    assert journal.last_seq(manager.db) == seq + 4
    after = make_member(manager)
    assert manager.db.scalar("SELECT seq FROM change_journal WHERE member_id = ?", (after,)) == seq + 5
    assert manager.db.scalar("SELECT span FROM change_journal WHERE seq = ?", (seq,)) == 5
    with pytest.raises(ValueError), manager.write("x.test") as tx:
        journal.add_span_row(tx, ts="t", entity="nobody_expands_this", entity_id="1", op="expand", payload={}, span=3)


def test_span_row_arrives_as_one_purchase_row_per_sequence_number(manager, paths, client, ho):
    a, b = make_member(manager, "张三"), make_member(manager, "李四")
    eng, rec = recorded(manager, paths, client, ho)
    seq, txns = import_batch(manager, [a, b, a])
    eng.sync_once()
    sent = [r for r in rec.rows() if r["entity"] == "purchase"]
    assert [r["seq"] for r in sent] == [seq, seq + 1, seq + 2]
    assert all(r["op"] == "upsert" and "span" not in r for r in sent)
    got = ho_purchases(ho)
    assert set(got) == {f"SH-001:{t}" for t in txns}
    member, payload = got[f"SH-001:{txns[1]}"]
    assert member == b
    assert payload == {
        "pos_txn_id": txns[1],
        "member_id": b,
        "purchased_at": "2026-11-01T10:00:00+08:00",
        "amount_fen": 101,
        "goods_type": "food",
        "payment_method": "cash",
        "coupon_code": None,
    }
    assert ho.list_stores()[0]["hwm"] == journal.last_seq(manager.db)


def test_span_larger_than_batch_rows_is_split_and_straddles_acked_seq(manager, paths, client, ho):
    mid = make_member(manager)
    eng, rec = recorded(manager, paths, client, ho, batch_rows=3)
    eng.upload()  # the member row goes first
    seq, txns = import_batch(manager, [mid] * 8)
    tail = make_member(manager)
    eng.upload()
    batches = [b for b in rec.batches if b["rows"][-1]["seq"] >= seq]
    assert all(len(b["rows"]) <= 3 for b in batches)
    assert [b["after"] for b in batches] == [seq - 1, seq + 2, seq + 5]  # acked inside the span twice
    seqs = [r["seq"] for b in batches for r in b["rows"]]
    assert seqs == list(range(seq, seq + 9))  # 8 purchases, then the member
    assert set(ho_purchases(ho)) == {f"SH-001:{t}" for t in txns}
    assert ho.member_records(tail) == 1
    assert pending_count(manager.db) == 0


def test_interrupted_span_keeps_its_tail_and_counts_it_pending(manager, paths, client, ho):
    mid = make_member(manager)
    eng, rec = recorded(manager, paths, client, ho, batch_rows=4)
    eng.upload()
    seq, txns = import_batch(manager, [mid] * 10)
    make_member(manager)
    assert pending_count(manager.db) == 11
    rec.fail_after = len(rec.batches) + 1  # head office goes away after one more batch
    with pytest.raises(SyncError):
        eng.upload()
    assert get_state(manager.db, "acked_seq") == seq + 3
    assert manager.db.scalar("SELECT count(*) FROM change_journal WHERE seq = ?", (seq,)) == 1  # not wholly acked
    assert pending_count(manager.db) == 7  # 6 purchases of the span + the member row
    rec.fail_after = None
    eng.upload()
    assert pending_count(manager.db) == 0
    assert manager.db.scalar("SELECT count(*) FROM change_journal") == 0
    assert set(ho_purchases(ho)) == {f"SH-001:{t}" for t in txns}


def test_pending_count_with_spans(manager):
    mid = make_member(manager)
    first = journal.last_seq(manager.db)
    seq, _ = import_batch(manager, [mid] * 5)
    make_member(manager)
    assert pending_count(manager.db) == first + 6
    for acked, left in ((seq - 1, 6), (seq, 5), (seq + 3, 2), (seq + 4, 1), (seq + 5, 0)):
        save_state(manager.db, acked_seq=acked)
        assert pending_count(manager.db) == left


def test_erased_members_purchases_in_an_unsent_span_travel_scrubbed(manager, paths, client, ho):
    gone, kept = make_member(manager, "王五"), make_member(manager, "赵六")
    eng, rec = recorded(manager, paths, client, ho)
    seq, txns = import_batch(manager, [gone, kept, gone, kept])
    with manager.write("purchase.retention.test") as tx:  # one purchase deleted by retention meanwhile
        tx.execute("DELETE FROM purchases WHERE pos_txn_id = ?", (txns[3],))
    erase_member(manager, gone, ledger_path=paths.erasure_ledger)
    eng.sync_once()
    rows = {r["seq"]: r for r in rec.rows() if seq <= r["seq"] < seq + 4}
    wire = json.dumps([rows[s] for s in (seq, seq + 2)], ensure_ascii=False)
    assert gone not in wire and txns[0] not in wire and txns[2] not in wire  # rule: RIG-3
    assert [rows[s]["op"] for s in range(seq, seq + 4)] == ["scrubbed", "upsert", "scrubbed", "scrubbed"]
    assert rows[seq]["payload"] == {} and rows[seq]["member_id"] is None
    assert set(ho_purchases(ho)) == {f"SH-001:{txns[1]}"}  # rule: RIG-3
    assert ho.member_records(gone) == 0 and ho.is_erased(gone)  # rule: RIG-3


def test_acknowledged_rows_are_pruned(manager, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    mid = make_member(manager)
    import_batch(manager, [mid] * 3)
    assert manager.db.scalar("SELECT count(*) FROM change_journal") == 2
    eng.sync_once()
    assert manager.db.scalar("SELECT count(*) FROM change_journal") == 0
    assert get_state(manager.db, "acked_seq") == journal.last_seq(manager.db)
    later = make_member(manager)  # numbering goes on above the pruned rows
    assert (
        manager.db.scalar("SELECT seq FROM change_journal WHERE member_id = ?", (later,))
        == journal.last_seq(manager.db)
        == ho.list_stores()[0]["hwm"] + 1
    )


def test_gap_after_pruning_sends_what_exists_notes_the_rest_and_does_not_loop(manager, paths, client, ho):
    eng, rec = recorded(manager, paths, client, ho)
    early = [make_member(manager) for _ in range(4)]
    eng.sync_once()
    with ho.storage.read() as c:  # head office's backup, taken here
        backup = c.all("SELECT store, entity, entity_id, member_id, op, payload, seq, received_at FROM records")
    erase_member(manager, early[0], ledger_path=paths.erasure_ledger)
    eng.sync_once()
    assert ho.is_erased(early[0])
    top = journal.last_seq(manager.db)
    assert manager.db.scalar("SELECT count(*) FROM change_journal") == 0
    with ho.storage.tx() as c:  # head office restored from that backup
        c.execute("DELETE FROM erasures")
        c.execute("DELETE FROM records")
        c.executemany(
            "INSERT INTO records(store, entity, entity_id, member_id, op, payload, seq, received_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [tuple(r) for r in backup],
        )
        c.execute("UPDATE stores SET hwm = 1 WHERE code = 'SH-001'")
    assert ho.member_records(early[0]) == 1 and not ho.is_erased(early[0])
    late = make_member(manager)
    before = len(rec.uploads)
    eng.sync_once()
    assert len(rec.uploads) - before <= 4  # the gap answer, then the rows: no loop
    assert ho.member_records(late) == 1
    assert ho.is_erased(early[0]) and ho.member_records(early[0]) == 0  # rule: RIG-3
    assert all(ho.member_records(m) == 1 for m in early[1:])  # head office's own (restored) records stay
    note = [r for r in rec_log(manager) if r["message_key"] == "sync.journal_unavailable"]
    assert len(note) == 1 and note[0]["detail"] == f"erasures=1,from=2,rows={top - 1},to={top}"
    audit = manager.db.one("SELECT details FROM audit_log WHERE action = 'sync.journal.unavailable'")
    assert json.loads(audit[0]) == {"from": 2, "to": top, "rows": top - 1, "erasures": 1}
    assert ho.list_stores()[0]["hwm"] == journal.last_seq(manager.db)
    eng.sync_once()
    assert eng.upload() == 0 and pending_count(manager.db) == 0  # and the next run is quiet


def test_bad_gap_answer_raises_instead_of_looping(manager, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    make_member(manager)
    with pytest.raises(SyncError) as exc:
        eng._head_office_behind(acked=3, hwm=3)
    assert exc.value.code == "bad_gap"


def test_store_restored_from_older_backup_renumbers_rows_head_office_would_skip(manager, paths, client, ho):
    eng, rec = recorded(manager, paths, client, ho)
    make_member(manager)
    eng.sync_once()
    backup_point = journal.last_seq(manager.db)  # the backup is taken here …
    for _ in range(3):
        make_member(manager)
    eng.sync_once()  # … the original store sends 3 more rows
    hwm = ho.list_stores()[0]["hwm"]
    assert hwm == backup_point + 3
    with manager.db.transaction() as conn:  # … and the store is restored from the backup
        conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'change_journal'", (backup_point,))
        conn.execute("UPDATE sync_state SET value = ? WHERE key IN ('acked_seq', 'sent_seq')", (str(backup_point),))
    new = [make_member(manager) for _ in range(5)]  # 3 of them reuse numbers head office has
    assert manager.db.scalar("SELECT min(seq) FROM change_journal") == backup_point + 1
    eng.sync_once()
    assert all(ho.member_records(m) == 1 for m in new)
    sent = [r["seq"] for r in rec.rows() if r["member_id"] in new]
    assert sent == list(range(hwm + 1, hwm + 6))
    assert ho.list_stores()[0]["hwm"] == journal.last_seq(manager.db) == hwm + 5
    assert [r["message_key"] for r in rec_log(manager)].count("sync.journal_renumbered") == 1
    assert manager.db.one("SELECT 1 FROM audit_log WHERE action = 'sync.journal.renumbered'")
    make_member(manager)
    assert journal.last_seq(manager.db) == hwm + 6


def test_lost_answer_is_acknowledged_without_renumbering(manager, paths, client, ho):
    eng, _rec = recorded(manager, paths, client, ho)
    mid = make_member(manager)
    rows = journal.pending_rows(manager.db, 0, 100)
    journal.mark_sent(manager.db, rows[-1]["seq"])
    eng.transport().post_json("/v1/upload", {"after": 0, "rows": rows}, signer=eng._signer())  # answer "lost"
    eng.sync_once()
    assert ho.member_records(mid) == 1
    assert not any(r["message_key"] == "sync.journal_renumbered" for r in rec_log(manager))
    assert manager.db.scalar("SELECT count(*) FROM change_journal") == 0


def rec_log(session):
    from app.sync import sync_log

    return sync_log(session.db)


def test_pos_import_reaches_head_office_through_one_span_row_per_batch(manager, paths, client, ho, tmp_path):
    """The real import (batches of 2 here): every accepted purchase arrives at head office once, the
    journal holds one row per batch until then, and nothing stays in it after the acknowledgement."""
    from app.purchases.pos_import import import_pos_file

    a, b = make_member(manager, "孙七"), make_member(manager, "周八")
    no = {m: manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (m,)) for m in (a, b)}
    f = tmp_path / "pos.csv"
    f.write_text(
        "交易号,会员号,交易时间,金额\r\n"
        + "".join(f"P{i},{no[a if i % 2 else b]},2026-10-0{1 + i} 10:00:00,{i}.50\r\n" for i in range(5)),
        encoding="utf-8",
    )
    eng, rec = recorded(manager, paths, client, ho)
    before = manager.db.scalar("SELECT count(*) FROM change_journal")
    assert import_pos_file(manager, f, batch_size=2).accepted == 5
    assert manager.db.scalar("SELECT count(*) FROM change_journal WHERE entity = 'purchase_batch'") == 3
    assert manager.db.scalar("SELECT count(*) FROM change_journal") == before + 3
    eng.sync_once()
    assert sorted(ho_purchases(ho)) == [f"SH-001:P{i}" for i in range(5)]
    sent = [r for r in rec.rows() if r["entity"] == "purchase"]
    assert [r["seq"] for r in sent] == list(range(sent[0]["seq"], sent[0]["seq"] + 5))
    assert manager.db.scalar("SELECT count(*) FROM change_journal") == 0
