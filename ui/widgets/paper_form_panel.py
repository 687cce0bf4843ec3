"""The clerk's side of a paper registration (顾客填写纸质登记表): the form serial step (typed, or read by
the USB scanner that types "MEMBERDESK-FORM:<serial>" + Enter) and the panel where the clerk copies
the customer's ticks from the form, with the separate signature of each sensitive purpose (SEN-1).
The purposes are numbered as on the printed form."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui import style


def _esc(s: str) -> str:
    return html.escape(s or "")


class PaperFormStep(QWidget):
    """Which signed form is being entered; and a blank form for a customer who has none yet."""

    print_requested = Signal()

    def __init__(self, example: str, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setSpacing(8)
        label = QLabel(self.tr("表单编号"))
        f = QFont()
        f.setPointSize(12)
        f.setBold(True)
        label.setFont(f)
        lay.addWidget(label)
        self.serial = QLineEdit()
        self.serial.setObjectName("paper_serial")
        self.serial.setPlaceholderText(self.tr("扫描二维码，或输入编号，例如 %1").replace("%1", example))
        self.serial.setMinimumHeight(36)
        sf = QFont()
        sf.setPointSize(14)
        self.serial.setFont(sf)
        label.setBuddy(self.serial)
        lay.addWidget(self.serial)
        self.error = QLabel()
        self.error.setObjectName("paper_serial_error")
        self.error.setWordWrap(True)
        style.role(self.error, "error")
        lay.addWidget(self.error)
        self.info = QLabel()
        self.info.setWordWrap(True)
        lay.addWidget(self.info)
        where = QLabel(self.tr("表单编号印在登记表每一页右上角的二维码下方。扫码枪扫描二维码后会自动输入编号并回车。"))
        where.setWordWrap(True)
        style.role(where, "hint")
        lay.addWidget(where)
        lay.addStretch(1)
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(box)
        none_yet = QLabel(self.tr("顾客手上还没有登记表？打印一份空白登记表，请顾客填写并签名。"))
        none_yet.setWordWrap(True)
        row.addWidget(none_yet, 1)
        self.print_btn = QPushButton(self.tr("打印空白登记表…"))
        self.print_btn.setObjectName("paper_print")
        self.print_btn.setAutoDefault(False)
        self.print_btn.setMinimumHeight(36)
        self.print_btn.clicked.connect(self.print_requested.emit)
        row.addWidget(self.print_btn)
        lay.addWidget(box)
        self.serial.textEdited.connect(lambda _t: self.error.clear())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.info.clear()
        self.serial.setFocus()
        self.serial.selectAll()  # the next scan replaces what was there

    def show_form(self, serial: str, info_html: str) -> None:
        if self.serial.text().strip() != serial:
            self.serial.setText(serial)
        self.error.clear()
        self.info.setText(info_html)

    def clear(self) -> None:
        self.serial.clear()
        self.error.clear()
        self.info.clear()


class PaperConsentPanel(QScrollArea):
    """One check box per purpose, numbered as on the form, nothing pre-ticked (CON-2); under each granted
    sensitive purpose a second box: the customer's separate signature beside it is on the form (SEN-1)."""

    decided = Signal(str, bool)
    signature_seen = Signal(str, bool)

    def __init__(self, notice, parent=None):
        super().__init__(parent)
        self.notice = notice
        self.setWidgetResizable(True)
        self.boxes: dict[str, QCheckBox] = {}
        self.signed: dict[str, QCheckBox] = {}
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setSpacing(4)
        head = QLabel(self.tr("按登记表照录：表上勾选的项目才勾选，没有勾选的即为不同意。"))
        head.setWordWrap(True)
        lay.addWidget(head)
        bold = QFont()
        bold.setBold(True)
        for i, p in enumerate(notice.purposes, 1):
            row = QFrame()
            row.setFrameShape(QFrame.Shape.StyledPanel)
            rl = QVBoxLayout(row)
            rl.setContentsMargins(8, 4, 8, 4)
            rl.setSpacing(2)
            top = QHBoxLayout()
            box = QCheckBox(f"{i}. {p.title}")
            box.setObjectName(f"paper_consent_{p.code}")
            box.setFont(bold)
            box.setChecked(False)  # nothing pre-ticked
            box.toggled.connect(lambda on, c=p.code: self.decided.emit(c, on))
            top.addWidget(box, 1)
            tag = self.tr("办理会员所必需") if p.required else self.tr("可选")
            if p.sensitive:
                tag = self.tr("敏感个人信息，需单独签名")
            tag_label = QLabel(
                f"<span style='color:{'#cf222e' if p.required or p.sensitive else '#57606a'}'>{_esc(tag)}</span>"
            )
            top.addWidget(tag_label)
            rl.addLayout(top)
            self.boxes[p.code] = box
            if p.sensitive:
                seen = QCheckBox(self.tr("顾客已在登记表上为本项单独签名"))
                seen.setObjectName(f"paper_signed_{p.code}")
                seen.setStyleSheet("margin-left: 24px")
                seen.toggled.connect(lambda on, c=p.code: self.signature_seen.emit(c, on))
                rl.addWidget(seen)
                self.signed[p.code] = seen
            lay.addWidget(row)
        lay.addStretch(1)
        self.setWidget(inner)

    def set_state(self, decisions: dict, signed_on_paper: set[str]) -> None:
        for code, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(bool(decisions.get(code)))
            box.blockSignals(False)
        for code, seen in self.signed.items():
            seen.blockSignals(True)
            seen.setChecked(code in signed_on_paper)
            seen.blockSignals(False)
            seen.setVisible(bool(decisions.get(code)))

    def first_box(self) -> QCheckBox | None:
        return next(iter(self.boxes.values()), None)
