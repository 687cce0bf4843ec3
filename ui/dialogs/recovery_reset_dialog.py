"""Forgotten password: the recovery key sets a new password for one account."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from app.errors import UserError
from ui.widgets.dialog_parts import error_label, ok_cancel


class RecoveryResetDialog(QDialog):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.session = None
        self.setWindowTitle(self.tr("使用恢复密钥重设密码"))
        lay = QVBoxLayout(self)
        note = QLabel(self.tr("请输入设置时打印的恢复密钥（52 个字符，可含短横线），以及要重设密码的用户名。"))
        note.setWordWrap(True)
        lay.addWidget(note)
        form = QFormLayout()
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.username = QLineEdit()
        self.new = QLineEdit()
        self.new.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("恢复密钥"), self.key)
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("新密码"), self.new)
        lay.addLayout(form)
        self.error = error_label()
        lay.addWidget(self.error)
        buttons = ok_cancel(self, self.tr("重设并登录"), self.save, self.tr("取消"))
        lay.addWidget(buttons)

    def save(self) -> None:
        try:
            self.session = self.ctx.vault.reset_password_with_recovery(
                self.key.text(), self.username.text(), self.new.text()
            )
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        finally:
            self.key.clear()
            self.new.clear()
        self.accept()
