"""App-wide inactivity timer (KeePassXC's InactivityTimer): an event filter on the application
restarts one single-shot timer on every key press, mouse press or wheel; on timeout it emits
`inactive`, and the main window locks."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.ShortcutOverride,
}


class InactivityTimer(QObject):
    inactive = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.inactive)
        self._active = False

    def activate(self, minutes: float, app) -> None:
        self._timer.setInterval(max(1, int(minutes * 60_000)))
        if not self._active:
            app.installEventFilter(self)
            self._active = True
        self._timer.start()

    def deactivate(self, app) -> None:
        if self._active:
            app.removeEventFilter(self)
            self._active = False
        self._timer.stop()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False
