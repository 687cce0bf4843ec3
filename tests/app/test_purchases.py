"""Purchases (CAT-2): manual entry, coupon use, last purchase, POS import (CSV/JSON, UTF-8/BOM/GBK),
idempotency, rejected rows with line numbers, resumable import, card numbers refused (PAY-1)."""

import json

import pytest

from app.errors import ValidationError
from app.purchases.cards import looks_like_card, luhn_ok
from app.purchases.pos_import import import_pos_file
from app.purchases.records import export_purchases, last_purchase, list_purchases, record_coupon_use, record_purchase
from tests.factories import make_member


def luhn_card(prefix: str, length: int) -> str:
    body = prefix + "0" * (length - len(prefix) - 1)
    for d in "0123456789":
        if luhn_ok(body + d):
            return body + d
    raise AssertionError


VISA = luhn_card("411111111111", 16)
UNIONPAY = luhn_card("622202123456789", 19)


def settled(path):
    """As if the POS finished writing the file a minute ago (the folder import leaves fresher files)."""
    import os
    import time

    os.utime(path, (time.time() - 60, time.time() - 60))
    return path


def member_no(session, mid):
    return session.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))


def all_text(db) -> str:
    """Every text value in the purchase and import tables (to prove nothing card-like was stored)."""
    out = []
    for table in ("purchases", "pos_imports", "pos_import_rejects", "change_journal", "audit_log"):
        for row in db.all(f"SELECT * FROM {table}"):
            out.extend(str(v) for v in row)
    return "\n".join(out)


def test_card_detection():
    assert looks_like_card(VISA)
    assert looks_like_card(f"卡号 {VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:]}")
    assert looks_like_card(UNIONPAY)
    assert not looks_like_card(VISA[:-1] + str((int(VISA[-1]) + 1) % 10))  # Luhn fails
    assert not looks_like_card("4200000000000000000000000000")  # 28-digit provider number
    assert not looks_like_card("2026-11-28 14:30:00")
    assert not looks_like_card("T20261128001")


def test_manual_entry_updates_last_purchase_and_coupon(manager, clock):
    mid = make_member(manager)
    pid = record_purchase(
        manager,
        mid,
        amount="¥1,234.50",
        goods_type="家电",
        payment_method="微信支付",
        payment_ref="4200001234567890123456789012",
    )
    row = manager.db.one("SELECT * FROM purchases WHERE id = ?", (pid,))
    assert row["amount_fen"] == 123450
    assert last_purchase(manager.db, mid) == row["purchased_at"]
    older = record_purchase(manager, mid, amount="5", purchased_at="2026-01-01 10:00")
    assert last_purchase(manager.db, mid) == row["purchased_at"]  # never moves backwards
    record_coupon_use(manager, older, "CP-2026-01")
    assert manager.db.scalar("SELECT coupon_code FROM purchases WHERE id = ?", (older,)) == "CP-2026-01"
    assert [p["amount_fen"] for p in list_purchases(manager, mid)] == [123450, 500]
    assert len(export_purchases(manager.db, mid)) == 2


def test_manual_entry_refuses_card_number(manager):
    mid = make_member(manager)
    with pytest.raises(ValidationError) as exc:
        record_purchase(manager, mid, amount="10", payment_ref=VISA)
    assert exc.value.key == "purchase.card_number"
    assert VISA not in exc.value.message("zh_CN") and VISA not in str(exc.value)
    assert manager.db.scalar("SELECT count(*) FROM purchases") == 0  # rule: PAY-1
    assert VISA not in all_text(manager.db)  # rule: PAY-1


def test_manual_entry_validation(manager, clock):
    mid = make_member(manager)
    for amount, key in (
        ("-3", "purchase.amount_negative"),
        ("abc", "purchase.amount_invalid"),
        ("1.234", "purchase.amount_invalid"),
    ):
        with pytest.raises(ValidationError) as exc:
            record_purchase(manager, mid, amount=amount)
        assert exc.value.key == key
    with pytest.raises(ValidationError):
        record_purchase(manager, mid, amount="1", purchased_at="2099-01-01")
    record_purchase(manager, mid, amount="1", pos_txn_id="T1")
    with pytest.raises(ValidationError) as exc:
        record_purchase(manager, mid, amount="1", pos_txn_id="T1")
    assert exc.value.key == "purchase.duplicate"


