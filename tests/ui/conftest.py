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
