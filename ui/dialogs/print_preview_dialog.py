"""Preview a PDF rendered by app.printing, print it (QPrinter/QPrintDialog) or save it as PDF.

The PDF stays in memory (QBuffer); pages are rendered with QtPdf and painted on white (a QtPdf
render is transparent). Printing draws the same page images on the printer at up to 300 dpi, on
paper of the PDF's own page size (A4, or the 80 mm receipt strip). Saving writes the file the
user chose, after a warning when the document holds personal data.

    dlg = PrintPreviewDialog(pdf_bytes, self.tr("会员登记表"), parent,
                             on_printed=lambda: mark_printed(session, serials))
    dlg.exec()
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QKeySequence, QPageLayout, QPageSize, QPainter, QPixmap, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app.messages import render
from ui import messagebox, style

PRINT_DPI_CAP = 300


def render_page(doc: QPdfDocument, page: int, width_px: int) -> QImage:
    """One page at `width_px` wide, painted on white (QtPdf renders on a transparent background)."""
    pts = doc.pagePointSize(page)
    height_px = max(1, round(width_px * pts.height() / pts.width()))
    raw = doc.render(page, QSize(width_px, height_px))
    out = QImage(width_px, height_px, QImage.Format.Format_RGB32)
    out.fill(QColor("white"))
    p = QPainter(out)
    p.drawImage(0, 0, raw)
    p.end()
    return out


class PrintPreviewDialog(QDialog):
    """Preview + print + save as PDF for bytes from app.printing."""

    def __init__(
        self,
        pdf: bytes,
        title: str = "",
        parent=None,
        *,
        on_printed=None,
        personal_data: bool = False,
        suggested_name: str = "MemberDesk.pdf",
        font_fallback: bool | None = None,
        lang: str = "zh_CN",
    ):
        super().__init__(parent)
        self.setWindowTitle(title or self.tr("打印预览"))
        style.fit_to_screen(self, 860, 900)  # no fixed size: 1366×768 to 1920×1080
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.doc = QPdfDocument(self)
        self.doc.load(self._buffer)
        self.on_printed = on_printed
        self.personal_data = personal_data
        self.suggested_name = suggested_name
        self.printed = False
        self.saved_path: str | None = None
        self._zoom = 100

        layout = QVBoxLayout(self)
        if font_fallback is None:
            from app.printing.fonts import choose_font

            font_fallback = choose_font().fallback
        if font_fallback:
            note = QLabel(render("printing.font_fallback", lang))
            note.setWordWrap(True)
            style.role(note, "banner")
            layout.addWidget(note)
        self.font_note_shown = bool(font_fallback)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        style.role(self.scroll, "desk")
        self.pages = QWidget()
        style.role(self.pages, "desk")
        self.pages_layout = QVBoxLayout(self.pages)
        self.pages_layout.setSpacing(12)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setWidget(self.pages)
        layout.addWidget(self.scroll, 1)

        bar = QHBoxLayout()
        self.info = QLabel()
        bar.addWidget(self.info)
        bar.addStretch(1)
        bar.addWidget(QLabel(self.tr("缩放")))
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setRange(40, 200)
        self.zoom.setValue(100)
        self.zoom.setFixedWidth(140)
        self.zoom.valueChanged.connect(self._set_zoom)
        bar.addWidget(self.zoom)
        self.save_button = QPushButton(self.tr("另存为 PDF…"))
        self.print_button = QPushButton(self.tr("打印…"))
        self.close_button = QPushButton(self.tr("关闭"))
        for b in (self.save_button, self.print_button, self.close_button):
            b.setMinimumHeight(36)
            bar.addWidget(b)
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_as_pdf)
        self.close_button.clicked.connect(self.reject)
        layout.addLayout(bar)
        QShortcut(QKeySequence.StandardKey.Print, self, activated=self.print_document)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, activated=lambda: self.zoom.setValue(self.zoom.value() + 20))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, activated=lambda: self.zoom.setValue(self.zoom.value() - 20))
        self._labels: list[QLabel] = []
        self._render_pages()

    # -- preview -------------------------------------------------------------------------------
    @property
    def page_count(self) -> int:
        return self.doc.pageCount()

    def _page_width_px(self, page: int) -> int:
        pts = self.doc.pagePointSize(page)
        return max(50, round(pts.width() * 96 / 72 * self._zoom / 100))  # 100 % = life size on a 96-dpi screen

    def _render_pages(self) -> None:
        for lab in self._labels:
            lab.deleteLater()
        self._labels = []
        if self.doc.status() != QPdfDocument.Status.Ready or self.page_count == 0:
            self.info.setText(self.tr("无法显示此文档。"))
            self.print_button.setEnabled(False)
            self.save_button.setEnabled(False)
            return
        for i in range(self.page_count):
            lab = QLabel()
            lab.setPixmap(QPixmap.fromImage(render_page(self.doc, i, self._page_width_px(i))))
            lab.setStyleSheet("border: 1px solid #555;")
            self.pages_layout.addWidget(lab, 0, Qt.AlignmentFlag.AlignHCenter)
            self._labels.append(lab)
        self.info.setText(self.tr("共 %1 页").replace("%1", str(self.page_count)))

    def _set_zoom(self, value: int) -> None:
        self._zoom = value
        self._render_pages()

    def page_image(self, page: int, dpi: int = 150) -> QImage:
        pts = self.doc.pagePointSize(page)
        return render_page(self.doc, page, round(pts.width() * dpi / 72))

    # -- printing --------------------------------------------------------------------------------
    def make_printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        pts = self.doc.pagePointSize(0)
        size = QPageSize(
            QSizeF(pts.width(), pts.height()), QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch
        )
        orientation = QPageLayout.Orientation.Portrait
        printer.setPageLayout(QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0)))
        printer.setFullPage(True)
        printer.setDocName(self.windowTitle())
        printer.setFromTo(1, self.page_count)
        return printer

    def print_to(self, printer: QPrinter) -> bool:
        """Draw every page (or the chosen range) on `printer`. Returns True when something was printed."""
        first, last = printer.fromPage(), printer.toPage()
        if first == 0 and last == 0:
            first, last = 1, self.page_count
        first, last = max(1, first), min(self.page_count, last)
        painter = QPainter()
        if not painter.begin(printer):
            return False
        try:
            dpi = min(printer.resolution(), PRINT_DPI_CAP)
            for n, page in enumerate(range(first - 1, last)):
                if n:
                    printer.newPage()
                img = self.page_image(page, dpi)
                target = printer.pageLayout().fullRectPixels(printer.resolution())
                pts = self.doc.pagePointSize(page)
                scale = min(target.width() / pts.width(), target.height() / pts.height())
                w, h = pts.width() * scale, pts.height() * scale
                painter.drawImage(QRectF(QPointF(0, 0), QSizeF(w, h)), img)
        finally:
            painter.end()
        return True

    def print_document(self) -> None:
        printer = self.make_printer()
        dlg = QPrintDialog(printer, self)
        dlg.setWindowTitle(self.tr("打印"))
        dlg.setMinMax(1, self.page_count)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        if self.print_to(printer):
            self._done()

    # -- save ------------------------------------------------------------------------------------
    def save_as_pdf(self) -> None:
        if self.personal_data and not messagebox.question(
            self,
            self.tr("另存为 PDF"),
            self.tr(
                "此文档包含顾客的个人信息。保存的 PDF 文件不加密，请只保存到安全的位置，用完后及时删除。是否继续？"
            ),
        ):
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("另存为 PDF"), self.suggested_name, self.tr("PDF 文件 (*.pdf)")
        )
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        self.write_pdf(path)

    def write_pdf(self, path: str) -> None:
        try:
            with open(path, "wb") as fh:
                fh.write(bytes(self._bytes.data()))
        except OSError:
            messagebox.warning(self, self.tr("未完成"), self.tr("文件无法保存，请检查位置和磁盘空间。"))
            return
        self.saved_path = path
        self._done()

    def _done(self) -> None:
        self.printed = True
        if self.on_printed is not None:
            self.on_printed()

    def done(self, result: int) -> None:  # closing drops the in-memory PDF
        self.doc.close()
        self._buffer.close()
        super().done(result)
