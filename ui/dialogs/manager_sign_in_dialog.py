"""A second person signs in for one step: a manager's approval (step-up) or a witness."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from app.errors import UserError
from ui.widgets.dialog_parts import error_label, ok_cancel


class ManagerSignInDialog(QDialog):
    def __init__(
        self,
        ctx,
        parent=None,
        purpose: str = "",
        role: str | None = "manager",
        exclude_staff_id: str | None = None,
        title: str | None = None,
        action=None,
    ):
        """With `action(username, password)` the dialog runs it instead of `verify_staff` (a step-up that opens
        sealed fields: ctx.with_step_up) and keeps its result in `result_value`."""
        super().__init__(parent)
        self.ctx, self.role, self.exclude = ctx, role, exclude_staff_id
        self.staff = None
        self.action, self.result_value = action, None
        self.setWindowTitle(title or self.tr("店长确认"))
        layout = QVBoxLayout(self)
        intro = QLabel(purpose or self.tr("此操作需要店长本人登录确认。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("密码"), self.password)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = ok_cancel(self, self.tr("确认"), self.try_accept, self.tr("取消"))
        layout.addWidget(buttons)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.try_accept)

    def try_accept(self) -> None:
        if self.action is not None:
            try:
                self.result_value = self.action(self.username.text(), self.password.text())
            except UserError as exc:
                self.ctx.show_error(self, exc, self.error)
                return
            finally:
                self.password.clear()
            self.accept()
            return
        try:
            staff = self.ctx.vault.verify_staff(self.username.text(), self.password.text(), role=self.role)
            if self.exclude and staff.id == self.exclude:
                self.error.setText(self.tr("监销人必须是另一位员工。"))
                return
        except UserError as exc:
            self.password.clear()
            self.ctx.show_error(self, exc, self.error)
            return
        finally:
            self.password.clear()
        self.staff = staff
        self.accept()

    def hideEvent(self, event):  # noqa: N802 - wipe the password when hidden
        self.password.clear()
        super().hideEvent(event)
