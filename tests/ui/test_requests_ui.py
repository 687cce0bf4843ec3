"""Requests UI: queue colours and countdowns, new-request dialog, detail timeline and steps,
ledger re-applied at sign-in (pytest-qt, offscreen). Saves screenshots into docs/screenshots."""

import datetime as dt
import json

from PySide6.QtGui import QColor

from app import requests as R
from app.erasure import is_erased
from tests.conftest import CLERK_PW, MANAGER_PW
from tests.factories import make_member
from tests.ui.shots import SHOTS_DIR
from ui import messagebox

CST = dt.timezone(dt.timedelta(hours=8))
SHOTS = SHOTS_DIR


def _store(ctx, clock):
    from app.staff.service import add_staff

    session, _ = ctx.vault.setup(
        store_code="SH-001",
        store_name="上海南京路店",
        terminal_name="DESK-1",
        username="manager",
        display_name="王店长",
        password=MANAGER_PW,
    )
    add_staff(ctx.vault, session, username="clerk", display_name="李店员", role="clerk", password=CLERK_PW)
    with session.db.transaction() as conn:  # the first-sign-in password change is the shell's test
        conn.execute("UPDATE staff SET must_change_password = 0")
    return session


def _at(clock, m, d):
    clock.set(dt.datetime(2026, m, d, 10, 0, tzinfo=CST))


def _sign_in(win, user, pw):
    win.sign_in.username.setText(user)
    win.sign_in.password.setText(pw)
    win.sign_in.submit()


def _seed(session, clock):
    _at(clock, 10, 8)
    a = R.open_request(session, "delete", make_member(session, name="逾期甲"), identity_method="id_card_sighted")
    _at(clock, 10, 15)
    b = R.open_request(session, "copy", make_member(session, name="临期乙"), identity_method="sms_code")
    _at(clock, 10, 28)
    c = R.open_request(session, "correct", make_member(session, name="正常丙"))
    R.pause(session, c, "等待顾客补充户口簿复印件", waits_for="clarification")
    _at(clock, 10, 30)
    d = R.open_request(session, "access", None, customer_found=False, identity_method="id_card_sighted")
    R.close_not_found(session, d)
    _at(clock, 11, 2)
    R.resume(session, c, answer="clarified")
    return a, b, c, d


def test_queue_colours_countdowns_and_detail(qtbot, window, clock):
    ctx, win = window
    a, b, c, d = _seed(_store(ctx, clock), clock)
    ctx.vault.lock()
    win.show()
    _sign_in(win, "clerk", CLERK_PW)
    page = win.open_page("requests")
    assert page is not None
    page.due_filter.setCurrentIndex(4)  # 全部
    ids = [r["id"] for r in page.rows]
    assert ids == [a, b, c, d]  # sorted by due date, closed last
    assert page.table.item(0, 5).text().startswith("已超期")  # rule: RIG-2
    assert page.table.item(0, 0).background().color() == QColor("#fdecea")  # red row
    assert page.table.item(1, 5).text() == "剩 3 个工作日"  # rule: RIG-2
    assert page.table.item(1, 0).background().color() == QColor("#fff4d6")  # amber row
    assert page.table.item(3, 5).text() == "已办结"
    assert "已超期 1 件" in page.summary.text() and "3个工作日内到期 1 件" in page.summary.text()
    page.table.selectRow(2)
    det = page.detail
    assert det.request_id == c
    steps = [det.timeline.topLevelItem(i).text(2) for i in range(det.timeline.topLevelItemCount())]
    assert steps == ["受理申请", "暂停处理", "恢复处理"]
    assert det.timeline.topLevelItem(1).text(3) == "等待顾客补充户口簿复印件"
    assert det.buttons["verify"].isVisibleTo(det) and not det.buttons["letter"].isVisibleTo(det)
    page.table.selectRow(0)
    qtbot.wait(50)
    SHOTS.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(SHOTS / "requests_queue.png"))


def test_new_request_dialog_and_steps(qtbot, window, clock, monkeypatch):
    ctx, win = window
    manager = _store(ctx, clock)
    mid = make_member(manager, name="申请丁", mobile="13700001111")
    ctx.vault.lock()
    win.show()
    _sign_in(win, "clerk", CLERK_PW)
    page = win.open_page("requests")
    from ui.dialogs.new_request_dialog import NewRequestDialog

    dlg = NewRequestDialog(ctx, page)
    qtbot.addWidget(dlg)
    dlg.type.setCurrentIndex(dlg.type.findData("delete"))
    dlg.query.setText("13700001111")
    dlg.search()
    assert dlg.results.count() == 1 and "申*" in dlg.results.item(0).text()  # masked in the list
    assert not dlg.ok.isEnabled()  # identity check not chosen yet
    dlg.identity_buttons["id_card_sighted"].setChecked(True)
    assert dlg.ok.isEnabled()
    dlg.adjustSize()
    dlg.grab().save(str(SHOTS / "requests_new_dialog.png"))
    dlg.submit()
    rid = dlg.request_id
    req = R.get_request(ctx.session.db, rid)
    assert req["member_id"] == mid and req["status"] == "verified"
    page.select_request(rid)
    det = page.detail
    # a clerk's delete: the manager signs in for this one step (SEC-1)
    asked = []

    def manager_session(parent, purpose=""):
        asked.append(purpose)
        return ctx.session.as_manager(ctx.vault.verify_staff("manager", MANAGER_PW, role="manager"))

    monkeypatch.setattr(ctx, "manager_session", manager_session)
    monkeypatch.setattr(det, "_preview", lambda pdf, title: setattr(det, "last_pdf", pdf))
    messagebox.set_next_answer(True)
    det.act("execute")
    assert asked == ["删除个人信息"]  # rule: SEC-1
    assert is_erased(ctx.session.db, mid)  # rule: RIG-3
    assert json.loads(ctx.paths.erasure_ledger.read_text().splitlines()[0])["request_id"] == rid
    assert det.buttons["letter"].isVisibleTo(det)
    from ui.dialogs.request_step_dialog import RequestStepDialog

    monkeypatch.setattr(RequestStepDialog, "exec", lambda self: (setattr(self, "values", {"applicant": ""}), 1)[1])
    det.act("letter")
    assert det.last_pdf.startswith(b"%PDF")
    from ui.dialogs.print_preview_dialog import PrintPreviewDialog

    preview = PrintPreviewDialog(det.last_pdf, title="处理结果告知书", parent=win, personal_data=True)
    qtbot.addWidget(preview)
    preview.resize(820, 900)
    preview.show()
    qtbot.wait(100)
    preview.grab().save(str(SHOTS / "requests_letter_preview.png"))
    preview.close()
    page.due_filter.setCurrentIndex(4)
    qtbot.wait(50)
    win.grab().save(str(SHOTS / "requests_detail.png"))


