"""向第三方提供： hand a member's data to a logistics company (delivery) or an insurer (extended warranty).
Only the fields the recipient's service needs can be ticked (SHR-1); the disclosure is logged before
anything leaves the store (SHR-2). For an insurer the customer's authorisation of this disclosure is asked."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.disclosures import RECIPIENTS, disclose
from app.errors import UserError
from ui import style

RED, GREY = style.COLOURS["error"], style.COLOURS["hint"]


class DiscloseDialog(QDialog):
    def __init__(self, ctx, member_id: str, parent=None):
        super().__init__(parent)
        self.ctx, self.member_id = ctx, member_id
        self.disclosure_id: str | None = None
        self.setWindowTitle(self.tr("向第三方提供信息"))
        # no fixed width: shown at its layout's size hint (a fixed minimum of 480 px cut the labels in English)
        self.field_labels = {
            "name": self.tr("收货人姓名"),
            "mobile": self.tr("手机号"),
            "delivery_address": self.tr("收货地址"),
            "order_no": self.tr("订单号"),
            "product": self.tr("商品信息"),
        }
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.addItem(self.tr("物流企业（送货上门）"), "logistics")
        self.kind.addItem(self.tr("保险公司（延长保修）"), "insurer")
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.recipient = QLineEdit()
        self.recipient.setMaxLength(64)
        self.recipient.setPlaceholderText(self.tr("接收方名称，例如 顺丰速运"))
        self.reference = QLineEdit()
        self.reference.setMaxLength(64)
        self.reference.setPlaceholderText(self.tr("订单号（可不填）"))
        self.fields_box = QWidget()
        self.fields_lay = QHBoxLayout(self.fields_box)
        self.fields_lay.setContentsMargins(0, 0, 0, 0)
        self.checks: dict[str, QCheckBox] = {}
        self.auth = QComboBox()
        self.auth.addItem(self.tr("请选择"), None)
        self.auth.addItem(self.tr("顾客在屏幕上确认"), "screen")
        self.auth.addItem(self.tr("顾客签字确认"), "signature")
        self.auth.addItem(self.tr("纸质授权书"), "paper")
        self.auth_label = QLabel(self.tr("本次单独授权"))
        self.evidence = QLineEdit()  # SHR-1: the authorisation is evidence, not a choice
        self.evidence.setMaxLength(64)
        self.evidence.setPlaceholderText(self.tr("授权凭证：scan:扫描件编号 或 doc:授权书编号"))
        self.evidence_label = QLabel(self.tr("授权凭证"))
        form.addRow(self.tr("接收方类型"), self.kind)
        form.addRow(self.tr("接收方"), self.recipient)
        form.addRow(self.tr("提供的信息"), self.fields_box)
        form.addRow(self.tr("关联订单"), self.reference)
        form.addRow(self.auth_label, self.auth)
        form.addRow(self.evidence_label, self.evidence)
        lay.addLayout(form)
        self.note = QLabel()
        self.note.setWordWrap(True)
        style.role(self.note, "hint")
        lay.addWidget(self.note)
        self.error = QLabel()
        self.error.setWordWrap(True)
        style.role(self.error, "error")
        lay.addWidget(self.error)
        b = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        b.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("记录并提供"))
        b.button(QDialogButtonBox.StandardButton.Ok).setDefault(True)
        b.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        b.accepted.connect(self.accept)
        b.rejected.connect(self.reject)
        lay.addWidget(b)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        for cb in self.checks.values():
            cb.setParent(None)
        self.checks = {}
        for f in RECIPIENTS[kind][1]:
            cb = QCheckBox(self.field_labels.get(f, f))
            cb.setChecked(True)  # every field allowed is one the service needs
            self.fields_lay.addWidget(cb)
            self.checks[f] = cb
        insurer = kind == "insurer"
        self.auth.setVisible(insurer)
        self.auth_label.setVisible(insurer)
        self.evidence.setVisible(insurer)
        self.evidence_label.setVisible(insurer)
        self.note.setText(
            self.tr("保险公司只能获得订单号和商品信息，且须顾客已单独同意“延长保修服务”并对本次提供单独授权。")
            if insurer
            else self.tr("物流企业只能获得收货人姓名、手机号和收货地址，仅用于本次配送。")
        )

    def accept(self) -> None:
        session = self.ctx.session
        if session is None:
            return self.reject()
        fields = [f for f, cb in self.checks.items() if cb.isChecked()]
        try:
            self.disclosure_id = disclose(
                session,
                self.member_id,
                self.kind.currentData(),
                self.recipient.text(),
                fields,
                reference=self.reference.text(),
                authorisation=self.auth.currentData(),
                evidence=self.evidence.text(),
            )
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        super().accept()
