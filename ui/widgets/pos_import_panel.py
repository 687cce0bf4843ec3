"""收银数据 on the home page: how the POS data reaches MemberDesk (the export folder, or by hand), the last
import and any problem in plain words, the latest imports, and the actions: 导入收银数据… (clerks and
managers) and 查看未导入的行… (managers: the report dialog with the rejected lines' numbers).

`status_line(ctx)` is the same news in one line for the main window's status bar."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.messages import render
from app.purchases.pos_folder import INTERVAL_MINUTES, configured_folder, import_report, recent_imports, refusal_reason
from ui import style

RED, AMBER, GREY = style.COLOURS["error"], style.COLOURS["warn"], style.COLOURS["hint"]


def _when(text) -> str:
    return str(text or "").replace("T", " ")[:16]


def problem_text(ctx) -> str:
    """What went wrong in the latest folder import, in plain words ('' when nothing did)."""
    run = ctx.last_pos_run
    if run is None:
        return ""
    if run.problem:
        return render(run.problem, ctx.lang)
    line = QCoreApplication.translate("PosImportPanel", "文件 {name} 未能导入：{reason}。")
    return "\n".join(line.format(name=f.name, reason=render(refusal_reason(f.error), ctx.lang)) for f in run.refused)


def last_import_text(row: dict | None) -> str:
    if row is None:
        return QCoreApplication.translate("PosImportPanel", "尚未导入过收银数据。")
    text = QCoreApplication.translate("PosImportPanel", "上次导入：{when}，导入 {a} 条，未导入 {r} 条。")
    return text.format(when=_when(row["finished_at"] or row["started_at"]), a=row["accepted"], r=row["rejected"])


def status_line(ctx) -> tuple[str, str]:
    """(text, colour) for the status bar: a problem first, then the last import; ('', '') when the store has
    neither a folder set nor any import."""
    session = ctx.session
    if session is None:
        return "", ""
    run = ctx.last_pos_run
    if run is not None and (run.problem or run.refused):
        return QCoreApplication.translate("PosImportPanel", "收银数据：导入有问题，请看首页"), RED
    rows = recent_imports(session.db, 1)
    if not rows:
        if configured_folder(session.db):
            return QCoreApplication.translate("PosImportPanel", "收银数据：尚未导入"), GREY
        return "", ""
    row = rows[0]
    when = _when(row["finished_at"] or row["started_at"])
    if when[:10] == session.clock.today().isoformat():
        when = when[11:]  # today: the time is enough (the status bar is shared)
    text = QCoreApplication.translate("PosImportPanel", "收银数据：{when} 导入 {a} 条").format(
        when=when, a=row["accepted"]
    )
    if row["rejected"]:
        return text + QCoreApplication.translate("PosImportPanel", "，未导入 {r} 条").format(r=row["rejected"]), AMBER
    return text, ""


class PosImportPanel(QGroupBox):
    COLUMNS = 6

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setTitle(self.tr("收银数据"))
        self.setObjectName("pos_import_panel")
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.mode = QLabel()
        self.mode.setWordWrap(True)
        style.role(self.mode, "hint")
        top.addWidget(self.mode, 1)
        self.import_btn = QPushButton(self.tr("导入收银数据…"))
        self.import_btn.setObjectName("import_pos")
        self.import_btn.setMinimumHeight(36)
        self.import_btn.setToolTip(self.tr("导入收银系统导出的交易记录文件"))
        self.import_btn.clicked.connect(lambda: self.import_file())
        top.addWidget(self.import_btn, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(top)
        self.last = QLabel()
        self.last.setObjectName("pos_last_import")
        self.last.setWordWrap(True)
        lay.addWidget(self.last)
        self.problem = QLabel()
        self.problem.setObjectName("pos_problem")
        self.problem.setWordWrap(True)
        style.role(self.problem, "error")
        lay.addWidget(self.problem)
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setObjectName("pos_imports")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("导入时间"),
                self.tr("文件"),
                self.tr("已导入"),
                self.tr("重复"),
                self.tr("未导入"),
                self.tr("状态"),
            ]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(150)
        self.table.setMaximumHeight(190)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.cellDoubleClicked.connect(lambda r, c: self.show_rejected())
        lay.addWidget(self.table)
        row = QHBoxLayout()
        self.report_btn = QPushButton(self.tr("查看未导入的行…"))
        self.report_btn.setObjectName("pos_rejected")
        self.report_btn.clicked.connect(self.show_rejected)
        self.report_btn.setVisible(bool(ctx.session and ctx.session.staff.is_manager))
        row.addWidget(self.report_btn)
        row.addStretch(1)
        lay.addLayout(row)
        self._rows: list[dict] = []
        ctx.pos_import_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        folder = configured_folder(session.db)
        if folder:
            self.mode.setText(
                self.tr("每 {m} 分钟自动导入收银系统导出文件夹中的新文件：").format(m=INTERVAL_MINUTES) + folder
            )
        else:
            self.mode.setText(self.tr("未设置收银系统导出文件夹：收银数据需手动导入（店长可在“设置”中设置文件夹）。"))
        self._rows = recent_imports(session.db, 5)
        self.last.setText(last_import_text(self._rows[0] if self._rows else None))
        problem = problem_text(self.ctx)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        names = self.ctx.pos_file_names
        self.table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            cells = [
                _when(row["finished_at"] or row["started_at"]),
                row.get("file_name") or names.get(row["id"], "—"),
                str(row["accepted"]),
                str(row["duplicates"]),
                str(row["rejected"]),
                self.tr("完成") if row["finished_at"] else self.tr("未完成"),
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c >= 2 and c <= 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        if self._rows:
            with_rejects = next((i for i, row in enumerate(self._rows) if row["rejected"]), 0)
            self.table.selectRow(with_rejects)
        self._selection_changed()

    def _selected(self) -> dict | None:
        r = self.table.currentRow()
        return self._rows[r] if 0 <= r < len(self._rows) else None

    def _selection_changed(self) -> None:
        row = self._selected()
        self.report_btn.setEnabled(bool(row and row["rejected"]))

    # -- actions -----------------------------------------------------------------------
    def import_file(self, path: str | None = None, show: bool = True):
        """导入收银数据…: choose a POS export file, import it off the UI thread, show the report."""
        from ui.dialogs.record_purchase_dialog import import_pos_with_report

        return import_pos_with_report(self.ctx, self, path, show=show)

    def show_rejected(self, show: bool = True):
        """The report of the selected import (managers): each rejected line with its number and reason."""
        session = self.ctx.session
        row = self._selected()
        if session is None or row is None or not session.staff.is_manager:
            return None
        from ui.dialogs.record_purchase_dialog import ImportReportDialog

        result = import_report(session.db, row["id"])
        if result is None:
            return None
        dlg = ImportReportDialog(
            result, self.ctx.lang, self, file_name=row.get("file_name") or self.ctx.pos_file_names.get(row["id"])
        )
        if show:
            dlg.exec()
        return dlg
