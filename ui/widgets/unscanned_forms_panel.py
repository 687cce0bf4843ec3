"""The tab 待扫描的登记表 (forms to scan): paper registration forms a member was registered with whose
scan is not archived yet (app.originals.unscanned), oldest first, with their age in working days, amber
from SCAN_AMBER_AFTER and red from SCAN_RED_AFTER. Shown as a tab of the originals page; 去扫描件页 opens
the scans page."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.originals.unscanned import SCAN_AMBER_AFTER, SCAN_RED_AFTER, UnscannedForm, list_unscanned
from app.scans.inbox import inbox_count
from ui import style

RED, AMBER, GREY = style.COLOURS["error"], style.COLOURS["warn"], style.COLOURS["hint"]
BACKGROUNDS = {"red": "#ffebe9", "amber": "#fff8c5"}


class UnscannedFormsPanel(QWidget):
    open_scans = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[UnscannedForm] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        self.hint = QLabel(
            self.tr(
                "会员已按这些纸质登记表登记，但表还没有扫描归档。登记表是顾客同意的凭证：请找到原件扫描，"
                "扫描后放入带锁文件柜（30 个工作日内销毁）。登记后满 %1 个工作日未扫描的标黄色，"
                "满 %2 个工作日的标红色。"
            )
            .replace("%1", str(SCAN_AMBER_AFTER))
            .replace("%2", str(SCAN_RED_AFTER))
        )
        self.hint.setWordWrap(True)
        style.role(self.hint, "hint")
        lay.addWidget(self.hint)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("unscanned_forms")
        self.table.setHorizontalHeaderLabels(
            [self.tr("表单编号"), self.tr("登记时间"), self.tr("已过工作日"), self.tr("会员号"), self.tr("登记店员")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table, 1)
        self.empty = QLabel(self.tr("没有待扫描的登记表：按纸质登记表登记的会员，登记表都已扫描归档。"))
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty)
        bar = QHBoxLayout()
        self.inbox_note = QLabel()
        self.inbox_note.setObjectName("unscanned_inbox_note")
        self.inbox_note.setWordWrap(True)
        bar.addWidget(self.inbox_note, 1)
        self.scans_btn = QPushButton(self.tr("去扫描件页"))
        self.scans_btn.clicked.connect(self.open_scans.emit)
        bar.addWidget(self.scans_btn)
        lay.addLayout(bar)

    def refresh(self, db, today: dt.date) -> list[UnscannedForm]:
        self.rows = list_unscanned(db, today)
        self.table.setRowCount(len(self.rows))
        for r, f in enumerate(self.rows):
            cells = [f.serial, f.registered_at[:16].replace("T", " "), str(f.age), f.member_no, f.registered_by or "—"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if f.level in BACKGROUNDS:
                    item.setForeground(QBrush(QColor(RED if f.level == "red" else AMBER)))
                    if c == 2:
                        item.setBackground(QBrush(QColor(BACKGROUNDS[f.level])))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)
        waiting = inbox_count(db)
        self.inbox_note.setText(
            self.tr("收件箱中待手动匹配的扫描件：%1 份，其中可能有上面的登记表。").replace("%1", str(waiting))
            if waiting and self.rows
            else ""
        )
        return self.rows

    def worst(self) -> str:
        levels = {f.level for f in self.rows}
        return "red" if "red" in levels else "amber" if "amber" in levels else "ok"
