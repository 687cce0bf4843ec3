"""A date in a line edit, as a counter types it (app.dates.parse_date: 19900503, 1990-05-03, 1990/5/3, 1990.5.3
or 1990年5月3日) or picks it from a calendar (the icon at the end of the field, or Alt+Down / F4).
The text becomes 1990-05-03 when the field is left; a date the parser refuses stays as typed for the
validation message. The field stays a QLineEdit, so forms and tests treat it like any other."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, QDate, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QCalendarWidget, QLineEdit, QVBoxLayout, QWidget

from app.dates import parse_date
from ui import style


class CalendarPopup(QWidget):
    """The calendar under the field: a click or Enter takes the date, Esc closes."""

    def __init__(self, edit: QLineEdit, latest: dt.date | None):
        super().__init__(edit, Qt.WindowType.Popup)
        self.edit = edit
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self.calendar.setMinimumDate(QDate(1900, 1, 1))
        if latest is not None:
            self.calendar.setMaximumDate(QDate(latest.year, latest.month, latest.day))
        lay.addWidget(self.calendar)
        self.calendar.activated.connect(self._take)
        self.calendar.clicked.connect(self._take)

    def open_for(self, current: dt.date | None) -> None:
        d = current or dt.date(1990, 1, 1)
        self.calendar.setSelectedDate(QDate(d.year, d.month, d.day))
        self.move(self.edit.mapToGlobal(QPoint(0, self.edit.height())))
        self.show()
        self.calendar.setFocus()

    def _take(self, date: QDate) -> None:
        text = dt.date(date.year(), date.month(), date.day()).isoformat()
        self.edit.setText(text)
        self.edit.textEdited.emit(text)  # as if typed: the form validates and remembers it
        self.close()
        self.edit.setFocus()


def attach_date_picker(edit: QLineEdit, latest: dt.date | None = None) -> CalendarPopup:
    """Give `edit` the calendar icon, F4 / Alt+Down for the calendar, and the normalised text on leaving it.
    `latest`: the last date that can be picked (a birth date: today)."""
    popup = CalendarPopup(edit, latest)
    action = QAction(style.icon("calendar", "hint"), QCoreApplication.translate("DateField", "选择日期"), edit)
    action.setToolTip(QCoreApplication.translate("DateField", "选择日期") + " (F4)")
    edit.addAction(action, QLineEdit.ActionPosition.TrailingPosition)
    action.triggered.connect(lambda: popup.open_for(current_date(edit)))
    for keys in ("F4", "Alt+Down"):
        sc = QShortcut(QKeySequence(keys), edit)
        sc.setContext(Qt.ShortcutContext.WidgetShortcut)
        sc.activated.connect(lambda: popup.open_for(current_date(edit)))
    edit.editingFinished.connect(lambda: _normalise(edit))
    edit.setProperty("datePicker", True)
    return popup


def current_date(edit: QLineEdit) -> dt.date | None:
    try:
        return parse_date(edit.text())
    except ValueError:
        return None


def _normalise(edit: QLineEdit) -> None:
    d = current_date(edit)
    if d is not None and edit.text() != d.isoformat():
        edit.setText(d.isoformat())
