"""Small dialogs for the steps of a request that need typed input: a reason and what it waits for (pause), the
customer's answer (resume), days + reason
(extension), reason + legal basis (refusal), corrections, purposes to withdraw, an applicant's name."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
)

from app.requests import model as M
from ui import style


class RequestStepDialog(QDialog):
    """kind: pause | resume | extend | refuse | correct | withdraw | applicant."""

    def __init__(
        self, kind: str, parent=None, purposes: list[tuple[str, str]] | None = None, lang: str = "zh_CN"
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.values: dict = {}
        titles = {
            "pause": self.tr("暂停处理"),
            "resume": self.tr("顾客已答复"),
            "extend": self.tr("延长期限"),
            "refuse": self.tr("拒绝申请"),
            "correct": self.tr("更正、补充"),
            "withdraw": self.tr("撤回同意"),
            "applicant": self.tr("申请人姓名"),
        }
        self.setWindowTitle(titles[kind])
        # no fixed width: shown at its layout's size hint (a fixed minimum of 460 px cut the labels in English)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.reason = self.basis = self.days = None
        self.fields: dict[str, QLineEdit] = {}
        self.boxes: dict[str, QCheckBox] = {}
        self.choice: QComboBox | None = None
        if kind in ("pause", "resume"):  # RIG-2: a pause only waits for the customer; their answer ends it
            keys, labels = (M.WAITS_FOR, M.WAITS_FOR_LABELS) if kind == "pause" else (M.ANSWERS, M.ANSWER_LABELS)
            self.choice = QComboBox()
            for key in keys:
                self.choice.addItem(M.label(labels, key, lang), key)
            form.addRow(self.tr("等待") if kind == "pause" else self.tr("顾客答复"), self.choice)
        if kind == "extend":
            self.days = QSpinBox()
            self.days.setRange(1, M.MAX_EXTENSION_DAYS)
            self.days.setValue(5)
            self.days.setSuffix(self.tr(" 个工作日"))
            form.addRow(self.tr("延长"), self.days)
        if kind in ("pause", "extend", "refuse"):
            self.reason = QPlainTextEdit()
            self.reason.setMaximumHeight(90)
            self.reason.setTabChangesFocus(True)
            form.addRow(self.tr("拒绝理由") if kind == "refuse" else self.tr("理由"), self.reason)
        if kind == "refuse":
            self.basis = QLineEdit()
            self.basis.setPlaceholderText(self.tr("例如：《个人信息保护法》第四十七条"))
            form.addRow(self.tr("法律依据"), self.basis)
            note = QLabel(
                self.tr(
                    "处理结果告知书将告知顾客：可以向履行个人信息保护职责的部门投诉、举报，或者向人民法院提起诉讼。"
                )
            )
            note.setWordWrap(True)
            style.role(note, "hint")
            form.addRow("", note)
        if kind == "correct":
            field_text = {
                "name": self.tr("姓名"),
                "mobile": self.tr("手机号"),
                "birth_date": self.tr("出生日期（YYYY-MM-DD）"),
                "address": self.tr("收货地址"),
            }
            for key, text in field_text.items():
                e = QLineEdit()
                e.setPlaceholderText(self.tr("不更改请留空"))
                self.fields[key] = e
                form.addRow(text, e)
        if kind == "withdraw":
            for code, title in purposes or []:
                b = QCheckBox(title)
                self.boxes[code] = b
                form.addRow("", b)
            if not purposes:
                form.addRow("", QLabel(self.tr("该会员没有可撤回的同意。")))
        if kind == "applicant":
            self.name = QLineEdit()
            self.name.setPlaceholderText(self.tr("留空则打印空白横线，由申请人手写"))
            form.addRow(self.tr("申请人"), self.name)
        lay.addLayout(form)
        self.error = QLabel()
        style.role(self.error, "error")
        lay.addWidget(self.error)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("确定"))
        bb.button(QDialogButtonBox.StandardButton.Ok).setDefault(True)
        bb.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        bb.accepted.connect(self.submit)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def submit(self) -> None:
        v: dict = {}
        if self.reason is not None:
            v["reason"] = self.reason.toPlainText().strip()
            if not v["reason"]:
                self.error.setText(self.tr("请填写理由。"))
                return
        if self.basis is not None:
            v["legal_basis"] = self.basis.text().strip()
            if not v["legal_basis"]:
                self.error.setText(self.tr("拒绝申请必须填写法律依据。"))
                return
        if self.days is not None:
            v["days"] = self.days.value()
        if self.choice is not None:
            v["choice"] = self.choice.currentData()
        if self.fields:
            v["changes"] = {k: e.text().strip() for k, e in self.fields.items() if e.text().strip()}
            if not v["changes"]:
                self.error.setText(self.tr("请填写要更正的内容。"))
                return
        if self.kind == "withdraw":
            v["purposes"] = [c for c, b in self.boxes.items() if b.isChecked()]
            if not v["purposes"]:
                self.error.setText(self.tr("请选择要撤回同意的处理目的。"))
                return
        if self.kind == "applicant":
            v["applicant"] = self.name.text().strip()
        self.values = v
        self.accept()
