"""Grab PNGs of the foundation screens offscreen: set-up wizard, sign-in, main window, settings.

QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py [--lang zh_CN|en] [--out docs/screenshots]
    [--demo] [--size 1366x768|1920x1080|WxH]

--size: the screen the window is maximised on (issue #20): the window gets that screen's room (minus the
taskbar and title bar) and the file names end in -<size>; without it the window is 1280×720 and the names are
as before.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MEMBERDESK_FAST_KDF", "1")


# a maximised window's room on a screen: the taskbar (40 px) and the title bar (32 px) take the rest
TASKBAR_AND_TITLE = 72


def window_size(size: str) -> tuple[tuple[int, int], str]:
    """(window width and height, file-name suffix) for --size ("" keeps 1280×720 and the old names)."""
    if not size:
        return (1280, 720), ""
    w, h = (int(x) for x in size.lower().split("x"))
    return (w, h - TASKBAR_AND_TITLE), f"-{w}x{h}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lang", default="zh_CN")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument(
        "--demo",
        action="store_true",
        help="(issue #9) every registered page, filled with the demo store's fake members",
    )
    ap.add_argument(
        "--size",
        default="",
        help="screen size WxH (1366x768, 1920x1080): the window is maximised on it; names end in -WxH",
    )
    args = ap.parse_args()
    args.window, args.size_suffix = window_size(args.size)
    if args.demo:
        return demo_pages(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = ("" if args.lang == "zh_CN" else f"-{args.lang}") + args.size_suffix

    from PySide6.QtWidgets import QApplication

    from app.config import resolve_paths
    from ui.main import build, create_app
    from ui.workers import SyncRunner

    app = create_app([sys.argv[0]])
    with tempfile.TemporaryDirectory() as tmp:
        paths = resolve_paths(Path(tmp) / "data").ensure()
        ctx, win = build(paths, args.lang, runner=SyncRunner())
        from ui.dialogs.setup_wizard import SetupWizard

        wiz = SetupWizard(ctx)
        wiz.show()
        page = wiz.currentPage()
        page.store_code.setText("SH-001")
        page.store_name.setText("上海南京路店")
        app.processEvents()
        wiz.grab().save(str(out / f"setup-1-store{suffix}.png"))
        wiz.next()
        page = wiz.currentPage()
        page.display.setText("王店长")
        page.username.setText("wang")
        page.password.setText("Manager-pass-1")
        page.password2.setText("Manager-pass-1")
        app.processEvents()
        wiz.grab().save(str(out / f"setup-2-manager{suffix}.png"))
        wiz.next()
        app.processEvents()
        wiz.grab().save(str(out / f"setup-3-recovery{suffix}.png"))
        session = wiz.session
        wiz.hide()
        ctx.vault.lock()
        win.resize(*args.window)
        win.show()
        win.sign_in.username.setText("wang")
        app.processEvents()
        win.grab().save(str(out / f"sign-in{suffix}.png"))
        win.on_signed_in(ctx.vault.sign_in("wang", "Manager-pass-1"))
        app.processEvents()
        win.grab().save(str(out / f"main-window{suffix}.png"))
        for key in ("members", "register", "scans", "originals", "requests", "retention", "sync", "settings"):
            if win.open_page(key) is not None:
                app.processEvents()
                win.grab().save(str(out / f"page-{key}{suffix}.png"))
        win.lock()
        ctx.vault.close()
    del session
    QApplication.processEvents()
    print(f"screenshots written to {out}")


def demo_pages(args) -> None:
    """Demo sign-in screen and every page of the registry as the demo manager, in one language:
    docs/screenshots/demo-sign-in[-en].png and demo-page-<key>[-en].png."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = ("" if args.lang == "zh_CN" else f"-{args.lang}") + args.size_suffix
    from PySide6.QtWidgets import QApplication

    from app.demo.demo_store import DEMO_ACCOUNTS, create_demo_store
    from ui.demo import install_demo_ui
    from ui.main import build, create_app
    from ui.pages import registry
    from ui.workers import SyncRunner

    app = create_app([sys.argv[0]])
    with tempfile.TemporaryDirectory() as tmp:
        demo = create_demo_store(Path(tmp) / "demo")
        ctx, win = build(demo.paths, args.lang, runner=SyncRunner())
        install_demo_ui(win, demo)
        win.resize(*args.window)
        win.show()
        app.processEvents()
        win.grab().save(str(out / f"demo-sign-in{suffix}.png"))
        win.on_signed_in(ctx.vault.sign_in(*DEMO_ACCOUNTS["manager"][:2]))
        app.processEvents()
        for spec in registry.ordered():
            page = win.open_page(spec.key)
            if page is not None:
                if spec.key == "members" and hasattr(page, "search") and hasattr(page, "find_btn"):
                    page.search.setText("演示")  # every demo name starts with 演示·
                    page.find_btn.click()
                app.processEvents()
                win.grab().save(str(out / f"demo-page-{spec.key}{suffix}.png"))
        if args.size_suffix:
            customer_screen(ctx, out, suffix, args.size)
        win.lock()
        ctx.vault.close()
        demo.cleanup()
    QApplication.processEvents()
    print(f"demo screenshots written to {out}")


def customer_screen(ctx, out: Path, suffix: str, size: str) -> None:
    """The customer's screen (客显屏) at the full --size, scaled as on a 23.8" monitor (527 mm wide): the
    notice, the choice per purpose, and a sensitive purpose's separate consent with a signature."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from ui.dialogs.register_member_dialog import RegisterMemberDialog
    from ui.widgets.notice_view import touch_scale_for

    w, h = (int(x) for x in size.lower().split("x"))
    dlg = RegisterMemberDialog(ctx, customer_screen=QGuiApplication.primaryScreen())
    cust = dlg.customer
    cust.showNormal()
    cust.resize(w, h)
    cust.apply_scale(touch_scale_for(h, w / 527))
    app = QApplication.instance()
    app.processEvents()
    cust.grab().save(str(out / f"demo-customer-1-notice{suffix}.png"))
    cust.next_btn.click()
    cust.consent.boxes["membership"].click()
    sensitive = [p.code for p in dlg.flow.notice.purposes if p.sensitive]
    if sensitive:
        cust.consent.boxes[sensitive[0]].click()
    others = [p.code for p in dlg.flow.notice.purposes if not p.required and not p.sensitive]
    if others:
        cust.consent.refuse[others[0]].click()
    app.processEvents()
    cust.grab().save(str(out / f"demo-customer-2-consent{suffix}.png"))
    if sensitive:
        cust.next_btn.click()
        pad = cust.sensitive.pad
        pw, ph = pad.width(), pad.height()
        pad.add_stroke([(pw * x, ph * y) for x, y in ((0.1, 0.6), (0.18, 0.3), (0.26, 0.7), (0.34, 0.35), (0.45, 0.6))])
        app.processEvents()
        cust.grab().save(str(out / f"demo-customer-3-sensitive{suffix}.png"))
    dlg.reject()
    cust.close()


if __name__ == "__main__":
    main()
