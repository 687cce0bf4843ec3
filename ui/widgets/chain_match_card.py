"""The match head office found for a mobile (issue #18): what the clerk checks with the customer at the desk —
masked name, member number, registering store, the purposes consented and under which notice version, restricted
and minor flags — and the one action 顾客在场，确认 (adopt and open the member). Renders an
`app.sync.chain.ChainMatch`; no SQL, no rule."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from ui import style


class ChainMatchCard(QFrame):
    confirmed = Signal(str)  # member id
    cancelled = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("chain_match_card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.member_id = ""
        lay = QVBoxLayout(self)
        self.heading = QLabel(self.tr("总部找到该手机号的会员（在其他门店登记）"))
        style.role(self.heading, "heading")
        lay.addWidget(self.heading)
        form = QFormLayout()
        self.name = QLabel()
        self.member_no = QLabel()
        self.store = QLabel()
        self.purposes = QLabel()
        self.purposes.setWordWrap(True)
        self.notice = QLabel()
        self.flags = QLabel()
        style.role(self.flags, "warn")
        form.addRow(self.tr("姓名（请与顾客核对）"), self.name)
        form.addRow(self.tr("会员号"), self.member_no)
        form.addRow(self.tr("登记门店"), self.store)
        form.addRow(self.tr("已同意的处理目的"), self.purposes)
        form.addRow(self.tr("告知书版本"), self.notice)
        form.addRow("", self.flags)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.confirm_btn = QPushButton(self.tr("顾客在场，确认"))
        self.confirm_btn.setObjectName("chain_confirm")
        self.confirm_btn.setDefault(True)
        self.cancel_btn = QPushButton(self.tr("不是这位顾客"))
        row.addStretch(1)
        row.addWidget(self.cancel_btn)
        row.addWidget(self.confirm_btn)
        lay.addLayout(row)
        self.confirm_btn.clicked.connect(lambda: self.confirmed.emit(self.member_id))
        self.cancel_btn.clicked.connect(self.cancelled.emit)
        self.hide()

    def show_match(self, match, titles: dict[str, str]) -> None:
        """`titles`: purpose code -> its title in the screen's language."""
        self.member_id = match.member_id
        self.name.setText(match.name_masked)
        self.member_no.setText(match.member_no)
        self.store.setText(match.home_store)
        codes = set(match.granted_purposes)
        granted = [t for c, t in titles.items() if c in codes] + sorted(codes - set(titles))  # the notice's order
        self.purposes.setText("、".join(granted) if granted else self.tr("无"))
        self.notice.setText(match.notice_version or "")
        flags = []
        if match.restricted:
            flags.append(self.tr("限制处理"))
        if match.minor:
            flags.append(self.tr("不满十四周岁的未成年人：之后的同意需要监护人"))
        self.flags.setText(" · ".join(flags))
        self.flags.setVisible(bool(flags))
        self.show()
        self.confirm_btn.setFocus()

    def clear(self) -> None:
        self.member_id = ""
        for label in (self.name, self.member_no, self.store, self.purposes, self.notice, self.flags):
            label.clear()
        self.hide()
