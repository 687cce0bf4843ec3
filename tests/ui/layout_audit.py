"""Issue #20: find what a person cannot read on a screen — a widget outside its window (or outside the widget
that holds it, so it is cut) and a label, button or check box narrower or shorter than its text needs (Qt
clips such text: the "送…" of a cut label).

`problems(window)` walks every visible widget of a shown, laid-out window and returns readable findings
("QLabel 'lockButton' '锁定' cut: 40<52 px"). Scroll areas and item views are left to scroll: what sits
inside their viewport may lie outside it by design.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QCheckBox,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollBar,
    QTabBar,
    QTableWidget,
    QToolButton,
    QTreeWidget,
    QWidget,
)

SLACK = 1  # px: rounding at fractional scale factors


def _scrolls(w: QWidget) -> bool:
    """True when w lies inside a scroll area's or item view's viewport (it may scroll out of sight)."""
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea) and p.viewport() is not None and p.viewport().isAncestorOf(w):
            return True
        p = p.parentWidget()
    return False


PAGE_SCROLL = "pageScroll"  # the main window's page area: scrolls up and down on a short screen, never sideways


def _page_scrolls(w: QWidget) -> bool:
    """True when the nearest scroll area holding w is the main window's page area: w may lie below the fold, but
    it must still fit the window's width and its parent."""
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea) and p.viewport() is not None and p.viewport().isAncestorOf(w):
            return p.objectName() == PAGE_SCROLL
        p = p.parentWidget()
    return False


def _ignored(w: QWidget) -> bool:
    if isinstance(w, (QScrollBar, QTabBar)) or w.objectName().startswith("qt_"):
        return True
    p = w.parentWidget()
    while p is not None:  # the internals of composite widgets (tab bar scrollers, item view editors)
        if isinstance(p, (QTabBar, QAbstractItemView)) and not isinstance(w, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def _name(w: QWidget) -> str:
    text = ""
    if isinstance(w, (QLabel, QAbstractButton)):
        text = " " + repr(w.text()[:30])
    return f"{type(w).__name__} {w.objectName()!r}{text}"


def _needs(w: QWidget):
    """The size a text widget needs to show its text whole, or None when it wraps or has none."""
    if isinstance(w, QLabel):
        if not w.text() or w.wordWrap() or (w.pixmap() is not None and not w.pixmap().isNull()):
            return None
        return w.minimumSizeHint()
    if isinstance(w, (QPushButton, QCheckBox, QRadioButton, QToolButton)) and w.text():
        return w.sizeHint()
    return None


def problems(window: QWidget, screen: tuple[int, int] | None = None) -> list[str]:
    """What is cut or off-screen in `window` (shown, laid out). `screen`: the room the window has (logical px);
    a window whose layouts need more than that reports it."""
    QApplication.processEvents()
    out: list[str] = []
    if screen is not None:
        need = window.minimumSizeHint()
        if window.width() > screen[0] + SLACK or window.height() > screen[1] + SLACK:
            out.append(f"window {window.size().toTuple()} larger than the screen {screen} (needs {need.toTuple()})")
    win_rect = window.rect().adjusted(-SLACK, -SLACK, SLACK, SLACK)
    for w in window.findChildren(QWidget):
        if not w.isVisible() or w.isWindow() or _ignored(w):
            continue
        if isinstance(w, QAbstractScrollArea) and not isinstance(w, QAbstractItemView):
            bar = w.horizontalScrollBar()
            if bar is not None and bar.isVisible() and bar.maximum() > 0:
                out.append(f"{_name(w)} scrolls sideways: its content needs {bar.maximum()} px more")
        page = _page_scrolls(w)
        if page or not _scrolls(w):
            r = QRect(w.mapTo(window, w.rect().topLeft()), w.size())
            if page:  # below the fold is fine in the page area; beside it is not
                if r.left() < win_rect.left() or r.right() > win_rect.right():
                    out.append(f"{_name(w)} outside the window's width: {r.getRect()} not in {window.width()} px")
                    continue
            elif not win_rect.contains(r):
                out.append(f"{_name(w)} outside the window: {r.getRect()} not in {window.size().toTuple()}")
                continue
            parent = w.parentWidget()
            if (
                page
                and parent is not None
                and parent.parentWidget() is not None
                and (parent.parentWidget().objectName() == PAGE_SCROLL)
            ):
                continue  # the page itself, in the page area's viewport: taller than it means it scrolls
            if parent is not None and not parent.rect().adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(w.geometry()):
                out.append(f"{_name(w)} cut by its parent {_name(parent)}: {w.geometry().getRect()}")
                continue
        need = _needs(w)
        if need is not None and (w.width() + SLACK < need.width() or w.height() + SLACK < need.height()):
            out.append(f"{_name(w)} cut: {w.size().toTuple()} < {need.toTuple()}")
    out += _elided_cells(window)
    return out


def _elided_cells(window: QWidget) -> list[str]:
    """Table and list texts Qt shows elided ("送…"): the text is wider than its column."""
    out: list[str] = []
    for t in window.findChildren(QTableWidget):
        if not t.isVisible():
            continue
        fm = t.fontMetrics()
        hfm = _bold_metrics(t.horizontalHeader())
        for c in range(t.columnCount()):
            if t.isColumnHidden(c):
                continue
            width = t.columnWidth(c)
            h = t.horizontalHeaderItem(c)
            if h is not None and h.text() and hfm.horizontalAdvance(h.text()) + 8 > width:
                out.append(f"table {t.objectName()!r} header {h.text()!r} elided in {width} px")
            for r in range(min(t.rowCount(), 50)):
                it = t.item(r, c)
                text = it.text().split("\n")[0] if it is not None else ""
                fm = QFontMetrics(it.font()) if it is not None else t.fontMetrics()
                if not text or fm.elidedText(text, Qt.TextElideMode.ElideRight, width - 6) == text:
                    continue
                # too wide for one line: whole only when the row is tall enough for the wrapped lines
                lines = -(-(fm.horizontalAdvance(text) + 8) // max(1, width - 8))
                if not t.wordWrap() or t.rowHeight(r) < lines * fm.lineSpacing():
                    out.append(f"table {t.objectName()!r} cell {text[:20]!r} elided in {width} px")
    for tree in window.findChildren(QTreeWidget):
        if not tree.isVisible() or tree.header().isHidden():
            continue
        hfm = _bold_metrics(tree.header())
        head = tree.headerItem()
        for c in range(tree.columnCount()):
            text = head.text(c)
            if text and hfm.horizontalAdvance(text) + 8 > tree.columnWidth(c):
                out.append(f"tree {tree.objectName()!r} header {text!r} elided in {tree.columnWidth(c)} px")
    return out


def _bold_metrics(header: QWidget) -> QFontMetrics:
    """Header sections are bold in memberdesk.qss (the widget's own font does not say so)."""
    f = header.font()
    f.setBold(True)
    return QFontMetrics(f)
