"""同步： status of the sync with head office, 立即同步， the sync log, and enrolment (manager).

The page also runs the periodic sync while someone is signed in (interval from head office,
setting sync_interval_minutes, default 15): a job "sync" of ctx.jobs (ui/jobs.py, the background lane:
it waits for a running POS import or backup), off the UI thread, so the counter never waits.
The main window's status bar reads app.sync.sync_status(db).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.messages import render
from app.sync import SyncEngine, sync_log, sync_status
from ui import style
from ui.jobs import Job
from ui.pages.registry import PageSpec, register_page

GREEN, RED, GREY = style.COLOURS["ok"], style.COLOURS["error"], style.COLOURS["hint"]


def _ro(text) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def _when(text) -> str:
    if not text:
        return ""
    return str(text).replace("T", " ")[:16]


class SyncPage(QWidget):
    def __init__(self, ctx, parent=None, *, engine_factory=None):
        super().__init__(parent)
        self.ctx = ctx
        self.engine_factory = engine_factory or self._default_engine
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 16)

        status = QGroupBox(self.tr("同步状态"))
        form = QFormLayout(status)
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        self.last_success = QLabel()
        self.last_attempt = QLabel()
        self.pending = QLabel()
        self.server = QLabel()
        self.clock_label = QLabel()
        self.clock_label.setWordWrap(True)
        form.addRow(self.tr("状态"), self.state_label)
        form.addRow(self.tr("上次成功同步"), self.last_success)
        form.addRow(self.tr("上次尝试"), self.last_attempt)
        form.addRow(self.tr("待上传记录"), self.pending)
        form.addRow(self.tr("总部地址"), self.server)
        form.addRow(self.tr("时钟"), self.clock_label)
        row = QHBoxLayout()
        self.sync_now = QPushButton(self.tr("立即同步"))
        self.sync_now.setMinimumHeight(44)
        self.sync_now.clicked.connect(lambda: self.start_sync("manual"))
        row.addWidget(self.sync_now)
        row.addStretch(1)
        form.addRow(row)
        lay.addWidget(status)

        self.enrol_box = QGroupBox(self.tr("登记到总部（店长）"))
        ef = QFormLayout(self.enrol_box)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://")
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText(self.tr("总部提供的一次性登记码"))
        ca_row = QHBoxLayout()
        self.ca_edit = QLineEdit()
        self.ca_edit.setPlaceholderText(self.tr("总部证书文件（.pem）"))
        pick = QPushButton(self.tr("选择…"))
        pick.clicked.connect(self.pick_ca)
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(pick)
        self.enrol_button = QPushButton(self.tr("登记"))
        self.enrol_button.setMinimumHeight(44)
        self.enrol_button.clicked.connect(self.enrol)
        self.enrol_error = QLabel()
        self.enrol_error.setWordWrap(True)
        style.role(self.enrol_error, "error")
        ef.addRow(self.tr("总部地址"), self.url_edit)
        ef.addRow(self.tr("登记码"), self.code_edit)
        ef.addRow(self.tr("总部证书"), ca_row)
        ef.addRow(self.enrol_error)
        ef.addRow(self.enrol_button)
        lay.addWidget(self.enrol_box)

        for box in (status, self.enrol_box):
            box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        log_title = QLabel(self.tr("同步记录"))
        log_title.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        lay.addWidget(log_title)
        self.log_table = QTableWidget(0, 7)
        self.log_table.setHorizontalHeaderLabels(
            [
                self.tr("开始时间"),
                self.tr("方式"),
                self.tr("结果"),
                self.tr("上传"),
                self.tr("下载"),
                self.tr("执行删除"),
                self.tr("说明"),
            ]
        )
        self.log_table.verticalHeader().setVisible(False)
        self.log_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.log_table.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.log_table, 1)

        self.refresh()

    # -- engine -------------------------------------------------------------------------
    def _default_engine(self) -> SyncEngine:
        from app.members.service import cipher_for

        session = self.ctx.background_session()  # the sync writes on the background connection
        return SyncEngine.for_session(
            session, cipher=cipher_for(self.ctx.vault), ledger_path=self.ctx.paths.erasure_ledger
        )

    @property
    def running(self) -> bool:
        """A sync is queued or running (ctx.jobs, background lane)."""
        return self.ctx.jobs.pending("sync")

    def _sync_job(self, trigger: str = "timer") -> Job | None:
        if self.ctx.session is None or not sync_status(self.ctx.session.db)["enrolled"]:
            return None
        engine = self.engine_factory()
        return Job("sync", lambda: engine.sync_once(trigger), on_done=self._done, on_error=self._failed)

    def start_sync(self, trigger: str = "manual") -> None:
        job = None if self.running else self._sync_job(trigger)
        if job is None:
            return
        self.sync_now.setEnabled(False)
        self.state_label.setText(self.tr("正在同步…"))
        self.ctx.jobs.submit(job)

    def _done(self, result) -> None:
        self._finished()

    def _failed(self, exc) -> None:
        self._finished()  # the error is in the sync log and the status line; a timer run never pops up a box

    def _finished(self) -> None:
        try:
            self.refresh()
        except RuntimeError:  # the app locked while the sync ran: this page is already gone
            pass

    # -- enrolment ------------------------------------------------------------------------
    def pick_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择总部证书"), "", self.tr("证书 (*.pem *.crt)"))
        if path:
            self.ca_edit.setText(path)

    def enrol(self) -> None:
        session = self.ctx.manager_session(self, self.tr("登记到总部"))
        if session is None:
            return
        store_code = self.ctx.vault.terminal()["store_code"]
        url, code, ca = self.url_edit.text().strip(), self.code_edit.text().strip(), self.ca_edit.text().strip() or None
        engine = self.engine_factory()

        def done(_):
            self.code_edit.clear()
            self.enrol_error.clear()
            self.refresh()

        def failed(exc):
            self.ctx.show_error(self, exc, self.enrol_error)

        self.ctx.run_task(lambda: engine.enrol(url, store_code, code, ca_file=ca, session=session), done, failed)

    # -- view -----------------------------------------------------------------------------
    def refresh(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        st = sync_status(session.db)
        lang = self.ctx.lang
        self.sync_now.setEnabled(st["enrolled"] and not self.running)
        self.enrol_box.setVisible(not st["enrolled"] and session.staff.is_manager)
        if not st["enrolled"]:
            self.state_label.setText(self.tr("本店尚未登记到总部。"))
            style.role(self.state_label, "hint")
        elif st["last_error"]:
            self.state_label.setText(render(st["last_error"], lang))
            style.role(self.state_label, "error")
        elif st["resync_required"]:
            self.state_label.setText(self.tr("需要完整重新同步，下次同步时自动进行。"))
            style.role(self.state_label, "error")
        else:
            self.state_label.setText(self.tr("正常"))
            style.role(self.state_label, "ok")
        self.last_success.setText(_when(st["last_success"]) or self.tr("从未"))
        self.last_attempt.setText(_when(st["last_attempt"]) or self.tr("从未"))
        self.pending.setText(str(st["pending"]))
        self.server.setText(st["url"] or self.tr("未配置"))
        offset = st["clock_offset"]
        if abs(offset) > 120:
            self.clock_label.setText(
                self.tr("本机时钟与总部相差 %1 分钟，已按总部时间校正。请检查本机时间。").replace(
                    "%1", str(round(offset / 60))
                )
            )
            style.role(self.clock_label, "error")
        else:
            self.clock_label.setText(self.tr("与总部一致"))
            style.role(self.clock_label, "")
        minutes = max(1, int(st["interval_minutes"] or 15))
        if st["enrolled"] and self.ctx.jobs.scheduled().get("sync") != minutes * 60000:
            self.ctx.jobs.every("sync", minutes, lambda: self._sync_job("timer"), start=True)
        self._fill_log(session.db)

    def _fill_log(self, db) -> None:
        trig = {
            "timer": self.tr("定时"),
            "manual": self.tr("手动"),
            "enrol": self.tr("登记"),
            "feed": self.tr("总部下发"),
        }
        outcome = {
            "ok": self.tr("成功"),
            "offline": self.tr("未连接"),
            "refused": self.tr("被拒绝"),
            "error": self.tr("出错"),
            "busy": self.tr("忙"),
        }
        rows = sync_log(db, 200)
        self.log_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            text = render(r["message_key"], self.ctx.lang) if r["message_key"] else ""
            items = [
                _when(r["started_at"]),
                trig.get(r["trigger"], r["trigger"]),
                outcome.get(r["outcome"], r["outcome"]),
                r["uploaded"],
                r["downloaded"],
                r["erasures"],
                text,
            ]
            for j, v in enumerate(items):
                item = _ro(v)
                if j == 2:
                    item.setForeground(Qt.GlobalColor.darkGreen if r["outcome"] == "ok" else Qt.GlobalColor.red)
                self.log_table.setItem(i, j, item)

    def clear(self) -> None:
        self.ctx.jobs.forget("sync")
        self.code_edit.clear()
        self.url_edit.clear()
        self.ca_edit.clear()
        self.enrol_error.clear()


register_page(PageSpec("sync", "同步", lambda ctx: SyncPage(ctx), order=80))
