"""Shared page layout for every printed document: styles, headings, tables, check boxes,
write-in lines, the QR block and the footer (notice version + short hash + page x / y).

Each document module builds a list of flowables with these helpers and calls `render(...)`,
which returns the PDF as bytes (rendered in memory: no temp file ever holds personal data).
"""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeAlias
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.printing import linebreak
from app.printing.fonts import FontChoice, choose_font

# Chinese line breaking (禁则) for every paragraph: app/printing/linebreak.py
linebreak.install()

SHORT_HASH = 12
RECEIPT_WIDTH = 80 * mm
RECEIPT_PRINTABLE = 72 * mm
GREY = colors.Color(0.35, 0.35, 0.35)

PageSize: TypeAlias = tuple[float, float]
"""Width and height in points (reportlab's A4 etc.)."""
PageDecor: TypeAlias = Callable[[Any, int, int], None]
"""fn(canvas, page number, pages): draws on a page after layout (a running header)."""
LIGHT = colors.Color(0.92, 0.92, 0.92)


def short_hash(h: str | None) -> str:
    return (h or "")[:SHORT_HASH]


def esc(text: object) -> str:
    """Plain text to Paragraph markup (escape &, <, >; keep line breaks)."""
    return escape(str(text if text is not None else "")).replace("\n", "<br/>")


@dataclass
class DocMeta:
    """What the footer of every page says."""

    title: str
    notice_version: str | None = None
    notice_hash: str | None = None
    left: str = ""  # e.g. store name or "MemberDesk"
    author: str = "MemberDesk"
    page_numbers: bool = True
    extra: str = ""  # e.g. the form serial
    page_decor: PageDecor | None = None  # draws a running header (canvas._md_* set)

    def footer_text(self) -> str:
        parts = []
        if self.left:
            parts.append(self.left)
        if self.notice_version:
            parts.append(f"告知书版本 {self.notice_version}")
        if self.notice_hash:
            parts.append(f"校验码 {short_hash(self.notice_hash)}")
        if self.extra:
            parts.append(self.extra)
        return "  ·  ".join(parts)


@dataclass
class Styles:
    font: FontChoice
    scale: float = 1.0
    _cache: dict[Hashable, ParagraphStyle] = field(default_factory=dict)

    def _make(
        self,
        name: str,
        size: float,
        leading: float | None = None,
        align: int = TA_LEFT,
        color: Any = colors.black,
        space_before: float = 0,
        space_after: float = 0,
    ) -> ParagraphStyle:
        size = size * self.scale
        return ParagraphStyle(
            name,
            fontName=self.font.name,
            fontSize=size,
            leading=(leading and leading * self.scale) or size * 1.38,
            alignment=align,
            textColor=color,
            wordWrap="CJK",
            spaceBefore=space_before,
            spaceAfter=space_after,
        )

    def __getattr__(self, item: str) -> ParagraphStyle:
        if item.startswith("_") or item in ("font", "scale"):
            raise AttributeError(item)
        table = {
            "title": (22, None, TA_CENTER, colors.black, 0, 4 * mm),
            "subtitle": (11, None, TA_CENTER, GREY, 0, 3 * mm),
            "h1": (15, None, TA_LEFT, colors.black, 4 * mm, 2 * mm),
            "h2": (12, None, TA_LEFT, colors.black, 3 * mm, 1.5 * mm),
            "body": (10.5, None, TA_LEFT, colors.black, 0, 1.2 * mm),
            "small": (8.5, None, TA_LEFT, GREY, 0, 0.8 * mm),
            "fine": (8.5, None, TA_LEFT, colors.black, 0, 0.8 * mm),
            "cell": (9.5, None, TA_LEFT, colors.black, 0, 0),
            "cellhead": (9.5, None, TA_LEFT, colors.black, 0, 0),
            "mono": (12, None, TA_CENTER, colors.black, 0, 0),
            "center": (10.5, None, TA_CENTER, colors.black, 0, 0),
        }
        if item not in table:
            raise AttributeError(item)
        if item not in self._cache:
            self._cache[item] = self._make(item, *table[item])
        return self._cache[item]

    def custom(self, name: str, size: float, **kw: Any) -> ParagraphStyle:
        key = ("custom", name, size, tuple(sorted(kw.items())))
        if key not in self._cache:
            self._cache[key] = self._make(name, size, **kw)
        return self._cache[key]


def styles_for(font: FontChoice | None = None, scale: float = 1.0) -> Styles:
    return Styles(font or choose_font(), scale)


# -- building blocks ------------------------------------------------------------------------------
def para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(esc(text), style)


def heading(st: Styles, text: str, level: int = 1) -> Paragraph:
    return para(text, st.h1 if level == 1 else st.h2)


def bullets(st: Styles, items: Iterable[str], style: ParagraphStyle | None = None) -> list[Paragraph]:
    style = style or st.body
    return [Paragraph("· " + esc(item), style) for item in items]


