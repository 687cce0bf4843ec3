"""告知书： the published versions (kept forever with their hash), the text in effect, and a manager's
import of a new version (both languages; head-office sync delivers versions the same way)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
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

from app.errors import UserError
from app.notices import current_notice, get_notice, import_notice, list_versions, load_notice_file
from ui import messagebox, style
from ui.pages.registry import PageSpec, register_page
from ui.widgets.notice_view import NoticeView


class NoticesPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 24, 24, 24)
        row = QHBoxLayout()
        head = QLabel(self.tr("顾客信息处理告知书：已发布的版本"))
        style.role(head, "heading")
        row.addWidget(head)
        row.addStretch(1)
        self.import_btn = QPushButton(self.tr("导入新版本…"))
        row.addWidget(self.import_btn)
        lay.addLayout(row)
        hint = QLabel(
            self.tr(
                "已发布的版本不能修改，永久保存并附校验码。新版本改变处理目的、信息类型、保存期限或接收方时，"
                "已同意旧版本的会员在下次到店时须重新确认同意。"
            )
        )
        hint.setWordWrap(True)
        style.role(hint, "hint")
        lay.addWidget(hint)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [self.tr("版本"), self.tr("生效日期"), self.tr("来源"), self.tr("发布时间"), self.tr("校验码（中文版）")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        split.addWidget(self.table)
        self.view = None
        self.view_holder = QWidget()
        self.view_lay = QVBoxLayout(self.view_holder)
        self.view_lay.setContentsMargins(0, 0, 0, 0)
        split.addWidget(self.view_holder)
        split.setSizes([160, 480])
        lay.addWidget(split, 1)
        self.import_btn.clicked.connect(self.import_files)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.refresh()

    def refresh(self) -> None:
        if self.ctx.session is None:
            return
        db = self.ctx.session.db
        sources = {
            "default": self.tr("随软件提供"),
            "manager_import": self.tr("店长导入"),
            "head_office": self.tr("总部"),
        }
        versions = list_versions(db)
        self.table.setRowCount(len(versions))
        for r, v in enumerate(versions):
            cells = [
                v["version"],
                v["effective_date"],
                sources.get(v["source"], v["source"]),
                v["published_at"].replace("T", " ")[:16],
                v["hashes"].get("zh_CN", ""),
            ]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        today = self.ctx.session.clock.now().date().isoformat()
        self._show(current_notice(db, self.ctx.lang, today))

    def _show(self, notice) -> None:
        if self.view is None:
            self.view = NoticeView(notice)
            self.view_lay.addWidget(self.view)
        else:
            self.view.set_notice(notice)

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            version = self.table.item(rows[0].row(), 0).text()
            try:
                self._show(get_notice(self.ctx.session.db, version, self.ctx.lang))
            except UserError as exc:
                self.ctx.show_error(self, exc)

    def import_files(self, paths=None) -> dict | None:
        """Pick the Chinese and the English JSON of one version; a manager publishes them."""
        if paths is None:
            paths, _ = QFileDialog.getOpenFileNames(
                self, self.tr("选择告知书文件（中文版和英文版）"), "", self.tr("告知书 (*.json)")
            )
        if not paths:
            return None
        session = self.ctx.manager_session(self, self.tr("发布新版本告知书需要店长本人登录。"))
        if session is None:
            return None
        try:
            docs = {}
            for p in paths:
                data = load_notice_file(p)
                docs[data.get("lang") if isinstance(data, dict) else None] = data
            if set(docs) != {"zh_CN", "en"}:
                raise UserError("notice.lang_mismatch")
            res = import_notice(session, docs["zh_CN"], docs["en"])
        except UserError as exc:
            self.ctx.show_error(self, exc)
            return None
        if res["new"]:
            text = (
                self.tr("已发布告知书版本 {v}。需重新确认同意的会员：{n} 位。")
                .replace("{v}", res["version"])
                .replace("{n}", str(res["flagged"]))
            )
        else:
            text = self.tr("该版本已发布，内容相同，无需重复导入。")
        messagebox.information(self, self.tr("告知书"), text)
        self.refresh()
        return res


register_page(PageSpec("notices", "告知书", NoticesPage, order=80, manager_only=True))
