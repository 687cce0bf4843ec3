"""The sign-in screen: the only thing visible while locked."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from ui import style


class SignInWidget(QWidget):
    signed_in = Signal(object)  # Session
    forgot_password = Signal()

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame()
        card.setObjectName("signInCard")
        card.setFixedWidth(420)
        # look: QFrame#signInCard in memberdesk.qss
        lay = QVBoxLayout(card)
        lay.setContentsMargins(32, 28, 32, 28)
        title = QLabel("MemberDesk")
        f = QFont()
        f.setPointSize(20)
        f.setBold(True)
        title.setFont(f)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(title)
        self.store_label = QLabel()
        self.store_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        style.role(self.store_label, "hint")
        lay.addWidget(self.store_label)
        lay.addSpacing(12)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        for w in (self.username, self.password):
            w.setMinimumHeight(34)
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("密码"), self.password)
        lay.addLayout(form)
        self.busy = QLabel()
        self.busy.setObjectName("signInBusy")
        self.busy.setWordWrap(True)
        style.role(self.busy, "hint")
        self.busy.hide()
        lay.addWidget(self.busy)
        self.error = QLabel()
        self.error.setObjectName("signInError")
        self.error.setWordWrap(True)
        style.role(self.error, "error")
        lay.addWidget(self.error)
        self.button = QPushButton(self.tr("登录"))
        self.button.setObjectName("signInButton")
        self.button.setDefault(True)
        self.button.setMinimumHeight(40)
        self.button.clicked.connect(self.submit)
        lay.addWidget(self.button)
        forgot = QPushButton(self.tr("忘记密码（使用恢复密钥）"))
        forgot.setFlat(True)
        forgot.clicked.connect(self.forgot_password)
        lay.addWidget(forgot)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)
        self.refresh()

    def refresh(self) -> None:
        term = self.ctx.vault.terminal()
        self.store_label.setText(f"{term.get('store_name', '')}  ·  {term.get('terminal_name', '')}")

    def clear(self) -> None:
        self.password.clear()
        self.error.clear()

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        (self.password if self.username.text() else self.username).setFocus()

    def hideEvent(self, event):  # noqa: N802 - the unlock field is wiped when hidden
        self.password.clear()
        super().hideEvent(event)

    def submit(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        self.password.clear()
        if not username or not password:
            self.error.setText(self.tr("请输入用户名和密码。"))
            return
        # The key derivation takes a moment, and the first sign-in after an upgrade also brings the database
        # up to date (about 30 s in a very large store): say so instead of looking frozen.
        self.error.clear()
        self.busy.setText(self.tr("正在登录，请稍候…"))
        self.busy.show()
        self.button.setEnabled(False)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        QApplication.processEvents()
        try:
            session = self.ctx.vault.sign_in(username, password)
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            self.password.setFocus()
            return
        except Exception as exc:  # noqa: BLE001
            self.ctx.show_error(self, exc, self.error)
            return
        finally:
            QApplication.restoreOverrideCursor()
            self.busy.hide()
            self.button.setEnabled(True)
        self.error.clear()
        self.signed_in.emit(session)
