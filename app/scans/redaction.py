"""Black out the sensitive boxes of a scanned registration form before the page is archived (SEN-3, RET-4).

The form is printed by app.printing.registration_form, so its layout is known: `form_layout(notice, font)`
renders one form once (cached per notice and font) and keeps, in PDF points, the QR block of the header, the
boxes of every sensitive field (`SENSITIVE_BOXES`, the ID number today) and a small greyscale picture of each
page. On a scan, zxing-cpp gives the QR symbol's four corners; an affine map from the form's points to the
scan's pixels follows from them (scale, rotation — 180° included — and offset). The scan is then drawn back
into the form's frame and compared with each page's picture: the page it matches says which page this is, and
a poor match says the geometry cannot be trusted (another printout, a folded or cropped sheet). The page match
is coarse (a body shifted 5 mm under its QR still matched), so the sensitive box rows' printed edges must also be
found on the scan within EDGE_TOLERANCE of where the map puts them (`check_boxes`; the QR's corners are first
refined to a fraction of a pixel, `refine`). Only then are the boxes (with a margin) painted black. A page whose
geometry cannot be established raises `GeometryUnknown`: the caller holds it for a manager and never archives it
unredacted.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import zxingcpp
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from app.printing import layout as L, registration_form as RF
from app.printing.fonts import FontChoice
from app.scans.decode import QR_ONLY, parse_payload

if TYPE_CHECKING:
    from app.notices.model import Notice

Point = tuple[float, float]
Affine = tuple[float, ...]  # (a, b, c, d, e, f): x' = a x + b y + c, y' = d x + e y + f

if TYPE_CHECKING:
    from app.notices.model import Notice

MARGIN = 3 * L.mm  # around each sensitive box row (covers QR-corner error over the page)
TEMPLATE_DPI = 36  # the page pictures; coarse on purpose: handwriting and noise average out
HEADER = 42 * L.mm  # the top band (title, QR, serial) differs per form: not compared
MAX_RESIDUAL = 0.04  # QR corners vs. the fitted affine map, in QR-widths
MATCH_LIMIT = 24.0  # mean grey difference (0-255) to the matching page, blurred
MATCH_MARGIN = 4.0  # ... and at least this much better than every other page
EDGE_PX = 8 / L.mm  # the box edges are looked for on the scan drawn back into the form's frame at 8 px per mm
EDGE_SEARCH = 4 * L.mm  # how far around each printed edge they are looked for
EDGE_TOLERANCE = 1.0 * L.mm  # how far from where the geometry puts them they may be found (measured: ≤ 0.5 mm)
REFINE_PX = 480  # the QR is read again enlarged to about this many pixels across: corners to a fraction of a pixel
EDGE_CONTRAST = 35.0  # how much darker (0-255) than the strip's median an edge line must be


class GeometryUnknown(Exception):
    """The page's position on the scan cannot be established: hold it, never archive it unredacted."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FormLayout:
    page_size: tuple[float, float]
    qr_origin: tuple[float, float]
    regions: dict[int, tuple[tuple[float, float, float, float], ...]]  # form page -> boxes (x0, y0, x1, y1)
    templates: dict[int, Image.Image]  # form page -> L image at TEMPLATE_DPI


@dataclass(frozen=True)
class QrFix:
    serial: str
    corners: tuple[tuple[float, float], ...]  # top-left, top-right, bottom-right, bottom-left (pixels)


@dataclass(frozen=True)
class Redaction:
    form_page: int  # which page of the form this scan is
    image: Image.Image  # the page with the sensitive boxes blacked out
    boxes: tuple[tuple[tuple[float, float], ...], ...]  # the blacked polygons (pixels)
    difference: float  # how well the page matched (lower is better)


_DUMMY_SERIAL = "LAYOUT-000000-00000"


