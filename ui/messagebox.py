"""Message boxes with a hook so tests can answer them (KeePassXC's MessageBox::setNextAnswer)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

_next_answers: list = []
shown: list[tuple[str, str]] = []  # (title, text) of every box shown while a test answers them


def set_next_answer(answer) -> None:
    _next_answers.append(answer)


def _box(parent: QWidget | None, icon, title: str, text: str, buttons, default):
    if _next_answers:
        shown.append((title, text))
        return _next_answers.pop(0)
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setDefaultButton(default)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel if buttons & QMessageBox.StandardButton.Cancel else default)
    return box.exec()


def information(parent, title: str, text: str):
    return _box(
        parent, QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.Ok
    )


def warning(parent, title: str, text: str):
    return _box(
        parent, QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.Ok
    )


def question(parent, title: str, text: str, default_yes: bool = False) -> bool:
    Std = QMessageBox.StandardButton  # noqa: N806 - Qt enum alias
    answer = _box(
        parent, QMessageBox.Icon.Question, title, text, Std.Yes | Std.Cancel, Std.Yes if default_yes else Std.Cancel
    )
    return answer in (Std.Yes, True)
