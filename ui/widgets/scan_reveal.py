"""Under a scan viewer: 查看未涂黑原页 for a manager (issue #16, SEN-3). The archived pages are the redacted ones;
the unredacted page of a form is sealed to the manager-only key, so it opens only through a manager's step-up
(the manager types their own password), with a reason, and every reveal is audited by app.scans.unredacted.
The bar shows only when one of the shown pages still has its unredacted page (kept ≤ 30 days: RET-4)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app.errors import UserError
from app.scans import unredacted
from ui import style


class ScanRevealBar(QWidget):
    def __init__(self, ctx, viewer, parent=None):
        super().__init__(parent)
        self.ctx, self.viewer = ctx, viewer
        self._scan_ids: list[str] = []
        self._redacted: list[bytes] = []
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.reason = QComboBox()
        labels = {
            "dispute": self.tr("争议核对"),
            "verify_identity": self.tr("核验身份"),
            "customer_request": self.tr("顾客本人要求"),
            "authority": self.tr("有权机关依法调取"),
        }
        for code in unredacted.REVEAL_REASONS:
            self.reason.addItem(labels.get(code, code), code)
        self.reveal_btn = QPushButton(self.tr("查看未涂黑原页（店长）"))
        self.reveal_btn.clicked.connect(self.reveal)
        self.hide_btn = QPushButton(self.tr("恢复涂黑页"))
        self.hide_btn.clicked.connect(self.show_redacted)
        self.error = QLabel()
        style.role(self.error, "error")
        self.error.setWordWrap(True)
        lay.addWidget(QLabel(self.tr("查看原因")))
        lay.addWidget(self.reason)
        lay.addWidget(self.reveal_btn)
        lay.addWidget(self.hide_btn)
        lay.addWidget(self.error, 1)
        self.set_pages([], [])

    def set_pages(self, scan_ids: list[str], redacted: list[bytes]) -> None:
        """The archived pages now in the viewer (their scan ids and redacted images)."""
        session = self.ctx.session
        self._scan_ids = list(scan_ids)
        self._redacted = list(redacted)
        has = session is not None and any(unredacted.has_unredacted(session.db, s) for s in self._scan_ids)
        self.error.clear()
        self.hide_btn.setVisible(False)
        self.setVisible(bool(has))

    def reveal(self) -> None:
        reason = self.reason.currentData()

        def run(up):
            session = up.session(self.ctx.session)
            out = []
            for sid, data in zip(self._scan_ids, self._redacted, strict=True):
                if unredacted.has_unredacted(session.db, sid):
                    data, _mime = unredacted.reveal_page(session, up.cipher, sid, reason)
                out.append(data)
            return out

        self.error.clear()
        try:
            pages = self.ctx.with_step_up(self, self.tr("查看未涂黑的原页需要店长输入本人密码确认。"), run)
        except UserError as exc:
            self.ctx.show_error(self, exc, self.error)
            return
        if pages:
            self.viewer.set_pages(pages)
            self.hide_btn.setVisible(True)

    def show_redacted(self) -> None:
        """Back to the redacted pages (the unredacted images are dropped from the viewer)."""
        self.viewer.set_pages(self._redacted)
        self.hide_btn.setVisible(False)

    def clear(self) -> None:
        self._scan_ids, self._redacted = [], []
        self.setVisible(False)
