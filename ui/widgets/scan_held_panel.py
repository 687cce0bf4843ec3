"""What the scan import could not archive, for a manager (issue #16): form pages held because their ID-number
boxes could not be located (look, keep held, discard) and refused files in the encrypted quarantine (export,
discard). Clerks see the counts only; the list opens after a manager's sign-in, and every look or export is
audited by app.scans. Nothing here reads the database directly."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.errors import UserError
from app.scans import quarantine, unredacted
from ui import messagebox


class ScanHeldPanel(QGroupBox):
    def __init__(self, ctx, viewer, cipher_fn, parent=None):
        super().__init__(parent)
        self.ctx, self.viewer, self._cipher = ctx, viewer, cipher_fn
        self.manager = None  # the manager session that opened the list (dropped by clear())
        self.setTitle(self.tr("未归档（待店长处理）"))
        lay = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("类别"), self.tr("时间"), self.tr("原因"), self.tr("删除期限")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(150)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        lay.addWidget(self.table)
        row = QHBoxLayout()
        self.open_btn = QPushButton(self.tr("查看列表（店长）"))
        self.open_btn.clicked.connect(self.open_list)
        self.view_btn = QPushButton(self.tr("查看原页"))
        self.view_btn.clicked.connect(self.view_selected)
        self.keep_btn = QPushButton(self.tr("继续保留"))
        self.keep_btn.clicked.connect(lambda: self.decide("keep"))
        self.export_btn = QPushButton(self.tr("导出文件…"))
        self.export_btn.clicked.connect(self.export_selected)
        self.discard_btn = QPushButton(self.tr("丢弃"))
        self.discard_btn.clicked.connect(lambda: self.decide("discard"))
        for b in (self.open_btn, self.view_btn, self.keep_btn, self.export_btn, self.discard_btn):
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        self.refresh()

    def _reason(self, reason: str) -> str:
        return {
            "no_qr": self.tr("该页未识别到二维码，无法定位身份证号方格"),
            "qr_position": self.tr("无法确定二维码位置"),
            "qr_distorted": self.tr("二维码变形，无法定位"),
            "no_match": self.tr("与打印的表格不符（复印件、折叠或裁切）"),
            "box_edges": self.tr("身份证号方格不在二维码所示位置（内容错位或其他表格）"),
            "scale": self.tr("分辨率异常"),
            "degenerate": self.tr("无法定位"),
            "notice_unknown": self.tr("表格所印告知书版本未保存"),
        }.get(reason) or (UserError(reason).message(self.ctx.lang) if reason.startswith("scans.") else reason)

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        held, quarantined = unredacted.held_count(session.db), quarantine.quarantine_count(session.db)
        self.summary.setText(
            self.tr("无法涂黑而暂存的表格页 {h} 页；未能导入、已加密隔离的文件 {q} 个。").format(h=held, q=quarantined)
        )
        self.setVisible(bool(held or quarantined))
        if self.manager is not None:
            self._fill()
        self._update_buttons()

    def clear(self) -> None:
        self.manager = None
        self.table.setRowCount(0)
        self.error.clear()

    def open_list(self) -> None:
        self.manager = self.ctx.manager_session(self, self.tr("查看未归档的扫描件需要店长确认。"))
        if self.manager is not None:
            self._fill()
        self._update_buttons()

    def _fill(self) -> None:
        try:
            rows = [
                ("held", h.id, self.tr("暂存表格页"), h.created_at, self._reason(h.reason), h.delete_by)
                for h in unredacted.list_held(self.manager)
            ]
            rows += [
                ("quarantine", q.id, self.tr("隔离文件"), q.created_at, self._reason(q.reason), q.delete_by)
                for q in quarantine.list_quarantine(self.manager)
            ]
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        self.table.setRowCount(len(rows))
        for r, (kind, item_id, label, when, reason, until) in enumerate(rows):
            for c, text in enumerate((label, when[:16].replace("T", " "), reason, until)):
                cell = QTableWidgetItem(text)
                if c == 0:
                    cell.setData(Qt.ItemDataRole.UserRole, (kind, item_id))
                self.table.setItem(r, c, cell)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)

    def _selected(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) if rows else None

    def _update_buttons(self) -> None:
        sel = self._selected() if self.manager is not None else None
        self.open_btn.setVisible(self.manager is None)
        self.view_btn.setEnabled(bool(sel and sel[0] == "held"))
        self.keep_btn.setEnabled(bool(sel and sel[0] == "held"))
        self.export_btn.setEnabled(bool(sel and sel[0] == "quarantine"))
        self.discard_btn.setEnabled(bool(sel))

    def view_selected(self) -> None:
        sel = self._selected()
        if not sel or self.manager is None:
            return
        held_id = sel[1]

        def look(up):  # the held page is sealed: a manager's own password opens it for this look (SEN-3)
            return unredacted.view_held(up.session(self.ctx.session), up.cipher, held_id)

        try:
            found = self.ctx.with_step_up(self, self.tr("查看暂存的原页需要店长输入本人密码确认。"), look)
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        if found is not None:
            self.viewer.set_pages([found[0]])

    def export_selected(self) -> None:
        sel = self._selected()
        if not sel or self.manager is None:
            return
        target, _ = QFileDialog.getSaveFileName(self, self.tr("导出隔离文件"), "")
        if not target:
            return
        qid = sel[1]

        def fetch(up):  # the file is sealed: a manager's own password opens it for this export (SEN-3)
            return quarantine.export_file(up.session(self.ctx.session), up.cipher, qid)

        try:
            data = self.ctx.with_step_up(self, self.tr("导出隔离文件需要店长输入本人密码确认。"), fetch)
            if data is not None:
                Path(target).write_bytes(data)
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
        except OSError:
            self.error.setText(self.tr("无法写入所选位置。"))

    def decide(self, decision: str) -> None:
        sel = self._selected()
        if not sel or self.manager is None:
            return
        if decision == "discard" and not messagebox.question(
            self, self.tr("丢弃"), self.tr("确定删除吗？删除后无法恢复。")
        ):
            return
        try:
            if sel[0] == "held":
                unredacted.decide_held(self.manager, sel[1], decision)
            else:
                quarantine.discard(self.manager, sel[1])
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        self.viewer.clear()
        self.refresh()
