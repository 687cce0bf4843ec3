"""Retention sweep (RET-1..4) with the clock pushed across each boundary, legal hold, dry run,
head-office rules, the purge report and the timer."""

import json

import pytest

from app.erasure import is_erased, read_ledger_file
from app.errors import PermissionDenied, ValidationError
from app.purchases.records import record_purchase
from app.retention import (
    apply_policy_from_head_office,
    apply_sweep,
    dry_run,
    get_rules,
    list_runs,
    mark_business_done,
    place_hold,
    release_hold,
    sweep_due,
)
from app.retention.report import purge_report_csv, purge_report_pdf
from app.service_records import close_record, open_record
from tests.factories import make_member, verified_feed
from tests.retention_helpers import at, set_day, store_id_number

ID_NO = "44030119900101123X"


def sweep(session, paths):
    return apply_sweep(session, ledger_path=paths.erasure_ledger)


def purchases(db):
    return db.scalar("SELECT count(*) FROM purchases")


def test_default_rules_from_policy(manager):
    rules = get_rules(manager.db)
    assert (rules["purchase"].period_value, rules["purchase"].period_unit) == (5, "years")  # rule: RET-1
    assert (rules["member"].period_value, rules["member"].period_unit) == (3, "years")  # rule: RET-2
    assert (rules["service_record"].period_value, rules["service_record"].period_unit) == (2, "years")  # rule: RET-3
    assert (rules["id_number"].period_value, rules["id_number"].period_unit, rules["id_number"].action) == (
        30,
        "days",
        "mask",
    )  # rule: RET-4


def test_ret1_purchase_kept_until_five_years_after(manager, clock, paths):
    mid = make_member(manager)
    record_purchase(manager, mid, amount="10", purchased_at=at(2021, 11, 2))
    record_purchase(manager, mid, amount="20", purchased_at=at(2022, 6, 1))
    set_day(clock, 2026, 11, 1)  # a day before
    assert dry_run(manager)["categories"]["purchase"]["due"] == 0
    sweep(manager, paths)
    assert purchases(manager.db) == 2  # rule: RET-1
    set_day(clock, 2026, 11, 3)  # a day after
    dr = dry_run(manager)["categories"]["purchase"]
    assert (dr["due"], dr["oldest"], dr["cutoff"]) == (1, "2021-11-02", "2021-11-03")
    res = sweep(manager, paths)
    assert res["categories"]["purchase"]["purged"] == 1
    assert purchases(manager.db) == 1  # rule: RET-1
    assert manager.db.scalar("SELECT amount_fen FROM purchases") == 2000


def test_ret2_member_three_years_after_later_of_cancellation_and_last_purchase(manager, clock, paths):
    set_day(clock, 2023, 5, 1, 12)
    cancelled = make_member(manager, "甲", registered_at="2020-01-10T10:00:00+08:00")
    record_purchase(manager, cancelled, amount="10", purchased_at=at(2023, 5, 1))
    rid = open_record(manager, cancelled, "complaint", "投诉内容", closed=False)
    set_day(clock, 2023, 9, 1, 12)
    manager.db.execute(
        "UPDATE members SET status='cancelled', cancelled_at='2023-08-01T10:00:00+08:00' WHERE id=?", (cancelled,)
    )
    bought_later = make_member(
        manager,
        "乙",
        registered_at="2019-01-01T10:00:00+08:00",
        cancelled_at="2022-01-01T10:00:00+08:00",
        status="cancelled",
    )
    record_purchase(manager, bought_later, amount="10", purchased_at=at(2023, 9, 1))
    never_bought = make_member(manager, "丙", registered_at="2023-08-15T10:00:00+08:00")

    set_day(clock, 2026, 7, 31)
    res = sweep(manager, paths)
    assert res["categories"]["member"]["purged"] == 0
    assert not is_erased(manager.db, cancelled)  # rule: RET-2
    set_day(clock, 2026, 8, 2)
    res = sweep(manager, paths)
    assert res["categories"]["member"]["purged"] == 1
    assert is_erased(manager.db, cancelled)  # rule: RET-2
    assert not is_erased(manager.db, bought_later)  # last purchase 2023-09-01 is later than cancellation
    # the erasure is an erasure like a request's: ledger row + ledger file + journal for head office
    assert manager.db.scalar("SELECT reason FROM erasure_ledger WHERE member_id = ?", (cancelled,)) == "retention"
    assert [e["member_id"] for e in read_ledger_file(paths.erasure_ledger)] == [cancelled]  # rule: RIG-3
    assert (
        manager.db.scalar("SELECT count(*) FROM change_journal WHERE entity='erasure' AND entity_id=?", (cancelled,))
        == 1
    )
    assert (
        manager.db.scalar(
            "SELECT count(*) FROM change_journal WHERE member_id=? AND op != 'scrubbed' AND entity != 'erasure'",
            (cancelled,),
        )
        == 0
    )
    # purchases kept (RET-1 still runs) but unlinked; service records deleted
    assert (
        manager.db.scalar("SELECT count(*) FROM purchases WHERE member_id IS NULL AND storage_only = 1") == 1
    )  # rule: RIG-5
    assert manager.db.scalar("SELECT count(*) FROM service_records WHERE id = ?", (rid,)) == 0
    set_day(clock, 2026, 8, 14)  # registered 2023-08-15, never bought: a day before
    sweep(manager, paths)
    assert not is_erased(manager.db, never_bought)  # rule: RET-2
    set_day(clock, 2026, 8, 16)
    sweep(manager, paths)
    assert is_erased(manager.db, never_bought)  # rule: RET-2
    assert not is_erased(manager.db, bought_later)
    set_day(clock, 2026, 8, 31)  # last purchase 2023-09-01
    sweep(manager, paths)
    assert not is_erased(manager.db, bought_later)  # rule: RET-2
    set_day(clock, 2026, 9, 2)
    sweep(manager, paths)
    assert is_erased(manager.db, bought_later)  # rule: RET-2


