"""个人信息权利申请： the queue (filters by type, status and due; sorted by due date; counts; overdue
red, due within 3 working days amber) with the request detail beside it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import requests as R
from app.requests import model as M
from ui import style
from ui.pages.registry import PageSpec, register_page
from ui.pages.request_detail import URGENCY_COLOURS, RequestDetail, countdown_text

ROW_BACKGROUND = {"overdue": "#fdecea", "soon": "#fff4d6"}


class RequestsPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[dict] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 16, 16, 16)
        top = QHBoxLayout()
        title = QLabel(self.tr("个人信息权利申请"))
        style.role(title, "title")
        top.addWidget(title)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        top.addWidget(self.summary, 1)
        self.new_btn = QPushButton(self.tr("新建申请"))
        self.new_btn.setMinimumHeight(36)
        self.new_btn.clicked.connect(self.new_request)
        top.addWidget(self.new_btn)
        lay.addLayout(top)

        filters = QHBoxLayout()
        self.type_filter = QComboBox()
        self.type_filter.addItem(self.tr("全部事项"), None)
        for key in M.TYPES:
            self.type_filter.addItem(M.label(M.TYPE_LABELS, key, ctx.lang), key)
        self.status_filter = QComboBox()
        self.status_filter.addItem(self.tr("全部状态"), None)
        for key in M.STATUSES:
            self.status_filter.addItem(M.label(M.STATUS_LABELS, key, ctx.lang), key)
        self.due_filter = QComboBox()
        for key, text in (
            ("open", self.tr("未办结")),
            ("overdue", self.tr("已超期")),
            ("soon", self.tr("3个工作日内到期")),
            ("closed", self.tr("已办结")),
            ("all", self.tr("全部")),
        ):
            self.due_filter.addItem(text, key)
        for label, combo in (
            (self.tr("事项"), self.type_filter),
            (self.tr("状态"), self.status_filter),
            (self.tr("期限"), self.due_filter),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(combo)
            combo.currentIndexChanged.connect(self.refresh)
        filters.addStretch(1)
        lay.addLayout(filters)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("受理编号"),
                self.tr("申请事项"),
                self.tr("会员号"),
                self.tr("状态"),
                self.tr("答复期限"),
                self.tr("倒计时"),
            ]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # no stretched last column: on a narrow screen (1366×768 at 125 %) it shrank below its text ("已超期…");
        # every column keeps its contents' width and the list scrolls sideways instead
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.itemSelectionChanged.connect(self._selected)
        split.addWidget(self.table)
        self.detail = RequestDetail(ctx)
        self.detail.changed.connect(self.refresh)
        split.addWidget(self.detail)
        split.setSizes([700, 500])
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)
        self.refresh()

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        today = session.clock.today()
        keep = self.detail.request_id
        self.rows = R.list_requests(
            session,
            today,
            req_type=self.type_filter.currentData(),
            status=self.status_filter.currentData(),
            due=self.due_filter.currentData(),
        )
        s = R.requests_due_summary(session.db, today)
        self.summary.setText(
            "&nbsp;&nbsp;"
            + self.tr("未办结 %1 件").replace("%1", str(s["open"]))
            + f" · <span style='color:{URGENCY_COLOURS['overdue']}'>"
            + self.tr("已超期 %1 件").replace("%1", str(s["overdue"]))
            + "</span>"
            + f" · <span style='color:{URGENCY_COLOURS['soon']}'>"
            + self.tr("3个工作日内到期 %1 件").replace("%1", str(s["soon"]))
            + "</span>"
            + " · "
            + self.tr("当前列表 %1 件").replace("%1", str(len(self.rows)))
            + (
                " · "
                + self.tr("* 缺少节假日表，期限按保守方法计算（可能偏早） %1 件").replace(
                    "%1", str(s["table_missing_count"])
                )
                if s["table_missing_count"]
                else ""
            )
        )
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.rows))
        select = -1
        for i, r in enumerate(self.rows):
            member = r["member_no"] or (
                self.tr("未找到该顾客")
                if not r["customer_found"]
                else self.tr("已删除")
                if r["member_erased"]
                else self.tr("(仅店长可见)")
            )
            cells = [
                r["request_no"],
                M.label(M.TYPE_LABELS, r["type"], self.ctx.lang),
                member,
                M.label(M.STATUS_LABELS, r["status"], self.ctx.lang),
                r["due_on"] + (" *" if r.get("table_missing") and r["urgency"] != "closed" else ""),  # RIG-2 fallback
                countdown_text(r["urgency"], r["days_left"]),
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r["id"])
                if r["urgency"] in ROW_BACKGROUND:
                    item.setBackground(QBrush(QColor(ROW_BACKGROUND[r["urgency"]])))
                if c == 5:
                    item.setForeground(QBrush(QColor(URGENCY_COLOURS[r["urgency"]])))
                self.table.setItem(i, c, item)
            if r["id"] == keep:
                select = i
        self.table.blockSignals(False)
        if select >= 0:  # a request that left the filtered list stays open in the detail
            self.table.blockSignals(True)
            self.table.selectRow(select)
            self.table.blockSignals(False)

    def _selected(self) -> None:
        items = self.table.selectedItems()
        self.detail.show_request(items[0].data(Qt.ItemDataRole.UserRole) if items else None)

    def new_request(self) -> None:
        from ui.dialogs.new_request_dialog import NewRequestDialog

        dlg = NewRequestDialog(self.ctx, self)
        if dlg.exec() and dlg.request_id:
            self.due_filter.setCurrentIndex(0)
            self.detail.show_request(dlg.request_id)
            self.refresh()

    def select_request(self, request_id: str) -> None:
        self.detail.show_request(request_id)
        self.refresh()

    def clear(self) -> None:
        self.table.setRowCount(0)
        self.rows = []
        self.detail.show_request(None)


register_page(PageSpec("requests", "个人信息权利申请", RequestsPage, order=40))
