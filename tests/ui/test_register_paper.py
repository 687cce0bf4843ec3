"""The register wizard in paper mode (顾客填写纸质登记表): keyboard first (the serial field has focus; the
scanner types "MEMBERDESK-FORM:<serial>" + Enter), the ticks copied from the form, the confirmation that
the customer signed, the customer screen idle, a blank form printed from the wizard. Screenshots in
Chinese and English."""

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit

from app.flows.registration import Step
from app.notices import default_notice
from app.printing.serials import issue_form_serials
from tests.ui.shots import SHOTS_DIR

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture
def ctx(qtbot, vault, clerk):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, lang="zh_CN", runner=SyncRunner())
    c.set_session(clerk)
    return c


def _form(session) -> str:
    return issue_form_serials(session, default_notice("zh_CN"), 1)[0]


def _dialog(qtbot, ctx, **kw):
    from ui.dialogs.register_member_dialog import RegisterMemberDialog

    dlg = RegisterMemberDialog(ctx, **({"customer_screen": "off"} | kw))
    qtbot.addWidget(dlg)
    dlg.resize(900, 720)
    dlg.show()
    return dlg


def _shot(widget, name):
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # pending layout requests, as the event loop would
    widget.grab().save(str(SHOTS_DIR / f"{name}.png"))


def _visible_texts(dlg) -> list[str]:
    out = []
    for w in dlg.findChildren(QLabel) + dlg.findChildren(QAbstractButton) + dlg.findChildren(QLineEdit):
        if not w.isVisibleTo(dlg):
            continue
        text = w.placeholderText() if isinstance(w, QLineEdit) else w.text()
        out.append(re.sub(r"&[a-z]+;", " ", re.sub(r"<[^>]+>", " ", text)))
    return [t for t in out if t.strip()]


def _scan(qtbot, dlg, text):
    field = dlg.paper.form_step.serial
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)  # the scanner ends with Enter


def _fill(dlg, **values):
    for k, v in values.items():  # (QTest cannot type non-ASCII keys)
        dlg.edits[k].setText(v)
        dlg._edited(k, v)
    if "birth_date" not in values:
        dlg.minor_no.setChecked(True)  # no birth date: the under-14 question is answered (CON-4)


def _no_english(dlg):
    """zh_CN: no English words on screen; serials, versions, hashes and the example are data."""
    left = [t for t in _visible_texts(dlg) if LATIN_WORD.search(re.sub(r"[A-Z0-9]+(-[A-Z0-9]+)+|[0-9a-f]{12}", "", t))]
    assert left == []


def test_paper_registration_at_the_counter(qtbot, ctx):
    serial = _form(ctx.session)
    dlg = _dialog(qtbot, ctx)
    got = []
    dlg.member_registered.connect(got.append)
    assert dlg.paper.mode_bar.isVisible() and dlg.flow.step is Step.NOTICE  # on screen is the default
    dlg.paper.mode_buttons["paper"].click()
    assert dlg.flow.step is Step.FORM and dlg.focusWidget() is dlg.paper.form_step.serial
    _scan(qtbot, dlg, "SH-001-261102-09999")  # a serial this store never issued
    assert dlg.flow.step is Step.FORM
    assert "本店没有发放过表单" in dlg.paper.form_step.error.text()
    _shot(dlg, "register_paper_1_serial_error")
    _no_english(dlg)
    _scan(qtbot, dlg, "MEMBERDESK-FORM:" + serial)  # what the USB scanner types
    assert dlg.flow.step is Step.CONSENT and dlg.flow.form.serial == serial
    panel = dlg.paper.consent
    assert not any(b.isChecked() for b in panel.boxes.values())  # nothing pre-ticked
    assert not dlg.next_btn.isEnabled() and dlg.focusWidget() is panel.boxes["membership"]
    panel.boxes["marketing"].setChecked(True)
    assert not dlg.next_btn.isEnabled()  # rule: CON-2
    qtbot.keyClick(panel.boxes["membership"], Qt.Key.Key_Space)
    assert dlg.next_btn.isEnabled()  # rule: CON-2
    assert not panel.signed["face_payment"].isVisibleTo(dlg)
    panel.boxes["face_payment"].setChecked(True)
    assert panel.signed["face_payment"].isVisibleTo(dlg)
    dlg.next_btn.click()
    assert dlg.flow.step is Step.CONSENT and "单独签名" in dlg.error.text()  # rule: SEN-1
    panel.signed["face_payment"].setChecked(True)
    _shot(dlg, "register_paper_2_consent")
    _no_english(dlg)
    dlg.next_btn.click()
    assert dlg.flow.step is Step.FIELDS and dlg.edits["face_feature"].isVisible()
    assert not dlg.edits["address"].isVisible()  # rule: MIN-1
    _fill(dlg, name="王秀英", mobile="13912340001", face_feature="ab" * 40)
    dlg.next_btn.click()
    assert dlg.flow.step is Step.REVIEW and dlg.paper.signed.isVisible()
    assert dlg.focusWidget() is dlg.paper.signed and not dlg.paper.signed.isChecked()
    dlg.next_btn.click()  # the signature on the form not confirmed yet
    assert dlg.flow.step is Step.REVIEW and "签字" in dlg.error.text() and not got
    qtbot.keyClick(dlg.paper.signed, Qt.Key.Key_Space)
    assert dlg.flow.paper_signed and not dlg.error.text()
    _shot(dlg, "register_paper_3_review")
    _no_english(dlg)
    assert serial in dlg.review.text()
    qtbot.keyClick(dlg.paper.signed, Qt.Key.Key_Return)  # Enter confirms
    assert got
    db = ctx.session.db
    rec = db.one("SELECT method, evidence_ref FROM consent_records WHERE member_id = ?", (got[0],))
    assert tuple(rec) == ("paper", serial)  # rule: CON-1
    assert db.scalar("SELECT matched_member_id FROM form_serials WHERE serial = ?", (serial,)) == got[0]


