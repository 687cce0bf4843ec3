"""Catch a registration form's QR read by the USB scanner ("MEMBERDESK-FORM:<serial>" + Enter, typed as
keystrokes into whatever has focus) before it lands in a field or presses a button.

An application event filter watches the key presses aimed at the focused widget inside `root`. Keys that
spell the start of "MEMBERDESK-FORM:" are held back; as soon as the sequence breaks (a person typing
"Mary" into the name field), the held keys are sent on to their widget in order, so ordinary typing is
not lost. Once the whole prefix has arrived, everything up to Enter is the serial: `scanned(text)` is
emitted with the whole payload and nothing reaches the widgets. A held start that is not continued within
HOLD_MS (a scanner types a code in a few milliseconds) is sent on too. Caps Lock (lower case) is accepted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from shiboken6 import isValid

from app.printing.serials import QR_PREFIX, serial_from_qr

HOLD_MS = 300
MAX_SERIAL = 40
_MODIFIERS = {
    Qt.Key.Key_Shift,
    Qt.Key.Key_Control,
    Qt.Key.Key_Alt,
    Qt.Key.Key_Meta,
    Qt.Key.Key_CapsLock,
    Qt.Key.Key_AltGr,
}
_CHORDS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


class FormQrCatcher(QObject):
    scanned = Signal(str)

    def __init__(self, root: QWidget, active: Callable[[], bool] = lambda: True):
        super().__init__(root)
        self.root = root
        self.active = active
        self._held: list[tuple[QWidget, Qt.Key, Qt.KeyboardModifier, str]] = []
        self._serial: str | None = None  # after the whole prefix: the serial so far
        self._replaying = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(HOLD_MS)
        self._timer.timeout.connect(self._timed_out)
        QApplication.instance().installEventFilter(self)

    def detach(self) -> None:
        self._timer.stop()
        self._release()
        self._serial = None
        QApplication.instance().removeEventFilter(self)

    # -- the filter ------------------------------------------------------------------
    def _mine(self, obj) -> bool:
        focus = QApplication.focusWidget()
        target = focus if focus is not None else self.root
        return obj is target and (target is self.root or self.root.isAncestorOf(target))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if self._replaying or event.type() != QEvent.Type.KeyPress or not isValid(self.root):
            return False
        if not self._mine(obj) or not (self._held or self._serial is not None or self.active()):
            return False
        key = event.key()
        if key in _MODIFIERS:
            return False
        if event.modifiers() & _CHORDS:  # Ctrl+C and the like: a person, not the scanner
            self._release()
            return False
        if self._serial is not None:  # the prefix arrived: everything up to Enter is ours
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._finish()
            elif key == Qt.Key.Key_Escape or len(self._serial) > MAX_SERIAL:
                self._serial = None
                self._timer.stop()
            else:
                self._serial += event.text()
                self._timer.start()
            return True
        ch = unicodedata.normalize("NFKC", event.text() or "").upper()
        if self._held and ch == QR_PREFIX[len(self._held)]:
            return self._hold(obj, event)
        self._release()
        if ch == QR_PREFIX[0] and self.active():
            return self._hold(obj, event)
        return False

    def _hold(self, obj, event) -> bool:
        self._held.append((obj, event.key(), event.modifiers(), event.text()))
        if len(self._held) == len(QR_PREFIX):
            self._held.clear()
            self._serial = ""
        self._timer.start()
        return True

    def _release(self) -> None:
        """Send the held keys on to their widgets, in order: it was typing, not a scan."""
        held, self._held = self._held, []
        self._replaying = True
        try:
            for widget, key, mods, text in held:
                if isValid(widget):
                    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, key, mods, text))
        finally:
            self._replaying = False

    def _timed_out(self) -> None:
        if self._serial is not None:  # a scanner set up without the Enter suffix
            if serial_from_qr(QR_PREFIX + self._serial):
                self._finish()
            else:
                self._serial = None
        else:
            self._release()

    def _finish(self) -> None:
        payload = QR_PREFIX + (self._serial or "")
        self._serial = None
        self._timer.stop()
        self.scanned.emit(payload)
