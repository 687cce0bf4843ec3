"""Widgets that show a notice to the customer: the full text, one checkbox per purpose, and the
separate consent screen of a sensitive purpose. Used in the register wizard and, in large type,
on the customer-facing screen (客显屏)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.signature_pad import SignaturePad


def _esc(s: str) -> str:
    return html.escape(s or "")


def join(items, lang: str) -> str:
    """An enumeration: 、 in Chinese, ", " in English."""
    return (", " if (lang or "").startswith("en") else "、").join(items)


def colon(lang: str) -> str:
    """The label separator: full-width in Chinese, ASCII with a space in English."""
    return ": " if (lang or "").startswith("en") else "："


class NoticeView(QTextBrowser):
    """The whole notice: controller, contact, each purpose with data types, method, retention and
    recipients, the customer's rights, how to exercise them, the complaint right (NOT-1)."""

    def __init__(self, notice, large: bool = False, parent=None):
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.large = large
        f = QFont()
        f.setPointSize(18 if large else 11)
        self.setFont(f)
        self.set_notice(notice)

    def set_notice(self, notice) -> None:
        self.notice = notice
        c = colon(notice.lang)
        parts = [
            f"<h2>{_esc(notice.title)}</h2>",
            f"<p style='color:#57606a'>{self.tr('版本')} {_esc(notice.version)} · {self.tr('生效日期')} "
            f"{_esc(notice.effective_date)} · {self.tr('校验码')} {notice.content_hash[:12]}</p>",
            f"<p>{_esc(notice.intro)}</p>",
            f"<p><b>{self.tr('个人信息处理者')}{c}</b>{_esc(notice.controller)}<br>"
            f"<b>{self.tr('联系方式')}{c}</b>{_esc(notice.contact)}</p>",
        ]
        for p in notice.purposes:
            tag = self.tr("办理会员所必需") if p.required else self.tr("可选")
            if p.sensitive:
                tag += " · " + self.tr("敏感个人信息，需单独同意")
            parts.append(f"<h3>{_esc(p.title)} <span style='color:#0969da'>({_esc(tag)})</span></h3>")
            parts.append(
                f"<p>{_esc(p.description)}</p><ul>"
                f"<li><b>{self.tr('信息类型')}{c}</b>{_esc(join(p.data_types, notice.lang))}</li>"
                f"<li><b>{self.tr('处理方式')}{c}</b>{_esc(p.method)}</li>"
                f"<li><b>{self.tr('保存期限')}{c}</b>{_esc(p.retention)}</li>"
                f"<li><b>{self.tr('接收方')}{c}</b>{_esc(p.recipients)}</li></ul>"
            )
            if p.sensitive:
                parts.append(
                    f"<p><b>{self.tr('必要性')}{c}</b>{_esc(p.necessity)}<br><b>{self.tr('保护措施')}{c}</b>"
                    f"{_esc(p.protection)}</p>"
                )
        parts.append(
            f"<h3>{self.tr('您的权利')}</h3><ul>" + "".join(f"<li>{_esc(r)}</li>" for r in notice.rights) + "</ul>"
        )
        parts.append(f"<p><b>{self.tr('如何行使')}{c}</b>{_esc(notice.how_to_exercise)}</p>")
        parts.append(f"<p>{_esc(notice.complaint)}</p>")
        self.setHtml("".join(parts))


