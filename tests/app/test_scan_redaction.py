"""Redaction of scanned registration forms: the ID-number boxes of a printed form, filled in with digits, are
black on the page that would be archived, under the scan conditions the scan tests use (grey/colour, 70 % scale,
±3° and 180° rotation, 100–300 dpi, JPEG/PNG); a page whose geometry cannot be established is refused."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageStat

from app.notices import default_notice
from app.printing import registration_form as RF
from app.printing.fonts import choose_font
from app.scans import redaction as R

SERIAL = "S001-261203-00042"


@pytest.fixture(scope="module")
def printed():
    notice = default_notice("zh_CN")
    font = choose_font()
    marks: list = []
    pdf = RF.registration_form_pdf(notice, [SERIAL], font=font, marks=marks)
    return notice, font, pdf, marks


def _scan(
    pdf: bytes,
    page: int,
    marks,
    *,
    dpi: int,
    rotate: float = 0,
    scale: float = 1.0,
    grey: bool = True,
    fmt: str = "PNG",
) -> Image.Image:
    """Rasterise one page, write 8s into every sensitive box (as a customer would), then scan it."""
    doc = pdfium.PdfDocument(pdf)
    img = doc[page - 1].render(scale=dpi / 72, grayscale=grey).to_pil()
    doc.close()
    img = img.convert("L" if grey else "RGB")
    k, height = dpi / 72, RF.A4[1]
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=int(11 * k))
    for p, _code, (x0, y0, x1, y1) in marks:
        if p != page:
            continue
        boxes = 18
        width = (x1 - x0) / boxes
        for i in range(boxes):
            draw.text(((x0 + width * (i + 0.5)) * k, (height - (y0 + y1) / 2) * k), "8", fill=0, font=font, anchor="mm")
    if scale != 1.0:
        img = img.resize((int(img.width * scale), int(img.height * scale)), Image.Resampling.BILINEAR)
    if rotate:
        img = img.rotate(
            rotate,
            expand=True,
            resample=Image.Resampling.BILINEAR,
            fillcolor=255 if img.mode == "L" else (255, 255, 255),
        )
    buf = io.BytesIO()
    img.save(buf, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return Image.open(io.BytesIO(buf.getvalue()))


def _darkness_in(img: Image.Image, polygon) -> float:
    """Mean grey level inside `polygon` (0 = all black)."""
    grey = img.convert("L")
    mask = Image.new("L", grey.size, 0)
    ImageDraw.Draw(mask).polygon(polygon, fill=255)
    return ImageStat.Stat(grey, mask).mean[0]


def _box_polygons(t, marks, page: int):
    return [
        tuple(R._apply(t, x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))
        for p, _c, (x0, y0, x1, y1) in marks
        if p == page
    ]


CONDITIONS = [
    dict(dpi=150),
    dict(dpi=300, rotate=3),
    dict(dpi=100, rotate=-3),
    dict(dpi=200, rotate=180, scale=0.7, grey=False, fmt="JPEG"),
    dict(dpi=150, rotate=90, fmt="TIFF"),
]


@pytest.mark.parametrize("cond", CONDITIONS, ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
def test_id_number_boxes_are_black_on_the_archived_page(printed, cond):
    notice, font, pdf, marks = printed
    layout = R.form_layout(notice, font)
    assert any(p == 2 for p, _c, _r in marks), "the default notice's form has ID-number boxes on page 2"
    scan = _scan(pdf, 2, marks, **cond)
    fix = R.locate(scan)
    assert fix is not None and fix.serial == SERIAL
    t = R.page_map(layout, fix)
    before = [_darkness_in(scan, poly) for poly in _box_polygons(t, marks, 2)]
    assert all(v > 120 for v in before), before  # the boxes hold mostly paper and a few digits
    result = R.redact(scan, layout, fix)
    assert result.form_page == 2
    after = [_darkness_in(result.image, poly) for poly in _box_polygons(t, marks, 2)]
    assert after and all(v < 1.0 for v in after), after  # rule: SEN-3
    # only the boxes (and their margin) are touched: the page's overall brightness barely moves
    assert ImageStat.Stat(result.image.convert("L")).mean[0] > ImageStat.Stat(scan.convert("L")).mean[0] - 12


def test_the_notice_page_is_recognised_and_left_alone(printed):
    notice, font, pdf, marks = printed
    layout = R.form_layout(notice, font)
    scan = _scan(pdf, 1, marks, dpi=150, rotate=2)
    result = R.redact(scan, layout, R.locate(scan))
    assert result.form_page == 1 and result.boxes == ()


def test_a_page_of_another_layout_is_refused_not_archived_unredacted(printed):
    """A sheet with the form's QR whose body does not match the known layout (another printout, a cut or folded
    sheet): the geometry is not established, so nothing is redacted by guesswork."""
    notice, font, pdf, marks = printed
    layout = R.form_layout(notice, font)
    scan = _scan(pdf, 2, marks, dpi=150).convert("L")
    draw = ImageDraw.Draw(scan)
    w, h = scan.size
    draw.rectangle((0, int(h * 0.3), w, h), fill=255)  # the lower part of the sheet is missing
    for y in range(int(h * 0.32), h, 40):  # and something else is printed there
        draw.rectangle((80, y, w - 80, y + 14), fill=40)
    with pytest.raises(R.GeometryUnknown) as err:
        R.redact(scan, layout, R.locate(scan))
    assert err.value.reason == "no_match"


def test_a_distorted_qr_is_refused(printed):
    notice, font, _pdf, _marks = printed
    layout = R.form_layout(notice, font)
    fix = R.QrFix(SERIAL, ((100.0, 100.0), (300.0, 100.0), (300.0, 300.0), (160.0, 260.0)))
    with pytest.raises(R.GeometryUnknown):
        R.page_map(layout, fix)


def test_affine_fit_recovers_a_known_map():
    t = (0.9, -0.2, 30.0, 0.2, 0.9, -12.0)
    src = [(0.0, 0.0), (100.0, 0.0), (100.0, 80.0), (0.0, 80.0)]
    dst = [R._apply(t, x, y) for x, y in src]
    fitted = R.fit_affine(src, dst)
    assert all(abs(a - b) < 1e-6 for a, b in zip(fitted, t, strict=False))


def _shifted(img: Image.Image, dx_mm: float, dy_mm: float, dpi: int) -> Image.Image:
    """The sheet's body moved under its QR (the header band stays): a form printed or copied out of register."""
    k, header = dpi / 25.4, round(R.HEADER / 72 * dpi)
    body = img.crop((0, header, img.width, img.height))
    out = img.copy()
    out.paste(255 if img.mode == "L" else (255, 255, 255), (0, header, img.width, img.height))
    out.paste(body, (round(dx_mm * k), header + round(dy_mm * k)))
    return out


