"""Retention page (rules read-only, dry run, purge, report, legal hold), the purchase and service-record
dialogs and the POS import report. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import pytest

from app.erasure import is_erased
from app.purchases.records import record_purchase
from app.retention import place_hold
from tests.factories import make_member
from tests.retention_helpers import at, set_day
from tests.ui.shots import SHOTS_DIR

SHOTS = SHOTS_DIR


@pytest.fixture
def ctx(qtbot, vault, manager, clerk):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, "zh_CN", runner=SyncRunner())
    c.set_session(manager)
    return c


def _answer_step_up(ctx):
    """The manager types their password in the step-up dialog (SEN-3): run the step with a real step-up."""
    from tests.conftest import MANAGER_PW

    def step_up(parent, purpose, fn):
        with ctx.vault.step_up("manager", MANAGER_PW) as up:
            return fn(up)

    ctx.with_step_up = step_up


def _data(manager, clock):
    set_day(clock, 2019, 3, 1)
    old = [make_member(manager, f"会员{i}") for i in range(4)]
    for m in old:
        record_purchase(manager, m, amount="99", purchased_at=at(2019, 3, 1))
    place_hold(manager, "member", old[0], "(2026)沪0101民初123号")
    set_day(clock, 2026, 11, 28)
    recent = make_member(manager, "新会员")
    record_purchase(manager, recent, amount="10")
    return old, recent


def _shot(widget, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def test_dry_run_then_purge(qtbot, ctx, manager, clock, tmp_path):
    from ui import messagebox
    from ui.pages.retention_page import RetentionPage

    old, recent = _data(manager, clock)
    page = RetentionPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 820)
    page.show()
    assert page.rules.rowCount() == 4
    assert page.rules.item(0, 1).text() == "RET-1" and page.rules.item(0, 3).text() == "5 年"  # rule: RET-1
    assert page.holds.rowCount() == 1
    page.dry_btn.click()
    rows = {page.result.item(r, 0).text(): r for r in range(page.result.rowCount())}
    assert page.result.item(rows["会员信息"], 3).text() == "3"  # rule: RET-2
    assert page.result.item(rows["会员信息"], 4).text() == "1"  # on legal hold
    assert "尚未删除" in page.summary.text()
    assert not any(is_erased(manager.db, m) for m in old)
    _shot(page, "retention_dry_run.png")
    messagebox.set_next_answer(True)
    page.apply_btn.click()
    assert [is_erased(manager.db, m) for m in old] == [False, True, True, True]  # rule: RET-2
    assert not is_erased(manager.db, recent)
    assert "清理完成" in page.summary.text() and "共清理" in page.last_run.text()
    _shot(page, "retention_page.png")
    page.save_report("csv", str(tmp_path / "r.csv"))
    text = (tmp_path / "r.csv").read_text("utf-8-sig")
    assert "member,RET-2,delete,3 years" in text and "会员" not in text
    page.save_report("pdf", str(tmp_path / "r.pdf"))
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_clerk_needs_a_manager_for_the_dry_run(qtbot, ctx, clerk, manager, monkeypatch):
    from ui.pages.retention_page import RetentionPage

    ctx.set_session(clerk)
    asked = []
    monkeypatch.setattr(ctx, "manager_session", lambda parent, purpose="": asked.append(purpose) or None)
    page = RetentionPage(ctx)
    qtbot.addWidget(page)
    page.dry_btn.click()
    assert asked and page.result.rowCount() == 0  # rule: SEC-1


def test_legal_hold_dialog(qtbot, ctx, manager, monkeypatch):
    from ui.pages import retention_page as rp

    mid = make_member(manager)
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))
    page = rp.RetentionPage(ctx)
    qtbot.addWidget(page)

    class FakeDialog(rp.LegalHoldDialog):
        def exec(self):
            self.subject.setText(no)
            self.case_ref.setText("仲裁-2026-7")
            _shot(self, "legal_hold_dialog.png")
            return True

    monkeypatch.setattr(rp, "LegalHoldDialog", FakeDialog)
    page.add_hold()
    assert page.holds.rowCount() == 1 and page.holds.item(0, 1).text() == no
    from ui import messagebox

    page.holds.selectRow(0)
    messagebox.set_next_answer(True)
    page.release_selected()
    assert page.holds.rowCount() == 0


def test_purchase_dialog_refuses_card_number_and_clears_it(qtbot, ctx, manager):
    from ui.dialogs.record_purchase_dialog import RecordPurchaseDialog

    mid = make_member(manager)
    dlg = RecordPurchaseDialog(ctx, mid)
    qtbot.addWidget(dlg)
    dlg.amount.setText("128.50")
    dlg.goods.setText("家电")
    dlg.payment_ref.setText("4111 1111 1111 1111")
    dlg.accept()
    assert "银行卡" in dlg.error.text() and "{" not in dlg.error.text()
    assert dlg.payment_ref.text() == ""  # rule: PAY-1
    assert manager.db.scalar("SELECT count(*) FROM purchases") == 0  # rule: PAY-1
    dlg.payment_ref.setText("4200001234567890123456789012")
    _shot(dlg, "record_purchase_dialog.png")
    dlg.accept()
    assert dlg.purchase_id is not None
    assert manager.db.scalar("SELECT amount_fen FROM purchases") == 12850


def test_service_record_dialog(qtbot, ctx, clerk, manager):
    from ui.dialogs.record_purchase_dialog import ServiceRecordDialog

    ctx.set_session(clerk)
    mid = make_member(manager)
    dlg = ServiceRecordDialog(ctx, mid)
    qtbot.addWidget(dlg)
    dlg.accept()
    assert "请填写记录内容" in dlg.error.text()
    dlg.kind.setCurrentIndex(dlg.kind.findData("complaint"))
    dlg.body.setPlainText("商品有划痕，已换货。")
    dlg.closed.setChecked(True)
    _shot(dlg, "service_record_dialog.png")
    dlg.accept()
    row = manager.db.one("SELECT kind, closed_at FROM service_records WHERE id = ?", (dlg.record_id,))
    assert row["kind"] == "complaint" and row["closed_at"]


def test_pos_import_report_lists_rejected_lines(qtbot, ctx, manager, tmp_path):
    from ui.dialogs.record_purchase_dialog import import_pos_with_report

    mid = make_member(manager)
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))
    f = tmp_path / "pos.csv"
    f.write_bytes(
        (
            ",".join(["交易号", "会员号", "交易时间", "金额"]) + "\r\n"
            f"T1,{no},2026-10-01 10:00,10\r\nT2,{no},2026-10-01 10:00,-1\r\n"
            f"T3,{no},2026-10-01 10:00,4111111111111111\r\n"
        ).encode("gbk")
    )
    dlg = import_pos_with_report(ctx, None, str(f), show=False)
    qtbot.addWidget(dlg)
    from PySide6.QtWidgets import QLabel

    assert "已导入 1 条" in dlg.findChild(QLabel, "import_summary").text()
    items = [dlg.lines.item(i).text() for i in range(dlg.lines.count())]
    assert items == [
        "第 3 行：金额为负数（列：金额）",
        "第 4 行：含类似银行卡号的数字，整行未保存（列：金额）",
    ]  # rule: PAY-1
    _shot(dlg, "pos_import_report.png")


def test_member_activity_tabs_and_disclosure_dialog(qtbot, ctx, manager, vault, clock):
    from PySide6.QtWidgets import QTabWidget

    from app.service_records import open_record
    from tests.retention_helpers import grant_consent, store_id_number
    from ui.dialogs.disclose_dialog import DiscloseDialog
    from ui.widgets.member_activity import add_member_activity_tabs

    mid = make_member(manager)
    grant_consent(manager, mid, "delivery")
    record_purchase(manager, mid, amount="1234.5", goods_type="家电", payment_method="微信支付", coupon_code="CP-1")
    open_record(manager, mid, "complaint", "送货延迟")
    store_id_number(manager, vault.field_cipher(), mid, "44030119900101123X")
    dlg = DiscloseDialog(ctx, mid)
    qtbot.addWidget(dlg)
    assert set(dlg.checks) == {"name", "mobile", "delivery_address"}  # rule: SHR-1
    dlg.recipient.setText("顺丰速运")
    dlg.reference.setText("SO-20261102-1")
    _shot(dlg, "disclose_dialog.png")
    dlg.accept()
    assert dlg.disclosure_id
    dlg2 = DiscloseDialog(ctx, mid)
    qtbot.addWidget(dlg2)
    dlg2.kind.setCurrentIndex(dlg2.kind.findData("insurer"))
    assert set(dlg2.checks) == {"order_no", "product"}  # rule: SHR-1
    dlg2.recipient.setText("平安保险")
    dlg2.accept()
    assert dlg2.disclosure_id is None and "未同意" in dlg2.error.text()  # rule: SHR-1
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    purchases, records, disclosures = add_member_activity_tabs(tabs, ctx, mid)
    assert purchases.table.item(0, 1).text() == "¥1,234.50"
    assert records.table.item(0, 2).text() == "处理中"
    assert disclosures.table.item(0, 1).text() == "顺丰速运"  # rule: SHR-2
    assert disclosures.table.item(0, 3).text() == "姓名、手机号、收货地址"
    from ui import messagebox

    messagebox.set_next_answer(True)
    assert not purchases.done_btn.isHidden()
    _answer_step_up(ctx)
    purchases.business_done()
    assert "脱敏" in purchases.id_state.text() and purchases.done_btn.isHidden()  # rule: RET-4
    records.table.selectRow(0)
    records.close_selected()
    assert records.table.item(0, 2).text().startswith("已结束")
    tabs.resize(900, 420)
    tabs.show()
    for i, name in enumerate(
        ("member_purchases_tab.png", "member_service_records_tab.png", "member_disclosures_tab.png")
    ):
        tabs.setCurrentIndex(i)
        _shot(tabs, name)
