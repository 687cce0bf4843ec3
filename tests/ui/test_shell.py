"""The shell: sign-in, pages, lock, switch user (pytest-qt, offscreen)."""

from PySide6.QtCore import Qt

from tests.conftest import MANAGER_PW


def _setup(ctx):
    _session, _ = ctx.vault.setup(
        store_code="SH-001",
        store_name="上海南京路店",
        terminal_name="DESK-1",
        username="manager",
        display_name="王店长",
        password=MANAGER_PW,
    )
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
    # the "signing in, please wait" line was shown only while the sign-in ran; the button is usable again
    assert win.sign_in.busy.text() == "正在登录，请稍候…" and win.sign_in.busy.isHidden()
    assert win.sign_in.button.isEnabled()
    win.sign_in.password.setText(MANAGER_PW)
    qtbot.keyClick(win.sign_in.password, Qt.Key.Key_Return)
    assert ctx.session is not None and ctx.session.staff.username == "manager"
    assert win.stack.currentWidget() is win.workspace
    assert win.staff_label.text() == "当前员工：王店长（店长）"  # full-width brackets in Chinese
    assert win.nav.count() >= 2
    win.lock()
    assert ctx.session is None and ctx.vault.db is None  # connection dropped
    assert win.stack.currentWidget() is win.sign_in
    assert win.pages.count() == 0  # pages (and their forms) destroyed
    assert win.sign_in.password.text() == ""


def test_idle_timer_locks(qtbot, window):
    ctx, win = window
    _setup(ctx)
    win.show()
    win.sign_in.username.setText("manager")
    win.sign_in.password.setText(MANAGER_PW)
    win.sign_in.submit()
    assert ctx.session is not None
    assert win.idle.interval_ms == 5 * 60_000  # default: 5 minutes
    win.idle.inactive.emit()
    assert ctx.session is None and ctx.vault.db is None


def test_setup_wizard_creates_the_store_and_shows_the_recovery_key_once(qtbot, window):
    from PySide6.QtWidgets import QWizard

    from ui.dialogs.setup_wizard import SetupWizard

    ctx, _win = window
    wiz = SetupWizard(ctx)
    qtbot.addWidget(wiz)
    wiz.show()
    p1 = wiz.currentPage()
    assert not wiz.button(QWizard.WizardButton.NextButton).isEnabled()
    p1.store_code.setText("SH-001")
    p1.store_name.setText("上海南京路店")
    wiz.next()
    p2 = wiz.currentPage()
    p2.display.setText("王店长")
    p2.username.setText("wang")
    p2.password.setText("short")
    p2.password2.setText("short")
    wiz.next()
    assert wiz.currentPage() is p2 and "8" in p2.error.text()  # weak password: stays, says why
    assert not ctx.vault.is_set_up()
    p2.password.setText(MANAGER_PW)
    p2.password2.setText(MANAGER_PW)
    wiz.next()
    p3 = wiz.currentPage()
    assert ctx.vault.is_set_up() and wiz.session.staff.is_manager
    key = p3.key.text()
    assert len(key.replace("-", "")) == 52
    assert not wiz.button(QWizard.WizardButton.FinishButton).isEnabled()  # must confirm it was kept
    p3.confirm.setChecked(True)
    assert wiz.button(QWizard.WizardButton.FinishButton).isEnabled()
    session = wiz.session
    wiz.accept()
    assert wiz.recovery_key is None
    ctx.vault.lock()
    assert ctx.vault.reset_password_with_recovery(key, "wang", "New-password-2").staff.id == session.staff.id


def test_background_jobs_back_up_and_sweep_once_a_day(qtbot, window):
    from app.access import backup

    ctx, win = window
    _setup(ctx)
    win.show()
    win.sign_in.username.setText("manager")
    win.sign_in.password.setText(MANAGER_PW)
    win.sign_in.submit()
    win.background_jobs()
    assert len(backup.list_backups(ctx.paths)) == 1
    runs = ctx.session.db.scalar("SELECT count(*) FROM retention_runs")
    assert runs >= 1
    win.background_jobs()  # same day: no second sweep, no second backup
    assert ctx.session.db.scalar("SELECT count(*) FROM retention_runs") == runs
    assert len(backup.list_backups(ctx.paths)) == 1