def test_ledger_reapplied_at_sign_in(qtbot, window, clock):
    """A ledger entry the DB does not have yet (restored backup, crash before commit) is applied at sign-in."""
    ctx, win = window
    manager = _store(ctx, clock)
    mid = make_member(manager, name="账本戊")
    ctx.paths.erasure_ledger.write_text(
        json.dumps(
            {
                "member_id": mid,
                "erased_at": "2026-11-01T10:00:00+08:00",
                "reason": "request",
                "request_id": None,
                "store_code": "SH-001",
            }
        )
        + "\n"
    )
    ctx.vault.lock()
    win.show()
    _sign_in(win, "manager", MANAGER_PW)
    assert ctx.session is not None
    assert ctx.session.db.one("SELECT 1 FROM members WHERE id = ?", (mid,)) is None  # rule: RIG-3


def test_english_ui_has_no_chinese_left(qtbot, paths, clock):
    import re

    from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton

    from ui.i18n import install_language
    from ui.main import build
    from ui.workers import SyncRunner

    ctx, win = build(paths, "en", runner=SyncRunner())
    ctx.vault.clock = clock
    qtbot.addWidget(win)
    try:
        win.resize(1280, 800)
        _a, _b, _c, _d = _seed(_store(ctx, clock), clock)
        ctx.vault.lock()
        win.show()
        _sign_in(win, "manager", MANAGER_PW)
        page = win.open_page("requests")
        page.due_filter.setCurrentIndex(4)
        page.table.selectRow(2)
        qtbot.wait(50)
        win.grab().save(str(SHOTS / "requests_queue_en.png"))
        cjk = re.compile(r"[\u4e00-\u9fff]")
        texts = [page.table.item(r, col).text() for r in range(page.table.rowCount()) for col in range(6)]
        texts += [page.table.horizontalHeaderItem(col).text() for col in range(6)]
        texts += [w.text() for w in page.findChildren(QLabel) + page.findChildren(QPushButton) if w.isVisibleTo(page)]
        texts += [cb.itemText(i) for cb in page.findChildren(QComboBox) for i in range(cb.count())]
        det = page.detail
        texts += [
            det.timeline.topLevelItem(i).text(col) for i in range(det.timeline.topLevelItemCount()) for col in range(3)
        ]
        left = [
            t for t in texts if cjk.search(t) and "等待顾客补充" not in t and "店长" not in t
        ]  # typed note, staff name
        print(left)
        assert left == []
    finally:
        if ctx.session is not None:
            win.lock()
        ctx.vault.close()
        install_language(QApplication.instance(), "zh_CN")


def test_request_detail_shows_which_stores_confirmed(qtbot, window, clock):
    """Issue #18: a request opened here, carried out for the chain, lists each store's confirmation."""
    from app.sync import feeds

    ctx, win = window
    session = _store(ctx, clock)
    _at(clock, 11, 2)
    rid = R.open_request(session, "restrict", make_member(session, name="限制丁"), identity_method="sms_code")
    R.execute_restrict(session, rid)
    sync = feeds.sync_session(session.db, "SH-001", "DESK-1", session.clock)
    ctx_feed = feeds._verified_context("SH-001", None)
    for store, outcome in (("SH-001", "done"), ("BJ-002", "done"), ("GZ-003", "not_held")):
        note = {"request_id": rid, "order_id": "o1", "kind": "restriction_order", "store": store, "outcome": outcome}
        feeds.handler_for("order_confirmation")(sync, {**note, "executed_at": "2026-11-02T10:05:00+08:00"}, ctx_feed)
    filed = {"request_id": rid, "order_id": "o1", "kind": "restriction_order"}
    feeds.handler_for("order_filed")(sync, {**filed, "holders": ["BJ-002", "GZ-003", "HZ-004", "SH-001"]}, ctx_feed)
    ctx.vault.lock()
    win.show()
    _sign_in(win, "manager", MANAGER_PW)
    page = win.open_page("requests")
    page.due_filter.setCurrentIndex(4)  # 全部
    page.table.selectRow([r["id"] for r in page.rows].index(rid))
    text = page.detail.facts["stores"].text()
    assert text.splitlines() == [
        "BJ-002  已执行  2026-11-02 10:05",
        "GZ-003  该门店无此会员  2026-11-02 10:05",
        "SH-001  已执行  2026-11-02 10:05",
        "HZ-004  等待确认",
    ]
    qtbot.wait(50)
    SHOTS.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(SHOTS / "request_chain_confirmations.png"))
