"""Home: who is signed in, what is due or overdue (managers see it first thing), and the POS data
(收银数据 — the last import, problems, and 导入收银数据… for clerks and managers)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app import reminders
from ui.pages.registry import PageSpec, register_page
from ui.widgets.pos_import_panel import PosImportPanel

LEVEL_COLOURS = {"overdue": "#c0392b", "due": "#b7791f", "info": "#24292f"}


class HomePage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 24, 24, 24)
        self.greeting = QLabel()
        f = QFont()
        f.setPointSize(18)
        f.setBold(True)
        self.greeting.setFont(f)
        lay.addWidget(self.greeting)
        self.sub = QLabel()
        self.sub.setStyleSheet("color: #57606a")
        lay.addWidget(self.sub)
        head = QLabel(self.tr("待办与到期提醒"))
        head.setStyleSheet("font-size: 15px; font-weight: bold; margin-top: 16px")
        lay.addWidget(head)
        self.items = QListWidget()
        self.items.setObjectName("reminders")
        self.items.itemActivated.connect(self._open)
        lay.addWidget(self.items, 1)
        self.pos = PosImportPanel(ctx)
        lay.addWidget(self.pos)
        self.refresh()

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        self.greeting.setText(self.tr("您好，") + session.staff.display_name)
        self.sub.setText(
            session.clock.now().strftime("%Y-%m-%d")
            + "  ·  "
            + (self.tr("店长") if session.staff.is_manager else self.tr("店员"))
        )
        self.items.clear()
        found = reminders.collect(session.db, session.clock.today())
        for r in found:
            item = QListWidgetItem(r.text(self.ctx.lang))
            item.setForeground(QColor(LEVEL_COLOURS.get(r.level, "#24292f")))
            item.setData(256, r.page)
            item.setData(257, r.key)
            self.items.addItem(item)
        if not found:
            self.items.addItem(QListWidgetItem(self.tr("目前没有到期或逾期的事项。")))
        self.pos.refresh()

    def _open(self, item) -> None:
        key = item.data(256)
        if key:
            self.ctx.open_page_requested.emit(key, item.data(257) or "")


register_page(PageSpec("home", "首页", HomePage, order=0))
