"""Destroy a batch of paper originals: method, a witness signs in here, one confirmation (STO-2, STO-3)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
)

from app.errors import UserError
from app.originals.destruction import destroy_batch
from ui import style


class DestroyOriginalsDialog(QDialog):
    """`session` is the manager's (the page asks for a manager's sign-in first); `originals` are
    app.originals.tracking.Original rows in the cabinet."""

    def __init__(self, ctx, session, originals, parent=None):
        super().__init__(parent)
        self.ctx, self.session, self.originals = ctx, session, list(originals)
        self.destruction_id = None
        self.setWindowTitle(self.tr("销毁纸质原件"))
        # no fixed width: shown at its layout's size hint (a fixed minimum of 520 px cut the labels in English)
        lay = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "以下 {n} 份纸质原件将被销毁。销毁前请确认均已扫描归档；销毁后请打印销毁记录，由店长和监销人签字存档。"
            ).format(n=len(self.originals))
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.list = QListWidget()
        for o in self.originals:
            self.list.addItem(f"{o.serial}    {self.tr('截止')} {o.due_date.isoformat()}    {o.cabinet}")
        self.list.setMaximumHeight(140)
        lay.addWidget(self.list)

        how = QGroupBox(self.tr("销毁方式"))
        form = QFormLayout(how)
        self.method = QComboBox()
        for key, text in (
            ("shred", self.tr("碎纸机粉碎")),
            ("crosscut", self.tr("碎纸机交叉粉碎")),
            ("vendor", self.tr("委托专业销毁机构")),
        ):
            self.method.addItem(text, key)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.vendor = QLineEdit()
        self.vendor.setPlaceholderText(self.tr("销毁机构名称"))
        self.certificate = QLineEdit()
        self.certificate.setPlaceholderText(self.tr("销毁证明上的编号"))
        form.addRow(self.tr("方式"), self.method)
        self.vendor_label, self.cert_label = QLabel(self.tr("销毁机构")), QLabel(self.tr("销毁证明编号"))
        form.addRow(self.vendor_label, self.vendor)
        form.addRow(self.cert_label, self.certificate)
        form.addRow(self.tr("店长"), QLabel(session.staff.display_name))
        lay.addWidget(how)

        wit = QGroupBox(self.tr("监销人登录（须为店长以外的另一位员工）"))
        wf = QFormLayout(wit)
        self.witness_user = QLineEdit()
        self.witness_pw = QLineEdit()
        self.witness_pw.setEchoMode(QLineEdit.EchoMode.Password)
        wf.addRow(self.tr("用户名"), self.witness_user)
        wf.addRow(self.tr("密码"), self.witness_pw)
        lay.addWidget(wit)
        self.error = QLabel()
        style.role(self.error, "error")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("确认销毁"))
        self.ok.setDefault(True)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.witness_user.returnPressed.connect(self.witness_pw.setFocus)
        self._method_changed()

    def _method_changed(self) -> None:
        vendor = self.method.currentData() == "vendor"
        for w in (self.vendor, self.certificate, self.vendor_label, self.cert_label):
            w.setVisible(vendor)

    def confirm(self) -> None:
        self.error.clear()
        try:
            witness = self.ctx.vault.verify_staff(self.witness_user.text(), self.witness_pw.text())
            self.destruction_id = destroy_batch(
                self.session,
                [o.id for o in self.originals],
                method=self.method.currentData(),
                witness=witness,
                vendor=self.vendor.text(),
                certificate_no=self.certificate.text(),
            )
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        finally:
            self.witness_pw.clear()
        self.accept()

    def hideEvent(self, event):  # noqa: N802 - wipe the witness's password when hidden
        self.witness_pw.clear()
        super().hideEvent(event)
