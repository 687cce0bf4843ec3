"""ScanViewer: shows a scanned document's pages from memory (decrypted only in RAM): zoom, rotate, pages."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut, QTransform
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui import style


class ScanViewer(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._pages: list[bytes] = []
        self._index = 0
        self._rotation = 0
        self._zoom = 1.0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.prev_btn = self._button(self.tr("上一页"), self.prev_page)
        self.next_btn = self._button(self.tr("下一页"), self.next_page)
        self.page_label = QLabel()
        self.page_label.setMinimumWidth(70)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # zoom and rotate: icons with the words and keys in the tooltip (the toolbar fits a 1366 px screen)
        self.zoom_out_btn = self._tool(
            "mdi6.magnify-minus-outline", self.tr("缩小"), "Ctrl+-", lambda: self.zoom_by(1 / 1.25)
        )
        self.zoom_in_btn = self._tool(
            "mdi6.magnify-plus-outline", self.tr("放大"), "Ctrl++", lambda: self.zoom_by(1.25)
        )
        self.fit_btn = self._tool("mdi6.fit-to-page-outline", self.tr("适合窗口"), "Ctrl+0", self.fit)
        self.rotate_left_btn = self._tool(
            "mdi6.rotate-left", self.tr("向左旋转"), "Ctrl+Shift+R", lambda: self.rotate(-90)
        )
        self.rotate_right_btn = self._tool("mdi6.rotate-right", self.tr("向右旋转"), "Ctrl+R", lambda: self.rotate(90))
        for w in (self.prev_btn, self.page_label, self.next_btn):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.zoom_out_btn, self.zoom_in_btn, self.fit_btn, self.rotate_left_btn, self.rotate_right_btn):
            bar.addWidget(w)
        lay.addLayout(bar)
        self.scene = QGraphicsScene(self)
        self.view = QGraphicsView(self.scene)
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.view.setBackgroundBrush(Qt.GlobalColor.lightGray)
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene.addItem(self.item)
        self.empty = QLabel(self.tr("选择一份扫描件即可在此查看"))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        style.role(self.empty, "hint")
        lay.addWidget(self.view, 1)
        lay.addWidget(self.empty, 1)
        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, lambda: self.zoom_by(1.25)),
            (QKeySequence.StandardKey.ZoomOut, lambda: self.zoom_by(1 / 1.25)),
            ("Ctrl+0", self.fit),
            ("Ctrl+R", lambda: self.rotate(90)),
            ("Ctrl+Shift+R", lambda: self.rotate(-90)),
            (QKeySequence.StandardKey.MoveToNextPage, self.next_page),
            (QKeySequence.StandardKey.MoveToPreviousPage, self.prev_page),
        ):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self.clear()

    def _button(self, text, slot) -> QPushButton:
        b = QPushButton(text)
        b.clicked.connect(slot)
        return b

    def _tool(self, icon_name: str, text: str, keys: str, slot) -> QToolButton:
        b = QToolButton()
        icon = style.icon(icon_name)
        if icon.isNull():
            b.setText(text)
        else:
            b.setIcon(icon)
            b.setIconSize(QSize(22, 22))
        b.setToolTip(f"{text} ({keys})")
        b.setAccessibleName(text)
        b.clicked.connect(slot)
        return b

    def set_pages(self, pages: list[bytes]) -> None:
        self._pages = list(pages)
        self._index, self._rotation = 0, 0
        self.view.setVisible(bool(pages))
        self.empty.setVisible(not pages)
        self._show()
        self.fit()

    def clear(self) -> None:
        """Drop the decrypted images (called when the app locks or the selection changes)."""
        self._pages = []
        self.item.setPixmap(QPixmap())
        self.view.setVisible(False)
        self.empty.setVisible(True)
        self._update_controls()

    def _show(self) -> None:
        if not self._pages:
            self._update_controls()
            return
        img = QImage.fromData(self._pages[self._index])
        self.item.setPixmap(QPixmap.fromImage(img))
        self.item.setTransformOriginPoint(self.item.boundingRect().center())
        self.item.setRotation(self._rotation)
        self.scene.setSceneRect(self.item.sceneBoundingRect())
        self._update_controls()

    def _update_controls(self) -> None:
        n = len(self._pages)
        self.page_label.setText(f"{self._index + 1} / {n}" if n else "")
        self.prev_btn.setEnabled(self._index > 0)
        self.next_btn.setEnabled(self._index < n - 1)
        for b in (self.zoom_in_btn, self.zoom_out_btn, self.fit_btn, self.rotate_left_btn, self.rotate_right_btn):
            b.setEnabled(bool(n))

    def next_page(self) -> None:
        if self._index < len(self._pages) - 1:
            self._index += 1
            self._show()
            self.fit()

    def prev_page(self) -> None:
        if self._index > 0:
            self._index -= 1
            self._show()
            self.fit()

    def rotate(self, degrees: int) -> None:
        self._rotation = (self._rotation + degrees) % 360
        self._show()
        self.fit()

    @property
    def rotation(self) -> int:
        return self._rotation

    @property
    def zoom(self) -> float:
        return self._zoom

    def zoom_by(self, factor: float) -> None:
        self._zoom = max(0.05, min(8.0, self._zoom * factor))
        self.view.setTransform(QTransform.fromScale(self._zoom, self._zoom))

    def fit(self) -> None:
        if not self._pages:
            return
        self.view.fitInView(self.item.sceneBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self._zoom = self.view.transform().m11()
