"""Read a scan file into pages, in memory, one page at a time (no temp files: STO-1).

The kind is sniffed from the bytes, never from the file name, so a text file renamed
`.png` is refused. Every page is bounded (pixel count: decompression bombs) and a file is
bounded (bytes, pages); a PDF is rendered page by page with pypdfium2, so a long PDF never
sits in memory as images all at once.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

import app.scans.messages  # noqa: F401
from app.errors import UserError

MAX_FILE_BYTES = 300 * 1024 * 1024
MAX_PAGES = 200  # one batch; a 500-page PDF is refused before rendering
MAX_PIXELS = 80_000_000  # per page: A3 at 600 dpi is 70 MP; beyond that we refuse (bombs)
PDF_DPI = 200  # archive resolution of PDF pages (QR reads well at 100–300 dpi)
# Per file (docs/bench/scans.md): a blank 80 MP page costs ~4 s to decode, encode and QR-read, so a small file of
# many such pages would hold a CPU for minutes. 1,800 MP is 200 A4 pages at 300 dpi; the clock is the backstop.
MAX_FILE_PIXELS = 1_800_000_000
MAX_FILE_SECONDS = 180.0

# What a decoder may raise on a damaged file (Pillow's TIFF reader raises TypeError/KeyError on a bad IFD,
# struct.error on a short tag, RecursionError on a deep PDF): the file is damaged, never the import's fault.
DAMAGED = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    TypeError,
    KeyError,
    IndexError,
    struct.error,
    ZeroDivisionError,
    OverflowError,
    RecursionError,
    NotImplementedError,
)

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated image is an error, never silently grey


@dataclass
class Page:
    """One page: the decoded image (for the QR reader and the viewer) and the bytes to archive."""

    number: int  # 1-based within the file
    image: Image.Image  # L or RGB, painted on white
    data: bytes  # the archived bytes (the original file for a single PNG/JPEG page)
    mime: str


def sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    return None


def flatten(img: Image.Image) -> Image.Image:
    """Paint transparency on white; return L for grey/bilevel scans, RGB otherwise."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba).convert("RGB")
    if img.mode.startswith("I") or img.mode == "F":  # 16/32-bit grey: scale, never clip to white
        img = img.convert("F") if img.mode != "F" else img
        _lo, hi = img.getextrema()
        scale = 255.0 / 65535.0 if float(hi) > 255 else 1.0  # type: ignore[arg-type]  # "F" images: two floats
        return img.point(lambda v: v * scale).convert("L")
    if img.mode in ("1", "L"):
        return img.convert("L")
    if img.mode != "RGB":
        return img.convert("RGB")
    return img


def encode(img: Image.Image) -> tuple[bytes, str]:
    """Archive encoding: grey and colour pages as JPEG (q 85), like a scanner's own output."""
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85, optimize=False)
    return buf.getvalue(), "image/jpeg"


