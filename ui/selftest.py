"""The Qt half of `memberdesk --self-test`: app.selftest runs the core steps; these checks prove the
bundle's Qt side works (platform plugin, a CJK font, the English translation, the main window)."""

from __future__ import annotations

import os
import sys


def qt_checks():
    """Extra steps for app.selftest.run (each takes the self-test Context, returns a one-line detail)."""
    from app.selftest import CheckFailed

    def check_qt(ctx) -> str:
        from PySide6 import __version__ as pyside_version
        from PySide6.QtGui import QFontDatabase, QGuiApplication

        from ui.main import CJK_FAMILIES

        app = QGuiApplication.instance()
        if app is None:
            raise CheckFailed("no QApplication")
        families = set(QFontDatabase.families())
        cjk = next((f for f in CJK_FAMILIES if f in families), None)
        if cjk is None:
            raise CheckFailed("no Chinese font found (install fonts-wqy-microhei or use Windows' Microsoft YaHei)")
        return f"PySide6 {pyside_version}, platform '{app.platformName()}', font {cjk}"

    def check_window(ctx) -> str:
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtWidgets import QApplication

        from ui.i18n import install_language
        from ui.main import build
        from ui.workers import SyncRunner

        app = QApplication.instance()
        ctx.vault.lock()  # the window opens its own vault on the same folder
        context, window = build(ctx.paths, "en", runner=SyncRunner())
        try:
            english = QCoreApplication.translate("SignInWidget", "登录")
            if english == "登录":
                raise CheckFailed("English translation (memberdesk_en.qm) not loaded")
            window.resize(1024, 700)
            window.show()
            app.processEvents()
            session = context.vault.sign_in(*_manager())
            window.on_signed_in(session)
            app.processEvents()
            pages = window.nav.count()
            for row in range(pages):  # every page is built and refreshed (imports, layouts)
                window.nav.setCurrentRow(row)
                app.processEvents()
            image = window.grab().toImage()
            if image.isNull() or image.width() < 100:
                raise CheckFailed("the main window did not render")
            window.lock()
        finally:
            window.close()
            context.vault.close()
            window.deleteLater()
            app.processEvents()
            install_language(app, "zh_CN")
        return f"main window rendered with {pages} pages; English translation loaded"

    return [("Qt and fonts", check_qt), ("main window", check_window)]


def _manager():
    from app.selftest import MANAGER

    return MANAGER


def run_self_test(verbose: bool = False) -> int:
    """Offscreen; the report goes to stdout, or (the windowed Windows program has no console) to
    %TEMP%\\memberdesk-selftest.txt. Returns the exit code."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from app import selftest
    from ui.main import create_app

    create_app([sys.argv[0]])
    if sys.stdout is not None:
        return selftest.run(extra_checks=qt_checks(), verbose=verbose)
    import tempfile
    from pathlib import Path

    with open(Path(tempfile.gettempdir()) / "memberdesk-selftest.txt", "w", encoding="utf-8") as out:
        return selftest.run(out, extra_checks=qt_checks(), verbose=verbose)
