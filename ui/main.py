"""Start MemberDesk: `python -m ui.main [--data-dir DIR] [--lang zh_CN|en]`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from PySide6.QtWidgets import QApplication

from app import __version__
from app.access.vault import Vault
from app.config import read_terminal, resolve_paths
from app.domains import load_all
from app.errors import UserError
from app.logs import setup_logging
from app.messages import add_messages, render
from ui import style
from ui.style import CJK_FAMILIES as CJK_FAMILIES

log = logging.getLogger("memberdesk.ui")


add_messages(
    {
        "start.no_display": (
            "找不到图形显示，MemberDesk 无法打开窗口（未创建任何文件）。请在桌面会话中运行；"
            "没有桌面的电脑可用虚拟显示运行：xvfb-run {cmd}；只检查安装是否可用：{cmd} --self-test。",
            "No display found: MemberDesk cannot open its window (nothing was created). Run it in a desktop "
            "session; on a machine without one, use a virtual display: xvfb-run {cmd}; to check the installation "
            "only: {cmd} --self-test.",
        ),
    }
)


def display_missing(env=os.environ, platform: str = sys.platform) -> bool:
    """On Linux/BSD, Qt needs X11 or Wayland unless a platform plugin is chosen (offscreen, vnc...)."""
    if platform.startswith(("win", "darwin", "cygwin")):
        return False
    return not any(env.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def quit_on_signals(app: QApplication) -> None:
    """Ctrl+C and SIGTERM quit through Qt (the window closes, the store is closed and a demo store removed
    by main()'s cleanup) with exit code 128 + signal. A short timer lets Python run the handler while Qt's
    event loop is in C++."""
    from PySide6.QtCore import QTimer

    def handler(signum, _frame):
        log.info("signal %s: quitting", signum)
        app.closeAllWindows()
        app.exit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(200)


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="memberdesk", description="MemberDesk service-desk client")
    p.add_argument("--data-dir", help="data folder (default: the user data folder; env MEMBERDESK_DATA_DIR)")
    p.add_argument("--lang", choices=["zh_CN", "en"], help="interface language for this run")
    p.add_argument("--version", action="version", version=f"MemberDesk {__version__}")
    p.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation offscreen in a throwaway store, print a report, exit 0 if it works",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="open a throwaway demo store with fake members (deleted at exit); never touches real data",
    )
    return p.parse_args(argv)


def pick_font(app: QApplication, lang: str = "zh_CN") -> None:
    """The interface font and the one style sheet (ui/style.py)."""
    style.apply(app, lang)


def create_app(argv=None):
    app = QApplication.instance() or QApplication(argv or sys.argv)
    app.setApplicationName("MemberDesk")
    app.setApplicationVersion(__version__)
    pick_font(app)
    return app


def build(paths, lang=None, runner=None):
    """The window and its context for a data folder (used by main() and by the UI tests)."""
    import ui.pages  # noqa: F401 - registers every page
    from ui.context import AppContext
    from ui.i18n import install_language
    from ui.main_window import MainWindow

    load_all()
    vault = Vault(paths)
    lang = install_language(QApplication.instance(), lang or read_terminal(paths).get("language", "zh_CN"))
    pick_font(QApplication.instance(), lang)
    ctx = AppContext(vault, lang=lang, runner=runner)
    return ctx, MainWindow(ctx)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.self_test:  # issue #9: ui/selftest.py + app/selftest.py
        from ui.selftest import run_self_test

        return run_self_test(verbose=os.environ.get("MEMBERDESK_SELFTEST_VERBOSE") == "1")
    if display_missing():  # before anything is created (no data folder)
        cmd = "./run.sh" if os.environ.get("MEMBERDESK_VIA_RUN_SH") == "1" else "memberdesk"
        print(render("start.no_display", "zh_CN", cmd=cmd), file=sys.stderr)
        print(render("start.no_display", "en", cmd=cmd), file=sys.stderr)
        return 2
    demo = None
    if args.demo:  # issue #9: app/demo/demo_store.py + ui/demo.py
        from app.demo.demo_store import create_demo_store

        demo = create_demo_store()
        args.data_dir = str(demo.paths.data_dir)
    try:
        return _run(args, demo)
    finally:
        if demo is not None:
            logging.shutdown()  # close the demo's log file before deleting it
            demo.cleanup()


def _run(args, demo=None) -> int:
    paths = resolve_paths(args.data_dir).ensure()
    setup_logging(paths.log_dir)
    app = create_app([sys.argv[0]])
    quit_on_signals(app)
    ctx, window = build(paths, args.lang)
    try:
        ctx.vault.acquire_instance_lock()
    except UserError as exc:
        ctx.show_error(None, exc, title="MemberDesk")
        return 1
    log.info("MemberDesk %s started", __version__)
    if demo is not None:
        from ui.demo import install_demo_ui

        install_demo_ui(window, demo)
    if not ctx.vault.is_set_up():
        from ui.dialogs.setup_wizard import SetupWizard

        wizard = SetupWizard(ctx)
        if not wizard.exec() or wizard.session is None:
            ctx.vault.close()
            return 0
        window.show()
        window.on_signed_in(wizard.session)
    else:
        window.show()
    if os.environ.get("MEMBERDESK_EXIT_WHEN_SHOWN") == "1":  # cold-start benchmark
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, app.quit)
    code = app.exec()
    ctx.vault.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
