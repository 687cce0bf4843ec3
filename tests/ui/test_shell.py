"""The shell: sign-in, pages, lock, switch user (pytest-qt, offscreen)."""
from PySide6.QtCore import Qt

from tests.conftest import MANAGER_PW


def _setup(ctx):
    session, _ = ctx.vault.setup(store_code="SH-001", store_name="上海南京路店", terminal_name="DESK-1",
                                 username="manager", display_name="王店长", password=MANAGER_PW)
    ctx.vault.lock()


def test_sign_in_then_lock_clears_everything(qtbot, window):
    ctx, win = window
    _setup(ctx)
    win.show()
    assert win.stack.currentWidget() is win.sign_in
    win.sign_in.username.setText("manager")
    win.sign_in.password.setText("wrong-password")
    qtbot.keyClick(win.sign_in.password, Qt.Key.Key_Return)
    assert ctx.session is None
    assert win.sign_in.error.text() == "用户名或密码不正确。"
    win.sign_in.password.setText(MANAGER_PW)
    qtbot.keyClick(win.sign_in.password, Qt.Key.Key_Return)
    assert ctx.session is not None and ctx.session.staff.username == "manager"
    assert win.stack.currentWidget() is win.workspace
    assert "王店长" in win.staff_label.text()
    assert win.nav.count() >= 2
    win.lock()
    assert ctx.session is None and ctx.vault.db is None          # connection dropped
    assert win.stack.currentWidget() is win.sign_in
    assert win.pages.count() == 0                                 # pages (and their forms) destroyed
    assert win.sign_in.password.text() == ""


def test_idle_timer_locks(qtbot, window):
    ctx, win = window
    _setup(ctx)
    win.show()
    win.sign_in.username.setText("manager")
    win.sign_in.password.setText(MANAGER_PW)
    win.sign_in.submit()
    assert ctx.session is not None
    assert win.idle.interval_ms == 5 * 60_000                       # default: 5 minutes
    win.idle.inactive.emit()
    assert ctx.session is None and ctx.vault.db is None