def test_clerk_can_enter_purchases(clerk, manager):
    mid = make_member(manager)
    record_purchase(clerk, mid, amount="9.90")
    assert clerk.db.scalar("SELECT count(*) FROM purchases") == 1


HEADER = ["交易号", "会员号", "交易时间", "金额", "商品类别", "支付方式", "支付流水号", "优惠券"]


def _csv(path, rows, header=HEADER, encoding="utf-8"):
    """rows: lists of fields (or ASCII-only strings), joined with ASCII commas."""

    def line(r):
        return ",".join(r) if isinstance(r, (list, tuple)) else r

    text = line(header) + "\r\n" + "".join(line(r) + "\r\n" for r in rows)
    data = text.encode(encoding)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_pos_csv_encodings(manager, tmp_path, encoding):
    mid = make_member(manager)
    no = member_no(manager, mid)
    f = _csv(
        tmp_path / "pos.csv",
        [
            ["T1", f"{no}", "2026-10-01 10:00:00", "128.50", "服装", "支付宝", "2026100122001", ""],
            ["T2", f"{no}", "2026/10/02 11:30", "￥12", "家居", "现金", "", "CP-9"],
        ],
        encoding=encoding,
    )
    res = import_pos_file(manager, f)
    assert res.encoding == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gb18030"}[encoding]
    assert res.accepted == 2 and res.rejected == []
    assert manager.db.scalar("SELECT goods_type FROM purchases WHERE pos_txn_id = 'T1'") == "服装"
    assert manager.db.scalar("SELECT amount_fen FROM purchases WHERE pos_txn_id = 'T2'") == 1200
    assert last_purchase(manager.db, mid).startswith("2026-10-02T11:30")


def test_pos_rejected_rows_reported_with_line_numbers(manager, tmp_path):
    mid = make_member(manager)
    no = member_no(manager, mid)
    rows = [
        f"T1,{no},2026-10-01 10:00,10,,,,",  # line 2 ok
        f"T2,{no},2026-10-01 10:00,-5,,,,",  # line 3 negative
        f"T3,{no},not-a-date,5,,,,",  # line 4 bad date
        f"T1,{no},2026-10-01 10:00,10,,,,",  # line 5 duplicate in file
        "T4,,2026-10-01 10:00,10,,,,",  # line 6 missing member
        ["T5", f"{no}", "2026-10-01 10:00", "10", "", "银联", f"{VISA}", ""],  # line 7 card number
        f"T6,{no},2026-10-01",  # line 8 wrong column count
        "T7,M999999999,2026-10-01 10:00,10,,,,",  # line 9 unknown member
        f"T8,{no},2026-10-01 10:00,7.5,,,,",  # line 10 ok
    ]
    res = import_pos_file(manager, _csv(tmp_path / "pos.csv", rows))
    assert res.accepted == 2
    assert res.rejected == [
        (3, "negative", "amount"),
        (4, "date", "time"),
        (5, "duplicate_in_file", "txn_id"),
        (6, "missing", "member_no"),
        (7, "card_number", "payment_ref"),
        (8, "columns", None),
        (9, "member_unknown", "member_no"),
    ]
    assert VISA not in all_text(manager.db)  # rule: PAY-1
    assert manager.db.scalar("SELECT count(*) FROM purchases WHERE pos_txn_id = 'T5'") == 0  # rule: PAY-1


def test_pos_missing_columns(manager, tmp_path):
    from app.errors import UserError

    f = _csv(tmp_path / "pos.csv", ["T1,M1,10"], header=["交易号", "会员号", "金额"])
    with pytest.raises(UserError) as exc:
        import_pos_file(manager, f)
    assert exc.value.key == "pos.columns_missing" and "time" in exc.value.params["columns"]


def test_pos_import_idempotent_and_resumable(manager, tmp_path):
    mid = make_member(manager)
    no = member_no(manager, mid)
    rows = [f"T{i},{no},2026-10-01 10:{i % 60:02d},{i}.00,,,," for i in range(1, 26)]
    f = _csv(tmp_path / "pos.csv", rows)
    first = import_pos_file(manager, f, batch_size=10, stop_after_batches=1)  # interrupted
    assert first.accepted == 10
    assert manager.db.scalar("SELECT line_done FROM pos_imports") == 11
    again = import_pos_file(manager, f, batch_size=10)  # resumed
    assert again.resumed_from == 11 and again.accepted == 25 and again.duplicates == 0
    assert manager.db.scalar("SELECT count(*) FROM purchases") == 25
    done = import_pos_file(manager, f)
    assert done.already_done and manager.db.scalar("SELECT count(*) FROM purchases") == 25
    # another file with overlapping transactions: already stored ones are duplicates, not rows twice
    f2 = _csv(tmp_path / "pos2.csv", [*rows[20:], f"T99,{no},2026-10-02 10:00,1,,,,"])
    res = import_pos_file(manager, f2)
    assert res.duplicates == 5 and res.accepted == 1
    assert manager.db.scalar("SELECT count(*) FROM purchases") == 26


