"""Members page (issue #18): a full mobile with no local match -> 向总部查询 -> the match card -> 顾客在场，确认 adopts
the member and opens it; head office out of reach says so and points to local registration."""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient

from app.members import records as R
from app.sync import SyncEngine, Transport
from headoffice.server import create_app
from headoffice.service import HeadOffice
from headoffice.storage import SQLiteStorage
from tests.app.regdata import register
from tests.app.syncutil import HOClock, enrolled, new_store
from tests.ui.shots import SHOTS_DIR

MOBILE = "13812345678"


@pytest.fixture
def ho(tmp_path):
    storage = SQLiteStorage(tmp_path / "ho.db")
    yield HeadOffice(storage, clock=HOClock())
    storage.close()


@pytest.fixture
def setup(qtbot, manager, vault, paths, ho, tmp_path, clock):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    client = TestClient(create_app(ho), base_url="http://testserver")
    a = enrolled(manager, paths, client, ho)
    res = register(manager, vault, name="张小明", mobile=MOBILE, granted={"marketing": True})
    a.sync_once()
    vb, sb, pb = new_store(tmp_path, "BJ-002", clock, name="北京王府井店")
    enrolled(sb, pb, client, ho)
    ctx = AppContext(vb, "zh_CN", runner=SyncRunner())
    ctx.set_session(sb)
    state = {"offline": False}

    def factory():
        if state["offline"]:
            tr = Transport(
                "http://testserver",
                http=httpx.Client(
                    transport=httpx.MockTransport(lambda r: (_ for _ in ()).throw(httpx.ConnectError("x")))
                ),
                allow_plain_http=True,
                retries=0,
            )
            return SyncEngine.for_session(sb, transport=tr)
        return SyncEngine.for_session(sb, http=client, allow_plain_http=True, sleep=lambda s: None)

    yield ctx, sb, res, factory, state
    vb.close()


def test_search_lookup_adopt_opens_the_member(qtbot, setup, monkeypatch):
    from ui.pages.members_page import MembersPage

    ctx, sb, res, factory, _ = setup
    page = MembersPage(ctx, engine_factory=factory)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    opened = []
    monkeypatch.setattr(page, "open_member", opened.append)
    page.search.setText(MOBILE)
    page.run_search()
    assert page.chain_btn.isVisible() and "向总部查询" in page.status.text()
    page.chain_btn.click()
    assert page.card.isVisible()
    assert page.card.member_no.text() == res["member_no"]
    assert page.card.name.text() == "张*明"  # masked: the clerk checks it with the customer
    assert "张小明" not in page.card.name.text()
    assert page.card.store.text() == "SH-001"
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.grab().save(str(SHOTS_DIR / "members-chain-match.png"))
    page.card.confirm_btn.click()
    assert opened == [res["id"]]
    assert R.member_exists(sb.db, res["id"])
    assert sb.db.scalar("SELECT member_no FROM members WHERE id = ?", (res["id"],)) == res["member_no"]
    assert not page.card.isVisible()
    from ui.dialogs.member_detail_dialog import MemberDetailDialog

    dlg = MemberDetailDialog(ctx, res["id"], page)  # the adopted member opens like any other
    qtbot.addWidget(dlg)
    dlg.grab().save(str(SHOTS_DIR / "members-chain-adopted.png"))


def test_offline_says_so_and_offers_local_registration(qtbot, setup):
    from ui.pages.members_page import MembersPage

    ctx, sb, res, factory, state = setup
    state["offline"] = True
    page = MembersPage(ctx, engine_factory=factory)
    qtbot.addWidget(page)
    page.show()
    page.search.setText(MOBILE)
    page.run_search()
    page.chain_btn.click()
    assert "无法连接总部" in page.status.text() and "登记" in page.status.text()
    assert not page.card.isVisible()
    assert page.register_btn.isEnabled()
    assert not R.member_exists(sb.db, res["id"])