@functools.lru_cache(maxsize=16)
def _layout(notice_hash: str, font_name: str, notice: Notice, font: FontChoice) -> FormLayout:
    import pypdfium2 as pdfium

    marks: list = []
    pdf = RF.registration_form_pdf(notice, [_DUMMY_SERIAL], font=font, marks=marks)
    regions: dict[int, list] = {}
    for page, _code, rect in marks:
        regions.setdefault(page, []).append(rect)
    templates = {}
    doc = pdfium.PdfDocument(pdf)
    try:
        for i in range(len(doc)):
            bitmap = doc[i].render(scale=TEMPLATE_DPI / 72, grayscale=True)
            templates[i + 1] = bitmap.to_pil().convert("L")
    finally:
        doc.close()
    return FormLayout(
        page_size=RF.A4,
        qr_origin=RF.qr_origin(),
        regions={p: tuple(r) for p, r in regions.items()},
        templates=templates,
    )


def form_layout(notice: Notice, font: FontChoice) -> FormLayout:
    """The printed form's geometry for this notice and font (rendered once, then cached)."""
    return _layout(notice.content_hash, font.name, notice, font)


def locate(img: Image.Image) -> QrFix | None:
    """The form's QR on this page: its serial and corner points, or None."""
    grey = img if img.mode == "L" else img.convert("L")
    try:
        found = zxingcpp.read_barcodes(grey, formats=QR_ONLY, try_rotate=True)
    except (ValueError, RuntimeError):
        return None
    for r in found:
        serial = parse_payload(r.text)
        if serial:
            p = r.position
            corners = tuple((float(c.x), float(c.y)) for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
            return QrFix(serial, corners)
    return None


def refine(img: Image.Image, fix: QrFix) -> QrFix:
    """The QR's corners to a fraction of a pixel: zxing gives whole pixels, and over the lever arm from the QR to
    the boxes (about 9 QR widths) half a pixel at 100 dpi is over 1 mm. The QR's neighbourhood is enlarged to about
    REFINE_PX across and read again; when that read fails the first corners stay."""
    xs, ys = [c[0] for c in fix.corners], [c[1] for c in fix.corners]
    side = max(max(xs) - min(xs), max(ys) - min(ys))
    k = REFINE_PX / max(side, 1.0)
    if k < 1.5:
        return fix
    m = side * 0.35  # the quiet zone and a little more
    box = (
        max(0, int(min(xs) - m)),
        max(0, int(min(ys) - m)),
        min(img.width, int(max(xs) + m) + 1),
        min(img.height, int(max(ys) + m) + 1),
    )
    crop = (img if img.mode == "L" else img.convert("L")).crop(box)
    big = crop.resize((round(crop.width * k), round(crop.height * k)), Image.Resampling.BICUBIC)
    found = locate(big)
    if found is None or found.serial != fix.serial:
        return fix
    sx, sy = big.width / crop.width, big.height / crop.height
    return QrFix(
        fix.serial, tuple((box[0] + (x + 0.5) / sx - 0.5, box[1] + (y + 0.5) / sy - 0.5) for x, y in found.corners)
    )


def _symbol_corners(serial: str, origin: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    """The QR symbol's corners in PDF points (the 4-module quiet zone lies inside QR_SIZE)."""
    n = len(L.qr_modules(RF.qr_payload(serial)))
    box = RF.QR_SIZE / (n + 8)
    x0, y_top = origin[0] + 4 * box, origin[1] + RF.QR_SIZE - 4 * box
    x1, y_bottom = x0 + n * box, y_top - n * box
    return ((x0, y_top), (x1, y_top), (x1, y_bottom), (x0, y_bottom))


def _solve3(m: list[list[float]], v: list[float]) -> list[float]:
    """Solve a 3x3 linear system (Cramer's rule)."""

    def det(a: list[list[float]]) -> float:
        return (
            a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
        )

    d = det(m)
    if abs(d) < 1e-12:
        raise GeometryUnknown("degenerate")
    out = []
    for col in range(3):
        mc = [row[:] for row in m]
        for r in range(3):
            mc[r][col] = v[r]
        out.append(det(mc) / d)
    return out


def fit_affine(src: Sequence[Point], dst: Sequence[Point]) -> Affine:
    """Least-squares affine map src -> dst: (a, b, c, d, e, f) with x' = a x + b y + c, y' = d x + e y + f."""
    sxx = sum(x * x for x, _ in src)
    sxy = sum(x * y for x, y in src)
    syy = sum(y * y for _, y in src)
    sx = sum(x for x, _ in src)
    sy = sum(y for _, y in src)
    n = float(len(src))
    m = [[sxx, sxy, sx], [sxy, syy, sy], [sx, sy, n]]
    a, b, c = _solve3(
        m,
        [
            sum(x * u for (x, _), (u, _) in zip(src, dst, strict=False)),
            sum(y * u for (_, y), (u, _) in zip(src, dst, strict=False)),
            sum(u for u, _ in dst),
        ],
    )
    d, e, f = _solve3(
        m,
        [
            sum(x * v for (x, _), (_, v) in zip(src, dst, strict=False)),
            sum(y * v for (_, y), (_, v) in zip(src, dst, strict=False)),
            sum(v for _, v in dst),
        ],
    )
    return (a, b, c, d, e, f)


def _apply(t: Affine, x: float, y: float) -> tuple[float, float]:
    return (t[0] * x + t[1] * y + t[2], t[3] * x + t[4] * y + t[5])


def page_map(layout: FormLayout, fix: QrFix) -> tuple[float, ...]:
    """Affine map from the form's PDF points to the scan's pixels, checked against the four QR corners."""
    src = _symbol_corners(fix.serial, layout.qr_origin)
    t = fit_affine(src, fix.corners)
    width = math.dist(fix.corners[0], fix.corners[1]) or 1.0
    residual = max(math.dist(_apply(t, *s), d) for s, d in zip(src, fix.corners, strict=False)) / width
    if residual > MAX_RESIDUAL:
        raise GeometryUnknown("qr_distorted")
    scale = math.sqrt(abs(t[0] * t[4] - t[1] * t[3]))  # pixels per point
    if not 0.5 < scale * 72 < 1300:  # 36..936 dpi: anything else is not a scan of A4
        raise GeometryUnknown("scale")
    return t


def _to_form_frame(img: Image.Image, t: Affine, layout: FormLayout) -> Image.Image:
    """The scan drawn back into the form's frame at TEMPLATE_DPI (what the page pictures show)."""
    k = TEMPLATE_DPI / 72
    w, h = layout.page_size
    size = (round(w * k), round(h * k))
    # output pixel (u, v) -> form point (u / k, h - v / k) -> scan pixel t(...)
    a, b, c, d, e, f = t
    coeffs = (a / k, -b / k, b * h + c, d / k, -e / k, e * h + f)
    grey = img if img.mode == "L" else img.convert("L")
    return grey.transform(size, Image.Transform.AFFINE, coeffs, resample=Image.Resampling.BILINEAR, fillcolor=255)


def _difference(a: Image.Image, b: Image.Image, header_px: int) -> float:
    box = (0, header_px, a.width, a.height)
    blur = ImageFilter.GaussianBlur(1.2)
    diff = ImageChops.difference(a.crop(box).filter(blur), b.crop(box).filter(blur))
    return ImageStat.Stat(diff).mean[0]


def identify_page(img: Image.Image, t: Affine, layout: FormLayout) -> tuple[int, float]:
    """Which page of the form this scan shows, and how well it matches; GeometryUnknown when none fits."""
    warped = _to_form_frame(img, t, layout)
    header_px = round(HEADER * TEMPLATE_DPI / 72)
    scores = sorted((_difference(warped, tpl, header_px), page) for page, tpl in layout.templates.items())
    best, page = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 255.0
    if best > MATCH_LIMIT or runner_up - best < MATCH_MARGIN:
        raise GeometryUnknown("no_match")
    return page, best


def _edge_offset(profile: Sequence[float], edges: tuple[float, float], reach: int) -> tuple[int, float]:
    """The shift (in strip pixels, within ±reach) that puts both printed edges on dark lines of `profile` (0-255
    darkness, smoothed 1-2-1), and how much darker than the median the weaker of the two is there."""
    n = len(profile)
    smooth = [(profile[max(i - 1, 0)] + 2 * profile[i] + profile[min(i + 1, n - 1)]) / 4 for i in range(n)]
    med = sorted(smooth)[n // 2]

    def dark(i: float) -> float:
        j = round(i)
        return smooth[j] if 0 <= j < n else 0.0

    best = max(range(-reach, reach + 1), key=lambda s: (min(dark(e + s) for e in edges), -abs(s)))
    return best, min(dark(e + best) for e in edges) - med


def box_edges(img: Image.Image, t: Affine, rect: tuple[float, float, float, float]) -> tuple[float, float, float]:
    """Where the printed box row's outer edges are on the scan, relative to where the map `t` puts them:
    (dx, dy, contrast) in PDF points and grey levels. The scan around the row is drawn back into the form's frame
    at EDGE_PX; the row's mean darkness per line (across the boxes) and per column (down the boxes) shows the
    top/bottom and left/right edges as dark lines."""
    x0, y0, x1, y1 = rect
    k, s = EDGE_PX, EDGE_SEARCH
    fx, fy = x0 - s, y1 + s  # the strip's top-left corner in form points
    size = (round((x1 - x0 + 2 * s) * k), round((y1 - y0 + 2 * s) * k))
    a, b, c, d, e, f = t
    coeffs = (a / k, -b / k, a * fx + b * fy + c, d / k, -e / k, d * fx + e * fy + f)
    grey = img if img.mode == "L" else img.convert("L")
    strip = grey.transform(size, Image.Transform.AFFINE, coeffs, resample=Image.Resampling.BILINEAR, fillcolor=255)
    inv = strip.point(lambda v: 255 - v)
    pad = round((s + L.mm) * k)  # inside the row: the boxes' own lines, not the labels beside them
    rows = list(inv.crop((pad, 0, size[0] - pad, size[1])).resize((1, size[1]), Image.Resampling.BOX).tobytes())
    cols = list(inv.crop((0, pad, size[0], size[1] - pad)).resize((size[0], 1), Image.Resampling.BOX).tobytes())
    reach = round(s * k) - 2
    dy, cy = _edge_offset(rows, (s * k, (s + y1 - y0) * k), reach)
    dx, cx = _edge_offset(cols, (s * k, (s + x1 - x0) * k), reach)
    return dx / k, dy / k, min(cx, cy)


def check_boxes(img: Image.Image, t: Affine, rects: Sequence[tuple[float, float, float, float]]) -> None:
    """GeometryUnknown('box_edges') unless every sensitive box row's printed edges are on the scan where the map
    puts them (within EDGE_TOLERANCE): a sheet shifted under its QR, or another form's page, is held, because
    blacking out where the boxes should be would miss where they are."""
    for rect in rects:
        dx, dy, contrast = box_edges(img, t, rect)
        if contrast < EDGE_CONTRAST or max(abs(dx), abs(dy)) > EDGE_TOLERANCE:
            raise GeometryUnknown("box_edges")


def redact(img: Image.Image, layout: FormLayout, fix: QrFix) -> Redaction:
    """The page with every sensitive box of its form page blacked out (with MARGIN), once the page is identified
    and its boxes' printed edges are found where the map puts them."""
    t = page_map(layout, refine(img, fix))
    page, score = identify_page(img, t, layout)
    check_boxes(img, t, layout.regions.get(page, ()))
    out = img.copy()
    draw = ImageDraw.Draw(out)
    fill = 0 if out.mode == "L" else (0, 0, 0)
    polys = []
    for x0, y0, x1, y1 in layout.regions.get(page, ()):
        corners = (
            (x0 - MARGIN, y0 - MARGIN),
            (x1 + MARGIN, y0 - MARGIN),
            (x1 + MARGIN, y1 + MARGIN),
            (x0 - MARGIN, y1 + MARGIN),
        )
        poly = tuple(_apply(t, x, y) for x, y in corners)
        draw.polygon(poly, fill=fill)
        polys.append(poly)
    return Redaction(page, out, tuple(polys), score)
