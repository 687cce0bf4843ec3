"""待扫描的登记表 on the originals page: forms registered on paper and not scanned yet, oldest first, their age
in working days amber from 3 and red from 10, the count and worst colour in the tab title, the home page's
reminder opening that tab, the scan inbox hint. Screenshots in Chinese and English."""

import datetime as dt
import re

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from app.members.service import cipher_for
from app.notices import default_notice
from app.printing.serials import issue_form_serials
from app.scans.importer import import_bytes
from tests.app.regdata import register_on_paper
from tests.scan_samples import form_page, to_bytes
from tests.ui.shots import SHOTS_DIR

CST = dt.timezone(dt.timedelta(hours=8))
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff08\uff09\uff0c\u3002]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _ctx(vault, session, lang):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, lang=lang, runner=SyncRunner())
    c.set_session(session)
    return c


def _paper_member(session, vault, clock, day, mobile, name):
    clock.set(dt.datetime(*day, 10, 30, tzinfo=CST))
    serial = issue_form_serials(session, default_notice("zh_CN"), 1)[0]
    register_on_paper(session, vault, serial, mobile=mobile, name=name)
    return serial


@pytest.fixture
def forms(manager, clerk, vault, clock):
    """Three paper registrations (10, 4 and 0 working days old on 2026-11-16) and a scan without a QR."""
    red = _paper_member(clerk, vault, clock, (2026, 11, 2), "13912340001", "王秀英")
    amber = _paper_member(clerk, vault, clock, (2026, 11, 10), "13912340002", "李建国")
    fresh = _paper_member(manager, vault, clock, (2026, 11, 16), "13912340003", "陈晓梅")
    import_bytes(manager, cipher_for(vault), to_bytes(form_page(None), "PNG"))
    clock.set(dt.datetime(2026, 11, 16, 16, 0, tzinfo=CST))
    return red, amber, fresh


def _page(qtbot, ctx):
    from ui.pages.originals_page import OriginalsPage

    page = OriginalsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    page.show_reminder("originals.unscanned_red")
    QApplication.processEvents()
    return page


def _visible_texts(page) -> list[str]:
    out = [w.text() for w in page.findChildren(QLabel) + page.findChildren(QAbstractButton) if w.isVisibleTo(page)]
    out += [page.tabs.tabText(i) for i in range(page.tabs.count())]
    t = page.unscanned.table
    out += [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    out += [t.item(r, c).text() for r in range(t.rowCount()) for c in range(t.columnCount())]
    return [x for x in out if x.strip()]


def test_unscanned_forms_tab_in_chinese(qtbot, manager, clerk, vault, forms):
    from ui.pages.originals_page import AMBER, RED

    red, amber, fresh = forms
    page = _page(qtbot, _ctx(vault, manager, "zh_CN"))
    assert page.tabs.currentWidget() is page.unscanned
    assert page.tabs.tabText(1) == "待扫描的登记表（3）"
    assert page.tabs.tabBar().tabTextColor(1).name() == RED
    t = page.unscanned.table
    rows = [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]
    assert [(r[0], r[2]) for r in rows] == [(red, "10"), (amber, "4"), (fresh, "0")]  # rule: STO-2
    assert t.item(0, 2).foreground().color().name() == RED  # rule: STO-2
    assert t.item(1, 2).foreground().color().name() == AMBER  # rule: STO-2
    assert t.item(2, 2).foreground().color().name() not in (RED, AMBER)
    assert rows[0][4] == clerk.staff.display_name and rows[2][4] == manager.staff.display_name
    assert rows[0][1] == "2026-11-02 10:30" and all(r[3].startswith("M") for r in rows)
    assert "待手动匹配的扫描件：1 份" in page.unscanned.inbox_note.text()
    left = [x for x in _visible_texts(page) if LATIN_WORD.search(re.sub(r"[A-Z0-9]+(-[A-Z0-9]+)+|M\d{9,}", "", x))]
    assert left == []
    page.grab().save(str(SHOTS_DIR / "originals_unscanned.png"))
    page.show_reminder("originals.summary_overdue")
    assert page.tabs.currentIndex() == 0
    page.clear()
    assert page.unscanned.table.rowCount() == 0


def test_unscanned_forms_tab_in_english(qtbot, manager, clerk, vault, forms):
    from ui.i18n import install_language

    app = QApplication.instance()
    install_language(app, "en")
    try:
        page = _page(qtbot, _ctx(vault, manager, "en"))
        assert page.tabs.tabText(1).startswith("Forms to scan") and "(3)" in page.tabs.tabText(1)
        names = {clerk.staff.display_name, manager.staff.display_name}  # data, not UI text
        chinese = [x for x in _visible_texts(page) if CJK.search(x) and x not in names]
        assert chinese == []
        page.grab().save(str(SHOTS_DIR / "originals_unscanned_en.png"))
    finally:
        install_language(app, "zh_CN")


def test_the_home_page_reminder_opens_the_tab(qtbot, manager, vault, forms):
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from ui.pages.home_page import HomePage
    from ui.pages.originals_page import OriginalsPage

    ctx = _ctx(vault, manager, "zh_CN")

    class Shell(QWidget):  # the main window's open_page, as the home page asks for it
        def __init__(self):
            super().__init__()
            self.originals = OriginalsPage(ctx, self)
            self.home = HomePage(ctx, self)
            ctx.open_page_requested.connect(lambda key, reminder: self.open_page(key).show_reminder(reminder))
            QVBoxLayout(self).addWidget(self.home)

        def open_page(self, key):
            return {"originals": self.originals, "home": self.home}.get(key)

    shell = Shell()
    qtbot.addWidget(shell)
    items = [shell.home.items.item(i) for i in range(shell.home.items.count())]
    red = next(i for i in items if i.data(257) == "originals.unscanned_red")
    amber = next(i for i in items if i.data(257) == "originals.unscanned_amber")
    assert "1 份纸质登记表" in red.text() and "10 个工作日" in red.text() and "3 个工作日" in amber.text()
    assert shell.originals.tabs.currentIndex() == 0
    shell.home._open(red)
    assert shell.originals.tabs.currentWidget() is shell.originals.unscanned