def _as_scanned(img: Image.Image, *, rotate: float = 0, scale: float = 1.0, fmt: str = "PNG") -> Image.Image:
    if scale != 1.0:
        img = img.resize((int(img.width * scale), int(img.height * scale)), Image.Resampling.BILINEAR)
    if rotate:
        fill = 255 if img.mode == "L" else (255, 255, 255)
        img = img.rotate(rotate, expand=True, resample=Image.Resampling.BILINEAR, fillcolor=fill)
    buf = io.BytesIO()
    img.save(buf, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    out = Image.open(io.BytesIO(buf.getvalue()))
    out.load()
    return out


SCAN_CONDITIONS = [  # the real scan conditions of the suite: 100-300 dpi, grey/colour, 70 %, ±3°, 90°/180°
    dict(dpi=100, rotate=-3),
    dict(dpi=100, rotate=3, fmt="JPEG"),
    dict(dpi=150, rotate=90, fmt="TIFF"),
    dict(dpi=200, rotate=180, scale=0.7, grey=False, fmt="JPEG"),
    dict(dpi=300, rotate=3),
    dict(dpi=300, rotate=-3, fmt="JPEG"),
]
SHIFTS = [(0, 2), (0, 5), (0, 10), (0, -2), (2, 0), (-2, 0), (5, 0)]  # (right, down) in mm


def _cond_id(c):
    return "-".join(f"{k}{v}" for k, v in c.items())


@pytest.mark.parametrize("cond", SCAN_CONDITIONS, ids=_cond_id)
def test_a_sheet_shifted_under_its_qr_is_held_and_a_true_one_is_not(printed, cond):
    """The page match alone let a body shifted ~5 mm under the QR through; the box edges must now be found where
    the geometry puts them (within 1 mm), else GeometryUnknown: held for a manager, never archived unredacted."""
    notice, font, pdf, marks = printed
    layout = R.form_layout(notice, font)
    c = dict(cond)
    rotate, scale, fmt = c.pop("rotate", 0), c.pop("scale", 1.0), c.pop("fmt", "PNG")
    flat = _scan(pdf, 2, marks, **c)
    flat = flat.convert("L" if c.get("grey", True) else "RGB")
    true = _as_scanned(flat, rotate=rotate, scale=scale, fmt=fmt)
    result = R.redact(true, layout, R.locate(true))
    assert result.form_page == 2 and result.boxes  # the unshifted sheet is redacted, not held
    for dx, dy in SHIFTS:
        scan = _as_scanned(_shifted(flat, dx, dy, c["dpi"]), rotate=rotate, scale=scale, fmt=fmt)
        fix = R.locate(scan)
        assert fix is not None
        with pytest.raises(R.GeometryUnknown) as err:
            R.redact(scan, layout, fix)  # rule: SEN-3
        assert err.value.reason in ("box_edges", "no_match"), (dx, dy)


def test_the_box_edges_are_found_where_the_refined_map_puts_them(printed):
    """What the tolerance rests on: on true sheets the edges are found within 0.5 mm (measured over the conditions
    above), a 2 mm shift is seen as at least 1.5 mm, the tolerance is 1 mm."""
    notice, font, pdf, marks = printed
    layout = R.form_layout(notice, font)
    [rect] = layout.regions[2]
    for cond in SCAN_CONDITIONS:
        c = dict(cond)
        rotate, scale, fmt = c.pop("rotate", 0), c.pop("scale", 1.0), c.pop("fmt", "PNG")
        flat = _scan(pdf, 2, marks, **c).convert("L" if c.get("grey", True) else "RGB")
        for (sx, sy), ok in (((0, 0), True), ((0, 2), False), ((2, 0), False)):
            scan = _as_scanned(_shifted(flat, sx, sy, c["dpi"]), rotate=rotate, scale=scale, fmt=fmt)
            t = R.page_map(layout, R.refine(scan, R.locate(scan)))
            dx, dy, contrast = R.box_edges(scan, t, rect)
            off = max(abs(dx), abs(dy)) / (72 / 25.4)
            if ok:
                assert off <= 0.6 and contrast >= R.EDGE_CONTRAST, (cond, off, contrast)
            else:
                assert off >= 1.4, (cond, (sx, sy), off)


def test_another_forms_page_under_our_qr_is_held(printed):
    """The English form's ID page (its boxes elsewhere) carrying a Chinese form's QR header: held."""
    notice, font, pdf, marks = printed
    layout = R.form_layout(notice, font)
    en_marks: list = []
    en_pdf = RF.registration_form_pdf(default_notice("en"), [SERIAL], font=font, marks=en_marks)
    page = next(p for p, _c, _r in en_marks)
    own = _scan(pdf, 2, marks, dpi=150)
    other = _scan(en_pdf, page, en_marks, dpi=150)
    header = round(R.HEADER / 72 * 150)
    other.paste(own.crop((0, 0, own.width, header)), (0, 0))
    with pytest.raises(R.GeometryUnknown) as err:
        R.redact(other, layout, R.locate(other))  # rule: SEN-3
    assert err.value.reason in ("box_edges", "no_match")
