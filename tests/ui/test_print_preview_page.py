"""The 打印资料 page: poster, registration forms (serials recorded, printed count) and receipt back
from the stored notice, through the preview dialog."""

import pytest

from app.notices.store import ensure_default_stored
from app.printing import serials as S
from tests.ui.shots import SHOTS_DIR
from ui.context import AppContext
from ui.workers import SyncRunner

SHOTS = SHOTS_DIR


@pytest.fixture
def page(qtbot, vault, manager, printer_accepts):
    from ui.pages.print_documents_page import PrintDocumentsPage

    ensure_default_stored(manager)
    ctx = AppContext(vault, runner=SyncRunner())
    ctx.set_session(manager)
    p = PrintDocumentsPage(ctx)
    qtbot.addWidget(p)
    p.refresh()
    p.shown = printer_accepts  # the user presses 打印 and the printer accepts the job
    return p


def test_forms_are_issued_recorded_and_counted_when_printed(page, manager):
    page.count.setValue(3)
    page.form_button.click()
    assert len(page.last_serials) == 3
    dlg = page.shown[-1]
    assert dlg.page_count == 6  # 2 pages per form
    for serial in page.last_serials:
        row = S.get_form_serial(manager.db, serial)
        assert row["printed_count"] == 1 and row["issued_by"] == manager.staff.id  # rule: CON-1
        assert row["notice_hash"] == page.notice().content_hash  # rule: NOT-2
    assert page.table.rowCount() == 3 and page.table.item(0, 3).text() == "1"
    page.resize(1100, 700)
    page.show()
    page.grab().save(str(SHOTS / "print_documents_page.png"))


def test_poster_and_receipt_open_in_the_preview(page):
    page.poster_button.click()
    page.receipt_button.click()
    assert [d.windowTitle() for d in page.shown] == ["服务台海报", "小票背面告知"]
    assert page.shown[0].page_count == 2 and page.shown[1].page_count == 1
    assert "已嵌入" in page.font_note.text()


def test_clear_wipes_the_list(page):
    page.form_button.click()
    page.clear()
    assert page.table.rowCount() == 0 and page.last_serials == []


def test_receipt_back_is_the_summary_unless_the_full_text_is_chosen(page):
    """Issue #20: the receipt back people keep is the summary; the full notice stays one choice away."""
    assert page.receipt_kind.currentData() is False  # the summary is the default
    page.receipt_button.click()
    page.receipt_kind.setCurrentIndex(page.receipt_kind.findData(True))
    page.receipt_button.click()
    summary, full = page.shown[-2:]
    version = page.notice().version
    assert summary.suggested_name == f"receipt-notice-{version}.pdf"
    assert full.suggested_name == f"receipt-notice-full-{version}.pdf"
    height = [d.doc.pagePointSize(0).height() / 72 * 25.4 for d in (summary, full)]
    assert height[0] < 300 and height[1] > 1.4 * height[0]
