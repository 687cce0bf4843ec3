"""添加员工 (manager): name, user name, role and a temporary password the new colleague changes at first sign-in."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from app.errors import UserError
from app.staff import service as staff_service
from ui import style
from ui.widgets.dialog_parts import error_label, ok_cancel


class AddStaffDialog(QDialog):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("添加员工"))
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.display = QLineEdit()
        self.username = QLineEdit()
        self.role = QComboBox()
        self.role.addItem(self.tr("店员"), "clerk")
        self.role.addItem(self.tr("店长"), "manager")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("姓名"), self.display)
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("角色"), self.role)
        form.addRow(self.tr("临时密码"), self.password)
        lay.addLayout(form)
        hint = QLabel(self.tr("员工首次登录时须改为自己的密码。"))
        style.role(hint, "hint")
        lay.addWidget(hint)
        self.error = error_label()
        lay.addWidget(self.error)
        buttons = ok_cancel(self, self.tr("添加"), self.save, self.tr("取消"))
        lay.addWidget(buttons)

    def save(self) -> None:
        try:
            staff_service.add_staff(
                self.ctx.vault,
                self.ctx.session,
                username=self.username.text(),
                display_name=self.display.text(),
                role=self.role.currentData(),
                password=self.password.text(),
            )
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        finally:
            self.password.clear()
        self.accept()
