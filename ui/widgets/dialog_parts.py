"""Small parts every dialog uses: the red error line, OK/Cancel with a default button, password fields."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit

ERROR_STYLE = "color: #c0392b"


def error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    return label


def ok_cancel(dialog, ok_text: str, on_ok=None, cancel_text: str | None = None) -> QDialogButtonBox:
    """OK is the default button (Enter), Cancel the escape (Esc). on_ok defaults to dialog.accept."""
    Std = QDialogButtonBox.StandardButton  # noqa: N806 - Qt enum alias
    buttons = QDialogButtonBox(Std.Ok | Std.Cancel)
    buttons.button(Std.Ok).setText(ok_text)
    buttons.button(Std.Cancel).setText(cancel_text or QCoreApplication.translate("Dialog", "取消"))
    buttons.button(Std.Ok).setDefault(True)
    buttons.accepted.connect(on_ok or dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit
