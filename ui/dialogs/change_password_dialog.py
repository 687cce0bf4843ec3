"""Change one's own password (also forced after a manager's reset)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from app.errors import UserError
from app.staff.service import change_own_password
from ui.widgets.dialog_parts import error_label, ok_cancel


class ChangePasswordDialog(QDialog):
    def __init__(self, ctx, parent=None, forced: bool = False):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("修改密码"))
        lay = QVBoxLayout(self)
        if forced:
            note = QLabel(self.tr("店长为您设置了临时密码，请先设置您自己的新密码。"))
            note.setWordWrap(True)
            lay.addWidget(note)
        form = QFormLayout()
        self.old = QLineEdit()
        self.new = QLineEdit()
        self.new2 = QLineEdit()
        for w in (self.old, self.new, self.new2):
            w.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("当前密码"), self.old)
        form.addRow(self.tr("新密码"), self.new)
        form.addRow(self.tr("确认新密码"), self.new2)
        lay.addLayout(form)
        self.error = error_label()
        lay.addWidget(self.error)
        buttons = ok_cancel(self, self.tr("保存"), self.save, self.tr("取消"))
        lay.addWidget(buttons)

    def save(self) -> None:
        if self.new.text() != self.new2.text():
            self.error.setText(self.tr("两次输入的新密码不一致。"))
            return
        try:
            change_own_password(self.ctx.vault, self.ctx.session, self.old.text(), self.new.text())
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        finally:
            for w in (self.old, self.new, self.new2):
                w.clear()
        self.accept()