class ConsentPanel(QScrollArea):
    """One row per purpose with its own checkbox, nothing pre-ticked; the required purpose is marked
    as the only one needed for membership (CON-2)."""

    decided = Signal(str, bool)

    def __init__(self, notice, large: bool = False, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.boxes: dict[str, QCheckBox] = {}
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setSpacing(10 if large else 6)
        pt = 18 if large else 11
        c = colon(notice.lang)
        head = QLabel(
            self.tr("请您逐项选择是否同意。只有第一项是办理会员所必需的，其他各项均可不同意，不影响办理会员。")
        )
        head.setWordWrap(True)
        hf = QFont()
        hf.setPointSize(pt)
        head.setFont(hf)
        lay.addWidget(head)
        for p in notice.purposes:
            row = QFrame()
            row.setFrameShape(QFrame.Shape.StyledPanel)
            rl = QVBoxLayout(row)
            box = QCheckBox(p.title)
            box.setObjectName(f"consent_{p.code}")
            bf = QFont()
            bf.setPointSize(pt)
            bf.setBold(True)
            box.setFont(bf)
            box.setMinimumHeight(48 if large else 28)  # touch target ≥ 44 px on the customer screen
            if large:
                box.setStyleSheet("QCheckBox::indicator { width: 32px; height: 32px; }")
            box.setChecked(False)  # nothing pre-ticked
            box.toggled.connect(lambda on, c=p.code: self.decided.emit(c, on))
            self.boxes[p.code] = box
            rl.addWidget(box)
            tag = self.tr("办理会员所必需") if p.required else self.tr("可选")
            if p.sensitive:
                tag += " · " + self.tr("敏感个人信息，需单独同意")
            info = QLabel(
                f"<span style='color:{'#cf222e' if p.required else '#57606a'}'>{_esc(tag)}</span><br>"
                f"{_esc(p.description)}<br><span style='color:#57606a'>{self.tr('信息类型')}{c}"
                f"{_esc(join(p.data_types, notice.lang))}<br>{self.tr('保存期限')}{c}{_esc(p.retention)}<br>"
                f"{self.tr('接收方')}{c}{_esc(p.recipients)}</span>"
            )
            info.setWordWrap(True)
            f2 = QFont()
            f2.setPointSize(pt - 2 if large else 10)
            info.setFont(f2)
            rl.addWidget(info)
            lay.addWidget(row)
        lay.addStretch(1)
        self.setWidget(inner)

    def set_decisions(self, decisions: dict) -> None:
        for code, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(bool(decisions.get(code)))
            box.blockSignals(False)

    def set_read_only(self, on: bool) -> None:
        for box in self.boxes.values():
            box.setEnabled(not on)


class SensitiveConsentView(QWidget):
    """The separate consent screen of one sensitive purpose: necessity, protection, signature (SEN-1)."""

    signed = Signal(bytes)
    declined = Signal()

    def __init__(self, large: bool = False, parent=None):
        super().__init__(parent)
        self.large = large
        lay = QVBoxLayout(self)
        pt = 18 if large else 11
        self.title = QLabel()
        tf = QFont()
        tf.setPointSize(pt + 4)
        tf.setBold(True)
        self.title.setFont(tf)
        self.title.setWordWrap(True)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        bf = QFont()
        bf.setPointSize(pt)
        self.body.setFont(bf)
        lay.addWidget(self.title)
        lay.addWidget(self.body)
        self.pad = SignaturePad()
        self.pad.setMinimumHeight(200 if large else 150)
        lay.addWidget(self.pad, 1)
        row = QHBoxLayout()
        self.clear_btn = QPushButton(self.tr("重新签名"))
        self.decline_btn = QPushButton(self.tr("不同意此项"))
        for b in (self.clear_btn, self.decline_btn):
            b.setMinimumHeight(48 if large else 30)
            b.setFont(bf)
        self.clear_btn.clicked.connect(self.pad.clear)
        self.decline_btn.clicked.connect(self.declined.emit)
        row.addWidget(self.clear_btn)
        row.addStretch(1)
        row.addWidget(self.decline_btn)
        lay.addLayout(row)
        self.pad.changed.connect(self._changed)

    def show_purpose(self, purpose, lang: str = "zh_CN") -> None:
        c = colon(lang)
        self.purpose = purpose
        self.title.setText(self.tr("单独同意：") + purpose.title)
        alt = ""
        if purpose.code == "face_payment":
            alt = (
                "<p><b>"
                + _esc(self.tr("刷脸支付不是必需的：您随时可以选择扫码、刷卡或现金等其他支付方式。"))
                + "</b></p>"
            )
        self.body.setText(
            f"<p>{_esc(purpose.description)}</p>"
            f"<p><b>{_esc(self.tr('信息类型'))}{c}</b>{_esc(join(purpose.data_types, lang))}</p>"
            f"<p><b>{_esc(self.tr('必要性'))}{c}</b>{_esc(purpose.necessity)}</p>"
            f"<p><b>{_esc(self.tr('保护措施'))}{c}</b>{_esc(purpose.protection)}</p>{alt}"
            f"<p>{_esc(self.tr('如您同意，请在下方签名；不同意不影响办理会员。'))}</p>"
        )
        self.pad.blockSignals(True)
        self.pad.clear()
        self.pad.blockSignals(False)

    def _changed(self) -> None:
        self.signed.emit(b"" if self.pad.is_empty() else self.pad.png_bytes())
