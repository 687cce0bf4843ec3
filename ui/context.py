"""AppContext: what every page needs — the vault, the signed-in session, the language, a task runner."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from app.errors import UserError
from app.messages import render
from ui import messagebox
from ui.jobs import JobsManager
from ui.workers import ThreadRunner

log = logging.getLogger("memberdesk.ui")


class AppContext(QObject):
    session_changed = Signal(object)  # Session or None (locked)
    status_message = Signal(str)
    open_page_requested = Signal(str, str)  # page key, reminder key ("" for none): the main window opens it
    action_requested = Signal(str)  # a counter action of the main window: "register" (F2) or "search" (F3)
    pos_import_changed = Signal()  # a POS import finished (folder or by hand): status and home page redraw

    def __init__(self, vault, lang: str = "zh_CN", runner=None, parent=None):
        super().__init__(parent)
        self.vault = vault
        self.session = None
        self.lang = lang
        self.run_task = runner or ThreadRunner()
        # background jobs (ui/jobs.py): queued per lane through run_task, stopped with the background connection
        self.jobs = JobsManager(
            lambda fn, done, failed: self.run_task(fn, done, failed),
            stop=vault.stop_background,
            show_error=self.show_error,
            parent=self,
        )
        self.last_pos_run = None  # app.purchases.pos_folder.FolderRun of the latest folder import (this sign-in)
        self.pos_file_names: dict[int, str] = {}  # import id -> the POS file's name, for imports seen this sign-in

    @property
    def paths(self):
        return self.vault.paths

    @property
    def db(self):
        return self.session.db if self.session else None

    def background_session(self, session=None):
        """`session` (default: the signed-in one) on the background jobs' own connection, for work run
        through run_task that writes a lot (imports, sweeps, sync, backups): the counter's searches and
        saves on the UI connection do not queue behind it. Locking stops such work (app.storage.db.JobStopped)."""
        session = session or self.session
        return None if session is None else self.vault.background_session(session)

    def set_session(self, session) -> None:
        self.session = session
        if session is None:
            self.last_pos_run = None
            self.pos_file_names.clear()
        self.session_changed.emit(session)

    def note_pos_import(self, name: str | None = None, import_id: int | None = None, run=None) -> None:
        """Remember a POS import (a file's name, or the folder run) and tell the pages."""
        if run is not None:
            self.last_pos_run = run
            self.pos_file_names.update({f.import_id: f.name for f in run.files if f.import_id is not None})
        if name and import_id is not None:
            self.pos_file_names[import_id] = name
        self.pos_import_changed.emit()

    def message(self, exc: BaseException) -> str:
        """The words for an error: a UserError's text in the screen's language; anything else is logged by
        type (never its text: it may hold personal data) and shown as the generic message."""
        if isinstance(exc, UserError):
            return exc.message(self.lang)
        log.error("unexpected error: %s", type(exc).__name__)
        return render("error.generic", self.lang)

    def show_error(self, parent, exc: BaseException, label=None, *, title: str | None = None) -> None:
        """The one way ui/ shows an error: in the screen's own error or status line when it has one (`label`:
        a QLabel or anything with setText), else in a message box over `parent`."""
        if label is not None:
            label.setText(self.message(exc))
            return
        messagebox.warning(
            parent, title or (self.tr("未完成") if self.lang == "zh_CN" else "Not done"), self.message(exc)
        )

    def with_step_up(self, parent, purpose: str, fn):
        """A manager types their own password (a signed-in manager too) and `fn(step_up)` runs while the field
        key is open (SEN-3, app.access.vault.Vault.step_up); returns fn's result, or None when cancelled.
        `step_up.session(ctx.session)` acts as that manager, `step_up.cipher` opens sealed fields."""
        if self.session is None:
            return None
        from ui.dialogs.manager_sign_in_dialog import ManagerSignInDialog

        def run(username: str, password: str):
            with self.vault.step_up(username, password) as up:
                return fn(up)

        dlg = ManagerSignInDialog(self, parent, purpose=purpose, action=run)
        if dlg.exec():
            return dlg.result_value
        return None

    def manager_session(self, parent, purpose: str = ""):
        """The current session if a manager is signed in; else a manager signs in for this one step."""
        if self.session is None:
            return None
        if self.session.staff.is_manager:
            return self.session
        from ui.dialogs.manager_sign_in_dialog import ManagerSignInDialog

        dlg = ManagerSignInDialog(self, parent, purpose=purpose)
        if dlg.exec() and dlg.staff is not None:
            return self.session.as_manager(dlg.staff)
        return None
