import pytest

from tests.conftest import CLERK_PW, MANAGER_PW  # noqa: F401


@pytest.fixture
def window(qtbot, paths, clock):
    """The main window on a fresh data folder, tasks run inline, clock fixed."""
    from ui.main import build
    from ui.workers import SyncRunner

    ctx, win = build(paths, "zh_CN", runner=SyncRunner())
    ctx.vault.clock = clock
    qtbot.addWidget(win)
    win.resize(1280, 800)
    yield ctx, win
    if ctx.session is not None:
        win.lock()
    ctx.vault.close()


@pytest.fixture
def english_ctx(qtbot, vault, clerk):
    """An English terminal with the clerk signed in: translations installed, Chinese again afterwards."""
    from PySide6.QtWidgets import QApplication

    from ui.context import AppContext
    from ui.i18n import install_language
    from ui.workers import SyncRunner

    app = QApplication.instance()
    install_language(app, "en")
    c = AppContext(vault, lang="en", runner=SyncRunner())
    c.set_session(clerk)
    yield c
    install_language(app, "zh_CN")


@pytest.fixture
def printer_accepts(monkeypatch):
    """PrintPreviewDialog.exec() answers as if the user pressed 打印 and the printer took the job;
    the list collects the preview dialogs shown."""
    from ui.dialogs.print_preview_dialog import PrintPreviewDialog

    shown = []

    def fake_exec(dlg):
        shown.append(dlg)
        dlg._done()
        return 1

    monkeypatch.setattr(PrintPreviewDialog, "exec", fake_exec)
    return shown


@pytest.fixture(autouse=True)
def _one_look(qapp):
    """The application style sheet and font (ui/style.py), as ui.main.build sets them, so every test sees
    the screens as a person does (issue #20)."""
    from ui import style

    if not qapp.styleSheet():
        style.apply(qapp, "zh_CN")
    yield
