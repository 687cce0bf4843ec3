"""Scans: import files (button, drag and drop, watched folder, scanner), the inbox for manual matching,
a viewer (archived pages are the redacted ones: SEN-3), and what could not be archived (held form pages, the
encrypted quarantine) for a manager. All work happens in app.scans; this page only renders and calls it."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.config import read_terminal, write_terminal
from app.errors import UserError
from app.members.service import cipher_for
from app.scans import archive, inbox, sane_source
from app.scans.importer import import_file, import_images
from app.scans.watch import FolderWatcher
from app.storage.fieldcrypt import FieldCipher
from ui import messagebox, style
from ui.pages.registry import PageSpec, register_page
from ui.widgets.scan_held_panel import ScanHeldPanel
from ui.widgets.scan_reveal import ScanRevealBar
from ui.widgets.scan_viewer import ScanViewer

WATCH_INTERVAL_MS = 3000


def _alive(widget) -> bool:
    return shiboken6.isValid(widget)


class ScansPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setAcceptDrops(True)
        self.watcher: FolderWatcher | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(WATCH_INTERVAL_MS)
        self.timer.timeout.connect(self.poll_folder)
        self._busy = False
        self._items = {}

        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        title = QLabel(self.tr("扫描件"))
        style.role(title, "title")
        lay.addWidget(title)

        src = QGroupBox(self.tr("导入签字后的纸质表单"))
        sl = QVBoxLayout(src)
        row = QHBoxLayout()
        self.import_btn = QPushButton(self.tr("导入文件…"))
        self.import_btn.setDefault(True)
        self.import_btn.clicked.connect(self.choose_files)
        self.scan_btn = QPushButton(self.tr("从扫描仪扫描"))
        self.scan_btn.clicked.connect(self.scan_now)
        self.scan_btn.setEnabled(sane_source.available())
        if not sane_source.available():
            self.scan_btn.setToolTip(self.tr("未安装扫描仪支持，请使用扫描仪的“扫描到文件夹”功能。"))
        self.delete_source = QCheckBox(self.tr("导入后删除原文件（推荐，避免明文留在电脑上）"))
        self.delete_source.setChecked(True)
        row.addWidget(self.import_btn)
        row.addWidget(self.scan_btn)
        row.addStretch(1)
        sl.addLayout(row)
        sl.addWidget(self.delete_source)  # a line of its own: the English text is long
        drop = QLabel(self.tr("也可以把扫描件（PNG、JPEG、TIFF、PDF）拖放到本页面。"))
        style.role(drop, "hint")
        sl.addWidget(drop)
        frow = QHBoxLayout()
        self.folder_edit = QLineEdit()
        self.folder_edit.setReadOnly(True)
        self.folder_edit.setPlaceholderText(self.tr("未设置"))
        self.folder_btn = QPushButton(self.tr("选择文件夹…"))
        self.folder_btn.clicked.connect(self.choose_folder)
        self.watch_box = QCheckBox(self.tr("监视此文件夹"))
        self.watch_box.toggled.connect(self.set_watching)
        frow.addWidget(QLabel(self.tr("扫描到文件夹：")))
        frow.addWidget(self.folder_edit, 1)
        frow.addWidget(self.folder_btn)
        frow.addWidget(self.watch_box)
        sl.addLayout(frow)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setObjectName("import_result")
        sl.addWidget(self.result)
        lay.addWidget(src)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.inbox_title = QLabel()
        style.role(self.inbox_title, "heading")
        ll.addWidget(self.inbox_title)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("导入时间"), self.tr("页数"), self.tr("原因"), self.tr("二维码内容")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self.show_selected)
        ll.addWidget(self.table, 1)

        match = QGroupBox(self.tr("人工匹配"))
        ml = QFormLayout(match)
        self.serial_edit = QLineEdit()
        self.serial_edit.setPlaceholderText(self.tr("表单二维码旁印的编号，例如 SH-001-261102-00001"))
        self.member_edit = QLineEdit()
        self.member_edit.setPlaceholderText(self.tr("表单尚未关联会员时填写"))
        ml.addRow(self.tr("表单编号"), self.serial_edit)
        ml.addRow(self.tr("会员号"), self.member_edit)
        brow = QHBoxLayout()
        self.match_btn = QPushButton(self.tr("匹配"))
        self.match_btn.clicked.connect(self.match_selected)
        self.serial_edit.returnPressed.connect(self.match_selected)
        self.discard_btn = QPushButton(self.tr("丢弃扫描件（店长）"))
        self.discard_btn.clicked.connect(self.discard_selected)
        brow.addWidget(self.match_btn)
        brow.addWidget(self.discard_btn)
        brow.addStretch(1)
        ml.addRow(brow)
        crow = QVBoxLayout()  # one under the other: side by side they need 464 px in English (1366×768 at 125 %)
        self.replace_btn = QPushButton(self.tr("以新扫描件替换"))
        self.keep_btn = QPushButton(self.tr("两份都保留"))
        self.drop_new_btn = QPushButton(self.tr("删除新扫描件"))
        for b, d in ((self.replace_btn, "replace"), (self.keep_btn, "keep_both"), (self.drop_new_btn, "discard")):
            b.clicked.connect(lambda _=False, d=d: self.resolve_selected(d))
            crow.addWidget(b, 0, Qt.AlignmentFlag.AlignLeft)
        self.conflict_label = QLabel(self.tr("同一编号已归档了不同内容，请店长决定："))
        self.conflict_label.setWordWrap(True)
        ml.addRow(self.conflict_label)
        ml.addRow(crow)
        self.error = QLabel()
        style.role(self.error, "error")
        self.error.setWordWrap(True)
        ml.addRow(self.error)
        ll.addWidget(match)
        split.addWidget(left)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.viewer = ScanViewer()
        rl.addWidget(self.viewer, 1)
        self.reveal_bar = ScanRevealBar(ctx, self.viewer)  # the unredacted page: a manager's step-up (SEN-3)
        rl.addWidget(self.reveal_bar)
        split.addWidget(right)
        split.setSizes([520, 560])
        lay.addWidget(split, 1)
        self.held_panel = ScanHeldPanel(ctx, self.viewer, self._cipher)
        lay.addWidget(self.held_panel)
        self._load_folder_setting()
        self.refresh()

    # -- helpers ---------------------------------------------------------------------
    def _cipher(self) -> FieldCipher:
        return cipher_for(self.ctx.vault)

    def _reason_text(self, reason: str) -> str:
        return {
            "no_qr": self.tr("未识别到二维码"),
            "unknown_serial": self.tr("编号不在已打印表单中"),
            "member_missing": self.tr("表单尚未关联会员"),
            "serial_conflict": self.tr("同一编号内容不同，待店长决定"),
        }.get(reason, reason)

    def _selected(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    # -- refresh ----------------------------------------------------------------------
    def refresh(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        items = inbox.list_inbox(session.db)
        self._items = {i.id: i for i in items}
        self.inbox_title.setText(self.tr("待匹配的扫描件（{n}）").format(n=len(items)))
        self.table.setRowCount(len(items))
        for r, it in enumerate(items):
            cells = [
                it.created_at[:16].replace("T", " "),
                str(it.pages),
                self._reason_text(it.reason),
                it.qr_serial or "—",
            ]
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if c == 0:
                    cell.setData(Qt.ItemDataRole.UserRole, it.id)
                self.table.setItem(r, c, cell)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        self.show_selected()
        self.held_panel.refresh()

    def clear(self) -> None:
        self.timer.stop()
        self.held_panel.clear()
        self.reveal_bar.clear()
        self.viewer.clear()
        self.serial_edit.clear()
        self.member_edit.clear()
        self.result.clear()
        self.error.clear()

    def show_selected(self) -> None:
        doc_id = self._selected()
        item = self._items.get(doc_id) if doc_id else None
        conflict = item is not None and item.status == "conflict"
        self.match_btn.setEnabled(item is not None and not conflict)
        self.discard_btn.setEnabled(item is not None)
        for b in (self.replace_btn, self.keep_btn, self.drop_new_btn):
            b.setVisible(conflict)
        self.conflict_label.setVisible(conflict)
        self.error.clear()
        if item is None:
            self.reveal_bar.clear()
            self.viewer.clear()
            return
        if item.qr_serial and not self.serial_edit.text():
            self.serial_edit.setText(item.qr_serial)
        try:
            pages = archive.document_pages(self.ctx.session, self._cipher(), doc_id)
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        self.viewer.set_pages([p.data for p in pages])
        self.reveal_bar.set_pages([p.scan_id for p in pages], [p.data for p in pages])

    # -- import -----------------------------------------------------------------------
    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("选择扫描件"), "", self.tr("扫描件") + " (*.png *.jpg *.jpeg *.tif *.tiff *.pdf)"
        )
        self.import_paths([Path(f) for f in files], "file")

    def import_paths(self, paths: list[Path], source: str) -> None:
        session = self.ctx.session
        if session is None or not paths:
            return
        cipher, delete = self._cipher(), self.delete_source.isChecked()
        for p in paths:
            self.ctx.run_task(
                lambda p=p: import_file(session, cipher, p, source=source, delete_source=delete),
                self.on_imported,
                self.on_failed,
            )

    def on_imported(self, res) -> None:
        if not _alive(self):  # the app locked while a batch was importing
            return
        style.role(self.result, "ok")
        self.result.setText(
            self.tr("已导入 {pages} 页：已匹配 {m} 份，待匹配 {i} 份，重复 {d} 份，待店长决定 {c} 份。").format(
                pages=res.pages,
                m=res.count("matched"),
                i=res.count("inbox"),
                d=res.count("duplicate"),
                c=res.count("conflict"),
            )
            + (
                self.tr("另有 {h} 页无法定位身份证号方格，未归档，已暂存待店长处理。").format(h=len(res.held))
                if res.held
                else ""
            )
        )
        self.refresh()

    def on_failed(self, exc) -> None:
        if not _alive(self):
            return
        style.role(self.result, "error")
        self.ctx.show_error(self, exc, self.result)

    def scan_now(self) -> None:
        session, cipher = self.ctx.session, self._cipher()
        self.ctx.run_task(
            lambda: import_images(session, cipher, sane_source.scan_pages()), self.on_imported, self.on_failed
        )

    def dragEnterEvent(self, event):  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        paths = [p for p in paths if p.is_file()]
        self.import_paths(paths, "drop")
        event.acceptProposedAction()

    # -- watched folder ---------------------------------------------------------------
    def _load_folder_setting(self) -> None:
        folder = read_terminal(self.ctx.paths).get("scan_watch_folder") or ""
        self.folder_edit.setText(folder)
        self.watch_box.setEnabled(bool(folder))
        if folder and Path(folder).is_dir():
            self.watch_box.setChecked(True)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择扫描仪保存文件的文件夹"))
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str) -> None:
        write_terminal(self.ctx.paths, scan_watch_folder=folder)
        self.folder_edit.setText(folder)
        self.watch_box.setEnabled(True)
        self.watch_box.setChecked(True)
        self.set_watching(True)

    def set_watching(self, on: bool) -> None:
        folder = self.folder_edit.text()
        if on and folder:
            self.watcher = FolderWatcher(folder)
            try:
                self.watcher.check()
            except UserError as exc:
                self.on_failed(exc)
                self.watch_box.setChecked(False)
                return
            self.timer.start()
        else:
            self.timer.stop()
            self.watcher = None

    def poll_folder(self) -> None:
        if self.watcher is None or self.ctx.session is None or self._busy:
            return
        self._busy = True
        session, cipher, watcher = self.ctx.session, self._cipher(), self.watcher

        def done(out):
            self._busy = False
            for res in out.imported:
                self.on_imported(res)
            if out.failed:
                _name, exc = out.failed[-1]
                self.on_failed(exc)
            if out.imported or out.failed:
                self.refresh()

        def failed(exc):
            self._busy = False
            self.on_failed(exc)

        self.ctx.run_task(lambda: watcher.poll(session, cipher), done, failed)

    # -- inbox actions ----------------------------------------------------------------
    def match_selected(self) -> None:
        doc_id = self._selected()
        if not doc_id:
            return
        try:
            status = inbox.match_document(
                self.ctx.session, doc_id, self.serial_edit.text(), member_no=self.member_edit.text() or None
            )
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        self.serial_edit.clear()
        self.member_edit.clear()
        style.role(self.result, "ok")
        self.result.setText(
            {
                "matched": self.tr("已匹配并归档。"),
                "duplicate": self.tr("该表单已归档过相同内容。"),
                "conflict": self.tr("同一编号已归档了不同内容，已转店长决定。"),
            }.get(status, "")
        )
        self.refresh()

    def discard_selected(self) -> None:
        doc_id = self._selected()
        if not doc_id:
            return
        session = self.ctx.manager_session(self, self.tr("丢弃扫描件需要店长确认。"))
        if session is None:
            return
        if not messagebox.question(self, self.tr("丢弃扫描件"), self.tr("确定删除这份扫描件吗？删除后无法恢复。")):
            return
        try:
            inbox.discard_document(session, doc_id)
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        self.refresh()

    def resolve_selected(self, decision: str) -> None:
        doc_id = self._selected()
        if not doc_id:
            return
        session = self.ctx.manager_session(self, self.tr("处理重复编号需要店长确认。"))
        if session is None:
            return
        try:
            inbox.resolve_conflict(session, doc_id, decision)
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        self.refresh()


register_page(PageSpec("scans", "扫描件", ScansPage, order=40))
