"""Main window: sign-in screen while locked; navigation + pages + status bar while signed in.

Locking (idle timer, the lock button, switch user) closes every dialog, destroys the pages (so no
form keeps what was typed), clears the clipboard and drops the open database connections (the vault
stops the background jobs' connection first: a job's open transaction rolls back).
"""

from __future__ import annotations

import datetime as dt
import logging

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.access import backup
from app.audit import journal as read_journal
from app.config import resource_dir
from app.evidence import journal_summaries
from app.members.service import cipher_for
from app.purchases import pos_folder
from app.purchases.pos_folder import INTERVAL_MINUTES as POS_INTERVAL_MINUTES
from app.retention import sweep
from app.settings import get_setting
from app.storage.db import CHECKPOINT_MINUTES
from app.sync import sync_status
from ui import style
from ui.idle import InactivityTimer
from ui.jobs import Job
from ui.pages import registry
from ui.widgets.page_stack import PageStack
from ui.widgets.pos_import_panel import status_line as pos_status_line
from ui.widgets.sign_in_widget import SignInWidget

log = logging.getLogger("memberdesk.ui.main")
NAV_SHORTCUTS = {"members": "search"}  # a page a shortcut opens: its key in the tooltip


class MainWindow(QMainWindow):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("MemberDesk")
        self.setWindowIcon(QIcon(str(resource_dir() / "icons" / "memberdesk.png")))
        # no fixed size: the layouts stretch from 1366×768 (at 100 %) to 1920×1080 (at 100–150 %);
        # the first start fills most of the screen it opens on
        self.resize(1280, 720)
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.sign_in = SignInWidget(ctx)
        self.sign_in.signed_in.connect(self.on_signed_in)
        self.sign_in.forgot_password.connect(self.on_forgot_password)
        self.stack.addWidget(self.sign_in)
        self.workspace = QWidget()
        ws = QHBoxLayout(self.workspace)
        ws.setContentsMargins(0, 0, 0, 0)
        ws.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.currentRowChanged.connect(self._show_page)
        # the left column: pages, then who is signed in where, then 切换用户 / 锁定 — always on screen, whatever
        # the width of the window or the language (the status bar holds only sync and POS state)
        self.nav_column = QWidget()
        self.nav_column.setObjectName("navColumn")
        self.nav_column.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        col = QVBoxLayout(self.nav_column)
        col.setContentsMargins(0, 0, 0, 8)
        col.setSpacing(4)
        col.addWidget(self.nav, 1)
        self.store_label = QLabel()
        self.staff_label = QLabel()
        self.staff_label.setObjectName("staffLabel")
        for w in (self.store_label, self.staff_label):
            w.setWordWrap(True)
            w.setProperty("navFooter", True)
            col.addWidget(w)
        self.store_label.setObjectName("storeLabel")
        self.lock_button = QPushButton(self.tr("锁定"))
        self.lock_button.setObjectName("lockButton")
        self.lock_button.setIcon(style.icon("lock", "#f0f3f6"))
        self.lock_button.clicked.connect(self.lock)
        self.switch_button = QPushButton(self.tr("切换用户"))
        self.switch_button.setObjectName("switchButton")
        self.switch_button.setIcon(style.icon("switch_user", "#f0f3f6"))
        self.switch_button.clicked.connect(self.switch_user)
        for b in (self.switch_button, self.lock_button):
            row = QHBoxLayout()
            row.setContentsMargins(8, 0, 8, 0)
            row.addWidget(b)
            col.addLayout(row)
        self.pages = PageStack()
        ws.addWidget(self.nav_column)
        ws.addWidget(self.pages, 1)
        self.stack.addWidget(self.workspace)
        self._page_widgets: dict[str, QWidget] = {}
        self._page_keys: list[str] = []

        sb = self.statusBar()
        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncLabel")
        self.pos_label = QLabel()
        self.pos_label.setObjectName("posLabel")
        for w in (self.sync_label, self.pos_label):
            sb.addWidget(w)

        # Keyboard first at the counter: F2 registers a member, F3 (or Ctrl+F) finds one, Ctrl+L locks; the keys
        # are shown on the buttons' tooltips and next to the pages they open.
        QShortcut(QKeySequence(style.SHORTCUTS["register"]), self, activated=self.start_registration)
        QShortcut(QKeySequence(style.SHORTCUTS["search"]), self, activated=self.start_search)
        QShortcut(QKeySequence(style.SHORTCUTS["search_alt"]), self, activated=self.start_search)
        QShortcut(QKeySequence(style.SHORTCUTS["lock"]), self, activated=self.lock)
        self.lock_button.setToolTip(self.tr("锁定") + f" ({style.shortcut_text('lock')})")
        self.switch_button.setToolTip(self.tr("锁定并让另一位员工登录"))
        self.idle = InactivityTimer(self)
        self.idle.inactive.connect(self.lock)
        self.status_timer = QTimer(self)
        self.status_timer.setInterval(30_000)
        self.status_timer.timeout.connect(self.refresh_status)
        ctx.pos_import_changed.connect(self.refresh_status)
        ctx.open_page_requested.connect(self._open_requested)
        ctx.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        ctx.action_requested.connect(self._action_requested)
        self._show_locked()

    # -- state -----------------------------------------------------------------------
    def _show_locked(self) -> None:
        self.stack.setCurrentWidget(self.sign_in)
        self.sign_in.refresh()
        self.statusBar().setVisible(False)
        self.idle.deactivate(QApplication.instance())
        self.status_timer.stop()

    def on_signed_in(self, session) -> None:
        from app.notices import ensure_default_stored
        from app.requests.restore import apply_ledger

        apply_ledger(session, self.ctx.paths)  # re-apply erasures (after a restore) before any page opens
        ensure_default_stored(session)  # this release's default notice replaces an older shipped one (NOT-2, CON-5)
        self.ctx.set_session(session)
        if session.staff.must_change_password:
            from ui.dialogs.change_password_dialog import ChangePasswordDialog

            if not ChangePasswordDialog(self.ctx, self, forced=True).exec():
                self.lock()
                return
        self._build_pages()
        self.stack.setCurrentWidget(self.workspace)
        self.statusBar().setVisible(True)
        self.refresh_status()
        minutes = float(get_setting(session.db, "idle_lock_minutes", 5) or 5)
        self.idle.activate(minutes, QApplication.instance())
        self.status_timer.start()
        self._schedule_jobs(session)
        self.ctx.jobs.start_schedules(first_run_after_ms=2000)

    def on_forgot_password(self) -> None:
        from ui.dialogs.recovery_reset_dialog import RecoveryResetDialog

        dlg = RecoveryResetDialog(self.ctx, self)
        if dlg.exec() and dlg.session is not None:
            self.on_signed_in(dlg.session)

    def _build_pages(self) -> None:
        self._destroy_pages()
        session = self.ctx.session
        for spec in registry.ordered():
            if spec.manager_only and not session.staff.is_manager:
                continue
            widget = spec.factory(self.ctx)
            widget.setObjectName(f"page_{spec.key}")
            self._page_widgets[spec.key] = widget
            self._page_keys.append(spec.key)
            self.pages.add_page(widget)
            title = QCoreApplication.translate("nav", spec.title)
            key = NAV_SHORTCUTS.get(spec.key)
            item = QListWidgetItem(style.icon(spec.icon or spec.key, "#f0f3f6"), title)
            if key:
                item.setToolTip(f"{title} ({style.shortcut_text(key)})")
            self.nav.addItem(item)
        self._fit_nav()
        if self._page_keys:
            self.nav.setCurrentRow(0)

    def _fit_nav(self) -> None:
        """The column is as wide as its longest page title (English is wider than Chinese), at least 150 px."""
        fm = self.nav.fontMetrics()
        texts = [self.nav.item(i).text() for i in range(self.nav.count())]
        widest = max((fm.horizontalAdvance(t) for t in texts), default=0)
        # room for the list's scroll bar too: on a short screen (1366×768 at 125 %) the list scrolls, and without
        # it "Print documents" was cut to "Print docume…"
        bar = self.nav.verticalScrollBar().sizeHint().width()
        self.nav_column.setFixedWidth(max(150, widest + self.nav.iconSize().width() + 48 + bar))

    def _destroy_pages(self) -> None:
        for w in self._page_widgets.values():
            clear = getattr(w, "clear", None)
            if callable(clear):
                try:
                    clear()
                except Exception:  # noqa: BLE001
                    pass
            self.pages.remove_page(w)
        self._page_widgets.clear()
        self._page_keys.clear()
        self.nav.blockSignals(True)
        self.nav.clear()
        self.nav.blockSignals(False)

    def _show_page(self, row: int) -> None:
        if 0 <= row < len(self._page_keys):
            widget = self._page_widgets[self._page_keys[row]]
            self.pages.show_page(widget)
            refresh = getattr(widget, "refresh", None)
            if callable(refresh):
                refresh()

    def open_page(self, key: str) -> QWidget | None:
        if key in self._page_keys:
            self.nav.setCurrentRow(self._page_keys.index(key))
            return self._page_widgets[key]
        return None

    def _open_requested(self, key: str, reminder: str) -> None:
        """A page asked for another page (a reminder on the home page: also the part of the page it is about)."""
        page = self.open_page(key)
        if page is not None and hasattr(page, "show_reminder"):
            page.show_reminder(reminder)

    def _action_requested(self, action: str) -> None:
        """A page's button for a counter action (the home page's 登记新会员 / 查找会员)."""
        {"register": self.start_registration, "search": self.start_search}.get(action, lambda: None)()

    def start_registration(self) -> None:
        if self.ctx.session is None:
            return
        page = self.open_page("members")
        if page is not None and hasattr(page, "register_member"):
            page.register_member()

    def start_search(self) -> None:
        """F3 / Ctrl+F: the members page with the cursor in its search box (a scanned card works right away)."""
        if self.ctx.session is None:
            return
        page = self.open_page("members")
        search = getattr(page, "search", None)
        if search is not None:
            search.setFocus()
            search.selectAll()

    def page(self, key: str) -> QWidget | None:
        return self._page_widgets.get(key)

    def refresh_status(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        term = self.ctx.vault.terminal()
        # full-width brackets in Chinese, "name (x)" in English
        lb, rb = ("（", "）") if self.ctx.lang == "zh_CN" else (" (", ")")
        self.store_label.setText(
            self.tr("门店：")
            + f"{term['store_name']}{lb}{term['store_code']}{rb}\n"
            + self.tr("终端：")
            + term["terminal_name"]
        )
        role = self.tr("店长") if session.staff.is_manager else self.tr("店员")
        self.staff_label.setText(self.tr("当前员工：") + f"{session.staff.display_name}{lb}{role}{rb}")
        self.sync_label.setText(self._sync_text(session))
        text, colour = pos_status_line(self.ctx)
        self.pos_label.setText(text)
        style.role(self.pos_label, style.role_for_colour(colour))
        self.pos_label.setVisible(bool(text))

    def _sync_text(self, session) -> str:
        try:
            st = sync_status(session.db)
        except Exception:  # noqa: BLE001
            return self.tr("同步：状态未知")
        last = st.get("last_success")
        pending = st.get("pending", 0)
        if not st.get("enrolled"):
            return self.tr("同步：未配置总部")
        if st.get("resync_required"):
            return self.tr("同步：需要完整重新同步")
        when = self.tr("从未")
        if last:
            try:
                when = dt.datetime.fromisoformat(str(last)).astimezone().strftime("%Y-%m-%d %H:%M")
            except ValueError:
                when = str(last)[:16]
        text = self.tr("同步：上次成功 ") + when + self.tr("，待上传 ") + str(pending)
        if st.get("last_error") and st.get("last_attempt") and str(st.get("last_attempt")) > str(last or ""):
            text += self.tr("（总部暂时无法连接，离线工作中）")
        return text

    # -- background jobs (ui/jobs.py) ---------------------------------------------------------------
    def _schedule_jobs(self, session) -> None:
        """The signed-in session's periodic jobs, all on the background connection (ctx.background_session)
        and in the background lane (one at a time): the daily backup and retention sweep (checked hourly),
        the POS export folder every few minutes (app.purchases.pos_folder), the read-audit journal's take-in
        every minute (when it may hold entries), a passive WAL checkpoint every minute. Locking forgets them
        (and `vault.lock()` takes the journal in)."""
        jobs = self.ctx.jobs
        jobs.every("backup", 60, lambda: self._backup_job(session))
        jobs.every("pos_folder", POS_INTERVAL_MINUTES, lambda: self._pos_folder_job(session))
        jobs.every("retention_sweep", 60, lambda: self._sweep_job(session))
        jobs.every("evidence_summary", 60, lambda: self._summary_job(session))
        jobs.every("read_journal", read_journal.TAKE_IN_MINUTES, lambda: self._read_journal_job(session))
        jobs.every("wal_checkpoint", CHECKPOINT_MINUTES, lambda: self._checkpoint_job(session))

    def background_jobs(self) -> None:
        """Run the periodic jobs now (each one waits for the one before it)."""
        self.ctx.jobs.run_all_now()

    def import_pos_folder(self) -> None:
        """Import the POS export folder now (one run at a time: a big file may outlast the interval)."""
        self.ctx.jobs.run_now("pos_folder")

    def _backup_job(self, session) -> Job | None:
        if self.ctx.session is not session or not backup.backup_due(session, self.ctx.paths):
            return None
        bg = self.ctx.background_session(session)
        return Job(
            "backup",
            lambda: backup.create_backup(self.ctx.vault, bg),
            on_done=lambda path: log.info("scheduled backup done"),
            on_error=lambda e: log.error("scheduled backup failed: %s", type(e).__name__),
        )

    def _sweep_job(self, session) -> Job | None:
        """The daily retention sweep (at most once a day; RET-1..4), as the store itself."""
        if self.ctx.session is not session:
            return None
        bg, ledger = self.ctx.background_session(session), self.ctx.paths.erasure_ledger
        cipher = cipher_for(self.ctx.vault)  # ID numbers past their maximum age are masked (RET-4, issue #16)
        return Job(
            "retention_sweep",
            lambda: sweep.sweep_due(bg, ledger_path=ledger, cipher=cipher),
            on_done=lambda r: log.info("retention sweep: %s", "done" if r else "already ran today"),
            on_error=lambda e: log.error("retention sweep failed: %s", type(e).__name__),
        )

    def _summary_job(self, session) -> Job | None:
        """The evidence summary for head office (app.evidence.summary: at most once a day, counts only)."""
        if self.ctx.session is not session:
            return None
        bg = self.ctx.background_session(session)
        fail = lambda e: log.error("evidence summary failed: %s", type(e).__name__)  # noqa: E731
        return Job("evidence_summary", lambda: journal_summaries(bg), on_error=fail)

    def _read_journal_job(self, session) -> Job | None:
        """Reads audited through the read-audit journal (the writer was busy) into the chain (SEC-2, issue #20):
        a counter that only reads writes nothing else that would take them in. Nothing to do: no job."""
        if self.ctx.session is not session or not read_journal.pending_maybe(session.db):
            return None
        bg = self.ctx.background_session(session)
        fail = lambda e: log.error("read-audit journal take-in failed: %s", type(e).__name__)  # noqa: E731
        return Job("read_journal", lambda: read_journal.take_in_now(bg.db), on_error=fail)

    def _checkpoint_job(self, session) -> Job | None:
        """The WAL copied into the main file off the UI thread: the counter's connection leaves that to the jobs
        (`Database.leave_checkpoints_to_jobs`), so no search or registration pays for an import's batch."""
        if self.ctx.session is not session:
            return None
        bg = self.ctx.background_session(session)
        fail = lambda e: log.error("WAL checkpoint failed: %s", type(e).__name__)  # noqa: E731
        return Job("wal_checkpoint", lambda: bg.db.checkpoint(passive=True), on_error=fail)

    def _pos_folder_job(self, session) -> Job | None:
        """The POS export folder (setting pos_export_folder; nothing when it is empty), as the signed-in
        person (clerks may import)."""
        if self.ctx.session is not session:
            return None

        def done(run):
            if run is None:  # no folder set (any more): an old problem no longer applies
                if self.ctx.last_pos_run is not None:
                    self.ctx.last_pos_run = None
                    self.ctx.note_pos_import()
                return
            log.info(
                "pos folder import: %s file(s), %s accepted, %s rejected, %s refused",
                len(run.files),
                run.accepted,
                run.rejected,
                len(run.refused),
            )
            self.ctx.note_pos_import(run=run)

        def failed(exc):
            log.error("pos folder import failed: %s", type(exc).__name__)
            self.ctx.note_pos_import(run=pos_folder.FolderRun(at="", problem="pos_folder.failed"))

        bg = self.ctx.background_session(session)
        return Job("pos_folder", lambda: pos_folder.run_folder_import(bg), on_done=done, on_error=failed)

    # -- locking ---------------------------------------------------------------------
    def lock(self) -> None:
        if self.ctx.session is None:
            return
        app = QApplication.instance()
        for w in app.topLevelWidgets():
            if isinstance(w, QDialog) and w.isVisible():
                w.reject()
        modal = app.activeModalWidget()
        if isinstance(modal, QDialog):
            modal.reject()
        clip = app.clipboard()
        if clip is not None:
            clip.clear()
        self._destroy_pages()
        self.ctx.jobs.cancel_all()  # no job starts, a running one is stopped, its result dropped
        self.ctx.set_session(None)
        self.ctx.vault.lock()
        self.sign_in.clear()
        self._show_locked()
        log.info("locked")

    def switch_user(self) -> None:
        self.sign_in.username.clear()
        self.lock()

    def closeEvent(self, event):  # noqa: N802
        if self.ctx.session is not None:
            self.lock()
        super().closeEvent(event)
