"""Read the form serial from a page's QR code with zxing-cpp.

Printed forms carry a QR with the payload "MEMBERDESK-FORM:<serial>" (app.printing). Scans
come rotated, noisy, skewed and at 100–300 dpi; zxing-cpp handles rotation itself, and when
the first try fails we retry on a downscaled and on a binarised copy of the page.
"""

from __future__ import annotations

import re

import zxingcpp
from PIL import Image, ImageFilter, ImageOps

PREFIX = "MEMBERDESK-FORM:"
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
SERIAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,63}$")


def parse_payload(text: str) -> str | None:
    text = (text or "").strip()
    if not text.startswith(PREFIX):
        return None
    serial = text[len(PREFIX) :].strip()
    return serial if SERIAL_RE.match(serial) else None


def _read(img: Image.Image) -> str | None:
    try:
        results = zxingcpp.read_barcodes(img, formats=QR_ONLY, try_rotate=True, try_downscale=True)
    except (ValueError, RuntimeError):
        return None
    for r in results:
        serial = parse_payload(r.text)
        if serial:
            return serial
    return None


def read_serial(img: Image.Image) -> str | None:
    """The form serial on this page, or None (no QR, unreadable, or not one of our forms)."""
    grey = img if img.mode == "L" else img.convert("L")
    serial = _read(grey)
    if serial:
        return serial
    # Retry: large pages downscaled (noise averages out), then a median-filtered binarised copy.
    w, h = grey.size
    if max(w, h) > 1800:
        small = grey.resize((w * 1400 // max(w, h), h * 1400 // max(w, h)), Image.Resampling.BOX)
        serial = _read(small)
        if serial:
            return serial
    clean = ImageOps.autocontrast(grey.filter(ImageFilter.MedianFilter(3)))
    return _read(clean.point(lambda v: 255 if v > 128 else 0))


def is_serial(text: str) -> bool:
    return bool(SERIAL_RE.match((text or "").strip()))
