"""The main window's page area."""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QStackedWidget, QWidget


class PageStack(QStackedWidget):
    """The pages, each in a scroll area that scrolls up and down when the screen is shorter than the page needs
    (1366×768 at 125 %: ~550 px for the window), never sideways (tests/ui/test_screen_fit.py fails on that).
    `currentWidget()` is the page itself, not its scroll area."""

    def add_page(self, page: QWidget) -> None:
        holder = QScrollArea()
        holder.setObjectName("pageScroll")
        holder.setWidgetResizable(True)
        holder.setFrameShape(QScrollArea.Shape.NoFrame)
        holder.setWidget(page)
        self.addWidget(holder)

    def _holder(self, page: QWidget) -> QWidget:
        for i in range(self.count()):
            holder = self.widget(i)
            if isinstance(holder, QScrollArea) and holder.widget() is page:
                return holder
        return page

    def remove_page(self, page: QWidget) -> None:
        holder = self._holder(page)
        self.removeWidget(holder)
        holder.deleteLater()

    def show_page(self, page: QWidget) -> None:
        self.setCurrentWidget(self._holder(page))

    def currentWidget(self) -> QWidget:  # noqa: N802  (Qt's name)
        holder = super().currentWidget()
        return holder.widget() if isinstance(holder, QScrollArea) else holder