def test_pos_json(manager, tmp_path):
    mid = make_member(manager)
    no = member_no(manager, mid)
    recs = [
        {"txn_id": "J1", "member_no": no, "time": "2026-10-01T10:00:00+08:00", "amount": 88, "coupon": "CP1"},
        {"txn_id": "J2", "member_no": no, "time": "2026-10-01 12:00", "amount": "12.5", "payment_ref": UNIONPAY},
        {"txn_id": "J3", "member_no": no, "time": "2026-10-01 12:00", "amount": -1},
    ]
    f = tmp_path / "pos.json"
    f.write_text(json.dumps({"transactions": recs}, ensure_ascii=False), encoding="utf-8")
    res = import_pos_file(manager, f)
    assert res.accepted == 1
    assert res.rejected == [(2, "card_number", "payment_ref"), (3, "negative", "amount")]
    assert UNIONPAY not in all_text(manager.db)  # rule: PAY-1
    assert manager.db.scalar("SELECT coupon_code FROM purchases WHERE pos_txn_id = 'J1'") == "CP1"


def test_purchases_unlinked_not_deleted_on_erasure(manager, paths):
    from app.erasure import erase_member

    mid = make_member(manager)
    record_purchase(manager, mid, amount="10")
    erase_member(manager, mid, ledger_path=paths.erasure_ledger)
    row = manager.db.one("SELECT member_id, storage_only FROM purchases")
    assert row["member_id"] is None and row["storage_only"] == 1  # rule: RIG-5


def test_clerk_cannot_import_without_permission_is_not_needed(clerk, manager, tmp_path):
    mid = make_member(manager)
    f = _csv(tmp_path / "pos.csv", [f"T1,{member_no(manager, mid)},2026-10-01 10:00,10,,,,"])
    assert import_pos_file(clerk, f).accepted == 1


def test_card_number_in_a_column_not_imported_is_refused_too(manager, tmp_path):
    mid = make_member(manager)
    no = member_no(manager, mid)
    f = _csv(
        tmp_path / "pos.csv",
        [["T1", f"{no}", "2026-10-01 10:00", "10", "备注无"], ["T2", f"{no}", "2026-10-01 10:00", "10", f"卡 {VISA}"]],
        header=["交易号", "会员号", "交易时间", "金额", "备注"],
    )
    res = import_pos_file(manager, f)
    assert res.accepted == 1
    assert res.rejected == [(3, "card_number", "column 5")]  # rule: PAY-1
    assert manager.db.scalar("SELECT count(*) FROM purchases WHERE pos_txn_id = 'T2'") == 0  # rule: PAY-1


def test_import_journals_each_purchase_for_head_office(manager, tmp_path):
    """One journal row per import batch, expanded into one upload row per purchase (app.sync.journal)."""
    from app.sync.journal import pending_rows

    mid = make_member(manager)
    before = manager.db.scalar("SELECT count(*) FROM change_journal")
    f = _csv(
        tmp_path / "pos.csv",
        [
            ["T1", member_no(manager, mid), "2026-10-01 10:00:00", "10.5", "家电", "现金", "", "CP-1"],
            ["T2", member_no(manager, mid), "2026-10-02 10:00:00", "3", "", "", "", ""],
        ],
    )
    import_pos_file(manager, f)
    assert manager.db.scalar("SELECT count(*) FROM change_journal") == before + 1
    rows = [r for r in pending_rows(manager.db, 0, 1000) if r["entity"] == "purchase"]
    assert [r["entity_id"] for r in rows] == ["SH-001:T1", "SH-001:T2"] and rows[0]["member_id"] == mid
    assert rows[1]["seq"] == rows[0]["seq"] + 1
    assert rows[0]["payload"] == {
        "amount_fen": 1050,
        "coupon_code": "CP-1",
        "goods_type": "家电",
        "member_id": mid,
        "payment_method": "现金",
        "pos_txn_id": "T1",
        "purchased_at": "2026-10-01T10:00:00+08:00",
    }


