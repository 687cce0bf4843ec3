"""Sync page: enrolment by a manager, 立即同步， status and the sync log (screenshots in docs/screenshots)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from app.sync import SyncEngine, Transport, sync_status
from headoffice.server import create_app
from headoffice.service import HeadOffice
from headoffice.storage import SQLiteStorage
from tests.factories import make_member
from tests.ui.shots import SHOTS_DIR

SHOTS = SHOTS_DIR


@pytest.fixture
def ctx(qtbot, vault, manager):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, "zh_CN", runner=SyncRunner())
    c.set_session(manager)
    return c


@pytest.fixture
def ho(tmp_path, clock):
    storage = SQLiteStorage(tmp_path / "ho.db")
    yield HeadOffice(storage, clock=clock.time)
    storage.close()


def _shot(widget, name):
    from PySide6.QtWidgets import QApplication

    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()  # let the layout settle after boxes were shown/hidden
    widget.grab().save(str(SHOTS / f"{name}.png"))


def test_enrol_sync_now_and_log(qtbot, ctx, manager, paths, ho, clock):
    from ui.pages.sync_page import SyncPage

    client = TestClient(create_app(ho), base_url="http://testserver")
    state = {"offline": False}

    def factory():
        if state["offline"]:
            tr = Transport("http://127.0.0.1:9", allow_plain_http=True, sleep=lambda s: None, retries=1)
            return SyncEngine.for_session(manager, transport=tr, ledger_path=paths.erasure_ledger)
        return SyncEngine.for_session(
            manager, http=client, allow_plain_http=True, sleep=lambda s: None, ledger_path=paths.erasure_ledger
        )

    page = SyncPage(ctx, engine_factory=factory)
    qtbot.addWidget(page)
    page.resize(1000, 720)
    page.show()
    assert page.enrol_box.isVisible() and not page.sync_now.isEnabled()
    page.url_edit.setText("http://testserver")
    page.code_edit.setText("0000-0000-0000-0000")
    page.enrol()
    assert "登记码无效" in page.enrol_error.text()
    page.code_edit.setText(ho.create_store("SH-001", "上海南京路店"))
    _shot(page, "sync_enrol")
    page.enrol()
    assert sync_status(manager.db)["enrolled"] and not page.enrol_box.isVisible()
    assert page.code_edit.text() == ""
    for name in ("张三", "李四", "王五"):
        make_member(manager, name)
    ho.publish("holiday_table", {"year": 2027, "days": {"2027-01-01": "holiday"}})
    page.refresh()
    assert page.pending.text() != "0"
    clock.advance(minutes=5)
    qtbot.mouseClick(page.sync_now, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.MouseButton.LeftButton)
    assert page.pending.text() == "0"
    assert page.state_label.text() == "正常"
    assert ctx.jobs.scheduled().get("sync") == 15 * 60000  # the periodic sync is a job of ctx.jobs
    make_member(manager, "赵六")
    clock.advance(minutes=15)
    state["offline"] = True
    page.start_sync("timer")
    assert "无法连接总部" in page.state_label.text()
    assert page.log_table.item(0, 2).text() == "未连接" and page.log_table.item(1, 2).text() == "成功"
    assert page.log_table.item(1, 4).text() == "1"
    _shot(page, "sync_status_and_log")
    page.clear()
    assert "sync" not in ctx.jobs.scheduled()
    client.close()
