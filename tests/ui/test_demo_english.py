"""The Chinese UI shows no English, and the English UI shows no Chinese: every page of the demo store, opened in English, is walked widget by
widget (labels, buttons, headers, cells, combo items, tabs, placeholders, navigation). Customer data and
store/staff names are data, not UI text: in the demo they all carry 演示， so they are left out."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QTableWidget,
    QTabWidget,
    QTextEdit,
    QTreeWidget,
)

from app.demo.demo_store import DEMO_ACCOUNTS, GOODS, PAYMENTS, create_demo_store

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# data, not UI text: demo names, store and staff (all carry 演示), masked names like 王*, font family names,
# and the name of the Chinese language in its own script in the language chooser
# data, not UI text: demo names (演示…), masked names, font names, the language's own name, and the goods types
# and payment methods the demo POS export writes (a POS writes them in Chinese)
DATA = re.compile(r"演|[\u4e00-\u9fff]\*|文泉驿|微软雅黑|黑体|宋体|^简体中文$|^(" + "|".join(GOODS + PAYMENTS) + ")$")


def _texts(widget):
    """(where, text) of everything a person reads in widget and its children."""
    out = []
    items = [widget, *widget.findChildren(object)]
    for w in items:
        name = type(w).__name__
        if isinstance(w, QLabel):
            out.append((name, re.sub(r"&[a-z]+;", " ", re.sub(r"<[^>]+>", " ", w.text()))))
        elif isinstance(w, QAbstractButton):
            out.append((name, w.text()))
            out.append((name + ".toolTip", w.toolTip()))
        elif isinstance(w, QGroupBox):
            out.append((name, w.title()))
        elif isinstance(w, (QLineEdit, QTextEdit)):
            out.append((name + ".placeholder", w.placeholderText()))
        elif isinstance(w, QComboBox):
            out += [(name, w.itemText(i)) for i in range(w.count())]
        elif isinstance(w, QTabWidget):
            out += [(name, w.tabText(i)) for i in range(w.count())]
        elif isinstance(w, QListWidget):
            out += [(name, w.item(i).text()) for i in range(w.count())]
        elif isinstance(w, QTableWidget):
            for c in range(w.columnCount()):
                h = w.horizontalHeaderItem(c)
                out.append((name + ".header", h.text() if h else ""))
            for r in range(w.rowCount()):
                for c in range(w.columnCount()):
                    it = w.item(r, c)
                    out.append((name + ".cell", it.text() if it else ""))
        elif isinstance(w, QTreeWidget):
            h = w.headerItem()
            out += [(name + ".header", h.text(c)) for c in range(w.columnCount())]
    return out


@pytest.fixture(scope="module")
def english_window(tmp_path_factory):
    from PySide6.QtWidgets import QApplication

    from ui.demo import install_demo_ui
    from ui.i18n import install_language
    from ui.main import build, create_app
    from ui.workers import SyncRunner

    app = create_app(["memberdesk"])
    demo = create_demo_store(tmp_path_factory.mktemp("demo") / "store", members=30)
    ctx, win = build(demo.paths, "en", runner=SyncRunner())
    install_demo_ui(win, demo)
    win.resize(1280, 800)
    win.show()
    yield ctx, win, demo
    if ctx.session is not None:
        win.lock()
    win.close()
    ctx.vault.close()
    demo.cleanup()
    install_language(app, "zh_CN")
    QApplication.processEvents()


def test_english_sign_in_screen_and_banner_have_no_chinese(english_window):
    _ctx, win, _ = english_window
    left = [f"{w}: {t}" for w, t in _texts(win) if CJK.search(t) and not DATA.search(t)]
    assert win.menuWidget().text().startswith("Demo mode")
    assert left == [], "\n".join(left)


def test_every_english_page_has_no_chinese(english_window, qtbot):
    from PySide6.QtWidgets import QApplication

    from ui.i18n import install_language

    ctx, win, _ = english_window
    install_language(QApplication.instance(), "en")  # another test may have switched to Chinese
    win.on_signed_in(ctx.vault.sign_in(*DEMO_ACCOUNTS["manager"][:2]))
    left = set()
    for row in range(win.nav.count()):
        win.nav.setCurrentRow(row)
        QApplication.processEvents()
        page = win.pages.currentWidget()
        key = page.objectName()
        for where, text in _texts(page):
            if CJK.search(text) and not DATA.search(text):
                left.add(f"{key} {where}: {text}")
    shell = _texts(win.statusBar()) + _texts(win.nav_column)  # the nav column: store, staff, 切换用户, 锁定
    for where, text in shell + [("nav", win.nav.item(i).text()) for i in range(win.nav.count())]:
        if CJK.search(text) and not DATA.search(text):
            left.add(f"shell {where}: {text}")
    win.lock()
    assert sorted(left) == [], f"{len(left)} Chinese texts in the English UI:\n" + "\n".join(sorted(left))


# English words a Chinese screen may show: product and file-format names, codes, and the name of the English
# language in the language chooser. User names, paths and codes are data.
ENGLISH_OK = {
    "MemberDesk",
    "PDF",
    "CSV",
    "PNG",
    "JPEG",
    "TIFF",
    "QR",
    "ID",
    "RET",
    "DEMO",
    "SH",
    "pem",
    "crt",
    "json",
    "jsonl",
    "txt",
    "csv",
    "pdf",
    "USB",
    "POS",
    "mm",
    "SQLCipher",
    "https",
    "English",
    # key names as the keyboard prints them, in shortcuts shown on buttons and tooltips (issue #20)
    "Ctrl",
    "Shift",
    "Alt",
    "Enter",
    "Esc",
}


def test_chinese_ui_has_no_english(tmp_path, qtbot):
    from PySide6.QtWidgets import QApplication

    from ui.demo import install_demo_ui
    from ui.main import build
    from ui.workers import SyncRunner

    demo = create_demo_store(tmp_path / "store", members=20)
    ctx, win = build(demo.paths, "zh_CN", runner=SyncRunner())
    qtbot.addWidget(win)
    try:
        install_demo_ui(win, demo)
        win.show()
        win.on_signed_in(ctx.vault.sign_in(*DEMO_ACCOUNTS["manager"][:2]))
        users = {u for u, _, _ in DEMO_ACCOUNTS.values()}
        left = set()
        for row in range(win.nav.count()):
            win.nav.setCurrentRow(row)
            QApplication.processEvents()
            page = win.pages.currentWidget()
            for where, text in _texts(page) + _texts(win.statusBar()):
                text = re.sub(r"(?:[A-Za-z]:)?(?:[/\\][\w.-]+)+", "", text)  # folder paths are data
                text = re.sub(r"\b[0-9a-f]{12,}\b", "", text)  # hashes are data
                text = re.sub(r"\b(?:Ctrl|Alt|Shift|Meta)\+\w+", "", text)  # keyboard shortcuts
                words = set(re.findall(r"[A-Za-z_]{2,}", text)) - ENGLISH_OK - users
                if words and not re.fullmatch(r"[A-Z0-9-]+", text.strip()):
                    left.add(f"{page.objectName()} {where}: {text}")
        win.lock()
        assert sorted(left) == [], "English in the Chinese UI:\n" + "\n".join(sorted(left))
    finally:
        ctx.vault.close()
        demo.cleanup()


def test_english_dialogs_have_no_chinese(english_window):
    """The dialogs a clerk or manager opens most, built (not executed) in the English UI."""
    from PySide6.QtWidgets import QApplication

    from ui.dialogs.change_password_dialog import ChangePasswordDialog
    from ui.dialogs.manager_sign_in_dialog import ManagerSignInDialog
    from ui.dialogs.member_detail_dialog import MemberDetailDialog
    from ui.dialogs.new_request_dialog import NewRequestDialog
    from ui.dialogs.record_purchase_dialog import RecordPurchaseDialog
    from ui.dialogs.recovery_reset_dialog import RecoveryResetDialog
    from ui.dialogs.register_member_dialog import RegisterMemberDialog
    from ui.i18n import install_language

    ctx, win, _ = english_window
    install_language(QApplication.instance(), "en")  # another test may have switched to Chinese
    win.on_signed_in(ctx.vault.sign_in(*DEMO_ACCOUNTS["manager"][:2]))
    member_id = ctx.session.db.scalar("SELECT id FROM members ORDER BY registered_at DESC LIMIT 1")
    makers = {
        "RegisterMemberDialog": lambda: RegisterMemberDialog(ctx, win),
        "MemberDetailDialog": lambda: MemberDetailDialog(ctx, member_id, win),
        "NewRequestDialog": lambda: NewRequestDialog(ctx, win),
        "RecordPurchaseDialog": lambda: RecordPurchaseDialog(ctx, member_id, win),
        "ChangePasswordDialog": lambda: ChangePasswordDialog(ctx, win),
        "ManagerSignInDialog": lambda: ManagerSignInDialog(ctx, win),
        "RecoveryResetDialog": lambda: RecoveryResetDialog(ctx, win),
    }
    left = set()
    try:
        for name, make in makers.items():
            dlg = make()
            dlg.show()
            QApplication.processEvents()
            texts = [*_texts(dlg), ("windowTitle", dlg.windowTitle())]
            left |= {f"{name} {w}: {t}" for w, t in texts if CJK.search(t) and not DATA.search(t)}
            dlg.reject()
            dlg.deleteLater()
    finally:
        win.lock()
    assert sorted(left) == [], f"{len(left)} Chinese texts in English dialogs:\n" + "\n".join(sorted(left))
