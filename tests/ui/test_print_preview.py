"""The print preview: QtPdf pages painted on white, printing through QPrinter, save as PDF."""

import pytest
import zxingcpp
from PySide6.QtGui import QColor
from PySide6.QtPrintSupport import QPrinter

from app.notices.store import default_notice
from app.printing.receipt_notice import receipt_notice_pdf
from app.printing.registration_form import registration_form_pdf
from tests.app.test_printing_helpers import page_image
from tests.ui.shots import SHOTS_DIR
from ui import messagebox
from ui.dialogs.print_preview_dialog import PrintPreviewDialog

SERIAL = "SH-001-261102-00077"


@pytest.fixture
def form_pdf():
    return registration_form_pdf(default_notice("zh_CN"), [SERIAL], store_name="上海南京路店")


def _qimage_to_pil(img):
    from PIL import Image

    img = img.convertToFormat(img.Format.Format_RGB888)
    return Image.frombuffer(
        "RGB", (img.width(), img.height()), bytes(img.constBits()), "raw", "RGB", img.bytesPerLine(), 1
    ).convert("L")


def test_preview_renders_every_page_on_white_and_the_qr_reads(qtbot, form_pdf):
    dlg = PrintPreviewDialog(form_pdf, "会员登记表", font_fallback=False)
    qtbot.addWidget(dlg)
    assert dlg.page_count == 2 and len(dlg._labels) == 2
    img = dlg.page_image(1, dpi=150)
    assert img.pixelColor(3, 3) == QColor("white")  # not transparent black
    found = [r.text for r in zxingcpp.read_barcodes(_qimage_to_pil(img))]
    assert found == ["MEMBERDESK-FORM:" + SERIAL]
    dlg.resize(900, 1000)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.grab().save(str(SHOTS_DIR / "print_preview_dialog.png"))


def test_printing_draws_the_pages_on_the_printer(qtbot, form_pdf, tmp_path):
    printed = []
    dlg = PrintPreviewDialog(form_pdf, "会员登记表", on_printed=lambda: printed.append(1), font_fallback=False)
    qtbot.addWidget(dlg)
    printer = dlg.make_printer()
    out = tmp_path / "printed.pdf"  # a blank form: no personal data
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    assert dlg.print_to(printer)
    data = out.read_bytes()
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    w, h = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2  # A4, the PDF's own page size
    found = [r.text for r in zxingcpp.read_barcodes(page_image(data, 2, 150))]
    assert found == ["MEMBERDESK-FORM:" + SERIAL]


def test_receipt_prints_on_its_own_paper_size(qtbot):
    pdf = receipt_notice_pdf(default_notice("zh_CN"))
    dlg = PrintPreviewDialog(pdf, "小票背面告知", font_fallback=False)
    qtbot.addWidget(dlg)
    size = dlg.make_printer().pageLayout().fullRectPoints()
    assert abs(size.width() - 226.8) < 2  # 80 mm paper


def test_save_as_pdf_warns_for_personal_data_and_calls_back(qtbot, form_pdf, tmp_path):
    calls = []
    dlg = PrintPreviewDialog(
        form_pdf, "个人信息副本", on_printed=lambda: calls.append(1), personal_data=True, font_fallback=True
    )
    qtbot.addWidget(dlg)
    assert dlg.font_note_shown
    messagebox.set_next_answer(False)  # the clerk cancels at the warning
    dlg.save_as_pdf()
    assert calls == [] and dlg.saved_path is None
    assert "个人信息" in messagebox.shown[-1][1]
    dlg.write_pdf(str(tmp_path / "copy.pdf"))
    assert (tmp_path / "copy.pdf").read_bytes() == form_pdf and calls == [1]


def test_broken_pdf_disables_print_and_save(qtbot):
    dlg = PrintPreviewDialog(b"not a pdf", "x", font_fallback=False)
    qtbot.addWidget(dlg)
    assert not dlg.print_button.isEnabled() and not dlg.save_button.isEnabled()
