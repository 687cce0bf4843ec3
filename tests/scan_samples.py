"""Simulated scans of printed forms for the scans/originals tests and the benchmark.

A page is an A4 sheet at a given dpi with text-like lines and the form's QR
("MEMBERDESK-FORM:<serial>") near the top-right corner, as app.printing lays it out;
it can be rotated, noisy and greyscale like a real office scanner's output.
"""

from __future__ import annotations

import io
import random
import secrets

import zxingcpp
from PIL import Image, ImageDraw, ImageFilter

from app.clock import iso

A4_MM = (210, 297)


def qr_image(payload: str, module_px: int) -> Image.Image:
    bc = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    img = _qr_pil(bc)
    return img.resize((img.width * module_px, img.height * module_px), Image.Resampling.NEAREST)


def _qr_pil(bc) -> Image.Image:
    zimg = bc.to_image(scale=1)
    mv = memoryview(zimg)
    return Image.frombytes("L", (mv.shape[1], mv.shape[0]), bytes(mv))


def form_page(
    serial: str | None, *, dpi: int = 150, rotate: float = 0, noise: int = 0, seed: int = 1, qr_mm: float = 30
) -> Image.Image:
    rnd = random.Random(seed)
    w, h = int(A4_MM[0] / 25.4 * dpi), int(A4_MM[1] / 25.4 * dpi)
    page = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(page)
    mm = dpi / 25.4
    # text-like lines (the notice) so the page is not empty
    y = int(50 * mm)
    while y < h - 30 * mm:
        x = int(18 * mm)
        while x < w - 20 * mm:
            ww = rnd.randint(int(3 * mm), int(9 * mm))
            d.rectangle([x, y, x + ww, y + int(2.2 * mm)], fill=rnd.randint(20, 90))
            x += ww + int(1.5 * mm)
        y += int(6 * mm)
    d.rectangle([int(18 * mm), int(20 * mm), int(90 * mm), int(27 * mm)], fill=0)  # the title block
    if serial:
        size = int(qr_mm * mm)
        qr = qr_image("MEMBERDESK-FORM:" + serial, 1)
        qr = qr.resize((size, size), Image.Resampling.NEAREST)
        page.paste(qr, (w - size - int(15 * mm), int(12 * mm)))
    if rotate:
        page = page.rotate(rotate, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    if noise:
        px = page.load()
        for _ in range(page.width * page.height * noise // 1000):
            px[rnd.randrange(page.width), rnd.randrange(page.height)] = rnd.choice((0, 255, rnd.randint(0, 255)))
        page = page.filter(ImageFilter.GaussianBlur(0.6))
    return page


def to_bytes(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def multi_page(images: list[Image.Image], fmt: str, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    first, rest = images[0], images[1:]
    if fmt == "PDF":
        first.save(buf, format="PDF", save_all=True, append_images=rest, resolution=dpi)
    else:
        first.save(buf, format="TIFF", save_all=True, append_images=rest, compression="tiff_deflate")
    return buf.getvalue()


def issue_serial(session, member_id: str | None = None, serial: str | None = None) -> str:
    """Record an issued form in form_serials (app.printing's table) and optionally tie it to a member."""
    serial = serial or f"{session.store_code}-261102-{secrets.randbelow(99999) + 1:05d}"
    now = iso(session.clock.now())
    with session.write("forms.issue.test", "form", serial) as tx:
        tx.execute(
            "INSERT INTO form_serials(serial, store_code, issued_on, seq, issued_at, issued_by,"
            " matched_member_id) VALUES (?,?,?,?,?,?,?)",
            (
                serial,
                session.store_code,
                serial.split("-")[-2],
                int(serial.split("-")[-1]),
                now,
                session.staff.id,
                member_id,
            ),
        )
    return serial


def printed_page(
    session, serial: str, *, page: int = 1, dpi: int = 150, rotate: float = 0, noise: int = 0, seed: int = 1
) -> Image.Image:
    """Page `page` of the registration form printed for `serial` (the notice recorded in form_serials), as a scan:
    greyscale, a signature stroke that differs per `seed`, optionally rotated and noisy. Issue #16: the import only
    archives a page of a form with ID-number boxes when it can locate them, so tests that import scans of issued
    forms scan the printed form itself (page 1, the notice, has no boxes and is archived as is)."""
    import pypdfium2 as pdfium

    from app.notices.store import get_notice
    from app.printing.registration_form import registration_form_pdf

    row = session.db.one("SELECT notice_version, notice_lang FROM form_serials WHERE serial = ?", (serial,))
    notice = get_notice(session.db, row["notice_version"], row["notice_lang"] or "zh_CN")
    doc = pdfium.PdfDocument(registration_form_pdf(notice, [serial]))
    img = doc[page - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    doc.close()
    rnd = random.Random(seed)
    d = ImageDraw.Draw(img)
    x, y = int(img.width * (0.55 + rnd.random() * 0.3)), int(img.height * 0.93)
    d.line([(x, y), (x + int(dpi * 0.8), y - int(dpi * 0.1 * (1 + seed % 3)))], fill=30, width=max(2, dpi // 60))
    if rotate:
        img = img.rotate(rotate, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    if noise:
        px = img.load()
        for _ in range(img.width * img.height * noise // 4000):
            px[rnd.randrange(img.width), rnd.randrange(img.height)] = rnd.choice((0, 255))
    return img
