"""证据包 (store manager): this store's evidence pack for a period — the PDF to read or print and the
machine-readable bundle (zip) to save. The pack is built by app.evidence.build_store_pack (permission, audit,
no personal data); this dialog only asks for the period and saves or shows what comes back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from app.dates import parse_date
from app.errors import ValidationError
from app.evidence import EvidencePack, build_store_pack
from ui import style
from ui.dialogs.print_preview_dialog import PrintPreviewDialog
from ui.widgets.date_field import attach_date_picker


class EvidencePackDialog(QDialog):
    """Period (default: this calendar year up to today), 生成 → summary line, 查看 PDF…, 保存数据包…"""

    def __init__(self, ctx, session, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.session = session
        self.result_pack: EvidencePack | None = None
        self.setWindowTitle(self.tr("证据包"))
        today = session.clock.now().date()
        lay = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "本店在所选期间遵守顾客信息政策的证明：告知书及其校验码、同意统计、权利申请及答复时限、删除、"
                "纸质原件的扫描与销毁、保存期限清理、敏感个人信息的访问、员工与角色、审计日志锚定。"
                "不含顾客的个人信息。"
            )
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.date_from = QLineEdit(today.replace(month=1, day=1).isoformat())
        self.date_to = QLineEdit(today.isoformat())
        for edit in (self.date_from, self.date_to):
            attach_date_picker(edit, latest=today)
        form.addRow(self.tr("开始日期"), self.date_from)
        form.addRow(self.tr("结束日期"), self.date_to)
        lay.addLayout(form)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        row = QHBoxLayout()
        self.build_button = QPushButton(style.icon("mdi6.file-certificate-outline"), self.tr("生成证据包"))
        self.build_button.setDefault(True)
        self.build_button.clicked.connect(self.build)
        self.view_button = QPushButton(self.tr("查看 PDF…"))
        self.view_button.clicked.connect(self.view_pdf)
        self.save_button = QPushButton(self.tr("保存数据包…"))
        self.save_button.clicked.connect(lambda: self.save_bundle())
        for b in (self.view_button, self.save_button):
            b.setEnabled(False)
        for b in (self.build_button, self.view_button, self.save_button):
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(620, 300)

    def _period(self) -> tuple[dt.date, dt.date]:
        try:
            return parse_date(self.date_from.text()), parse_date(self.date_to.text())
        except ValueError as exc:
            raise ValidationError("evidence.bad_period", field="period") from exc

    def build(self) -> None:
        try:
            start, end = self._period()
        except ValidationError as exc:
            self.ctx.show_error(self, exc, self.status)
            return
        self.build_button.setEnabled(False)
        self.status.setText(self.tr("正在生成，请稍候…"))
        session = self.session
        self.ctx.run_task(lambda: build_store_pack(session, start, end), self._built, self._failed)

    def _built(self, result: EvidencePack) -> None:
        self.result_pack = result
        self.build_button.setEnabled(True)
        s = result.pack["sections"]
        req = s["requests"]["summary"]
        self.status.setText(
            self.tr("已生成：权利申请 {n} 件（按时 {ok}，超期 {late}，办理中 {open}），删除 {er} 人。").format(
                n=req["total"],
                ok=req["on_time"],
                late=req["late"] + req["overdue"],
                open=req["open"],
                er=s["erasures"]["summary"]["total"],
            )
        )
        self.view_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self.save_button.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self.build_button.setEnabled(True)
        self.ctx.show_error(self, exc, self.status)

    def _name(self, ext: str) -> str:
        assert self.result_pack is not None
        p = self.result_pack.pack["period"]
        return f"evidence-pack-{self.session.store_code}-{p['from']}-{p['to']}.{ext}"

    def view_pdf(self) -> None:
        if self.result_pack is None:
            return
        PrintPreviewDialog(
            self.result_pack.pdf, self.tr("证据包"), self, suggested_name=self._name("pdf"), lang=self.ctx.lang
        ).exec()

    def save_bundle(self, path: str | None = None) -> bool:
        if self.result_pack is None:
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, self.tr("保存数据包"), self._name("zip"), self.tr("Zip 文件 (*.zip)")
            )
            if not path:
                return False
        Path(path).write_bytes(self.result_pack.bundle)
        self.status.setText(self.status.text().split("\n")[0] + "\n" + self.tr("数据包已保存。"))
        return True
