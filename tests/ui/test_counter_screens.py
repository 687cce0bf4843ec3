"""Issue #20: the customer's touch screen (type and targets scale with the display, a clear yes/no per purpose,
the refusal as easy as the consent and away from the signature action, a large signature area), the birth
date typed in the usual Chinese forms or picked, and the counter's shortcuts shown where they are used."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QTableView

from app.flows.registration import Step
from ui.widgets.notice_view import CLERK_SCALE, touch_scale, touch_scale_for

# (logical lines, logical px per physical mm): 24" 1080p at 100 % and 150 %, 15.6" 1366×768, 27" 1440p
DISPLAYS = {
    "24in-1080p": (1080 - 40, 1920 / 531),
    "24in-1080p@150%": (720 - 27, 1280 / 531),
    "15.6in-768p": (768 - 40, 1366 / 344),
    "27in-1440p": (1440 - 40, 2560 / 597),
}


@pytest.fixture
def ctx(qtbot, vault, clerk):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, lang="zh_CN", runner=SyncRunner())
    c.set_session(clerk)
    return c


@pytest.mark.parametrize("display", sorted(DISPLAYS))
def test_touch_scale_grows_with_the_display(display):
    lines, px_per_mm = DISPLAYS[display]
    sc = touch_scale_for(lines, px_per_mm)
    assert sc.target_px >= 9 * px_per_mm - 0.5  # touch targets ≥ 9 mm
    assert sc.target_px >= 70 * lines / 1080 - 0.5  # ≥ 70 px on a 1080-line screen (UX.md), in proportion
    assert sc.body_pt >= 16 and sc.small_pt >= 16 and sc.title_pt > sc.body_pt  # type ≥ 16 pt
    assert sc.signature_px >= lines * 0.3  # a large signature area
    assert sc.target_px > CLERK_SCALE.target_px and sc.body_pt > CLERK_SCALE.body_pt
    big = touch_scale_for(lines * 2, px_per_mm * 2)
    assert big.target_px > sc.target_px and big.body_pt >= sc.body_pt  # scales with the display


def test_touch_scale_of_a_real_screen():
    sc = touch_scale(QGuiApplication.primaryScreen())
    assert sc.body_pt >= 16 and sc.target_px >= 70 * 600 / 1080 - 1


def _customer(qtbot, ctx):
    from ui.dialogs.register_member_dialog import RegisterMemberDialog

    dlg = RegisterMemberDialog(ctx, customer_screen=QGuiApplication.primaryScreen())
    qtbot.addWidget(dlg)
    cust = dlg.customer
    cust.showNormal()
    cust.resize(1920, 1080)
    cust.apply_scale(touch_scale_for(*DISPLAYS["24in-1080p"]))
    QApplication.processEvents()
    return dlg, cust


def test_customer_screen_yes_and_no_per_purpose_equally_easy(qtbot, ctx):
    dlg, cust = _customer(qtbot, ctx)
    cust.next_btn.click()
    assert dlg.flow.step is Step.CONSENT
    QApplication.processEvents()
    sc = cust.scale
    panel = cust.consent
    assert set(panel.boxes) == set(panel.refuse) == {p.code for p in dlg.flow.notice.purposes}
    for code in panel.boxes:
        yes, no = panel.boxes[code], panel.refuse[code]
        assert not yes.isChecked() and not no.isChecked()  # nothing chosen for the customer
        assert yes.size() == no.size()  # refusing is as easy as agreeing
        assert yes.height() >= sc.target_px and yes.font().pointSize() >= 16
    # a refusal is a decision of its own, and switches the consent off
    panel.boxes["marketing"].click()
    assert dlg.flow.decisions["marketing"] is True
    panel.refuse["marketing"].click()
    assert dlg.flow.decisions["marketing"] is False and not panel.boxes["marketing"].isChecked()
    assert not cust.next_btn.isEnabled()  # rule: CON-2
    panel.refuse["membership"].click()
    assert not cust.next_btn.isEnabled()  # rule: CON-2
    panel.boxes["membership"].click()
    assert cust.next_btn.isEnabled() and not panel.refuse["membership"].isChecked()  # rule: CON-2
    # the clerk's copy mirrors both choices
    assert dlg.consent.boxes["membership"].isChecked() and dlg.consent.refuse["marketing"].isChecked()
    dlg.reject()


def test_customer_screen_refusal_is_not_next_to_the_signature_action(qtbot, ctx):
    dlg, cust = _customer(qtbot, ctx)
    cust.next_btn.click()
    sensitive = next(p.code for p in dlg.flow.notice.purposes if p.sensitive)
    cust.consent.boxes["membership"].click()
    cust.consent.boxes[sensitive].click()
    cust.next_btn.click()
    assert dlg.flow.step is Step.SENSITIVE
    QApplication.processEvents()
    view, sc = cust.sensitive, cust.scale

    def rect(w):
        return w.rect().translated(w.mapTo(cust, QPoint(0, 0)))

    decline, sign, pad = rect(view.decline_btn), rect(cust.next_btn), rect(view.pad)
    assert view.decline_btn.height() >= sc.target_px and cust.next_btn.height() >= sc.target_px
    assert view.decline_btn.width() >= cust.next_btn.width() * 0.8  # as easy to press
    # 不同意此项 at the top, 同意并签名 at the bottom: the signature area lies between them
    assert decline.bottom() < pad.top() and pad.bottom() < sign.top()
    assert sign.top() - decline.bottom() > cust.height() / 3
    assert view.pad.height() >= sc.signature_px and view.pad.width() > cust.width() * 0.8
    assert not cust.heading.isVisible()  # one heading: the purpose's own title
    assert view.title.isVisible() and view.title.font().pointSize() >= 16
    view.decline_btn.click()
    assert dlg.flow.decisions[sensitive] is False  # rule: SEN-1
    dlg.reject()


@pytest.mark.parametrize("typed", ["1990/5/3", "1990.5.3", "1990年5月3日", "19900503", "1990-05-03"])
def test_birth_date_typed_in_chinese_forms_is_accepted_and_shown_iso(qtbot, ctx, typed):
    from ui.dialogs.register_member_dialog import RegisterMemberDialog

    dlg = RegisterMemberDialog(ctx, customer_screen="off")
    qtbot.addWidget(dlg)
    edit = dlg.edits["birth_date"]
    edit.setText(typed)
    edit.editingFinished.emit()
    assert edit.text() == "1990-05-03"
    assert edit.actions(), "the calendar icon"
    dlg.reject()


def test_birth_date_picker(qtbot, ctx):
    from ui.dialogs.register_member_dialog import RegisterMemberDialog

    dlg = RegisterMemberDialog(ctx, customer_screen="off")
    qtbot.addWidget(dlg)
    edit = dlg.edits["birth_date"]
    edit.setText("2001/2/3")
    picker = dlg.birth_picker
    edit.actions()[0].trigger()
    assert picker.isVisible()
    cal = picker.calendar
    assert (cal.selectedDate().year(), cal.selectedDate().month(), cal.selectedDate().day()) == (2001, 2, 3)
    assert cal.maximumDate().toPython() == dlg.flow.today  # no birth date in the future
    view = cal.findChild(QTableView)  # the calendar's grid has the keyboard
    qtbot.keyClick(view, Qt.Key.Key_Right)  # one day later
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert edit.text() == "2001-02-04" and not picker.isVisible()
    dlg.reject()


def test_shortcuts_work_and_are_shown_where_they_are_used(qtbot, window):
    from tests.conftest import MANAGER_PW
    from tests.ui.test_shell import _setup

    ctx, win = window
    _setup(ctx)
    win.show()
    win.on_signed_in(ctx.vault.sign_in("manager", MANAGER_PW))
    members = win.page("members")
    assert "(F2)" in members.register_btn.text() and "F3" in members.search.toolTip()
    assert "(F2)" in win.page("home").register_btn.text() and "(F3)" in win.page("home").search_btn.text()
    assert "Ctrl+L" in win.lock_button.toolTip()
    assert win.rect().contains(win.lock_button.mapTo(win, QPoint(0, 0)))  # on screen, in the nav column
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)  # window shortcuts need the active window
    for key, mod in (
        (Qt.Key.Key_F3, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier),
    ):
        win.open_page("home")
        win.page("home").register_btn.setFocus()
        qtbot.keyClick(win.page("home").register_btn, key, mod)
        assert win.pages.currentWidget() is members
        assert QApplication.focusWidget() is members.search or members.search.hasFocus()
    win.open_page("home")
    win.page("home").search_btn.click()  # the home page's 查找会员 (F3) does what F3 does
    assert win.pages.currentWidget() is members
    qtbot.keyClick(members.search, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert ctx.session is None and win.stack.currentWidget() is win.sign_in
