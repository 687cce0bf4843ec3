"""The register wizard renders the registration flow; screenshots of each step go to docs/screenshots."""

import pytest
from PySide6.QtCore import Qt

from app.flows.registration import Step
from tests.ui.shots import SHOTS_DIR

SHOTS = SHOTS_DIR


@pytest.fixture
def ctx(qtbot, vault, clerk):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, lang="zh_CN", runner=SyncRunner())
    c.set_session(clerk)
    return c


def _shot(widget, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def _dialog(qtbot, ctx, **kw):
    from ui.dialogs.register_member_dialog import RegisterMemberDialog

    dlg = RegisterMemberDialog(ctx, customer_screen="off", **kw)
    qtbot.addWidget(dlg)
    dlg.resize(900, 720)
    dlg.show()
    return dlg


def test_wizard_basic_membership(qtbot, ctx):
    dlg = _dialog(qtbot, ctx)
    got = []
    dlg.member_registered.connect(got.append)
    _shot(dlg, "register_1_notice")
    dlg.next_btn.click()
    assert dlg.flow.step is Step.CONSENT
    assert not any(b.isChecked() for b in dlg.consent.boxes.values())  # nothing pre-ticked
    assert not dlg.next_btn.isEnabled()
    dlg.consent.boxes["marketing"].setChecked(True)
    dlg.consent.boxes["offers"].setChecked(True)
    assert not dlg.next_btn.isEnabled()  # rule: CON-2
    dlg.consent.boxes["membership"].setChecked(True)
    assert dlg.next_btn.isEnabled()  # rule: CON-2
    dlg.consent.boxes["offers"].setChecked(False)
    assert dlg.next_btn.isEnabled()  # rule: CON-2
    _shot(dlg, "register_2_consent")
    dlg.next_btn.click()
    assert dlg.flow.step is Step.FIELDS
    assert not dlg.edits["address"].isVisible() and not dlg.edits["id_number"].isVisible()  # rule: MIN-1
    dlg.edits["name"].setText("王芳")  # (QTest cannot type non-ASCII keys)
    dlg._edited("name", "王芳")
    qtbot.keyClick(dlg.edits["name"], Qt.Key.Key_Return)
    assert dlg.focusWidget() is dlg.edits["mobile"] or not dlg.isActiveWindow()
    qtbot.keyClicks(dlg.edits["mobile"], "1381234")
    dlg.next_btn.click()
    assert dlg.flow.step is Step.FIELDS and dlg.field_errors["mobile"].text()  # error next to the field
    _shot(dlg, "register_4_fields_error")
    qtbot.keyClicks(dlg.edits["mobile"], "5678")
    dlg.next_btn.click()
    assert dlg.flow.step is Step.FIELDS and dlg.minor_err.text()  # rule: CON-4
    dlg.minor_no.setChecked(True)  # no birth date: the under-14 question is answered
    dlg.next_btn.click()
    assert dlg.flow.step is Step.REVIEW
    _shot(dlg, "register_5_review")
    dlg.next_btn.click()
    assert got and ctx.session.db.scalar("SELECT count(*) FROM members") == 1
    assert ctx.session.db.scalar("SELECT marketing_opt_in FROM members") == 1


def test_wizard_sensitive_with_signature(qtbot, ctx):
    dlg = _dialog(qtbot, ctx)
    dlg.next_btn.click()
    for code in ("membership", "delivery", "face_payment"):
        dlg.consent.boxes[code].setChecked(True)
    dlg.next_btn.click()
    assert dlg.flow.step is Step.SENSITIVE
    assert "其他支付方式" in dlg.sensitive.body.text()  # rule: SEN-4
    assert not dlg.next_btn.isEnabled()  # rule: SEN-1
    dlg.sensitive.pad.add_stroke([(40, 80), (90, 40), (140, 100), (220, 60), (300, 90)])
    assert dlg.next_btn.isEnabled()
    _shot(dlg, "register_3_sensitive_signature")
    dlg.next_btn.click()
    assert dlg.flow.step is Step.FIELDS
    assert dlg.edits["address"].isVisible() and dlg.edits["face_feature"].isVisible()
    dlg.edits["birth_date"].setText("")
    for k, v in (
        ("name", "欧阳娜娜"),
        ("mobile", "13912345678"),
        ("address", "上海市黄浦区南京东路100号"),
        ("face_feature", "ab" * 40),
        ("birth_date", "2016-05-01"),
    ):
        dlg.edits[k].setText(v)
        dlg._edited(k, v)
    assert dlg.guardian_name.isVisible()  # under 14: guardian rows appear
    dlg.next_btn.click()
    assert dlg.flow.step is Step.FIELDS and dlg.guardian_err.text()  # rule: CON-4
    dlg.guardian_name.setText("欧阳建国")
    dlg.guardian_rel.setCurrentIndex(1)
    dlg.guardian_ok.setChecked(True)
    dlg._guardian_changed()
    dlg.next_btn.click()
    assert dlg.flow.step is Step.FIELDS and dlg.guardian_err.text()  # rule: CON-4 (face payment: guardian's own)
    dlg.guardian_sensitive["face_payment"].setChecked(True)
    _shot(dlg, "register_4_fields_minor")
    dlg.next_btn.click()
    assert dlg.flow.step is Step.REVIEW
    _shot(dlg, "register_5_review_sensitive")
    dlg.next_btn.click()
    db = ctx.session.db
    assert db.scalar("SELECT count(*) FROM consent_evidence") == 1
    assert db.scalar("SELECT guardian_relation FROM consent_records") == "father"


def test_customer_screen_on_second_screen(qtbot, ctx):
    """Two virtual screens are not available offscreen: the customer screen is placed on the primary
    screen as a stand-in and driven exactly as the customer would."""
    from PySide6.QtGui import QGuiApplication

    from ui.dialogs.register_member_dialog import RegisterMemberDialog

    dlg = RegisterMemberDialog(ctx, customer_screen=QGuiApplication.primaryScreen())
    qtbot.addWidget(dlg)
    cust = dlg.customer
    assert cust is not None
    cust.showNormal()
    cust.resize(1280, 800)
    _shot(cust, "customer_1_notice")
    cust.next_btn.click()
    assert dlg.flow.step is Step.CONSENT
    assert not cust.next_btn.isEnabled()
    assert not dlg.consent.boxes["membership"].isEnabled()  # the clerk's copy is a mirror
    for box in cust.consent.boxes.values():
        assert box.minimumHeight() >= 44 and box.font().pointSize() >= 16
    cust.consent.boxes["skin_analysis"].setChecked(True)
    assert not cust.next_btn.isEnabled()  # rule: CON-2
    cust.consent.boxes["membership"].setChecked(True)
    assert cust.next_btn.isEnabled() and dlg.consent.boxes["membership"].isChecked()  # rule: CON-2
    _shot(cust, "customer_2_consent")
    cust.next_btn.click()
    assert dlg.flow.step is Step.SENSITIVE
    cust.sensitive.pad.add_stroke([(60, 80), (120, 30), (200, 110), (320, 50)])
    _shot(cust, "customer_3_sensitive")
    cust.next_btn.click()
    assert dlg.flow.step is Step.FIELDS and cust.stack.currentWidget() is cust.waiting
    _shot(cust, "customer_4_waiting")
    dlg.reject()
    assert dlg.flow.values == {}


def test_wizard_existing_mobile_opens_member(qtbot, ctx):
    from tests.app.regdata import register

    first = register(ctx.session, ctx.vault, name="李娜", mobile="13612345678")
    dlg = _dialog(qtbot, ctx)
    opened = []
    dlg.open_existing.connect(opened.append)
    dlg.next_btn.click()
    dlg.consent.boxes["membership"].setChecked(True)
    dlg.next_btn.click()
    for k, v in (("name", "李娜"), ("mobile", "13612345678")):
        dlg.edits[k].setText(v)
        dlg._edited(k, v)
    dlg.minor_no.setChecked(True)
    dlg.next_btn.click()
    assert dlg.flow.step is Step.EXISTING
    _shot(dlg, "register_existing_mobile")
    dlg.next_btn.click()
    assert opened == [first["id"]]
    assert ctx.session.db.scalar("SELECT count(*) FROM members") == 1


def test_wizard_in_english_has_no_chinese(qtbot, english_ctx):
    """English terminal: the English notice and the translated wizard, with no Chinese left on screen."""
    import re

    from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton

    dlg = _dialog(qtbot, english_ctx)
    cjk = re.compile(r"[\u4e00-\u9fff]")
    dlg.next_btn.click()
    dlg.consent.boxes["membership"].setChecked(True)
    dlg.consent.boxes["face_payment"].setChecked(True)
    _shot(dlg, "register_2_consent_en")
    dlg.next_btn.click()
    _shot(dlg, "register_3_sensitive_en")
    texts = [
        w.text()
        for w in dlg.findChildren(QLabel) + dlg.findChildren(QPushButton) + dlg.findChildren(QCheckBox)
        if w.isVisible()
    ]
    assert texts and not [t for t in texts if cjk.search(t)]
    assert "QR code" in dlg.sensitive.body.text()  # rule: SEN-4