def test_ret2_counts_a_purchase_from_the_pos_import(manager, clock, paths, tmp_path):
    """The import notes the last purchase in purchase_touch (not in the member row): the member is not due
    while that purchase is under 3 years old, whether or not a sweep has folded the note in yet."""
    from app.purchases.pos_import import import_pos_file

    set_day(clock, 2023, 9, 1, 12)
    mid = make_member(
        manager,
        "丁",
        registered_at="2019-01-01T10:00:00+08:00",
        cancelled_at="2022-01-01T10:00:00+08:00",
        status="cancelled",
    )
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))
    f = tmp_path / "pos.csv"
    f.write_text(f"交易号,会员号,交易时间,金额\r\nT1,{no},2023-09-01 10:00:00,10\r\n", encoding="utf-8")
    assert import_pos_file(manager, f).accepted == 1
    set_day(clock, 2026, 8, 31)  # 3 years after the imported purchase: a day before
    assert dry_run(manager, record=False)["categories"]["member"]["due"] == 0  # rule: RET-2
    sweep(manager, paths)  # folds the note into members.last_purchase_at
    assert not is_erased(manager.db, mid)  # rule: RET-2
    assert manager.db.scalar("SELECT last_purchase_at FROM members WHERE id = ?", (mid,)).startswith("2023-09-01")
    set_day(clock, 2026, 9, 2)
    sweep(manager, paths)
    assert is_erased(manager.db, mid)  # rule: RET-2


def test_ret3_service_record_two_years_after_closing(manager, clock, paths):
    mid = make_member(manager)
    set_day(clock, 2024, 3, 1)
    rid = open_record(manager, mid, "complaint", "商品质量投诉")
    still_open = open_record(manager, mid, "feedback", "意见")
    set_day(clock, 2024, 11, 2)
    close_record(manager, rid)
    set_day(clock, 2026, 11, 1)
    sweep(manager, paths)
    assert manager.db.scalar("SELECT count(*) FROM service_records WHERE id = ?", (rid,)) == 1  # rule: RET-3
    set_day(clock, 2026, 11, 3)
    sweep(manager, paths)
    assert manager.db.scalar("SELECT count(*) FROM service_records WHERE id = ?", (rid,)) == 0  # rule: RET-3
    assert manager.db.scalar("SELECT count(*) FROM service_records WHERE id = ?", (still_open,)) == 1  # open: never


def test_ret4_id_number_masked_at_once_original_deleted_within_30_days(vault, manager, clock, paths, manager_cipher):
    cipher = manager_cipher
    mid = make_member(manager)
    fid = store_id_number(manager, cipher, mid, ID_NO)
    mark_business_done(manager, mid, cipher)
    row = manager.db.one("SELECT value_enc, masked FROM member_fields WHERE id = ?", (fid,))
    assert row["masked"] == "440301********123X"
    assert cipher.decrypt(row["value_enc"], "member_fields", "value_enc", fid) == "440301********123X"  # rule: RET-4
    orig = manager.db.scalar("SELECT original_enc FROM id_number_retention WHERE member_id = ?", (mid,))
    assert cipher.decrypt(orig, "id_number_retention", "original_enc", mid) == ID_NO
    set_day(clock, 2026, 12, 1)  # day 29
    sweep(manager, paths)
    assert manager.db.scalar("SELECT original_enc FROM id_number_retention") is not None  # rule: RET-4
    set_day(clock, 2026, 12, 2)  # day 30: gone (≤ 30 days)
    res = sweep(manager, paths)
    assert res["categories"]["id_number"]["purged"] == 1
    assert manager.db.scalar("SELECT original_enc FROM id_number_retention") is None  # rule: RET-4
    assert manager.db.scalar("SELECT masked FROM member_fields WHERE id = ?", (fid,)) == "440301********123X"
    with pytest.raises(ValidationError):
        mark_business_done(manager, mid, cipher)


