"""One look for every screen (issue #20): the application style sheet (resources/styles/memberdesk.qss), the font
for the interface language, the status colours, icons from a maintained set (qtawesome, Font Awesome /
Material Design Icons), the counter's keyboard shortcuts and the table helpers.

Widgets take a role instead of an inline stylesheet: `role(label, "hint")`, `role(label, "error")`; the style
sheet says what a role looks like. Colours for painting or rich text come from `COLOURS`.
"""

from __future__ import annotations

import logging

import qtawesome
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHBoxLayout, QHeaderView, QTableWidget, QWidget

from app.config import resource_dir

log = logging.getLogger("memberdesk.ui.style")

# UX.md: overdue red, due within 3 working days amber
COLOURS = {
    "error": "#c0392b",
    "overdue": "#c0392b",
    "warn": "#9a6700",
    "soon": "#9a6700",
    "ok": "#1a7f37",
    "hint": "#57606a",
    "accent": "#0969da",
    "text": "#1f2328",
}
ROLES = ("title", "heading", "hint", "error", "ok", "warn", "overdue", "soon", "big", "banner", "key", "primary",
         "danger", "toggle", "desk", "")  # fmt: skip

CJK_FAMILIES = (
    "Microsoft YaHei",
    "微软雅黑",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "SimHei",
    "AR PL UMing CN",
)
# the English interface is set in a Latin face; Chinese data (names, store) falls back to a CJK face
LATIN_FAMILIES = ("Segoe UI", "Helvetica Neue", "Noto Sans", "DejaVu Sans", "Liberation Sans", "Arial")

# The counter's frequent actions (UX.md: keyboard first); shown in tooltips and on the buttons that do them.
SHORTCUTS = {
    "register": "F2",
    "search": "F3",
    "search_alt": "Ctrl+F",
    "lock": "Ctrl+L",
}

# icon names (qtawesome) for pages and actions: one set, so a page looks the same everywhere
ICONS = {
    "home": "mdi6.home-outline",
    "members": "mdi6.account-search-outline",
    "register": "mdi6.account-plus-outline",
    "requests": "mdi6.clipboard-text-clock-outline",
    "scans": "mdi6.scanner",
    "originals": "mdi6.file-cabinet",
    "print_documents": "mdi6.printer-outline",
    "retention": "mdi6.calendar-clock-outline",
    "notices": "mdi6.file-document-outline",
    "sync": "mdi6.cloud-sync-outline",
    "settings": "mdi6.cog-outline",
    "lock": "mdi6.lock-outline",
    "switch_user": "mdi6.account-switch-outline",
    "search": "mdi6.magnify",
    "calendar": "mdi6.calendar-month-outline",
    "print": "mdi6.printer-outline",
    "import": "mdi6.tray-arrow-down",
    "withdraw": "mdi6.close-circle-outline",
    "refresh": "mdi6.refresh",
    "add": "mdi6.plus",
    "sign": "mdi6.draw-pen",
}


def families(lang: str) -> list[str]:
    """The font families for the interface language, the first available first (Latin first for English)."""
    have = set(QFontDatabase.families())
    cjk = [f for f in CJK_FAMILIES if f in have]
    latin = [f for f in LATIN_FAMILIES if f in have]
    return (cjk + latin) if lang == "zh_CN" else (latin + cjk)


def apply(app: QApplication, lang: str = "zh_CN") -> None:
    """Font for the language (10 pt: it scales with the display's DPI) and the application style sheet."""
    fams = families(lang)
    if fams:
        font = QFont()
        font.setFamilies(fams)
        font.setPointSize(10)
        app.setFont(font)
    app.setStyleSheet(style_sheet())


def style_sheet() -> str:
    path = resource_dir() / "styles" / "memberdesk.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        log.warning("style sheet missing: %s", path.name)
        return ""


def role(widget: QWidget, name: str) -> QWidget:
    """Give widget a role of the style sheet ("" removes it) and re-apply the style; returns widget."""
    if name not in ROLES:
        raise ValueError(f"unknown style role {name!r}")
    if widget.property("role") != name:
        widget.setProperty("role", name)
        st = widget.style()
        st.unpolish(widget)
        st.polish(widget)
    return widget


def role_for_colour(colour_hex: str | None) -> str:
    """The role for a colour some older helper returns ("#c0392b" -> "error"; "" -> no role)."""
    if not colour_hex:
        return ""
    legacy = {"#b7791f": "warn", "#cf222e": "error"}
    hit = legacy.get(colour_hex.lower()) or next((k for k, v in COLOURS.items() if v == colour_hex.lower()), "")
    return hit if hit in ROLES else ""


def colour(name: str) -> QColor:
    return QColor(COLOURS[name])


def icon(name: str, colour_name: str = "text") -> QIcon:
    """An icon of the set by its MemberDesk name (ICONS) or a qtawesome name (an empty icon for an unknown name:
    the text of the button or page still says it all)."""
    try:
        return qtawesome.icon(ICONS.get(name, name), color=COLOURS.get(colour_name, colour_name))
    except Exception:  # noqa: BLE001 - an unknown icon name must not stop a screen
        log.warning("icon missing: %s", name)
        return QIcon()


def shortcut_text(action: str) -> str:
    """The shortcut as the interface shows it (F2, Ctrl+L), for tooltips and button texts."""
    return QKeySequence(SHORTCUTS[action]).toString(QKeySequence.SequenceFormat.NativeText)


def with_shortcut(text: str, action: str) -> str:
    """ "登记新会员 (F2)" / "Register member (F2)": the shortcut in the text a person sees."""
    return f"{text} ({shortcut_text(action)})" if QCoreApplication.instance() is not None else text


def setup_table(
    table: QTableWidget,
    stretch: int | None = None,
    fit: tuple[int, ...] | None = None,
    select_rows: bool = True,
) -> QTableWidget:
    """The table look every list uses: no row numbers, whole-row selection, read-only, alternating rows,
    columns sized to their contents (`fit`: these only; default all) and one column taking the rest (`stretch`,
    default the last), so nothing is cut at 1366 px and nothing is a sea of white at 1920 px."""
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if select_rows:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    header = table.horizontalHeader()
    header.setMinimumSectionSize(48)
    cols = range(table.columnCount())
    last = table.columnCount() - 1 if stretch is None else stretch
    for c in cols:
        if c == last:
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch)
        elif fit is None or c in fit:
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        else:
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(last == table.columnCount() - 1)
    return table


def in_cell(*widgets: QWidget) -> QWidget:
    """Buttons for a table cell at their natural size, side by side (a bare cell widget stretches across the
    whole column); the row grows to hold them."""
    box = QWidget()
    lay = QHBoxLayout(box)
    lay.setContentsMargins(4, 1, 4, 1)
    lay.setSpacing(6)
    for w in widgets:
        lay.addWidget(w)
    lay.addStretch(1)
    return box


def fit_rows(table: QTableWidget) -> None:
    """Rows tall enough for their cell widgets and wrapped text."""
    table.resizeRowsToContents()


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Start `window` at width×height, or smaller where its screen has less room (1366×768: 696 px of height
    for a window); its layout still sets the minimum."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        width = min(width, room.width() - 16)
        height = min(height, room.height() - 48)  # the title bar
    window.resize(width, height)