def kv_table(st: Styles, rows: list[tuple[str, str]], width: float, label_width: float = 32 * mm) -> Table:
    """Two columns: label | value, light grid."""
    data = [[para(k, st.cellhead), para(v, st.cell)] for k, v in rows]
    t = Table(data, colWidths=[label_width, width - label_width])
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, GREY),
                ("BACKGROUND", (0, 0), (0, -1), LIGHT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return t


def _cell(text: str, style: ParagraphStyle, width: float) -> str | Paragraph:
    """A Paragraph only when the text needs wrapping; plain strings are much faster to lay out."""
    text = str(text if text is not None else "")
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width - 7:
        return text
    return para(text, style)


def grid_table(st: Styles, header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
    data = [[para(h, st.cellhead) for h in header]] + [
        [_cell(c, st.cell, w) for c, w in zip(r, widths, strict=False)] for r in rows
    ]
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), st.font.name, st.cell.fontSize, st.cell.leading),
                ("GRID", (0, 0), (-1, -1), 0.4, GREY),
                ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return t


class CheckBox(Flowable):
    """An empty square to tick by hand."""

    def __init__(self, size: float = 5 * mm) -> None:
        super().__init__()
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        self.canv.setLineWidth(0.9)
        self.canv.rect(0, 0, self.size, self.size, stroke=1, fill=0)


