"""Home: who is signed in, what is due or overdue (managers see it first thing), and the POS data
(收银数据 — the last import, problems, and 导入收银数据… for clerks and managers)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from app import reminders
from ui import style
from ui.pages.registry import PageSpec, register_page
from ui.widgets.pos_import_panel import PosImportPanel

LEVEL_COLOURS = {"overdue": style.COLOURS["overdue"], "due": style.COLOURS["soon"], "info": style.COLOURS["text"]}
LEVEL_ICONS = {
    "overdue": "mdi6.alert-circle-outline",
    "due": "mdi6.clock-alert-outline",
    "info": "mdi6.information-outline",
}


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
        style.role(self.sub, "hint")
        lay.addWidget(self.sub)
        head = QLabel(self.tr("待办与到期提醒"))
        style.role(head, "heading")
        lay.addWidget(head)
        self.items = QListWidget()
        self.items.setObjectName("reminders")
        self.items.itemActivated.connect(self._open)
        self.items.setToolTip(self.tr("双击或按 Enter 打开相关页面"))
        lay.addWidget(self.items)  # as tall as its reminders (refresh): no large empty box
        # the counter's two frequent actions, with their keys
        quick = QHBoxLayout()
        self.register_btn = QPushButton(
            style.icon("register", "accent"), self.tr("登记新会员") + f" ({style.shortcut_text('register')})"
        )
        self.register_btn.setObjectName("home_register")
        self.search_btn = QPushButton(
            style.icon("search", "accent"), self.tr("查找会员") + f" ({style.shortcut_text('search')})"
        )
        self.search_btn.setObjectName("home_search")
        for b in (self.register_btn, self.search_btn):
            b.setMinimumHeight(40)
            b.setIconSize(QSize(22, 22))
            quick.addWidget(b)
        quick.addStretch(1)
        self.register_btn.clicked.connect(lambda: self.ctx.action_requested.emit("register"))
        self.search_btn.clicked.connect(lambda: self.ctx.action_requested.emit("search"))
        lay.addLayout(quick)
        self.pos = PosImportPanel(ctx)
        lay.addWidget(self.pos, 1)
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
            item.setForeground(QColor(LEVEL_COLOURS.get(r.level, style.COLOURS["text"])))
            item.setIcon(
                style.icon(LEVEL_ICONS.get(r.level, "mdi6.information-outline"), LEVEL_COLOURS.get(r.level, "text"))
            )
            item.setData(256, r.page)
            item.setData(257, r.key)
            self.items.addItem(item)
        if not found:
            self.items.addItem(QListWidgetItem(self.tr("目前没有到期或逾期的事项。")))
        rows = min(self.items.count(), 6)
        row_h = max(self.items.sizeHintForRow(0), self.items.fontMetrics().lineSpacing() + 6)
        self.items.setFixedHeight(rows * row_h + 2 * self.items.frameWidth() + 6)
        self.pos.refresh()

    def _open(self, item) -> None:
        key = item.data(256)
        if key:
            self.ctx.open_page_requested.emit(key, item.data(257) or "")


register_page(PageSpec("home", "首页", HomePage, order=0))
