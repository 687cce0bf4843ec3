"""Members page: search box focus, scanner input, masked results, member detail with consent history,
withdrawal, correction and a manager's audited reveal. Screenshots go to docs/screenshots."""

import json

import pytest
from PySide6.QtCore import Qt

from tests.app.regdata import PNG, id_number, register
from tests.conftest import MANAGER_PW
from tests.ui.shots import SHOTS_DIR

SHOTS = SHOTS_DIR


@pytest.fixture
def ctx(qtbot, vault, clerk):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, lang="zh_CN", runner=SyncRunner())
    c.set_session(clerk)
    return c


@pytest.fixture
def page(qtbot, ctx):
    from ui.pages.members_page import MembersPage

    p = MembersPage(ctx)
    qtbot.addWidget(p)
    p.resize(1000, 560)
    p.show()
    qtbot.waitExposed(p)
    return p


def _seed(ctx):
    s, v = ctx.session, ctx.vault
    a = register(
        s,
        v,
        name="王伟",
        mobile="13812345678",
        granted={"marketing": True, "delivery": True, "instalment": True},
        values={"address": "上海市黄浦区南京东路100号", "id_number": id_number()},
        signatures={"instalment": PNG},
    )
    register(s, v, name="王伟强", mobile="13912345678")
    register(s, v, name="欧阳娜娜", mobile="13712345678")
    return a


def test_search_focus_results_masked(qtbot, page, ctx):
    _seed(ctx)
    page.refresh()
    assert page.search.hasFocus() or page.focusWidget() is page.search
    page.search.setText("5678")
    page.run_search()
    assert page.table.rowCount() == 3
    shown = [page.table.item(r, 2).text() for r in range(3)]
    assert all("****" in s for s in shown)  # rule: SEN-3
    page.search.setText("王伟")
    page.run_search()
    assert page.table.item(0, 1).text() == "王*"  # rule: SEN-3
    page.grab().save(str(SHOTS / "members_search.png"))


def test_scanned_card_opens_member(qtbot, page, ctx, monkeypatch):
    a = _seed(ctx)
    opened = []
    monkeypatch.setattr(page, "open_member", opened.append)
    qtbot.keyClicks(page.search, a["member_no"])  # keyboard-wedge scanner: member number + Enter
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert opened == [a["id"]]


def test_member_detail_withdraw_correct_reveal(qtbot, ctx, manager, monkeypatch):
    from ui import messagebox
    from ui.dialogs.member_detail_dialog import CorrectMemberDialog, MemberDetailDialog, RevealDialog

    a = _seed(ctx)
    dlg = MemberDetailDialog(ctx, a["id"])
    qtbot.addWidget(dlg)
    dlg.show()
    texts = [dlg.form.itemAt(i).widget().text() for i in range(dlg.form.count()) if dlg.form.itemAt(i).widget()]
    assert "138****5678" in texts and id_number() not in texts  # rule: SEN-3
    assert "440301********" + id_number()[-4:] in texts  # rule: SEN-3
    dlg.grab().save(str(SHOTS / "member_detail_profile.png"))
    dlg.tabs.setCurrentIndex(1)
    dlg.grab().save(str(SHOTS / "member_detail_consent.png"))
    messagebox.set_next_answer(True)
    dlg.findChild(type(dlg.correct_btn), "withdraw_delivery").click()
    db = ctx.session.db
    assert (
        db.scalar("SELECT count(*) FROM member_fields WHERE member_id = ? AND field = 'address'", (a["id"],)) == 0
    )  # rule: CON-3
    assert dlg.history.rowCount() == 2 and dlg.history.item(0, 1).text() == "撤回同意"  # rule: CON-3
    corr = CorrectMemberDialog(ctx, dlg.member, dlg.labels, dlg)
    qtbot.addWidget(corr)
    corr.edits["name"].setText("王伟东")
    corr.save()
    assert db.scalar("SELECT name FROM members WHERE id = ?", (a["id"],)) == "王伟东"
    # the clerk asks the manager: the manager's own session reveals, with a reason
    rev = RevealDialog(ctx, manager, dlg.member, dlg.labels, dlg)
    qtbot.addWidget(rev)
    rev.field.setCurrentIndex(rev.field.findData("id_number"))
    rev.note.setText("办理分期核验身份")

    def step_up(parent, purpose, fn):  # the manager types their own password (SEN-3)
        with ctx.vault.step_up("manager", MANAGER_PW) as up:
            return fn(up)

    ctx.with_step_up = step_up
    rev.show_value()
    assert rev.value.text() == id_number()
    row = db.one("SELECT staff_id, details FROM audit_log WHERE action = 'member.reveal'")
    assert row[0] == manager.staff.id and json.loads(row[1])["field"] == "id_number"  # rule: SEN-3
    rev.grab().save(str(SHOTS / "member_reveal.png"))
    rev.reject()
    assert rev.value.text() == ""
    views = db.scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'member.view' AND staff_id = ?", (ctx.session.staff.id,)
    )
    assert views >= 1  # rule: SEC-1


def test_clerk_cannot_reveal(qtbot, ctx):
    from app.errors import PermissionDenied
    from app.members.service import cipher_for, reveal_field

    a = _seed(ctx)
    with pytest.raises(PermissionDenied):
        reveal_field(ctx.session, a["id"], "id_number", "other", "测试测试", cipher_for(ctx.vault))  # rule: SEN-3


def test_reconsent_banner_and_dialog(qtbot, ctx, manager):
    from app.consent.service import needs_reconsent
    from app.flows.registration import ReconsentFlow, Step
    from app.notices import default_notice, import_notice
    from ui.dialogs.member_detail_dialog import MemberDetailDialog
    from ui.dialogs.register_member_dialog import RegisterMemberDialog

    a = _seed(ctx)
    zh, en = default_notice("zh_CN").to_dict(), default_notice("en").to_dict()
    for d in (zh, en):
        d["version"] = "2026.3"
        d["purposes"][1]["retention"] = d["purposes"][1]["retention"] + " (2026.3)"
    import_notice(manager, zh, en)
    dlg = MemberDetailDialog(ctx, a["id"])
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.banner.isVisible() and dlg.reconsent_btn.isDefault()  # rule: CON-5
    dlg.grab().save(str(SHOTS / "member_reconsent_banner.png"))
    flow = ReconsentFlow(ctx.session, a["id"], lang="zh_CN")
    rd = RegisterMemberDialog(ctx, dlg, customer_screen="off", flow=flow)
    qtbot.addWidget(rd)
    rd.show()
    rd.next_btn.click()
    rd.consent.boxes["membership"].setChecked(True)
    rd.consent.boxes["marketing"].setChecked(True)
    rd.next_btn.click()
    assert flow.step is Step.FIELDS and not rd.edits["name"].isVisible()
    rd.next_btn.click()
    assert flow.step is Step.REVIEW
    rd.next_btn.click()
    assert needs_reconsent(ctx.session.db, a["id"]) == []  # rule: CON-5
    dlg.load()
    assert not dlg.banner.isVisible()
