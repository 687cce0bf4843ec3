"""Text lines of a PDF as printed: pypdfium2's characters grouped by drawing order and baseline, each
line with its box and font size (for the typesetting tests: break rules, collisions, margins, sizes)."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

Box = tuple[float, float, float, float]


@dataclass
class Line:
    page: int  # 1-based
    text: str
    box: Box  # left, bottom, right, top in PDF points
    size: float  # font size in points (the smallest on the line)

    def overlaps(self, other: Line, tol: float = 0.5) -> bool:
        a, b = self.box, other.box
        return (
            self.page == other.page
            and min(a[2], b[2]) - max(a[0], b[0]) > tol
            and min(a[3], b[3]) - max(a[1], b[1]) > tol
        )


Glyph = tuple[str, Box, float]


def _line(page: int, glyphs: list[Glyph]) -> Line | None:
    text = "".join(c for c, _, _ in glyphs).strip()
    ink = [(b, s) for c, b, s in glyphs if not c.isspace()]
    if not text or not ink:
        return None
    box = (
        min(b[0] for b, _ in ink),
        min(b[1] for b, _ in ink),
        max(b[2] for b, _ in ink),
        max(b[3] for b, _ in ink),
    )
    return Line(page, text, box, min(s for _, s in ink))


def _origin(tp: pdfium.PdfTextPage, i: int) -> tuple[float, float]:
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharOrigin(tp.raw, i, x, y)
    return x.value, y.value


def page_lines(tp: pdfium.PdfTextPage, page: int) -> list[Line]:
    """Glyphs drawn one after the other on one baseline, without a jump back or a wide gap, form a line."""
    out: list[Line] = []
    cur: list[Glyph] = []
    prev: tuple[float, float, float] | None = None  # baseline y, font size, right edge of the previous glyph
    for i in range(tp.count_chars()):
        if pdfium_c.FPDFText_IsGenerated(tp.raw, i) == 1:
            continue
        ch = tp.get_text_range(i, 1)
        if ch in "\r\n":
            continue
        box = tp.get_charbox(i, loose=False)
        size = pdfium_c.FPDFText_GetFontSize(tp.raw, i)
        ox, oy = _origin(tp, i)
        if prev is not None:
            py, psize, pright = prev
            em = max(size, psize)
            if not (abs(oy - py) < 0.2 * em and -1 < ox - pright < 1.2 * em):
                line = _line(page, cur)
                if line:
                    out.append(line)
                cur = []
        cur.append((ch, box, size))
        right = box[2] if not ch.isspace() else ox + size * 0.3
        prev = (oy, size, max(right, ox))
    line = _line(page, cur)
    if line:
        out.append(line)
    return out


def pdf_lines(pdf: bytes) -> tuple[list[Line], list[tuple[float, float]]]:
    """Every text line of every page, and each page's (width, height)."""
    doc = pdfium.PdfDocument(pdf)
    lines: list[Line] = []
    sizes: list[tuple[float, float]] = []
    try:
        for pno in range(len(doc)):
            page = doc[pno]
            sizes.append(page.get_size())
            lines += page_lines(page.get_textpage(), pno + 1)
    finally:
        doc.close()
    return lines, sizes
