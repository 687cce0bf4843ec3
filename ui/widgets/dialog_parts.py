"""Small parts every dialog uses: the red error line, OK/Cancel with a default button, password fields."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit

from ui import style

ERROR_STYLE = "color: " + style.COLOURS["error"]  # for rich text; labels use style.role(label, "error")


def error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    style.role(label, "error")
    return label


def ok_cancel(dialog, ok_text: str, on_ok=None, cancel_text: str | None = None) -> QDialogButtonBox:
    """OK is the default button (Enter), Cancel the escape (Esc). on_ok defaults to dialog.accept."""
    std = QDialogButtonBox.StandardButton
    buttons = QDialogButtonBox(std.Ok | std.Cancel)
    buttons.button(std.Ok).setText(ok_text)
    buttons.button(std.Cancel).setText(cancel_text or QCoreApplication.translate("Dialog", "取消"))
    buttons.button(std.Ok).setDefault(True)
    buttons.accepted.connect(on_ok or dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit
