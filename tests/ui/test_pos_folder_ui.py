"""POS purchases without a manager (issue #7): the export-folder setting, the main window's folder import,
the clerk's 导入收银数据… on the home page, the status it shows. Screenshots in zh_CN and en."""

from __future__ import annotations

import os
import re
import time

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from app.messages import render
from app.settings import get_setting
from tests.conftest import MANAGER_PW
from tests.factories import make_member
from tests.ui.shots import SHOTS_DIR

CJK = re.compile(r"[\u4e00-\u9fff]")
HEADER = "交易号,会员号,交易时间,金额\r\n"


def _shot(widget, name):
    widget.grab().save(str(SHOTS_DIR / name))


def _csv(path, *rows, encoding="utf-8"):
    path.write_bytes((HEADER + "".join(r + "\r\n" for r in rows)).encode(encoding))
    return _settled(path)


def _settled(path):
    """As if the POS finished writing the file a minute ago (the folder import leaves fresher files)."""
    os.utime(path, (time.time() - 60, time.time() - 60))
    return path


def _member_no(session):
    mid = make_member(session)
    return session.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))


def _ctx(vault, session, lang="zh_CN"):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, lang, runner=SyncRunner())
    c.set_session(session)
    return c


@pytest.fixture
def english():
    from ui.i18n import install_language

    app = QApplication.instance()
    install_language(app, "en")
    yield
    install_language(app, "zh_CN")


def _visible_texts(widget):
    return [
        w.text()
        for w in widget.findChildren(QLabel) + widget.findChildren(QPushButton)
        if w.isVisibleTo(widget) and w.text()
    ]


def test_setting_round_trips_and_refuses_what_is_not_a_folder(qtbot, vault, manager, clerk, tmp_path):
    from ui.pages.settings_page import SettingsPage

    ctx = _ctx(vault, manager)
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 760)
    page.show()
    assert page.pos_folder.text() == "" and page.pos_folder.isEnabled()  # empty = off (the default)
    page.pos_folder.setText(str(tmp_path / "no-such-folder"))
    assert not page.save_pos_folder()
    assert (
        page.pos_note.text()
        == render("pos_folder.missing", "zh_CN")
        == "找不到这个文件夹。请检查路径是否正确；如果是网络共享文件夹，请确认已连接。"
    )
    assert get_setting(manager.db, "pos_export_folder") == ""
    _shot(page, "settings_pos_folder_missing.png")
    page.pos_folder.setText(str(_csv(tmp_path / "a.csv")))
    assert not page.save_pos_folder()
    assert page.pos_note.text() == render("pos_folder.not_a_folder", "zh_CN")
    page.pos_folder.setText("pos/export")
    assert not page.save_pos_folder() and "完整路径" in page.pos_note.text()
    folder = tmp_path / "pos"
    folder.mkdir()
    page.pos_folder.setText(f"  {folder}  ")
    assert page.save_pos_folder()
    assert get_setting(manager.db, "pos_export_folder") == str(folder)
    assert "已保存" in page.pos_note.text()
    _shot(page, "settings_pos_folder.png")
    again = SettingsPage(ctx)  # round trip: a new page shows the stored folder
    qtbot.addWidget(again)
    assert again.pos_folder.text() == str(folder)
    ctx.set_session(clerk)
    as_clerk = SettingsPage(ctx)  # the manager edits it; a clerk only sees it
    qtbot.addWidget(as_clerk)
    assert as_clerk.pos_folder.text() == str(folder) and not as_clerk.pos_folder.isEnabled()
    ctx.set_session(manager)
    page.pos_folder.setText("")
    assert page.save_pos_folder() and get_setting(manager.db, "pos_export_folder") == ""


def test_setting_message_in_english(qtbot, vault, manager, tmp_path, english):
    from ui.pages.settings_page import SettingsPage

    page = SettingsPage(_ctx(vault, manager, "en"))
    qtbot.addWidget(page)
    page.resize(1000, 760)
    page.show()
    page.pos_folder.setText(str(tmp_path / "no-such-folder"))
    page.save_pos_folder()
    assert page.pos_note.text().startswith("This folder cannot be found.")
    group = page.pos_folder.parentWidget()  # the 收银数据 group (the font name elsewhere is data)
    left = [t for t in [*_visible_texts(group), group.title()] if CJK.search(t)]
    assert left == [], left
    _shot(page, "settings_pos_folder_missing_en.png")


def _sign_in(win, user, pw):
    win.sign_in.username.setText(user)
    win.sign_in.password.setText(pw)
    win.sign_in.submit()
    assert win.ctx.session is not None


def test_background_job_imports_a_dropped_file_once(qtbot, window, tmp_path):
    from app.settings import set_setting

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
    _sign_in(win, "manager", MANAGER_PW)
    session = ctx.session
    no = _member_no(session)
    folder = tmp_path / "pos-export"
    folder.mkdir()
    set_setting(session, "pos_export_folder", str(folder))
    first = _csv(
        folder / "20261101.csv", f"T1,{no},2026-11-01 10:00,128.50", f"T2,{no},2026-11-01 10:05,-1", encoding="gbk"
    )
    win.background_jobs()  # backup, POS folder, retention sweep
    count = lambda: session.db.scalar("SELECT count(*) FROM purchases")  # noqa: E731
    assert count() == 1
    assert [(f.name, f.accepted, f.rejected) for f in ctx.last_pos_run.files] == [("20261101.csv", 1, 1)]
    assert win.pos_label.text() == "收银数据：09:00 导入 1 条，未导入 1 条"
    home = win.page("home")
    assert home.pos.last.text() == "上次导入：2026-11-02 09:00，导入 1 条，未导入 1 条。"
    assert home.pos.table.item(0, 1).text() == "20261101.csv"
    win.import_pos_folder()  # the next run: nothing new
    assert count() == 1 and ctx.last_pos_run.files == []
    assert session.db.scalar("SELECT count(*) FROM pos_imports") == 1
    assert first.exists()  # the POS's file is never moved or deleted
    _csv(folder / "20261102.csv", f"T3,{no},2026-11-02 08:30,12")
    (folder / "readme.csv").write_text("说明,无\r\n", "utf-8")  # a file the import refuses: said in plain words
    _settled(folder / "readme.csv")
    win.import_pos_folder()
    assert count() == 2
    assert home.pos.problem.isVisible()
    assert home.pos.problem.text() == "文件 readme.csv 未能导入：缺少必需的列（交易号、会员号、交易时间、金额）。"
    assert win.pos_label.text() == "收银数据：导入有问题，请看首页"
    win.open_page("home")
    _shot(win, "home_pos_import.png")
    dlg = home.pos.show_rejected(show=False)  # the manager sees the rejected lines
    qtbot.addWidget(dlg)
    assert [dlg.lines.item(i).text() for i in range(dlg.lines.count())] == ["第 3 行：金额为负数（列：金额）"]
    _shot(dlg, "home_pos_rejected_report.png")
    (folder / "readme.csv").unlink()
    folder.rename(tmp_path / "gone")  # the share is disconnected
    win.import_pos_folder()
    assert home.pos.problem.text() == render("pos_folder.gone", "zh_CN")
    set_setting(session, "pos_export_folder", "")  # off: nothing runs, no problem shown
    win.import_pos_folder()
    assert ctx.last_pos_run is None and not home.pos.problem.isVisible()


def test_clerk_imports_a_pos_file_from_the_home_page(qtbot, vault, manager, clerk, tmp_path):
    from ui.pages.home_page import HomePage

    no = _member_no(manager)
    ctx = _ctx(vault, clerk)
    page = HomePage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    assert page.pos.import_btn.isVisible() and page.pos.import_btn.isEnabled()
    assert not page.pos.report_btn.isVisible()  # rejected lines: the manager's
    assert "未设置收银系统导出文件夹" in page.pos.mode.text()
    f = _csv(
        tmp_path / "pos.csv",
        f"T1,{no},2026-10-01 10:00,10",
        f"T2,{no},2026-10-01 11:00,20",
        f"T3,{no},2026-10-01 12:00,4111111111111111",
    )
    dlg = page.pos.import_file(str(f), show=False)
    qtbot.addWidget(dlg)
    assert dlg.findChild(QLabel, "import_summary").text().startswith("文件：pos.csv\n已导入 2 条")
    assert manager.db.scalar("SELECT count(*) FROM purchases") == 2
    assert page.pos.last.text() == "上次导入：2026-11-02 09:00，导入 2 条，未导入 1 条。"
    assert page.pos.table.item(0, 1).text() == "pos.csv"
    assert page.pos.show_rejected(show=False) is None  # a clerk does not open the report from here
    _shot(page, "home_pos_import_clerk.png")


def test_home_page_pos_panel_in_english(qtbot, vault, manager, tmp_path, english):
    from app.settings import set_setting
    from ui.pages.home_page import HomePage

    no = _member_no(manager)
    folder = tmp_path / "pos"
    folder.mkdir()
    set_setting(manager, "pos_export_folder", str(folder))
    _csv(folder / "a.csv", f"T1,{no},2026-10-01 10:00,10", f"T2,{no},2026-10-01 11:00,-5")
    (folder / "b.csv").write_text("x,y\r\n1,2\r\n", "utf-8")
    _settled(folder / "b.csv")
    from app.purchases.pos_folder import run_folder_import

    ctx = _ctx(vault, manager, "en")
    ctx.note_pos_import(run=run_folder_import(manager))
    page = HomePage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    texts = _visible_texts(page.pos) + [page.pos.table.horizontalHeaderItem(c).text() for c in range(6)]
    texts += [page.pos.table.item(r, c).text() for r in range(page.pos.table.rowCount()) for c in range(6)]
    assert [t for t in texts if CJK.search(t)] == []
    assert (
        page.pos.problem.text() == "File b.csv was not imported: required columns missing (transaction number, "
        "member number, time, amount)."
    )
    assert page.pos.last.text() == "Last import: 2026-11-02 09:00, 1 imported, 1 not imported."
    _shot(page, "home_pos_import_en.png")
    dlg = page.pos.show_rejected(show=False)
    qtbot.addWidget(dlg)
    assert dlg.lines.item(0).text().startswith("Line 3")


def test_english_window_status_bar_shows_the_pos_import(qtbot, paths, clock, tmp_path, english):
    from app.settings import set_setting
    from ui.main import build
    from ui.workers import SyncRunner

    ctx, win = build(paths, "en", runner=SyncRunner())
    ctx.vault.clock = clock
    qtbot.addWidget(win)
    try:
        win.resize(1280, 800)
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
        _sign_in(win, "manager", MANAGER_PW)
        no = _member_no(ctx.session)
        folder = tmp_path / "pos"
        folder.mkdir()
        _csv(folder / "a.csv", f"T1,{no},2026-10-01 10:00,10", f"T2,{no},2026-10-01 11:00,-5")
        set_setting(ctx.session, "pos_export_folder", str(folder))
        win.import_pos_folder()
        assert win.pos_label.text() == "POS data: 1 imported at 09:00, 1 not imported"
        assert win.pos_label.width() >= win.pos_label.sizeHint().width()  # not clipped
        win.open_page("home")
        _shot(win, "home_pos_import_window_en.png")
    finally:
        if ctx.session is not None:
            win.lock()
        ctx.vault.close()