def _check_pixels(w: int, h: int, page: int) -> None:
    if w * h > MAX_PIXELS:
        raise UserError("scans.too_many_pixels", page=page, mp=MAX_PIXELS // 1_000_000)


def _open_image(data: bytes, page: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            _check_pixels(img.size[0], img.size[1], page)
            return img
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError("scans.too_many_pixels", page=page, mp=MAX_PIXELS // 1_000_000) from None
    except UnidentifiedImageError:
        raise UserError("scans.corrupt", page=page) from None
    except DAMAGED:
        raise UserError("scans.corrupt", page=page) from None


def _load(img: Image.Image, page: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.load()
            img = ImageOps.exif_transpose(img) if img.format == "JPEG" else img
            return flatten(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError("scans.too_many_pixels", page=page, mp=MAX_PIXELS // 1_000_000) from None
    except DAMAGED:
        raise UserError("scans.corrupt", page=page) from None


def count_pages(data: bytes, kind: str) -> int:
    if kind in ("png", "jpeg"):
        return 1
    if kind == "tiff":
        img = _open_image(data, 1)
        try:
            return int(getattr(img, "n_frames", 1))
        except DAMAGED:
            raise UserError("scans.corrupt", page=1) from None
    return _pdf_page_count(data)


def _pdf_open(data: bytes) -> Any:  # a pypdfium2 PdfDocument (the package ships no types)
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        # pdfium reports a missing password as its own error code
        if "password" in str(exc).lower() or getattr(exc, "err_code", None) == 4:
            raise UserError("scans.pdf_encrypted") from None
        raise UserError("scans.corrupt", page=1) from None


def total_pixels(data: bytes, kind: str, n: int) -> int:
    """The pixels every page declares, read from the headers (nothing is decoded or rendered)."""
    if kind in ("png", "jpeg"):
        w, h = _open_image(data, 1).size
        return w * h
    total = 0
    if kind == "tiff":
        src = _open_image(data, 1)
        for i in range(n):
            try:
                src.seek(i)  # reads the frame's directory only
            except DAMAGED:
                raise UserError("scans.corrupt", page=i + 1) from None
            _check_pixels(src.size[0], src.size[1], i + 1)
            total += src.size[0] * src.size[1]
        return total
    import pypdfium2 as pdfium

    pdf = _pdf_open(data)
    scale = PDF_DPI / 72.0
    try:
        for i in range(n):
            try:
                w, h = pdf.get_page_size(i)
            except pdfium.PdfiumError:
                raise UserError("scans.corrupt", page=i + 1) from None
            _check_pixels(int(w * scale), int(h * scale), i + 1)
            total += int(w * scale) * int(h * scale)
    finally:
        pdf.close()
    return total


def check_file_pixels(data: bytes, kind: str, n: int) -> None:
    """Refuse a file whose pages together would cost minutes of CPU (before any page is decoded)."""
    if total_pixels(data, kind, n) > MAX_FILE_PIXELS:
        raise UserError("scans.file_too_many_pixels", mp=MAX_FILE_PIXELS // 1_000_000)


def refusal(exc: BaseException, page: int) -> UserError:
    """The reason a person reads for what a decoder raised on this file: known classes get a specific reason,
    anything else the generic "文件无法读取" (the file is refused, never the folder)."""
    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return UserError("scans.too_many_pixels", page=page, mp=MAX_PIXELS // 1_000_000)
    if isinstance(exc, MemoryError):
        return UserError("scans.out_of_memory", page=page)
    if isinstance(exc, (UnidentifiedImageError, *DAMAGED)):
        return UserError("scans.corrupt", page=page)
    try:
        import pypdfium2 as pdfium

        if isinstance(exc, pdfium.PdfiumError):
            return UserError("scans.corrupt", page=page)
    except ImportError:
        pass
    return UserError("scans.unreadable")


def _pdf_page_count(data: bytes) -> int:
    pdf = _pdf_open(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def iter_pages(data: bytes, kind: str) -> Iterator[Page]:
    """Yield the pages one by one. Raises UserError on the first bad page."""
    if kind in ("png", "jpeg"):
        img = _load(_open_image(data, 1), 1)
        yield Page(1, img, data, "image/png" if kind == "png" else "image/jpeg")
        return
    if kind == "tiff":
        src = _open_image(data, 1)
        n = int(getattr(src, "n_frames", 1))
        for i in range(n):
            try:
                src.seek(i)
            except DAMAGED:
                raise UserError("scans.corrupt", page=i + 1) from None
            _check_pixels(src.size[0], src.size[1], i + 1)
            img = _load_frame(src, i + 1)
            blob, mime = encode(img)
            yield Page(i + 1, img, blob, mime)
        return
    if kind == "pdf":
        yield from _iter_pdf(data)
        return
    raise UserError("scans.not_an_image")


def _load_frame(src: Image.Image, page: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            src.load()
            return flatten(src.copy())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError("scans.too_many_pixels", page=page, mp=MAX_PIXELS // 1_000_000) from None
    except DAMAGED:
        raise UserError("scans.corrupt", page=page) from None


def _iter_pdf(data: bytes) -> Iterator[Page]:
    import pypdfium2 as pdfium

    pdf = _pdf_open(data)
    try:
        scale = PDF_DPI / 72.0
        for i in range(len(pdf)):
            try:
                page = pdf[i]
                w, h = page.get_size()
                _check_pixels(int(w * scale), int(h * scale), i + 1)
                bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
                img = flatten(bitmap.to_pil())
                bitmap.close()
                page.close()
            except (pdfium.PdfiumError, *DAMAGED):
                raise UserError("scans.corrupt", page=i + 1) from None
            blob, mime = encode(img)
            yield Page(i + 1, img, blob, mime)
    finally:
        pdf.close()
