"""AppContext: what every page needs — the vault, the signed-in session, the language, a task runner."""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from app.errors import UserError
from app.messages import render
from ui import messagebox
from ui.workers import ThreadRunner

log = logging.getLogger("memberdesk.ui")


class AppContext(QObject):
    session_changed = Signal(object)      # Session or None (locked)
    status_message = Signal(str)

    def __init__(self, vault, lang: str = "zh_CN", runner=None, parent=None):
        super().__init__(parent)
        self.vault = vault
        self.session = None
        self.lang = lang
        self.run_task = runner or ThreadRunner()

    @property
    def paths(self):
        return self.vault.paths

    @property
    def db(self):
        return self.session.db if self.session else None

    def set_session(self, session) -> None:
        self.session = session
        self.session_changed.emit(session)

    def message(self, exc: BaseException) -> str:
        if isinstance(exc, UserError):
            return exc.message(self.lang)
        log.error("unexpected error: %s", type(exc).__name__)
        return render("error.generic", self.lang)

    def show_error(self, parent, exc: BaseException) -> None:
        messagebox.warning(parent, self.tr("未完成") if self.lang == "zh_CN" else "Not done", self.message(exc))

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
