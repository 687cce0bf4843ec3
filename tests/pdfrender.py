"""Render a PDF page to an image in memory with pypdfium2 (a Python dependency already: no poppler
`pdftoppm` on the machine, no file on disk). The one place tests turn PDFs into pixels."""

from __future__ import annotations

import pypdfium2 as pdfium
from PIL import Image


def render_page(pdf: bytes, page: int = 1, dpi: int = 100, mode: str = "L") -> Image.Image:
    """Page `page` (1-based, as printed on the page) at `dpi`, painted on white; mode "L" (grey) or "RGB"."""
    doc = pdfium.PdfDocument(pdf)
    try:
        bitmap = doc[page - 1].render(scale=dpi / 72, fill_color=(255, 255, 255, 255))
        return bitmap.to_pil().convert(mode)
    finally:
        doc.close()
