"""Widgets that show a notice to the customer: the full text, one checkbox per purpose, and the
separate consent screen of a sensitive purpose. Used in the register wizard and, in large type,
on the customer-facing screen (客显屏)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
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


@dataclass(frozen=True)
class TouchScale:
    """Type (pt) and touch targets (logical px) for a screen: the customer's screen is read and touched at arm's
    length, so both grow with the display — targets ≥ 9 mm and ≥ 70 px per 1080 lines (UX.md), type ≥ 16 pt."""

    body_pt: int
    small_pt: int
    title_pt: int
    target_px: int
    signature_px: int


CLERK_SCALE = TouchScale(body_pt=11, small_pt=10, title_pt=13, target_px=34, signature_px=150)


def touch_scale(screen=None) -> TouchScale:
    """The customer screen's scale for `screen` (default: the primary screen)."""
    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:  # pragma: no cover - no screen at all
        return TouchScale(21, 18, 27, 70, 320)
    ratio = screen.devicePixelRatio() or 1.0
    px_per_mm = (screen.physicalDotsPerInchY() or 96) / ratio / 25.4  # logical px in one physical mm
    return touch_scale_for(screen.availableGeometry().height(), px_per_mm)


def touch_scale_for(lines: int, px_per_mm: float) -> TouchScale:
    """The scale for a screen `lines` logical px tall with `px_per_mm` logical px per physical millimetre
    (a 24" 1080p screen at 100 %: 1080 lines, 3.6 px/mm; the same at 150 %: 720 lines, 2.4 px/mm)."""
    lines = max(600, lines)
    unit = lines / 1080
    body = max(16, round(21 * unit))
    target = max(round(9 * px_per_mm), round(70 * unit))
    return TouchScale(
        body_pt=body,
        small_pt=max(16, round(18 * unit)),
        title_pt=round(body * 1.3),
        target_px=target,
        signature_px=max(200, round(lines * 0.33)),
    )