def test_ret4_reveal_shows_only_the_masked_number_after_business_done(vault, manager, clock, manager_cipher):
    """Through the registration domain's own reveal (SEN-3): after "business done" the original is gone from
    every screen at once, long before the sweep deletes the kept original."""
    from app.members.service import reveal_field

    cipher = manager_cipher
    mid = make_member(manager)
    fid = store_id_number(manager, cipher, mid, ID_NO)
    assert reveal_field(manager, mid, "id_number", "finance_service", "分期办理", cipher) == ID_NO
    clock.advance(minutes=5)
    mark_business_done(manager, mid, cipher)
    assert reveal_field(manager, mid, "id_number", "legal", "核对记录", cipher) == "440301********123X"  # rule: RET-4
    # a new finance business stores the number again: a new cycle may start
    clock.advance(days=40)
    with manager.write("member.field.test", "member", mid) as tx:
        tx.execute(
            "UPDATE member_fields SET value_enc = ?, masked = ?, updated_at = ? WHERE id = ?",
            (
                cipher.encrypt(ID_NO, "member_fields", "value_enc", fid),
                "440301********123X",
                clock.now().isoformat(timespec="seconds"),
                fid,
            ),
        )
    clock.advance(minutes=5)
    mark_business_done(manager, mid, cipher)
    assert reveal_field(manager, mid, "id_number", "legal", "核对记录", cipher) == "440301********123X"  # rule: RET-4


def test_ret4_business_done_is_manager_only(vault, manager, clerk, manager_cipher):
    cipher = manager_cipher
    mid = make_member(manager)
    store_id_number(manager, cipher, mid, ID_NO)
    with pytest.raises(PermissionDenied):
        mark_business_done(clerk, mid, cipher)


def test_legal_hold_overrides_and_release(manager, clock, paths):
    set_day(clock, 2019, 1, 1)
    held = make_member(manager, "甲")
    free = make_member(manager, "乙")
    record_purchase(manager, held, amount="10", purchased_at=at(2019, 1, 1))
    p_free = record_purchase(manager, free, amount="10", purchased_at=at(2019, 1, 1))
    p_held = record_purchase(manager, free, amount="11", pos_txn_id="T-HELD", purchased_at=at(2019, 1, 1))
    hold = place_hold(manager, "member", held, "2026-民初-001")
    place_hold(manager, "purchase", p_held, "税务稽查-17")
    set_day(clock, 2026, 11, 2)
    dr = dry_run(manager)["categories"]
    assert (dr["member"]["due"], dr["member"]["held"]) == (1, 1)
    assert (dr["purchase"]["due"], dr["purchase"]["held"]) == (1, 2)
    sweep(manager, paths)
    assert not is_erased(manager.db, held)  # rule: RET-2
    assert is_erased(manager.db, free)
    assert manager.db.scalar("SELECT count(*) FROM purchases WHERE member_id = ?", (held,)) == 1  # rule: RET-1
    assert manager.db.scalar("SELECT count(*) FROM purchases WHERE id = ?", (p_held,)) == 1  # rule: RET-1
    assert manager.db.scalar("SELECT count(*) FROM purchases WHERE id = ?", (p_free,)) == 0
    release_hold(manager, hold)
    set_day(clock, 2026, 11, 3)
    sweep(manager, paths)
    assert is_erased(manager.db, held)  # rule: RET-2


def test_hold_on_service_record_keeps_its_member(manager, clock, paths):
    set_day(clock, 2019, 1, 1)
    mid = make_member(manager)
    rid = open_record(manager, mid, "complaint", "纠纷", closed=True)
    place_hold(manager, "service_record", rid, "仲裁-9")
    set_day(clock, 2026, 11, 2)
    sweep(manager, paths)
    assert not is_erased(manager.db, mid)  # rule: RET-2
    assert manager.db.scalar("SELECT count(*) FROM service_records") == 1  # rule: RET-3