def test_history_shows_the_consents_brought_by_reference_beside_local_ones(qtbot, setup, clock):
    """Issue #18 (x1 left it): which store, which record, which notice version, beside B's own consents."""
    from app.flows.adoption import adopt_member
    from app.flows.enrolment import grant_consent
    from ui.dialogs.member_detail_dialog import MemberDetailDialog

    ctx, sb, res, factory, _ = setup
    adopt_member(sb, res["id"], engine=factory())
    clock.advance(hours=1)
    grant_consent(sb, res["id"], {"offers": True})  # a later consent at B is B's own record
    dlg = MemberDetailDialog(ctx, res["id"])
    qtbot.addWidget(dlg)
    rows = [
        [dlg.history.item(r, c).text() for c in range(dlg.history.columnCount())] for r in range(dlg.history.rowCount())
    ]
    refs = [r for r in rows if r[1] == "其他门店的同意（引用）"]
    assert len(refs) == 1  # one original record (A's registration)
    record = sb.db.scalar("SELECT origin_record_id FROM consent_references WHERE member_id = ?", (res["id"],))
    assert refs[0][3] == f"门店 SH-001 · 记录 {record[:8]}"
    version = sb.db.scalar("SELECT notice_version FROM consent_references WHERE member_id = ?", (res["id"],))
    assert refs[0][2] == version and "✓ " in refs[0][5]
    assert rows[0][1] == "同意"  # B's own grant, newest first
    dlg.resize(1100, 700)
    dlg.tabs.setCurrentIndex(1)
    dlg.show()
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    dlg.grab().save(str(SHOTS_DIR / "member-history-references.png"))


def test_request_for_a_customer_not_held_here_offline_then_looked_up_and_adopted(qtbot, setup, monkeypatch):
    """Manager's request screens (issue #18): taken at the desk with name + mobile while head office is out of
    reach; 向总部查询 says so; later the lookup finds the member, the staff confirm, the request is the member's."""
    from app.requests import get_request
    from ui import messagebox
    from ui.dialogs.new_request_dialog import NewRequestDialog
    from ui.pages.request_detail import RequestDetail

    ctx, sb, res, factory, state = setup
    state["offline"] = True
    dlg = NewRequestDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.type.setCurrentIndex(dlg.type.findData("correct"))
    dlg.identity_buttons["id_card_sighted"].setChecked(True)
    dlg.unknown.setChecked(True)
    assert not dlg.ok.isEnabled()  # name and mobile first
    dlg.unknown_name.setText("张小明")
    dlg.unknown_mobile.setText(MOBILE)
    assert dlg.ok.isEnabled()
    dlg.submit()
    rid = dlg.request_id
    assert rid and get_request(sb.db, rid)["member_id"] is None
    due = get_request(sb.db, rid)["due_on"]
    shown = []
    monkeypatch.setattr(ctx, "show_error", lambda parent, exc, *a, **k: shown.append(getattr(exc, "key", exc)))
    monkeypatch.setattr(messagebox, "question", lambda *a, **k: True)
    detail = RequestDetail(ctx)
    qtbot.addWidget(detail)
    detail.engine_factory = factory
    detail.resize(1100, 760)
    detail.show()
    detail.show_request(rid)
    assert "本店无此顾客" in detail.facts["member"].text() and "张*明" in detail.facts["member"].text()
    assert "张小明" not in detail.facts["member"].text()
    assert detail.buttons["lookup"].isVisible() and not detail.buttons["adopt"].isVisible()
    assert not detail.buttons["not_found"].isVisible()  # look up first
    detail.buttons["lookup"].click()
    assert shown == ["chain.offline"]
    state["offline"] = False
    detail.buttons["lookup"].click()
    assert detail.buttons["adopt"].isVisible()
    assert res["member_no"] in detail.facts["member"].text() and "SH-001" in detail.facts["member"].text()
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    detail.grab().save(str(SHOTS_DIR / "request-unknown-found.png"))
    detail.buttons["adopt"].click()
    req = get_request(sb.db, rid)
    assert req["member_id"] == res["id"] and req["due_on"] == due
    assert detail.facts["member"].text().startswith(res["member_no"])
    assert detail.buttons["execute"].isVisible()
