"""打印资料： the notice printouts of any stored notice version — service-desk poster, blank registration
forms (each with a serial recorded in the DB), the receipt-back notice — and the list of issued forms."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.messages import render
from app.notices.store import current_notice, get_notice, list_versions
from app.printing import serials as S
from app.printing.fonts import font_for_db
from app.printing.queries import recent_form_serials
from ui import style
from ui.dialogs.print_preview_dialog import PrintPreviewDialog
from ui.pages.registry import PageSpec, register_page


class PrintDocumentsPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        lay = QVBoxLayout(self)
        title = QLabel(self.tr("打印资料"))
        style.role(title, "title")
        lay.addWidget(title)

        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("告知书版本")))
        self.version = QComboBox()
        self.version.setMinimumWidth(320)
        row.addWidget(self.version)
        row.addStretch(1)
        lay.addLayout(row)
        self.font_note = QLabel()
        self.font_note.setWordWrap(True)
        lay.addWidget(self.font_note)

        docs = QHBoxLayout()
        self.poster_button = self._card(
            docs, self.tr("服务台海报"), self.tr("A4，两张并排张贴；字号适合一米外阅读。"), self.tr("预览并打印")
        )
        self.form_button = self._card(
            docs,
            self.tr("会员登记表"),
            self.tr("A4 双面；每份表单带唯一编号和二维码，打印时记录在系统中。"),
            self.tr("生成并打印"),
        )
        self.count = QSpinBox()
        self.count.setRange(1, 50)
        self.count.setValue(5)
        self.count.setSuffix(self.tr(" 份"))
        self.form_button.parentWidget().layout().insertWidget(2, self.count)
        self.receipt_button = self._card(
            docs,
            self.tr("小票背面告知"),
            self.tr("80 毫米热敏小票纸，打印宽度 72 毫米。要点版列明每项处理目的和顾客权利，并指向服务台公示的全文。"),
            self.tr("预览并打印"),
        )
        self.receipt_kind = QComboBox()
        self.receipt_kind.addItem(self.tr("要点版（默认，适合顾客留存）"), False)
        self.receipt_kind.addItem(self.tr("完整版（告知书全文，较长）"), True)
        self.receipt_button.parentWidget().layout().insertWidget(2, self.receipt_kind)
        lay.addLayout(docs)
        self.poster_button.clicked.connect(self.print_poster)
        self.form_button.clicked.connect(self.print_forms)
        self.receipt_button.clicked.connect(self.print_receipt)

        lay.addWidget(QLabel(self.tr("最近发放的登记表")))
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("表单编号"),
                self.tr("发放时间"),
                self.tr("告知书版本"),
                self.tr("打印次数"),
                self.tr("已登记会员"),
            ]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table, 1)
        self.last_serials: list[str] = []
        self.last_dialog: PrintPreviewDialog | None = None

    def _card(self, parent_layout, title: str, text: str, button: str) -> QPushButton:
        box = QGroupBox(title)
        v = QVBoxLayout(box)
        lab = QLabel(text)
        lab.setWordWrap(True)
        v.addWidget(lab)
        v.addStretch(1)
        b = QPushButton(button)
        b.setMinimumHeight(44)
        v.addWidget(b)
        parent_layout.addWidget(box, 1)
        return b

    # -- state -----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        db = self.ctx.db
        if db is None:
            return
        current = current_notice(db, "zh_CN")
        self.version.clear()
        versions = list_versions(db) or [{"version": current.version, "effective_date": current.effective_date}]
        for v in versions:
            label = self.tr("%1（%2 起施行）").replace("%1", v["version"]).replace("%2", v["effective_date"])
            if v["version"] == current.version:
                label += self.tr(" · 当前")
            self.version.addItem(label, v["version"])
        self.version.setCurrentIndex(max(0, self.version.findData(current.version)))
        font = font_for_db(db)
        if font.fallback or font.configured_failed:
            self.font_note.setText(
                render("printing.font_fallback", self.ctx.lang)
                if font.fallback
                else self.tr("设置中指定的字体文件无法使用，已改用系统字体 %1。").replace(
                    "%1", font.label_in(self.ctx.lang)
                )
            )
            style.role(self.font_note, "banner")
        else:
            self.font_note.setText(self.tr("打印字体：%1（已嵌入）").replace("%1", font.label_in(self.ctx.lang)))
            style.role(self.font_note, "hint")
        self.load_serials()

    def load_serials(self) -> None:
        rows = recent_form_serials(self.ctx.db, limit=50)
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            values = [
                r["serial"],
                r["issued_at"][:16].replace("T", " "),
                r["notice_version"] or "",
                str(r["printed_count"]) if r["printed_count"] else self.tr("未打印"),
                self.tr("是") if r["matched"] else self.tr("否"),
            ]
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if j == 3 and not r["printed_count"]:
                    item.setForeground(Qt.GlobalColor.darkYellow)
                self.table.setItem(i, j, item)

    def clear(self) -> None:
        self.table.setRowCount(0)
        self.last_serials = []

    # -- actions ---------------------------------------------------------------------------------------
    def notice(self):
        version = self.version.currentData()
        db = self.ctx.db
        return get_notice(db, version, "zh_CN") if version else current_notice(db, "zh_CN")

    def _store_name(self) -> str:
        return self.ctx.vault.terminal().get("store_name", "")

    def _preview(self, pdf: bytes, title: str, on_printed=None, name: str = "MemberDesk.pdf") -> None:
        dlg = PrintPreviewDialog(
            pdf,
            title,
            self,
            on_printed=on_printed,
            suggested_name=name,
            font_fallback=font_for_db(self.ctx.db).fallback,
            lang=self.ctx.lang,
        )
        self.last_dialog = dlg
        dlg.exec()

    def print_poster(self) -> None:
        from app.printing.poster import poster_pdf

        try:
            notice = self.notice()
            pdf = poster_pdf(notice, store_name=self._store_name(), font=font_for_db(self.ctx.db))
        except Exception as exc:  # noqa: BLE001 — shown as a user message
            self.ctx.show_error(self, exc)
            return
        self._preview(pdf, self.tr("服务台海报"), name=f"poster-{notice.version}.pdf")

    def print_receipt(self) -> None:
        from app.printing.receipt_notice import receipt_notice_pdf

        try:
            notice = self.notice()
            full = bool(self.receipt_kind.currentData())
            pdf = receipt_notice_pdf(notice, store_name=self._store_name(), font=font_for_db(self.ctx.db), full=full)
        except Exception as exc:  # noqa: BLE001
            self.ctx.show_error(self, exc)
            return
        name = f"receipt-notice-{'full-' if full else ''}{notice.version}.pdf"
        self._preview(pdf, self.tr("小票背面告知"), name=name)

    def print_forms(self) -> None:
        """Serials are issued in the DB here (who, when, which version); the PDF is rendered off the UI
        thread (50 forms take a few seconds), then previewed; printing or saving counts the print."""
        try:
            notice = self.notice()
        except Exception as exc:  # noqa: BLE001
            self.ctx.show_error(self, exc)
            return

        def issued(serials: list[str]) -> None:
            self.last_serials = serials
            self.load_serials()
            self.form_button.setEnabled(False)

        print_blank_forms(
            self.ctx,
            self,
            notice,
            self.count.value(),
            title=self.tr("会员登记表"),
            preview=self._preview,
            on_issued=issued,
            on_printed=lambda _serials: self.load_serials(),
            on_done=lambda: self.form_button.setEnabled(True),
        )


def print_blank_forms(
    ctx, parent, notice, count: int, *, title: str, preview=None, on_issued=None, on_printed=None, on_done=None
) -> None:
    """Issue `count` form serials for `notice` (who, when, which version), render the blank forms off the
    UI thread and preview them; a print or a save counts the print (serials.mark_printed) and then calls
    `on_printed(serials)`. `on_issued(serials)` runs once the serials exist, `on_done()` when the preview
    opens or rendering failed. Used by this page and by the register wizard (paper registration)."""
    from app.printing.registration_form import registration_form_pdf

    session = ctx.session
    try:
        serials = S.issue_form_serials(session, notice, count)
        font = font_for_db(ctx.db)
    except Exception as exc:  # noqa: BLE001
        ctx.show_error(parent, exc)
        return
    if on_issued:
        on_issued(serials)
    store_name = ctx.vault.terminal().get("store_name", "")

    def printed():
        try:
            S.mark_printed(session, serials)
        except Exception as exc:  # noqa: BLE001
            ctx.show_error(parent, exc)
        if on_printed:
            on_printed(serials)

    def show(pdf: bytes):
        if on_done:
            on_done()
        if preview is not None:
            preview(pdf, title, on_printed=printed, name=f"forms-{serials[0]}.pdf")
        else:
            PrintPreviewDialog(
                pdf,
                title,
                parent,
                on_printed=printed,
                suggested_name=f"forms-{serials[0]}.pdf",
                font_fallback=font.fallback,
                lang=ctx.lang,
            ).exec()

    def failed(exc):
        if on_done:
            on_done()
        ctx.show_error(parent, exc)

    ctx.run_task(lambda: registration_form_pdf(notice, serials, store_name=store_name, font=font), show, failed)


register_page(PageSpec("print_documents", "打印资料", PrintDocumentsPage, order=70))