def test_gbk_after_a_long_ascii_start_is_still_read(manager, tmp_path):
    """Encoding detection samples the first megabyte; a GBK line after 1 MB of ASCII continues as GB18030."""
    mid = make_member(manager)
    no = member_no(manager, mid)
    filler = [[f"X{i:06d}", "M999999999", "2026-10-01 10:00", "1", "x" * 60] for i in range(16000)]  # ~1.3 MB
    rows = [*filler, ["T-GBK", no, "2026-10-01 10:00", "1", "服装"]]
    f = _csv(tmp_path / "pos.csv", rows, header=["txn_id", "member_no", "time", "amount", "goods_type"], encoding="gbk")
    assert f.stat().st_size > (1 << 20)
    res = import_pos_file(manager, f)
    assert res.accepted == 1 and len(res.rejected) == 16000  # unknown members, each with its line
    assert manager.db.scalar("SELECT goods_type FROM purchases WHERE pos_txn_id = 'T-GBK'") == "服装"


def test_watched_folder_imports_each_file_once(manager, tmp_path):
    from app.purchases.pos_import import import_pos_folder

    mid = make_member(manager)
    no = member_no(manager, mid)
    drop = tmp_path / "pos-drop"
    drop.mkdir()
    _csv(drop / "day1.csv", [["T1", no, "2026-10-01 10:00", "10"]], header=["交易号", "会员号", "交易时间", "金额"])
    (drop / "day2.json").write_text(
        json.dumps([{"txn_id": "T2", "member_no": no, "time": "2026-10-02 10:00", "amount": 5}]), "utf-8"
    )
    (drop / "notes.pdf").write_bytes(b"%PDF")
    (drop / "broken.csv").write_text("只有一行\r\n", "utf-8")
    (drop / "writing.csv").write_text("交易号,会员号,交易时间,金额\r\nT9,", "utf-8")
    for f in drop.iterdir():
        if f.name != "writing.csv":
            settled(f)
    first = import_pos_folder(manager, drop)
    assert sorted((n, r.accepted if r else None, e) for n, r, e in first) == [
        ("broken.csv", None, "pos.columns_missing"),
        ("day1.csv", 1, None),
        ("day2.json", 1, None),
    ]
    assert [n for n, _, _ in import_pos_folder(manager, drop)] == ["broken.csv"]  # imported files are skipped
    # the POS finishes writing: the file is imported once it has not changed for SETTLE_SECONDS
    (drop / "writing.csv").write_text(f"交易号,会员号,交易时间,金额\r\nT9,{no},2026-10-03 10:00,7\r\n", "utf-8")
    assert [n for n, _, _ in import_pos_folder(manager, drop)] == ["broken.csv"]
    settled(drop / "writing.csv")
    assert [(n, r.accepted, r.rejected) for n, r, _ in import_pos_folder(manager, drop) if r] == [
        ("writing.csv", 1, [])
    ]
    assert manager.db.scalar("SELECT count(*) FROM purchases") == 3
    assert (drop / "day1.csv").exists()  # the POS's files stay


