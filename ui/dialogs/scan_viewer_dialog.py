"""A paper original's scan in a window of its own (zoom, rotate, pages); closing it drops the decrypted pages.
Given `ctx` and the pages' scan ids, a manager can open a form page's unredacted original there (step-up: SEN-3)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout

from ui import style
from ui.widgets.scan_reveal import ScanRevealBar
from ui.widgets.scan_viewer import ScanViewer


class ScanViewerDialog(QDialog):
    def __init__(self, pages: list[bytes], title: str, parent=None, *, ctx=None, scan_ids: list[str] | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        style.fit_to_screen(self, 760, 900)  # no fixed size: 1366×768 to 1920×1080
        lay = QVBoxLayout(self)
        self.viewer = ScanViewer()
        lay.addWidget(self.viewer)
        self.reveal_bar = None
        if ctx is not None and scan_ids:
            self.reveal_bar = ScanRevealBar(ctx, self.viewer)
            lay.addWidget(self.reveal_bar)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        buttons.button(QDialogButtonBox.StandardButton.Close).setDefault(True)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.viewer.set_pages(pages)
        if self.reveal_bar is not None and scan_ids:
            self.reveal_bar.set_pages(scan_ids, pages)

    def done(self, r):  # noqa: D401 - drop the decrypted pages when the dialog closes
        self.viewer.clear()
        super().done(r)