def pt_font(pt: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(pt)
    f.setBold(bold)
    return f


class NoticeView(QTextBrowser):
    """The whole notice: controller, contact, each purpose with data types, method, retention and
    recipients, the customer's rights, how to exercise them, the complaint right (NOT-1)."""

    def __init__(self, notice, large: bool = False, parent=None):
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.large = large
        self.apply_scale(None if large else CLERK_SCALE)
        self.set_notice(notice)

    def apply_scale(self, scale: TouchScale | None = None) -> None:
        self.setFont(pt_font((scale or touch_scale(self.screen())).body_pt))

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
    """One row per purpose with its own clear choice (同意 or 不同意) of the same size, side by side, nothing
    chosen at first — and the required purpose marked as the only one needed for membership (CON-2).
    `boxes[code]` is the 同意 button of a purpose, `refuse[code]` its 不同意 button; an open choice counts as
    not agreed."""

    decided = Signal(str, bool)

    def __init__(self, notice, large: bool = False, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.large = large
        self.boxes: dict[str, QPushButton] = {}
        self.refuse: dict[str, QPushButton] = {}
        self._texts: list[tuple[QLabel, str]] = []  # (label, "body" | "small" | "title")
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setSpacing(12)
        c = colon(notice.lang)
        # the customer screen's heading already asks to choose: here only what the choice means
        head = QLabel(self.tr("只有第一项是办理会员所必需的，其他各项均可不同意，不影响办理会员。"))
        head.setWordWrap(True)
        head.setVisible(large)  # the clerk's wizard says it in its step hint: not twice
        self._texts.append((head, "body"))
        lay.addWidget(head)
        for p in notice.purposes:
            row = QFrame()
            row.setObjectName("purposeRow")
            row.setFrameShape(QFrame.Shape.StyledPanel)
            rl = QVBoxLayout(row)
            title = QLabel(p.title)
            title.setTextFormat(Qt.TextFormat.PlainText)
            title.setWordWrap(True)
            self._texts.append((title, "title"))
            rl.addWidget(title)
            tag = self.tr("办理会员所必需") if p.required else self.tr("可选")
            if p.sensitive:
                tag += " · " + self.tr("敏感个人信息，需单独同意")
            info = QLabel(
                f"<b style='color:{'#c0392b' if p.required else '#0969da'}'>{_esc(tag)}</b><br>"
                f"{_esc(p.description)}<br><span style='color:#424a53'>{self.tr('信息类型')}{c}"
                f"{_esc(join(p.data_types, notice.lang))}<br>{self.tr('保存期限')}{c}{_esc(p.retention)}<br>"
                f"{self.tr('接收方')}{c}{_esc(p.recipients)}</span>"
            )
            info.setWordWrap(True)
            self._texts.append((info, "small"))
            rl.addWidget(info)
            yes = QPushButton(self.tr("同意"))
            no = QPushButton(self.tr("不同意"))
            yes.setObjectName(f"consent_{p.code}")
            no.setObjectName(f"refuse_{p.code}")
            choice = QHBoxLayout()
            for b, kind in ((yes, "consentYes"), (no, "consentNo")):
                b.setCheckable(True)
                b.setChecked(False)  # nothing pre-ticked
                b.setAutoDefault(False)
                b.setProperty("choice", kind)
                b.setAccessibleName(f"{p.title} {b.text()}")
                choice.addWidget(b, 1)  # the same size: refusing is as easy as agreeing
            yes.toggled.connect(lambda on, c=p.code: self._yes(c, on))
            no.toggled.connect(lambda on, c=p.code: self._no(c, on))
            self.boxes[p.code] = yes
            self.refuse[p.code] = no
            rl.addLayout(choice)
            lay.addWidget(row)
        lay.addStretch(1)
        self.setWidget(inner)
        self.apply_scale(None if large else CLERK_SCALE)

    def apply_scale(self, scale: TouchScale | None = None) -> None:
        """Type and button heights for the screen this panel is on (default: the customer screen's)."""
        sc = scale or touch_scale(self.screen())
        sizes = {"body": sc.body_pt, "small": sc.small_pt, "title": sc.title_pt}
        for label, kind in self._texts:
            label.setFont(pt_font(sizes[kind], bold=kind == "title"))
        for b in (*self.boxes.values(), *self.refuse.values()):
            b.setFont(pt_font(sc.body_pt, bold=True))
            b.setMinimumHeight(sc.target_px)
            b.setMinimumWidth(sc.target_px * 2)

    def _yes(self, code: str, on: bool) -> None:
        if on:
            self._set(self.refuse[code], False)
        self.decided.emit(code, on)

    def _no(self, code: str, on: bool) -> None:
        if on:
            self._set(self.boxes[code], False)
            self.decided.emit(code, False)

    @staticmethod
    def _set(button: QPushButton, on: bool) -> None:
        button.blockSignals(True)
        button.setChecked(on)
        button.blockSignals(False)

    def set_decisions(self, decisions: dict) -> None:
        """Mirror the flow: True -> 同意， False -> 不同意， absent -> nothing chosen yet."""
        for code, box in self.boxes.items():
            d = decisions.get(code)
            self._set(box, d is True)
            self._set(self.refuse[code], d is False)

    def set_read_only(self, on: bool) -> None:
        for box in (*self.boxes.values(), *self.refuse.values()):
            box.setEnabled(not on)


class SensitiveConsentView(QWidget):
    """The separate consent screen of one sensitive purpose: necessity, protection, signature (SEN-1).
    不同意此项 sits at the top, as large as the screen's 同意并签名 and far from it and from the signature."""

    signed = Signal(bytes)
    declined = Signal()

    def __init__(self, large: bool = False, parent=None):
        super().__init__(parent)
        self.large = large
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.decline_btn = QPushButton(self.tr("不同意此项"))
        self.decline_btn.setObjectName("declineSensitive")
        self.decline_btn.setProperty("choice", "consentNo")
        self.decline_btn.setAutoDefault(False)
        top.addWidget(self.title, 1)
        top.addWidget(self.decline_btn, 0, Qt.AlignmentFlag.AlignTop)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        lay.addLayout(top)
        lay.addWidget(self.body)
        self.pad = SignaturePad()
        lay.addWidget(self.pad, 1)
        row = QHBoxLayout()
        self.clear_btn = QPushButton(self.tr("重新签名"))
        self.clear_btn.setAutoDefault(False)
        self.clear_btn.clicked.connect(self.pad.clear)
        self.decline_btn.clicked.connect(self.declined.emit)
        row.addWidget(self.clear_btn)
        row.addStretch(1)
        lay.addLayout(row)
        self.pad.changed.connect(self._changed)
        self.apply_scale(None if large else CLERK_SCALE)

    def apply_scale(self, scale: TouchScale | None = None) -> None:
        sc = scale or touch_scale(self.screen())
        self.title.setFont(pt_font(sc.title_pt, bold=True))
        self.body.setFont(pt_font(sc.body_pt))
        for b in (self.clear_btn, self.decline_btn):
            b.setFont(pt_font(sc.body_pt, bold=b is self.decline_btn))
            b.setMinimumHeight(sc.target_px)
        self.decline_btn.setMinimumWidth(sc.target_px * 3)
        self.pad.setMinimumHeight(sc.signature_px)

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