def test_customer_screen_stays_idle_in_paper_mode(qtbot, ctx):
    from PySide6.QtGui import QGuiApplication

    dlg = _dialog(qtbot, ctx, customer_screen=QGuiApplication.primaryScreen())
    cust = dlg.customer
    cust.showNormal()
    cust.resize(1024, 768)
    assert cust.stack.currentWidget() is cust.notice_view
    dlg.paper.mode_buttons["paper"].click()
    assert cust.stack.currentWidget() is cust.waiting and not cust.next_btn.isVisible()
    _scan(qtbot, dlg, _form(ctx.session))
    dlg.paper.consent.boxes["membership"].setChecked(True)
    dlg.next_btn.click()
    _fill(dlg, name="王秀英", mobile="13912340001")
    dlg.next_btn.click()
    assert dlg.flow.step is Step.REVIEW
    assert cust.stack.currentWidget() is cust.waiting and "王" not in cust.waiting.text()  # nothing personal
    _shot(cust, "customer_paper_idle")
    dlg.reject()


def test_a_blank_form_printed_from_the_wizard_is_filled_in(qtbot, ctx, printer_accepts):
    shown = printer_accepts  # the clerk presses 打印 and the printer accepts the job
    dlg = _dialog(qtbot, ctx)
    dlg.paper.mode_buttons["paper"].click()
    dlg.paper.form_step.print_btn.click()
    assert len(shown) == 1 and shown[0].page_count == 2
    serial = dlg.paper.form_step.serial.text()
    row = ctx.session.db.one("SELECT printed_count, matched_member_id FROM form_serials WHERE serial = ?", (serial,))
    assert row["printed_count"] == 1 and row["matched_member_id"] is None
    qtbot.keyClick(dlg.paper.form_step.serial, Qt.Key.Key_Return)  # once the signed form is back
    assert dlg.flow.step is Step.CONSENT and dlg.flow.form.serial == serial


def test_a_form_with_an_older_notice_says_so(qtbot, ctx, manager):
    from tests.app.test_registration_paper import _publish_2026_3

    serial = _form(ctx.session)
    _publish_2026_3(manager)
    dlg = _dialog(qtbot, ctx)
    dlg.paper.mode_buttons["paper"].click()
    _scan(qtbot, dlg, serial)
    assert dlg.flow.notice.version == "2026.2"
    assert "旧版告知书（2026.2）" in dlg.hint.text() and "2026.3" in dlg.hint.text()
    _shot(dlg, "register_paper_2_consent_older_notice")


def test_paper_mode_in_english(qtbot, english_ctx):
    serial = _form(english_ctx.session)
    dlg = _dialog(qtbot, english_ctx)
    _shot(dlg, "register_paper_0_choice_en")
    dlg.paper.mode_buttons["paper"].click()
    _scan(qtbot, dlg, "BJ-002-261102-00001")
    assert "another store" in dlg.paper.form_step.error.text()
    _shot(dlg, "register_paper_1_serial_error_en")
    assert not [t for t in _visible_texts(dlg) if CJK.search(t)]
    _scan(qtbot, dlg, serial)
    panel = dlg.paper.consent
    assert panel.notice.lang == "en" and dlg.flow.notice.lang == "zh_CN"  # the record names the printed one
    for code in ("membership", "offers", "skin_analysis"):
        panel.boxes[code].setChecked(True)
    panel.signed["skin_analysis"].setChecked(True)
    _shot(dlg, "register_paper_2_consent_en")
    assert not [t for t in _visible_texts(dlg) if CJK.search(t)]
    dlg.next_btn.click()
    _fill(dlg, name="Li Na", mobile="13912340005", skin_notes="combination skin")
    dlg.next_btn.click()
    assert dlg.flow.step is Step.REVIEW
    dlg.paper.signed.setChecked(True)
    _shot(dlg, "register_paper_3_review_en")
    assert not [t for t in _visible_texts(dlg) if CJK.search(t)]
