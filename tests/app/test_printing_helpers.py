"""Helpers for the printing tests: PDF text, page images (rendered in memory), scan-like noise."""

from __future__ import annotations

import io
import random
import re

from PIL import Image, ImageFilter
from pypdf import PdfReader

from tests.pdfrender import render_page

WS = re.compile(r"\s+")


def norm(text: str) -> str:
    return WS.sub("", text or "")


def page_texts(pdf: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def all_text(pdf: bytes) -> str:
    return norm("".join(page_texts(pdf)))


def page_image(pdf: bytes, page: int, dpi: int) -> Image.Image:
    """Render one page (1-based) in memory, grey, with pypdfium2 (tests/pdfrender.py; no poppler needed)."""
    return render_page(pdf, page, dpi)


def like_a_scan(img: Image.Image, angle: float, seed: int = 1) -> Image.Image:
    """Rotate, sprinkle salt-and-pepper noise, blur a little and JPEG-compress, like a cheap scanner."""
    im = img.rotate(angle, expand=True, fillcolor=255, resample=Image.BICUBIC)
    rnd = random.Random(seed)
    px = im.load()
    w, h = im.size
    for _ in range(w * h // 60):
        px[rnd.randrange(w), rnd.randrange(h)] = rnd.choice((0, 255))
    im = im.filter(ImageFilter.GaussianBlur(0.7))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=55)
    return Image.open(io.BytesIO(buf.getvalue()))