def test_admin_pos_import_command(vault, paths, manager, tmp_path, monkeypatch, capsys):
    import io
    import sys

    from app import cli
    from tests.conftest import MANAGER_PW

    mid = make_member(manager)
    f = _csv(
        tmp_path / "pos.csv",
        [
            ["T1", member_no(manager, mid), "2026-10-01 10:00", "10"],
            ["T2", member_no(manager, mid), "2026-10-01 10:00", "-1"],
        ],
        header=["交易号", "会员号", "交易时间", "金额"],
    )
    vault.lock()
    monkeypatch.setattr(sys, "stdin", io.StringIO(MANAGER_PW + "\n"))
    assert (
        cli.main(["--data-dir", str(paths.data_dir), "--username", "manager", "--password-stdin", "pos-import", str(f)])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out == [
        {
            "file": "pos.csv",
            "accepted": 1,
            "duplicates": 0,
            "already_imported": False,
            "resumed_after_line": 0,
            "rejected": [{"line": 3, "reason": "negative", "column": "amount"}],
        }
    ]


def test_pos_json_lines_streamed_with_line_numbers(manager, tmp_path):
    mid = make_member(manager)
    no = member_no(manager, mid)
    lines = [
        json.dumps({"交易号": "L1", "会员号": no, "交易时间": "2026-10-01 10:00", "金额": 3}, ensure_ascii=False),
        "",
        "{not json",
        json.dumps(
            {"交易号": "L2", "会员号": no, "交易时间": "2026-10-01 11:00", "金额": "2.5", "备注": VISA},
            ensure_ascii=False,
        ),
        json.dumps({"交易号": "L3", "会员号": no, "交易时间": "2026-10-01 12:00", "金额": "1"}),
    ]
    f = tmp_path / "pos.jsonl"
    f.write_text("\n".join(lines) + "\n", "gbk")
    res = import_pos_file(manager, f)
    assert res.accepted == 2 and res.encoding == "gb18030"
    assert res.rejected == [(3, "unreadable", None), (4, "card_number", "备注")]  # rule: PAY-1
    assert VISA not in all_text(manager.db)  # rule: PAY-1


def test_member_purchases_found_across_months_and_years(manager, clock):
    """Purchases are indexed by month then member (migration 0008): a member's list, summary, export and
    erasure find every month, across a year boundary, and never another member's rows."""
    from app.purchases.records import member_filter, purchase_summary

    mid, other = make_member(manager), make_member(manager, "乙")
    times = ["2021-12-31 23:59:59", "2022-01-01 00:00:00", "2024-02-29 12:00:00", "2026-03-27 09:00:00"]
    for t in times:
        record_purchase(manager, mid, amount="1", purchased_at=t)
    record_purchase(manager, other, amount="5", purchased_at="2023-06-01 10:00:00")
    assert sorted(p["purchased_at"][:19] for p in list_purchases(manager, mid)) == [t.replace(" ", "T") for t in times]
    assert len(export_purchases(manager.db, mid)) == 4
    assert purchase_summary(manager.db, mid) == (4, 400, "2026-03-27T09:00:00+08:00")
    cond, params = member_filter(manager.db)
    assert params[0] == "2021-12" and params[-1] == "2026-03" and len(params) == 52
    plan = " ".join(
        str(tuple(r))
        for r in manager.db.all(f"EXPLAIN QUERY PLAN SELECT * FROM purchases WHERE {cond}", (*params, mid))
    )
    assert "purchases_member_month" in plan  # never a scan of every purchase


def test_import_notes_last_purchase_without_rewriting_the_member(manager, tmp_path):
    """The import records the newest purchase per member in purchase_touch; the member page shows it at
    once and the retention sweep folds it into members.last_purchase_at."""
    from app.members.service import get_member
    from app.retention import apply_sweep

    mid = make_member(manager)
    no = member_no(manager, mid)
    f = _csv(
        tmp_path / "pos.csv",
        [
            ["T1", no, "2026-10-01 10:00:00", "10"],
            ["T2", no, "2026-10-03 09:00:00", "10"],
            ["T3", no, "2026-10-02 10:00:00", "10"],
        ],
        header=["交易号", "会员号", "交易时间", "金额"],
    )
    import_pos_file(manager, f)
    assert manager.db.scalar("SELECT last_purchase_at FROM members WHERE id = ?", (mid,)) is None
    assert last_purchase(manager.db, mid) == "2026-10-03T09:00:00+08:00"
    assert get_member(manager, mid).last_purchase_at == "2026-10-03T09:00:00+08:00"
    apply_sweep(manager, ledger_path=tmp_path / "ledger.jsonl")
    assert manager.db.scalar("SELECT last_purchase_at FROM members WHERE id = ?", (mid,)) == "2026-10-03T09:00:00+08:00"
    assert manager.db.scalar("SELECT count(*) FROM purchase_touch") == 0


def test_erasure_removes_the_import_note(manager, paths, tmp_path):
    from app.erasure import erase_member

    mid = make_member(manager)
    import_pos_file(
        manager,
        _csv(
            tmp_path / "pos.csv",
            [["T1", member_no(manager, mid), "2026-10-01 10:00:00", "10"]],
            header=["交易号", "会员号", "交易时间", "金额"],
        ),
    )
    erase_member(manager, mid, ledger_path=paths.erasure_ledger)
    assert manager.db.scalar("SELECT count(*) FROM purchase_touch WHERE member_id = ?", (mid,)) == 0  # rule: RIG-3
    row = manager.db.one("SELECT member_id, storage_only FROM purchases WHERE pos_txn_id = 'T1'")
    assert row["member_id"] is None and row["storage_only"] == 1  # rule: RIG-5


def test_a_waiting_counter_write_splits_the_batch_and_nothing_is_lost(manager, tmp_path, monkeypatch):
    """When a write at the counter waits for its turn (Database.ui_write_waiting), the import commits what it
    has inserted so far with its checkpoint and goes on in a new transaction: every row is stored, rejected or
    counted as a duplicate exactly once, also when the import stops between two of those transactions."""
    import app.purchases.pos_import as pi
    from app.sync.journal import pending_rows

    mid = make_member(manager)
    no = member_no(manager, mid)
    record_purchase(manager, mid, amount="1", purchased_at="2026-10-01 09:00:00", pos_txn_id="T03")  # a duplicate
    rows = []
    for i in range(1, 13):
        if i == 5:
            rows.append([f"T{i:02d}", "M999999999", "2026-10-01 10:00:00", "1"])  # unknown member
        elif i == 8:
            rows.append([f"T{i:02d}", no, "2026-10-01 10:00:00", "-1"])  # negative amount
        else:
            rows.append([f"T{i:02d}", no, f"2026-10-{i:02d} 10:00:00", "1"])
    f = _csv(tmp_path / "pos.csv", rows, header=["交易号", "会员号", "交易时间", "金额"])
    monkeypatch.setattr(pi, "CHUNK", 2)
    monkeypatch.setattr(type(manager.db), "ui_write_waiting", property(lambda self: True), raising=False)
    calls = {"n": 0}
    real = pi.record_touches

    def touches_then_crash(tx, latest):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        real(tx, latest)

    monkeypatch.setattr(pi, "record_touches", touches_then_crash)
    with pytest.raises(RuntimeError):
        import_pos_file(manager, f)
    done = manager.db.one("SELECT line_done, accepted, duplicates, rejected FROM pos_imports")
    # two transactions got in before the crash: T01, T02, T04, T06 stored, T03 a duplicate, T05 (line 6) rejected
    assert tuple(done) == (7, 4, 1, 1)
    monkeypatch.setattr(pi, "record_touches", real)
    res = import_pos_file(manager, f)  # resumes after line 7
    assert res.accepted == 9 and res.duplicates == 1
    assert res.rejected == [(6, "member_unknown", "member_no"), (9, "negative", "amount")]
    txns = [r[0] for r in manager.db.all("SELECT pos_txn_id FROM purchases WHERE source = 'pos' ORDER BY id")]
    assert txns == [f"T{i:02d}" for i in (1, 2, 4, 6, 7, 9, 10, 11, 12)]
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'purchase.import.batch'") > 3
    sent = [
        r["entity_id"] for r in pending_rows(manager.db, 0, 1000) if r["entity"] == "purchase" and r["op"] == "upsert"
    ]
    assert sorted(sent) == sorted(f"SH-001:{t}" for t in [*txns, "T03"])  # each purchase journalled once


def test_a_restricted_members_purchases_are_kept_but_not_linked(manager, tmp_path):
    """RIG-5: a restricted member's data is stored only. The POS sale is still kept (RET-1: tax and audit) but
    not linked to the member (no last purchase, no points); the counter cannot link a new purchase at all."""
    mid, other = make_member(manager), make_member(manager)
    with manager.write("test.restrict", "member", mid) as tx:
        tx.execute("UPDATE members SET restricted = 1 WHERE id = ?", (mid,))
    f = _csv(
        tmp_path / "pos.csv",
        [
            ["R1", member_no(manager, mid), "2026-10-01 10:00:00", "10", "服装", "现金", "", ""],
            ["R2", member_no(manager, other), "2026-10-01 10:05:00", "20", "服装", "现金", "", ""],
        ],
    )
    res = import_pos_file(manager, f)
    assert res.accepted == 2 and res.rejected == []
    assert manager.db.scalar("SELECT member_id FROM purchases WHERE pos_txn_id = 'R1'") is None  # rule: RIG-5
    assert manager.db.scalar("SELECT member_id FROM purchases WHERE pos_txn_id = 'R2'") == other
    assert last_purchase(manager.db, mid) is None  # rule: RIG-5
    with pytest.raises(ValidationError) as err:
        record_purchase(manager, mid, amount="5")
    assert err.value.key == "purchase.member_restricted"  # rule: RIG-5
    assert err.value.message("en") and err.value.message("zh_CN")