def test_clerk_cannot_sweep_or_hold(manager, clerk, paths):
    mid = make_member(manager)
    with pytest.raises(PermissionDenied):
        apply_sweep(clerk, ledger_path=paths.erasure_ledger)
    with pytest.raises(PermissionDenied):
        dry_run(clerk)
    with pytest.raises(PermissionDenied):
        place_hold(clerk, "member", mid, "x")


def test_dry_run_changes_nothing_and_purges_are_audited_in_aggregate(manager, clock, paths):
    set_day(clock, 2019, 1, 1)
    mids = [make_member(manager, "张三", f"1380000{i:04d}") for i in range(3)]
    for m in mids:
        record_purchase(manager, m, amount="1", purchased_at=at(2019, 1, 1))
    set_day(clock, 2026, 11, 2)
    before = manager.db.scalar("SELECT count(*) FROM members")
    dr = dry_run(manager)
    assert dr["categories"]["member"]["due"] == 3 and dr["categories"]["purchase"]["due"] == 3
    assert manager.db.scalar("SELECT count(*) FROM members") == before
    sweep(manager, paths)
    purge_audits = manager.db.all(
        "SELECT subject_type, subject_id, details FROM audit_log WHERE action = 'retention.purge'"
    )
    assert len(purge_audits) == 2  # one per category batch, not one per record  # rule: SEC-2
    details = [json.loads(r["details"]) for r in purge_audits]
    assert sorted(d["count"] for d in details) == [3, 3]
    text = " ".join(r["details"] for r in manager.db.all("SELECT details FROM audit_log"))
    assert "张三" not in text and "13800000001" not in text
    runs = list_runs(manager.db)
    assert [r["mode"] for r in runs[:2]] == ["apply", "dry_run"]
    assert runs[0]["result"]["categories"]["member"]["purged"] == 3


def test_purge_report_has_no_personal_data(manager, clock, paths, tmp_path):
    from app.printing.letter_layout import StoreInfo

    set_day(clock, 2019, 1, 1)
    mid = make_member(manager, "欧阳娜娜", "13912345678")
    record_purchase(manager, mid, amount="1", pos_txn_id="POS-7788", purchased_at=at(2019, 1, 1))
    set_day(clock, 2026, 11, 2)
    sweep(manager, paths)
    run = list_runs(manager.db)[0]
    csv_bytes = purge_report_csv(run)
    text = csv_bytes.decode("utf-8-sig")
    assert "purchase,RET-1,delete,5 years,2021-11-02,1,1,0,2019-01-01" in text
    for secret in ("欧阳娜娜", "13912345678", "POS-7788", mid):
        assert secret not in text
    pdf = purge_report_pdf(run, StoreInfo(code="SH-001", name="上海南京路店"))
    (tmp_path / "report.pdf").write_bytes(pdf)
    from pypdf import PdfReader

    pdf_text = "".join(p.extract_text() for p in PdfReader(str(tmp_path / "report.pdf")).pages)
    assert "个人信息保存期限清理报告" in pdf_text and "RET-1" in pdf_text
    for secret in ("欧阳", "13912345678", "POS-7788", mid):
        assert secret not in pdf_text


def test_head_office_rules_replace_defaults(manager, clock, paths):
    mid = make_member(manager)
    record_purchase(manager, mid, amount="10", purchased_at=at(2021, 1, 1))
    apply_policy_from_head_office(
        manager,
        [
            {
                "category": "purchase",
                "period_value": 6,
                "period_unit": "years",
                "action": "delete",
                "version": 2,
                "legal_basis": "会计档案管理办法",  # longer than RET-1's 5 years: only with a named legal basis
            }
        ],
        feed=verified_feed(),
    )
    rules = get_rules(manager.db)
    assert (rules["purchase"].period_value, rules["purchase"].source, rules["purchase"].version) == (
        6,
        "head_office",
        2,
    )
    set_day(clock, 2026, 11, 2)
    sweep(manager, paths)
    assert purchases(manager.db) == 1
    with pytest.raises(ValidationError):  # RET-4 may not be stretched beyond 30 days
        apply_policy_from_head_office(
            manager,
            [{"category": "id_number", "period_value": 90, "period_unit": "days", "action": "mask"}],
            feed=verified_feed(),
        )
    with pytest.raises(ValidationError):
        apply_policy_from_head_office(
            manager,
            [{"category": "purchase", "period_value": 5, "period_unit": "years", "action": "explode"}],
            feed=verified_feed(),
        )
    assert get_rules(manager.db)["id_number"].period_value == 30


