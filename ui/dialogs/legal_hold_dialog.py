"""设立法律保全 (manager): what to hold and the case it is for (app.retention.holds places it)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from ui import style

GREY = style.COLOURS["hint"]


class LegalHoldDialog(QDialog):
    """设立法律保全： the subject (member by 会员号， purchase by 交易号， service record by 编号) and the case."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("设立法律保全"))
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.addItem(self.tr("会员（含其全部记录）"), "member")
        self.kind.addItem(self.tr("一条消费记录"), "purchase")
        self.kind.addItem(self.tr("一条服务记录"), "service_record")
        self.subject = QLineEdit()
        self.subject.setPlaceholderText(self.tr("会员号 / 交易号 / 服务记录编号"))
        self.case_ref = QLineEdit()
        self.case_ref.setPlaceholderText(self.tr("例如 (2026)沪0101民初123号"))
        self.case_ref.setMaxLength(64)
        form.addRow(self.tr("保全对象"), self.kind)
        form.addRow(self.tr("编号"), self.subject)
        form.addRow(self.tr("案件或纠纷编号"), self.case_ref)
        lay.addLayout(form)
        hint = QLabel(self.tr("保全期间，该会员或记录即使超过保存期限也不会被清理。纠纷结束后请及时解除。"))
        hint.setWordWrap(True)
        style.role(hint, "hint")
        lay.addWidget(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("设立保全"))
        buttons.button(QDialogButtonBox.StandardButton.Ok).setDefault(True)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def values(self) -> tuple[str, str, str]:
        return self.kind.currentData(), self.subject.text().strip(), self.case_ref.text().strip()
