"""A signature pad for mouse, pen or touch. The strokes stay in memory; `png_bytes()` hands the
image to the core, which stores it encrypted (never written to a file here)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class SignaturePad(QWidget):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setMinimumSize(360, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._strokes: list[list[QPointF]] = []
        self.setAccessibleName(self.tr("签名区"))

    # -- input -------------------------------------------------------------------------
    def mousePressEvent(self, e):  # noqa: N802
        self._strokes.append([e.position()])
        self.update()

    def mouseMoveEvent(self, e):  # noqa: N802
        if self._strokes and e.buttons() & Qt.MouseButton.LeftButton:
            self._strokes[-1].append(e.position())
            self.update()

    def mouseReleaseEvent(self, e):  # noqa: N802
        self.changed.emit()

    def add_stroke(self, points) -> None:
        """Programmatic strokes (tests, a pen tablet driver)."""
        self._strokes.append([QPointF(x, y) for x, y in points])
        self.update()
        self.changed.emit()

    def clear(self) -> None:
        self._strokes.clear()
        self.update()
        self.changed.emit()

    def is_empty(self) -> bool:
        return not any(len(s) > 1 for s in self._strokes)

    # -- output ------------------------------------------------------------------------
    def _paint(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(
            QPen(
                QColor("#111111"),
                max(2.6, self.height() / 110),
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin,
            )
        )
        for s in self._strokes:
            if len(s) < 2:
                continue
            path = QPainterPath(s[0])
            for pt in s[1:]:
                path.lineTo(pt)
            p.drawPath(path)

    def paintEvent(self, e):  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("white"))
        p.setPen(QPen(QColor("#8c959f"), 1, Qt.PenStyle.DashLine))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        y = int(self.height() * 0.75)
        p.drawLine(16, y, self.width() - 16, y)
        if self.is_empty():  # the hint grows with the pad: readable at arm's length on the customer's screen
            p.setPen(QColor("#6e7781"))
            f = p.font()
            f.setPixelSize(max(16, min(48, self.height() // 7)))
            p.setFont(f)
            p.drawText(
                self.rect().adjusted(0, 0, 0, -self.height() // 4),
                Qt.AlignmentFlag.AlignCenter,
                self.tr("请在此处签名"),
            )
        self._paint(p)
        p.end()

    def png_bytes(self) -> bytes:
        img = QImage(self.size(), QImage.Format.Format_RGB32)
        img.fill(QColor("white"))
        p = QPainter(img)
        self._paint(p)
        p.end()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        img.save(buf, "PNG")
        buf.close()
        return bytes(data.data())
