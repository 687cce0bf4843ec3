"""The customer-facing screen (客显屏): the notice, one checkbox per purpose, the separate consent
and signature of sensitive purposes, in large type (≥ 16 pt) and polite form, on the second QScreen.

It only renders the registration flow owned by the register dialog and reports the customer's
choices back through signals; the confirm button depends only on the required purpose (CON-2).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from app.flows.registration import Step
from ui.widgets.notice_view import ConsentPanel, NoticeView, SensitiveConsentView, TouchScale, pt_font, touch_scale


def customer_screen_target(setting: str = "auto"):
    """The QScreen for the customer display, or None (then the clerk turns the screen to the customer)."""
    if str(setting) == "off":
        return None
    screens = QGuiApplication.screens()
    if str(setting).isdigit():
        i = int(setting)
        return screens[i] if 0 < i < len(screens) else None
    return screens[1] if len(screens) > 1 else None


class CustomerScreen(QWidget):
    decided = Signal(str, bool)
    signed = Signal(bytes)
    declined = Signal()
    advance = Signal()  # the customer pressed 下一步 / 确认
    go_back = Signal()

    def __init__(self, notice, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(self.tr("顾客信息处理告知书"))
        self.notice = notice
        lay = QVBoxLayout(self)
        lay.setContentsMargins(32, 24, 32, 24)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        lay.addWidget(self.heading)
        self.stack = QStackedWidget()
        self.notice_view = NoticeView(notice, large=True)
        self.consent = ConsentPanel(notice, large=True)
        self.sensitive = SensitiveConsentView(large=True)
        self.waiting = QLabel()
        self.waiting.setWordWrap(True)
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for w in (self.notice_view, self.consent, self.sensitive, self.waiting):
            self.stack.addWidget(w)
        lay.addWidget(self.stack, 1)
        row = QHBoxLayout()
        self.back_btn = QPushButton(self.tr("返回"))
        self.next_btn = QPushButton(self.tr("下一步"))
        self.next_btn.setProperty("choice", "consentYes")
        row.addWidget(self.back_btn)
        row.addStretch(1)
        row.addWidget(self.next_btn)
        lay.addLayout(row)
        self.consent.decided.connect(self.decided.emit)
        self.sensitive.signed.connect(self.signed.emit)
        self.sensitive.declined.connect(self.declined.emit)
        self.next_btn.clicked.connect(self.advance.emit)
        self.back_btn.clicked.connect(self.go_back.emit)
        self.apply_scale(touch_scale(self.screen()))

    def place(self, screen) -> None:
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.apply_scale(touch_scale(screen))
        self.showFullScreen()

    def apply_scale(self, scale: TouchScale) -> None:
        """Type, buttons and signature area sized for the customer's display (touch_scale)."""
        self.scale = scale
        self.heading.setFont(pt_font(round(scale.title_pt * 1.15), bold=True))
        self.waiting.setFont(pt_font(scale.body_pt))
        for b in (self.back_btn, self.next_btn):
            b.setFont(pt_font(scale.body_pt, bold=True))
            b.setMinimumSize(scale.target_px * 3, scale.target_px)
        for w in (self.notice_view, self.consent, self.sensitive):
            w.apply_scale(scale)

    def render(self, flow) -> None:
        step = flow.step
        self.heading.setVisible(True)
        paper = getattr(flow, "paper", False)  # the customer fills in a paper form: nothing to do here
        self.back_btn.setVisible(not paper and step in (Step.CONSENT, Step.SENSITIVE))
        self.next_btn.setVisible(not paper and step in (Step.NOTICE, Step.CONSENT, Step.SENSITIVE))
        if paper and step is not Step.DONE:
            self.heading.setText(self.tr("会员登记"))
            self.waiting.setText(self.tr("您选择了纸质登记表。请在表上逐项勾选、填写并签名，店员随后为您录入。"))
            self.stack.setCurrentWidget(self.waiting)
        elif step is Step.NOTICE:
            self.heading.setText(self.tr("请您先阅读《顾客信息处理告知书》"))
            self.next_btn.setText(self.tr("我已阅读，下一步"))
            self.next_btn.setEnabled(True)
            self.stack.setCurrentWidget(self.notice_view)
        elif step is Step.CONSENT:
            self.heading.setText(self.tr("请您逐项选择是否同意"))
            self.consent.set_decisions(flow.decisions)
            self.next_btn.setText(self.tr("确认"))
            self.next_btn.setEnabled(flow.can_confirm_consent())  # CON-2: only the required purpose
            self.stack.setCurrentWidget(self.consent)
        elif step is Step.SENSITIVE:
            code = flow.current_sensitive()
            p = flow.notice.purpose(code)
            self.heading.setText(self.tr("敏感个人信息单独同意"))
            self.heading.setVisible(False)  # the page's own title names the purpose: no second heading
            if getattr(self.sensitive, "purpose", None) is not p:
                self.sensitive.show_purpose(p, flow.notice.lang)
            self.next_btn.setText(self.tr("同意并签名"))
            self.next_btn.setEnabled(bool(flow.signatures.get(code)))
            self.stack.setCurrentWidget(self.sensitive)
        elif step is Step.DONE:
            self.heading.setText(self.tr("登记完成"))
            self.waiting.setText(self.tr("感谢您的耐心。您的会员已办理完成。"))
            self.stack.setCurrentWidget(self.waiting)
        else:
            self.heading.setText(self.tr("请稍候"))
            self.waiting.setText(self.tr("店员正在为您录入信息，请稍候。"))
            self.stack.setCurrentWidget(self.waiting)