def test_sweep_due_runs_once_a_day(manager, clock, paths):
    set_day(clock, 2019, 1, 1)
    make_member(manager)
    set_day(clock, 2026, 11, 2)
    first = sweep_due(manager, ledger_path=paths.erasure_ledger)
    assert first["categories"]["member"]["purged"] == 1
    assert sweep_due(manager, ledger_path=paths.erasure_ledger) is None
    clock.advance(days=1)
    assert sweep_due(manager, ledger_path=paths.erasure_ledger) is not None


def test_a_sweep_stopped_on_the_way_runs_again_the_same_day(manager, clock, paths, monkeypatch):
    """The app locked (or crashed) in the middle of the daily sweep: it is not today's sweep yet."""
    import app.retention.sweep as sw

    set_day(clock, 2019, 1, 1)
    mid = make_member(manager)
    set_day(clock, 2026, 11, 2)

    def stopped(*a, **k):
        raise RuntimeError("stopped")

    monkeypatch.setattr(sw, "_erase_members", stopped)
    with pytest.raises(RuntimeError):
        sweep_due(manager, ledger_path=paths.erasure_ledger)
    assert not is_erased(manager.db, mid)
    monkeypatch.undo()
    again = sweep_due(manager, ledger_path=paths.erasure_ledger)
    assert again is not None and again["categories"]["member"]["purged"] == 1
    assert is_erased(manager.db, mid)  # rule: RET-2
    assert sweep_due(manager, ledger_path=paths.erasure_ledger) is None


def test_sweep_with_nothing_due_touches_nothing(manager, paths):
    make_member(manager)
    seq = manager.db.scalar("SELECT max(seq) FROM audit_log")
    res = sweep(manager, paths)
    assert all(c["purged"] == 0 for c in res["categories"].values())
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE seq > ? AND action = 'retention.purge'", (seq,)) == 0


def test_admin_command_runs_the_sweep(vault, paths, manager, clock, tmp_path, monkeypatch, capsys):
    """The OS scheduler's entry point: memberdesk-admin retention-sweep (password on stdin, never argv)."""
    import io
    import sys

    from app import cli
    from tests.conftest import MANAGER_PW

    set_day(clock, 2019, 1, 1)
    mid = make_member(manager)
    vault.lock()
    monkeypatch.setattr(sys, "stdin", io.StringIO(MANAGER_PW + "\n"))
    argv = [
        "--data-dir",
        str(paths.data_dir),
        "--username",
        "manager",
        "--password-stdin",
        "retention-sweep",
        "--force",
        "--report-csv",
        str(tmp_path / "r.csv"),
    ]
    assert cli.main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["categories"]["member"]["purged"] == 1  # real clock: 2019 is long past  # rule: RET-2
    assert "purchase,RET-1" in (tmp_path / "r.csv").read_text("utf-8-sig")
    assert mid in [e["member_id"] for e in read_ledger_file(paths.erasure_ledger)]


def test_reminders_when_the_sweep_has_not_run(manager, clock, paths):
    from app.reminders import collect

    make_member(manager)
    keys = [r.key for r in collect(manager.db, clock.today())]
    assert "retention.reminder.never" in keys
    sweep_due(manager, ledger_path=paths.erasure_ledger)
    assert not [k for k in (r.key for r in collect(manager.db, clock.today())) if k.startswith("retention.reminder.n")]
    clock.advance(days=3)
    late = [r for r in collect(manager.db, clock.today()) if r.key == "retention.reminder.not_run"]
    assert late and late[0].params["days"] == 3 and late[0].level == "overdue"


def test_sweep_works_through_every_batch(manager, clock, paths, monkeypatch):
    from app.retention import sweep as S

    monkeypatch.setattr(S, "BATCH_MEMBERS", 2)
    monkeypatch.setattr(S, "BATCH_ROWS", 2)
    set_day(clock, 2019, 1, 1)
    mids = [make_member(manager, "甲") for _ in range(5)]
    for m in mids:
        record_purchase(manager, m, amount="1", purchased_at=at(2019, 1, 1))
    set_day(clock, 2026, 11, 2)
    res = sweep(manager, paths)
    assert (res["categories"]["member"]["purged"], res["categories"]["purchase"]["purged"]) == (5, 5)
    assert all(is_erased(manager.db, m) for m in mids)  # rule: RET-2
    assert manager.db.scalar("SELECT count(*) FROM purchases") == 0  # rule: RET-1
    assert len(read_ledger_file(paths.erasure_ledger)) == 5
