"""The scanner reads a registration form's QR while the register wizard is still on screen: it types
"MEMBERDESK-FORM:<serial>" + Enter into whatever has focus. The wizard catches it (nothing lands in a field,
Enter does not move on), switches to paper mode with that form and keeps what was typed; ordinary typing
that merely starts like the code reaches its field unchanged."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.flows.registration import Step
from app.printing.serials import qr_payload
from tests.ui.test_register_paper import _form, ctx  # noqa: F401  (the clerk's context, an issued blank form)


def _dialog(qtbot, ctx):
    from ui.dialogs.register_member_dialog import RegisterMemberDialog

    dlg = RegisterMemberDialog(ctx, customer_screen="off")
    qtbot.addWidget(dlg)
    dlg.resize(900, 720)
    dlg.show()
    dlg.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg)
    return dlg


def _type(qtbot, widget, text, enter=False):
    """Keys to the widget that has focus, as the keyboard (or the scanner) sends them."""
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClicks(widget, text)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_a_form_scanned_on_the_notice_step_switches_to_paper(qtbot, ctx):
    serial = _form(ctx.session)
    dlg = _dialog(qtbot, ctx)
    assert dlg.flow.step is Step.NOTICE and not dlg.flow.paper
    _type(qtbot, dlg.next_btn, qr_payload(serial), enter=True)  # focus on 下一步: Enter must not press it
    assert dlg.flow.paper and dlg.flow.step is Step.CONSENT and dlg.flow.form.serial == serial
    assert dlg.paper.form_step.serial.text() == serial
    assert dlg.stack.currentWidget() is dlg.paper.consent and dlg.paper.mode_buttons["paper"].isChecked()
    assert "已扫描纸质登记表" in dlg.hint.text() and serial in dlg.hint.text()
    assert all(v is None for v in dlg.flow.decisions.values())  # rule: CON-2
    assert dlg.error.text() == ""


def test_typing_is_kept_and_the_scan_lands_in_no_field(qtbot, ctx, vault):
    serial = _form(ctx.session)
    dlg = _dialog(qtbot, ctx)
    dlg.on_next()
    dlg.on_decided("membership", True)
    dlg.on_decided("marketing", True)  # ticked on screen
    dlg.on_next()
    assert dlg.flow.step is Step.FIELDS
    name, mobile = dlg.edits["name"], dlg.edits["mobile"]
    _type(qtbot, name, "MEMO Li")  # starts like the code, then is not
    _type(qtbot, mobile, "13912340001")
    assert name.text() == "MEMO Li" and mobile.text() == "13912340001"
    _type(qtbot, mobile, qr_payload(serial), enter=True)
    assert mobile.text() == "13912340001" and name.text() == "MEMO Li"  # nothing landed in a field
    assert dlg.flow.paper and dlg.flow.step is Step.CONSENT
    assert dlg.flow.values["name"] == "MEMO Li" and dlg.flow.values["mobile"] == "13912340001"
    assert dlg.flow.decisions["marketing"] is None  # the paper decides now
    dlg.paper.consent.boxes["membership"].setChecked(True)
    dlg.on_next()
    assert dlg.flow.step is Step.FIELDS and name.text() == "MEMO Li"
    dlg.minor_no.setChecked(True)  # no birth date: the under-14 question is answered (CON-4)
    dlg.on_next()
    assert dlg.flow.step is Step.REVIEW
    dlg.paper.signed.setChecked(True)
    dlg.on_next()
    rec = ctx.session.db.one("SELECT method, evidence_ref FROM consent_records")
    assert tuple(rec) == ("paper", serial)  # rule: CON-1


def test_a_scanned_form_of_another_store_shows_why_on_the_form_step(qtbot, ctx):
    dlg = _dialog(qtbot, ctx)
    _type(qtbot, dlg.next_btn, "MEMBERDESK-FORM:BJ-002-261102-00001", enter=True)
    assert dlg.flow.paper and dlg.flow.step is Step.FORM
    assert dlg.paper.form_step.serial.text() == "BJ-002-261102-00001"
    assert "其他门店" in dlg.paper.form_step.error.text()


def test_another_form_scanned_while_entering_one_is_refused(qtbot, ctx):
    serial, other = _form(ctx.session), _form(ctx.session)
    dlg = _dialog(qtbot, ctx)
    _type(qtbot, dlg.next_btn, qr_payload(serial), enter=True)
    dlg.paper.consent.boxes["membership"].setChecked(True)
    dlg.on_next()
    _type(qtbot, dlg.edits["name"], qr_payload(other), enter=True)
    assert dlg.flow.form.serial == serial and dlg.flow.step is Step.FIELDS and dlg.edits["name"].text() == ""
    assert other in dlg.error.text() and serial in dlg.error.text()


def test_a_lone_letter_of_the_code_reaches_its_field(qtbot, ctx):
    dlg = _dialog(qtbot, ctx)
    dlg.on_next()
    dlg.on_decided("membership", True)
    dlg.on_next()
    _type(qtbot, dlg.edits["name"], "M")  # held back a moment, then sent on
    qtbot.waitUntil(lambda: dlg.edits["name"].text() == "M")
    assert dlg.flow.values.get("name") == "M" and not dlg.flow.paper


def test_the_serial_field_still_takes_the_scan_itself(qtbot, ctx):
    serial = _form(ctx.session)
    dlg = _dialog(qtbot, ctx)
    dlg.paper.choose_mode("paper")
    _type(qtbot, dlg.paper.form_step.serial, qr_payload(serial), enter=True)
    assert dlg.flow.step is Step.CONSENT and dlg.flow.form.serial == serial
