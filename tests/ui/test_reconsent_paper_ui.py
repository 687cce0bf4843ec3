"""The re-consent wizard (重新确认同意) in paper mode: the member page's banner opens it; the clerk chooses
顾客填写纸质登记表, scans the new form (a form printed with an older notice is refused there), copies the ticks
and confirms the customer's signature; the record is a paper re-consent with the serial. Screenshots in
Chinese and English, with no clipped labels and no English in Chinese."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel

from app.flows.registration import ReconsentFlow, Step
from app.notices import current_notice, default_notice
from app.printing.serials import issue_form_serials
from tests.app.regdata import register
from tests.app.test_reconsent_paper import TODAY, _publish_2026_3
from tests.ui.test_register_paper import CJK, _fill, _no_english, _scan, _shot, _visible_texts


@pytest.fixture
def zh_ctx(qtbot, vault, clerk):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, lang="zh_CN", runner=SyncRunner())
    c.set_session(clerk)
    return c


def _dialog(qtbot, ctx, member_id):
    from ui.dialogs.register_member_dialog import RegisterMemberDialog

    dlg = RegisterMemberDialog(ctx, customer_screen="off", flow=ReconsentFlow(ctx.session, member_id, lang=ctx.lang))
    qtbot.addWidget(dlg)
    dlg.resize(900, 720)
    dlg.show()
    return dlg


def _not_clipped(dlg):
    """Every visible one-line label and button is as wide as its text needs."""
    short = []
    for w in dlg.findChildren(QLabel) + dlg.findChildren(QAbstractButton):
        if not w.isVisibleTo(dlg) or (isinstance(w, QLabel) and w.wordWrap()) or not w.text():
            continue
        if w.width() < w.sizeHint().width() - 1:
            short.append((w.text(), w.width(), w.sizeHint().width()))
    assert short == []


def _setup(session, vault, manager):
    mid = register(session, vault, granted={"marketing": True})["id"]
    old = issue_form_serials(session, default_notice("zh_CN"), 1)[0]  # printed before the new notice
    _publish_2026_3(manager)
    new = issue_form_serials(session, current_notice(session.db, "zh_CN", TODAY), 1)[0]
    return mid, old, new


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_reconsent_on_a_paper_form(qtbot, request, vault, manager, lang):
    ctx = request.getfixturevalue("zh_ctx" if lang == "zh_CN" else "english_ctx")
    mid, old, new = _setup(ctx.session, vault, manager)
    sfx = "" if lang == "zh_CN" else "_en"

    def language_ok():
        if lang == "zh_CN":
            _no_english(dlg)
        else:
            assert not [t for t in _visible_texts(dlg) if CJK.search(t)]
        _not_clipped(dlg)

    dlg = _dialog(qtbot, ctx, mid)
    assert dlg.paper.mode_bar.isVisible() and dlg.flow.step is Step.NOTICE  # on screen stays the default
    dlg.paper.mode_buttons["paper"].click()
    assert dlg.flow.step is Step.FORM and dlg.focusWidget() is dlg.paper.form_step.serial
    _scan(qtbot, dlg, "MEMBERDESK-FORM:" + old)
    assert dlg.flow.step is Step.FORM and dlg.flow.form is None  # rule: CON-5
    assert "2026.2" in dlg.paper.form_step.error.text() and "2026.3" in dlg.paper.form_step.error.text()
    _shot(dlg, f"reconsent_paper_1_older_form{sfx}")
    language_ok()
    _scan(qtbot, dlg, "MEMBERDESK-FORM:" + new)
    assert dlg.flow.step is Step.CONSENT and dlg.flow.form.serial == new
    panel = dlg.paper.consent
    assert not any(b.isChecked() for b in panel.boxes.values())  # nothing pre-ticked
    for code in ("membership", "marketing", "skin_analysis"):
        panel.boxes[code].setChecked(True)
    dlg.next_btn.click()
    assert dlg.flow.step is Step.CONSENT and dlg.error.text()  # rule: SEN-1
    assert dlg.paper.consent is panel  # the same panel across renders (English too): focus stays
    panel.signed["skin_analysis"].setChecked(True)
    _shot(dlg, f"reconsent_paper_2_consent{sfx}")
    language_ok()
    dlg.next_btn.click()
    assert dlg.flow.step is Step.FIELDS and dlg.edits["skin_notes"].isVisible()
    assert not dlg.edits["name"].isVisible() and not dlg.minor.isVisible()  # already a member
    _fill(dlg, skin_notes="混合性皮肤" if lang == "zh_CN" else "combination skin")
    dlg.next_btn.click()
    assert dlg.flow.step is Step.REVIEW and dlg.paper.signed.isVisible()
    qtbot.keyClick(dlg.paper.signed, Qt.Key.Key_Space)
    assert new in dlg.review.text()
    _shot(dlg, f"reconsent_paper_3_review{sfx}")
    language_ok()
    assert dlg.next_btn.text() == ("确认" if lang == "zh_CN" else "Confirm")
    qtbot.keyClick(dlg.paper.signed, Qt.Key.Key_Return)  # Enter confirms
    assert dlg.flow.step is Step.DONE
    db = ctx.session.db
    rec = db.one(
        "SELECT id, kind, method, evidence_ref FROM consent_records WHERE member_id = ?"
        " ORDER BY created_at DESC, rowid DESC",
        (mid,),
    )
    assert (rec["kind"], rec["method"], rec["evidence_ref"]) == ("reconsent", "paper", new)  # rule: CON-1
    row = db.one("SELECT matched_member_id, matched_consent_id FROM form_serials WHERE serial = ?", (new,))
    assert tuple(row) == (mid, rec["id"])  # rule: CON-1
