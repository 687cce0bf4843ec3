"""Originals register: counts, due dates (overdue red, due within 3 working days amber), cabinet and
custodian, check-out/return, the scan, witnessed destruction and its record, holiday-table import; a second
tab lists the forms registered on paper and not scanned yet (ui/widgets/unscanned_forms_panel.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.calendar.holiday_file import import_holiday_file
from app.config import read_terminal
from app.errors import UserError
from app.members.service import cipher_for
from app.originals import destruction, tracking as R
from app.scans import archive
from ui import messagebox, style
from ui.dialogs.scan_viewer_dialog import ScanViewerDialog
from ui.pages.registry import PageSpec, register_page
from ui.widgets.unscanned_forms_panel import UnscannedFormsPanel

RED, AMBER, GREY = style.COLOURS["error"], style.COLOURS["warn"], style.COLOURS["hint"]


class OriginalsPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self._rows: list[R.Original] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        title = QLabel(self.tr("纸质原件登记簿"))
        style.role(title, "title")
        lay.addWidget(title)
        hint = QLabel(self.tr("纸质原件扫描归档后存放在带锁文件柜中，须在扫描后 30 个工作日内销毁。"))
        style.role(hint, "hint")
        hint.setWordWrap(True)  # the English line needs 811 px: it wraps on a narrow screen
        lay.addWidget(hint)

        tiles = QGridLayout()
        self.tiles: dict[str, QLabel] = {}
        for col, (key, text, colour) in enumerate(
            (
                ("in_cabinet", self.tr("在柜"), "#24292f"),
                ("checked_out", self.tr("借出"), "#24292f"),
                ("overdue", self.tr("已逾期"), RED),
                ("due_soon", self.tr("3 个工作日内到期"), AMBER),
                ("due_this_week", self.tr("本周到期"), "#24292f"),
                ("destroyed", self.tr("已销毁"), GREY),
            )
        ):
            box = QFrame()
            box.setFrameShape(QFrame.Shape.StyledPanel)
            bl = QVBoxLayout(box)
            num = QLabel("0")
            num.setStyleSheet(f"color: {colour}")  # the count's own status colour; size from the "big" role
            style.role(num, "big")
            num.setObjectName(f"count_{key}")
            bl.addWidget(num)
            bl.addWidget(QLabel(text))
            self.tiles[key] = num
            tiles.addWidget(box, 0, col)
        lay.addLayout(tiles)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        style.role(self.warning, "banner")
        lay.addWidget(self.warning)

        self.tabs = QTabWidget()
        register_tab = QWidget()
        rl = QVBoxLayout(register_tab)
        rl.setContentsMargins(0, 8, 0, 0)
        self.unscanned = UnscannedFormsPanel()
        self.unscanned.open_scans.connect(self._open_scans)
        self.tabs.addTab(register_tab, self.tr("原件登记簿"))
        self.tabs.addTab(self.unscanned, "")
        lay.addWidget(self.tabs, 1)

        bar = QHBoxLayout()
        self.filter = QComboBox()
        self.filter.addItem(self.tr("未销毁"), "open")
        self.filter.addItem(self.tr("全部"), None)
        self.filter.addItem(self.tr("已销毁"), "destroyed")
        self.filter.currentIndexChanged.connect(self.refresh)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("按表单编号查找"))
        self.search.textChanged.connect(self.refresh)
        bar.addWidget(self.filter)
        bar.addWidget(self.search, 1)
        self.holiday_btn = QPushButton(self.tr("导入节假日表…"))
        self.holiday_btn.clicked.connect(self.import_holidays)
        self.records_btn = QPushButton(self.tr("销毁记录…"))
        self.records_btn.clicked.connect(self.save_record)
        bar.addWidget(self.holiday_btn)
        bar.addWidget(self.records_btn)
        rl.addLayout(bar)

        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("表单编号"),
                self.tr("扫描时间"),
                self.tr("销毁截止日"),
                self.tr("剩余工作日"),
                self.tr("文件柜"),
                self.tr("保管人"),
                self.tr("状态"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self.view_scan)
        rl.addWidget(self.table, 1)

        edit = QGridLayout()
        self.cabinet = QLineEdit()
        self.cabinet.setPlaceholderText(self.tr("例如 柜A-1"))
        self.custodian = QComboBox()
        self.locate_btn = QPushButton(self.tr("保存存放位置"))
        self.locate_btn.clicked.connect(self.save_location)
        edit.addWidget(QLabel(self.tr("带锁文件柜")), 0, 0)
        edit.addWidget(self.cabinet, 0, 1)
        edit.addWidget(QLabel(self.tr("保管人")), 0, 2)
        edit.addWidget(self.custodian, 0, 3)
        edit.addWidget(self.locate_btn, 0, 4)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("借出原因"))
        self.return_date = QDateEdit()
        self.return_date.setCalendarPopup(True)
        self.return_date.setDisplayFormat("yyyy-MM-dd")
        self.out_btn = QPushButton(self.tr("借出"))
        self.out_btn.clicked.connect(self.check_out)
        self.in_btn = QPushButton(self.tr("归还入柜"))
        self.in_btn.clicked.connect(self.check_in)
        edit.addWidget(QLabel(self.tr("借出原因")), 1, 0)
        edit.addWidget(self.reason, 1, 1)
        edit.addWidget(QLabel(self.tr("归还日期")), 1, 2)
        edit.addWidget(self.return_date, 1, 3)
        ob = QHBoxLayout()
        ob.addWidget(self.out_btn)
        ob.addWidget(self.in_btn)
        edit.addLayout(ob, 1, 4)
        edit.setColumnStretch(1, 1)
        rl.addLayout(edit)
        actions = QHBoxLayout()
        self.view_btn = QPushButton(self.tr("查看扫描件"))
        self.view_btn.clicked.connect(self.view_scan)
        self.select_due_btn = QPushButton(self.tr("选中已到期和即将到期的原件"))
        self.select_due_btn.clicked.connect(self.select_due)
        self.destroy_btn = QPushButton(self.tr("销毁选中的原件…"))
        self.destroy_btn.clicked.connect(self.destroy_selected)
        self.error = QLabel()
        style.role(self.error, "error")
        self.error.setWordWrap(True)
        actions.addWidget(self.view_btn)
        actions.addWidget(self.error, 1)
        actions.addWidget(self.select_due_btn)
        actions.addWidget(self.destroy_btn)
        rl.addLayout(actions)
        self.refresh()

    # -- data -------------------------------------------------------------------------
    def _today(self) -> dt.date:
        return self.ctx.session.clock.today()

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        today = self._today()
        counts = R.counts(session.db, today)
        for key, label in self.tiles.items():
            label.setText(str(counts.get(key, 0)))
        self._rows = R.list_originals(
            session.db, today, status=self.filter.currentData(), serial_like=self.search.text()
        )
        missing = sorted({y for o in R.list_originals(session.db, today, status="open") for y in o.missing_years})
        self.warning.setVisible(bool(missing))
        if missing:
            self.warning.setText(
                self.tr(
                    "{years} 年的节假日安排尚未导入，标 * 的截止日期按保守方法计算（可能早于实际截止日）。"
                    "请店长导入节假日表。"
                ).format(years="、".join(str(y) for y in missing))
            )
        status_text = {"in_cabinet": self.tr("在柜"), "checked_out": self.tr("借出"), "destroyed": self.tr("已销毁")}
        self.table.setRowCount(len(self._rows))
        for r, o in enumerate(self._rows):
            status = status_text[o.status]
            return_late = (
                o.status == "checked_out" and bool(o.checkout_return) and o.checkout_return < today.isoformat()
            )
            if o.status == "checked_out" and o.checkout_return:
                status += (
                    self.tr("（逾期未还，应于 {d} 归还）") if return_late else self.tr("（应于 {d} 归还）")
                ).format(d=o.checkout_return)
            if o.status == "destroyed" and o.destroyed_at:
                status += " " + o.destroyed_at[:10]
            left = (
                "—"
                if o.status == "destroyed"
                else (
                    self.tr("逾期 {n} 个工作日").format(n=-o.working_days_left)
                    if o.urgency == "overdue"
                    else str(o.working_days_left)
                )
            )
            due = o.due_date.isoformat() + (" *" if o.missing_years else "")
            cells = [
                o.serial,
                o.scanned_at[:16].replace("T", " "),
                due,
                left,
                o.cabinet or "—",
                o.custodian_name or "—",
                status,
            ]
            colour = {"overdue": RED, "due_soon": AMBER, "done": GREY}.get(o.urgency)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, o.id)
                if colour:
                    item.setForeground(QBrush(QColor(colour)))
                    if o.urgency == "overdue" and c in (2, 3):
                        item.setBackground(QBrush(QColor("#ffebe9")))
                    elif o.urgency == "due_soon" and c in (2, 3):
                        item.setBackground(QBrush(QColor("#fff8c5")))
                if return_late and c == 6:
                    item.setForeground(QBrush(QColor(RED)))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.custodian.clear()
        for staff_id, name in R.custodians(session.db):
            self.custodian.addItem(name, staff_id)
        manager = session.staff.is_manager
        self.holiday_btn.setVisible(True)
        self.destroy_btn.setToolTip("" if manager else self.tr("销毁需要店长登录确认。"))
        self.return_date.setDate(QDate(today.year, today.month, today.day).addDays(3))
        self._selection_changed()
        self._refresh_unscanned(session.db, today)

    def _refresh_unscanned(self, db, today: dt.date) -> None:
        """The second tab: forms registered on paper and not scanned yet, counted in its title."""
        rows = self.unscanned.refresh(db, today)
        self.tabs.setTabText(1, self.tr("待扫描的登记表（%1）").replace("%1", str(len(rows))))
        colour = {"red": RED, "amber": AMBER}.get(self.unscanned.worst())
        self.tabs.tabBar().setTabTextColor(1, QColor(colour) if colour else QColor())  # invalid: the default

    def _open_scans(self) -> None:
        self.ctx.open_page_requested.emit("scans", "")

    def show_reminder(self, key: str) -> None:
        """Opened from a home-page reminder: the unscanned forms' reminders land on their tab."""
        self.tabs.setCurrentWidget(self.unscanned if key.startswith("originals.unscanned") else self.tabs.widget(0))

    def clear(self) -> None:
        self.table.setRowCount(0)
        self.unscanned.table.setRowCount(0)
        self.reason.clear()
        self.cabinet.clear()
        self.error.clear()

    def selected(self) -> list[R.Original]:
        rows = (
            sorted({i.row() for i in self.table.selectionModel().selectedRows()}) if self.table.selectionModel() else []
        )
        return [self._rows[r] for r in rows if r < len(self._rows)]

    def select_due(self) -> None:
        """Select every original in the cabinet that is overdue or due within 3 working days."""
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for r, o in enumerate(self._rows):
            if o.status == "in_cabinet" and o.urgency in ("overdue", "due_soon"):
                self.table.selectRow(r)
        self.table.setSelectionMode(mode)

    def _selection_changed(self) -> None:
        sel = self.selected()
        one = sel[0] if len(sel) == 1 else None
        open_ = [o for o in sel if o.status != "destroyed"]
        self.locate_btn.setEnabled(bool(one and one.status != "destroyed"))
        self.out_btn.setEnabled(bool(one and one.status == "in_cabinet"))
        self.in_btn.setEnabled(bool(one and one.status == "checked_out"))
        self.view_btn.setEnabled(bool(one and one.document_id))
        self.destroy_btn.setEnabled(bool(open_) and all(o.status == "in_cabinet" for o in sel))
        if one:
            self.cabinet.setText(one.cabinet)
            i = self.custodian.findData(one.custodian_id)
            if i >= 0:
                self.custodian.setCurrentIndex(i)
        self.error.clear()

    def _run(self, fn) -> bool:
        try:
            fn()
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return False
        self.refresh()
        return True

    # -- actions ----------------------------------------------------------------------
    def save_location(self) -> None:
        [o] = self.selected()[:1] or [None]
        if o:
            self._run(lambda: R.set_location(self.ctx.session, o.id, self.cabinet.text(), self.custodian.currentData()))

    def check_out(self) -> None:
        [o] = self.selected()[:1] or [None]
        if o:
            d = self.return_date.date()
            if self._run(
                lambda: R.check_out(self.ctx.session, o.id, self.reason.text(), dt.date(d.year(), d.month(), d.day()))
            ):
                self.reason.clear()

    def check_in(self) -> None:
        [o] = self.selected()[:1] or [None]
        if o:
            self._run(lambda: R.check_in(self.ctx.session, o.id))

    def view_scan(self, *_):
        [o] = self.selected()[:1] or [None]
        if not o or not o.document_id:
            return None
        try:
            pages = archive.document_pages(self.ctx.session, cipher_for(self.ctx.vault), o.document_id)
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return None
        dlg = ScanViewerDialog(
            [p.data for p in pages],
            self.tr("扫描件") + " " + o.serial,
            self,
            ctx=self.ctx,
            scan_ids=[p.scan_id for p in pages],
        )
        dlg.open()
        return dlg

    def destroy_selected(self):
        batch = [o for o in self.selected() if o.status == "in_cabinet"]
        if not batch:
            return None
        session = self.ctx.manager_session(self, self.tr("销毁纸质原件需要店长登录确认。"))
        if session is None:
            return None
        from ui.dialogs.destroy_originals_dialog import DestroyOriginalsDialog

        dlg = DestroyOriginalsDialog(self.ctx, session, batch, self)
        if dlg.exec() and dlg.destruction_id:
            self.refresh()
            self.save_record(dlg.destruction_id)
        return dlg

    def save_record(self, destruction_id: str | None = None) -> None:
        session = self.ctx.session
        if not destruction_id:
            items = destruction.list_destructions(session.db)
            if not items:
                messagebox.information(self, self.tr("销毁记录"), self.tr("还没有销毁记录。"))
                return
            labels = [
                f"{d['batch_no']}  {d['destroyed_at'][:16].replace('T', ' ')}  {d['form_count']} " + self.tr("份")
                for d in items
            ]
            label, ok = QInputDialog.getItem(self, self.tr("销毁记录"), self.tr("选择批次"), labels, 0, False)
            if not ok:
                return
            destruction_id = items[labels.index(label)]["id"]
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("保存销毁记录"), self.tr("销毁记录") + ".pdf", "PDF (*.pdf)"
        )
        if not path:
            return
        store_name = read_terminal(self.ctx.paths).get("store_name") or None
        try:
            Path(path).write_bytes(
                destruction.destruction_record_pdf(session.db, destruction_id, store_name=store_name)
            )
        except OSError:
            self.error.setText(self.tr("无法保存文件，请换一个位置。"))

    def import_holidays(self) -> None:
        session = self.ctx.manager_session(self, self.tr("导入节假日表需要店长登录确认。"))
        if session is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择节假日表"), "", self.tr("节假日表") + " (*.json)")
        if path:
            self.import_holiday_file(session, Path(path))

    def import_holiday_file(self, session, path: Path) -> None:
        def work():
            try:
                data = path.read_bytes()
            except OSError:
                raise UserError("scans.file_unreadable") from None
            year = import_holiday_file(session, data)
            moved = R.recompute_due_dates(session)
            messagebox.information(
                self,
                self.tr("节假日表"),
                self.tr("已导入 {year} 年节假日表，{n} 份原件的截止日期已重新计算。").format(year=year, n=moved),
            )

        self._run(work)


register_page(PageSpec("originals", "纸质原件", OriginalsPage, order=45))