def write_in_table(
    st: Styles,
    rows: list[tuple[str, str]],
    width: float,
    label_width: float = 38 * mm,
    row_height: float = 11 * mm,
    hint_style: ParagraphStyle | None = None,
) -> Table:
    """Label | empty line to write on (with an optional grey hint above the line, `hint_style` or small)."""
    hint_style = hint_style or st.small
    data = [[para(label, st.cellhead), para(hint, hint_style) if hint else ""] for label, hint in rows]
    t = Table(data, colWidths=[label_width, width - label_width], rowHeights=[row_height] * len(rows))
    t.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (1, 0), (1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (0, -1), "BOTTOM"),
                ("VALIGN", (1, 0), (1, -1), "BOTTOM"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


@functools.lru_cache(maxsize=64)
def qr_modules(payload: str, level: str = "M") -> tuple[tuple[bool, ...], ...]:
    """The QR matrix (best mask chosen by reportlab's encoder), cached: previews re-render often."""
    qr = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    qr.addData(payload)
    qr.make()
    return tuple(tuple(bool(m) for m in row) for row in qr.modules)


class QrBlock(Flowable):
    """A QR code with its 4-module quiet zone, `size` x `size`, drawn as one filled path."""

    def __init__(self, payload: str, size: float = 32 * mm, level: str = "M") -> None:
        super().__init__()
        self.payload, self.level = payload, level
        self.width = self.height = size

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        modules = qr_modules(self.payload, self.level)
        n = len(modules)
        box = self.width / (n + 8)
        c = self.canv
        c.saveState()
        c.setFillColor(colors.white)
        c.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        c.setFillColor(colors.black)
        path = c.beginPath()
        for r, row in enumerate(modules):
            col = 0
            for dark, run in itertools.groupby(row):
                count = len(list(run))
                if dark:
                    path.rect((col + 4) * box, self.height - (r + 5) * box, count * box, box)
                col += count
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()


def qr_drawing(payload: str, size: float = 32 * mm, level: str = "M") -> QrBlock:
    return QrBlock(payload, size, level)


def signature_lines(st: Styles, labels: list[str], width: float) -> Table:
    """Signature / date lines side by side (a gap between them), tall enough for handwriting."""
    cols = len(labels)
    gap = 8 * mm
    cell = (width - gap * (cols - 1)) / cols
    widths, head, blank = [], [], []
    for i, lab in enumerate(labels):
        if i:
            widths.append(gap)
            head.append("")
            blank.append("")
        widths.append(cell)
        head.append(para(lab, st.cellhead))
        blank.append("")
    t = Table([head, blank], colWidths=widths, rowHeights=[7 * mm, 13 * mm])
    t.setStyle(
        TableStyle(
            [("LINEBELOW", (2 * i, 1), (2 * i, 1), 0.6, colors.black) for i in range(cols)]
            + [("LEFTPADDING", (0, 0), (-1, -1), 2)]
        )
    )
    return t


def keep(*flowables: Flowable) -> KeepTogether:
    return KeepTogether(list(flowables))


def spacer(h_mm: float) -> Spacer:
    return Spacer(1, h_mm * mm)


# -- rendering ------------------------------------------------------------------------------------
class PageState(Flowable):
    """Zero-size marker setting values the page decoration reads (e.g. the form's part), from this page on."""

    def __init__(self, **values: object) -> None:
        super().__init__()
        self.values = values
        self.width = self.height = 0

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        for k, v in self.values.items():
            setattr(self.canv, "_md_" + k, v)


def story_height(story: list[Flowable], width: float) -> float:
    """Total height of flowables laid out in one column of `width` (to fit a page)."""
    total = 0.0
    for f in story:
        _, h = f.wrap(width, 100_000)
        total += h + f.getSpaceBefore() + f.getSpaceAfter()
    return total


class SectionMark(Flowable):
    """Zero-size marker: from this page on, the footer shows `extra` and page numbers restart
    (several registration forms in one PDF, each "第 1 页 / 共 2 页" with its own serial)."""

    def __init__(self, extra: str) -> None:
        super().__init__()
        self.extra = extra
        self.width = self.height = 0

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._md_section = (self.extra, self.canv.getPageNumber())


def footer_lines(text: str, right: str, font_name: str, width: float) -> tuple[float, list[str]]:
    """The footer's left text beside `right` (page x / y) in `width`: 8 pt, smaller down to 6.5 pt for a long
    store name, then on two or more lines (broken by the Chinese rules), never under the page number."""
    room = width - (stringWidth(right, font_name, 8) + 6 * mm if right else 0)
    for size in (8.0, 7.5, 7.0, 6.5):
        if stringWidth(text, font_name, size) <= room:
            return size, [text]
    widths = [stringWidth(c, font_name, 6.5) for c in text]
    return 6.5, [text[a:b].rstrip() for a, b, _ in linebreak.break_lines(text, widths, [room])]


def _numbered_canvas(meta: DocMeta, font_name: str, pagesize: PageSize, bottom: float) -> type:
    class NumberedCanvas(rl_canvas.Canvas):
        """Draws the footer after the whole document is laid out, so "page x / y" knows y."""

        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            self._pages: list[dict[str, Any]] = []
            self._md_section = (None, 1)

        def showPage(self) -> None:  # noqa: N802  (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            totals: dict[int, int] = {}
            for state in self._pages:
                start = state["_md_section"][1]
                totals[start] = totals.get(start, 0) + 1
            for state in self._pages:
                self.__dict__.update(state)
                extra, start = self._md_section
                self._footer(self._pageNumber - start + 1, totals[start], extra)
                if meta.page_decor is not None:
                    meta.page_decor(self, self._pageNumber - start + 1, totals[start])
                super().showPage()
            super().save()

        def _footer(self, number: int, total: int, extra: str | None) -> None:
            w, _ = pagesize
            self.saveState()
            self.setFillColor(GREY)
            self.setStrokeColor(GREY)
            self.setLineWidth(0.3)
            y = bottom * 0.55
            text = meta.footer_text()
            if extra:
                text = f"{text}  ·  {extra}" if text else extra
            right = f"第 {number} 页 / 共 {total} 页" if meta.page_numbers else ""
            size, lines = footer_lines(text, right, font_name, w - 30 * mm)
            self.line(
                15 * mm, y + 10 + (len(lines) - 1) * size * 1.2, w - 15 * mm, y + 10 + (len(lines) - 1) * size * 1.2
            )
            self.setFont(font_name, size)
            for i, line in enumerate(lines):
                self.drawString(15 * mm, y + (len(lines) - 1 - i) * size * 1.2, line)
            if right:
                self.drawRightString(w - 15 * mm, y, right)
            self.restoreState()

    return NumberedCanvas


def render(
    story: list[Flowable],
    meta: DocMeta,
    *,
    font: FontChoice | None = None,
    pagesize: PageSize = A4,
    margins: tuple[float, float, float, float] = (18 * mm, 16 * mm, 18 * mm, 18 * mm),
) -> bytes:
    """Lay out `story` on pages of `pagesize` and return the PDF bytes. margins: top, right, bottom, left."""
    font = font or choose_font()
    buf = io.BytesIO()
    top, right, bottom, left = margins
    doc = SimpleDocTemplate(
        buf,
        pagesize=pagesize,
        topMargin=top,
        rightMargin=right,
        bottomMargin=bottom,
        leftMargin=left,
        title=meta.title,
        author=meta.author,
        creator="MemberDesk",
        subject=meta.footer_text(),
    )
    doc.build(list(story), canvasmaker=_numbered_canvas(meta, font.name, pagesize, bottom))
    return buf.getvalue()


def frame_width(pagesize: PageSize = A4, left: float = 18 * mm, right: float = 16 * mm) -> float:
    return pagesize[0] - left - right - 12  # the frame has 6 pt padding each side


def render_strip(
    story: list[Flowable],
    meta: DocMeta,
    *,
    font: FontChoice | None = None,
    width: float = RECEIPT_WIDTH,
    printable: float = RECEIPT_PRINTABLE,
) -> bytes:
    """A single page as tall as its content (thermal receipt paper): `printable` wide, centred."""
    font = font or choose_font()
    side = (width - printable) / 2
    inner = printable
    height = story_height(story, inner) + 10 * mm
    buf = io.BytesIO()
    # no frame padding: the content uses the full printable width
    frame = Frame(
        side, 4 * mm, inner, height - 8 * mm, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="strip"
    )
    doc = BaseDocTemplate(
        buf,
        pagesize=(width, height),
        topMargin=4 * mm,
        bottomMargin=4 * mm,
        leftMargin=side,
        rightMargin=side,
        title=meta.title,
        author=meta.author,
        creator="MemberDesk",
        subject=meta.footer_text(),
        pageTemplates=[PageTemplate(id="strip", frames=[frame])],
    )
    doc.build(list(story))
    return buf.getvalue()
