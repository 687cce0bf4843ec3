"""Scans page: import (button path, drag and drop, watched folder), inbox, viewer, manual matching."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from tests.factories import make_member
from tests.scan_samples import form_page, issue_serial, multi_page, to_bytes


@pytest.fixture
def ctx(qtbot, vault, manager):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, "zh_CN", runner=SyncRunner())
    c.set_session(manager)
    return c


@pytest.fixture
def page(qtbot, ctx):
    from ui.pages.scans_page import ScansPage

    p = ScansPage(ctx)
    qtbot.addWidget(p)
    p.resize(1200, 800)
    return p


def test_import_inbox_view_and_manual_match(page, ctx, manager, tmp_path):
    mid = make_member(manager)
    s1 = issue_serial(manager, mid)
    f = tmp_path / "batch.pdf"
    f.write_bytes(multi_page([form_page(None, seed=7), form_page(s1)], "PDF"))
    page.import_paths([f], "file")
    assert "已匹配 1 份" in page.result.text() and "待匹配 1 份" in page.result.text()
    assert not f.exists()  # rule: STO-1
    assert page.table.rowCount() == 1 and page.table.item(0, 2).text() == "未识别到二维码"
    page.table.selectRow(0)
    assert page.viewer.view.isVisible() or not page.isVisible()
    assert page.viewer.page_label.text() == "1 / 1"
    page.viewer.rotate(90)
    page.viewer.zoom_by(2.0)
    assert page.viewer.rotation == 90 and page.viewer.item.rotation() == 90
    s2 = issue_serial(manager, mid)
    page.serial_edit.setText("bad serial!")
    page.match_selected()
    assert page.error.text() == "表单编号格式不正确。"
    page.serial_edit.setText(s2)
    page.match_selected()
    assert page.table.rowCount() == 0 and page.result.text() == "已匹配并归档。"
    page.clear()
    assert page.viewer._pages == []


def test_drop_refused_file_shows_message(page, tmp_path):
    f = tmp_path / "scan.png"
    f.write_text("not an image")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f))])
    ev = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    page.dropEvent(ev)
    assert "不是支持的扫描件" in page.result.text()
    assert f.exists()  # nothing lost


def test_watched_folder_polls(page, manager, tmp_path):
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    folder = tmp_path / "in"
    folder.mkdir()
    page.set_folder(str(folder))
    assert page.timer.isActive()
    (folder / "a.jpg").write_bytes(to_bytes(form_page(serial), "JPEG"))
    page.poll_folder()
    page.poll_folder()
    assert "已匹配 1 份" in page.result.text()
    assert not (folder / "a.jpg").exists()  # rule: STO-1
    page.clear()
    assert not page.timer.isActive()


def test_pages_in_the_shell_and_lock_wipes_them(qtbot, window):
    from tests.conftest import MANAGER_PW

    ctx, win = window
    ctx.vault.setup(
        store_code="SH-001",
        store_name="上海南京路店",
        terminal_name="DESK-1",
        username="manager",
        display_name="王店长",
        password=MANAGER_PW,
    )
    ctx.vault.lock()
    win.show()
    win.sign_in.username.setText("manager")
    win.sign_in.password.setText(MANAGER_PW)
    win.sign_in.submit()
    scans = win.open_page("scans")
    originals = win.open_page("originals")
    assert scans is not None and originals is not None
    from app.scans.importer import import_bytes
    from app.storage.fieldcrypt import FieldCipher

    import_bytes(ctx.session, FieldCipher(ctx.vault.data_key()), to_bytes(form_page(None), "PNG"))
    win.open_page("scans")
    scans.table.selectRow(0)
    assert scans.viewer._pages
    win.lock()
    assert ctx.session is None and win.pages.count() == 0
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    import shiboken6

    assert not shiboken6.isValid(scans)
    scans.on_failed(RuntimeError("late result after lock"))  # a late worker result is ignored, no crash
    scans.on_imported(None)
