"""Redaction cost per 300-dpi A4 page (issue #16), beside bench_scans.py's per-page import figures.

Times what the import adds for a page of a form with ID-number boxes, for PNG and JPEG pages of the printed form
with the boxes filled in: the QR is read once for its serial and corners (`R.locate`, which replaced the import's
serial-only read, so it is not added), then the QR corners refined, affine map, page match, box-edge check, black
boxes and re-encode are added; the refine + box-edge share is also timed alone.

    .venv/bin/python bench/bench_redaction.py --runs 9 --write docs/bench/scans.md
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from app.notices import default_notice
from app.printing import registration_form as RF
from app.printing.fonts import choose_font
from app.scans import redaction as R
from app.scans.sensitive import _encode_like, _locate

SERIAL = "SH-001-261203-00001"
MARKER = "<!-- redaction results -->"


def _page(dpi: int = 300) -> tuple[Image.Image, list]:
    notice, font = default_notice("zh_CN"), choose_font()
    marks: list = []
    pdf = RF.registration_form_pdf(notice, [SERIAL], font=font, marks=marks)
    doc = pdfium.PdfDocument(pdf)
    img = doc[1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    doc.close()
    k, h = dpi / 72, RF.A4[1]
    draw = ImageDraw.Draw(img)
    f = ImageFont.load_default(size=int(11 * k))
    for p, _c, (x0, y0, x1, y1) in marks:
        if p == 2:
            w = (x1 - x0) / 18
            for i in range(18):
                draw.text(((x0 + w * (i + 0.5)) * k, (h - (y0 + y1) / 2) * k), "8", fill=0, font=f, anchor="mm")
    return img.rotate(1.5, expand=True, fillcolor=255), marks


def run(runs: int) -> list[tuple[str, float, float]]:
    notice, font = default_notice("zh_CN"), choose_font()
    layout = R.form_layout(notice, font)  # built once per notice and font, cached (not per page)
    img, _marks = _page()
    out = []
    for fmt, mime in (("PNG", "image/png"), ("JPEG", "image/jpeg")):
        buf = io.BytesIO()
        img.save(buf, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
        data = buf.getvalue()
        times, checks = [], []
        for _ in range(runs):
            page = Image.open(io.BytesIO(data))
            page.load()
            fix = _locate(page)  # the import's one QR read (not added)
            assert fix is not None
            t = time.perf_counter()
            result = R.redact(page, layout, fix)
            _encode_like(result.image, mime)
            times.append((time.perf_counter() - t) * 1000)
            # of which: the sub-pixel QR corners and the box-edge check (issue #16, shifted sheets)
            t = time.perf_counter()
            refined = R.refine(page, fix)
            R.check_boxes(page, R.page_map(layout, refined), layout.regions[2])
            checks.append((time.perf_counter() - t) * 1000)
        times.sort()
        checks.sort()
        out.append((fmt, statistics.median(times), times[int(len(times) * 0.9) - 1]))
        out.append(
            (f"{fmt}: of which QR refine + box edges", statistics.median(checks), checks[int(len(checks) * 0.9) - 1])
        )
    t = time.perf_counter()
    R._layout.cache_clear()
    R.form_layout(notice, font)
    out.append(("layout (once per notice and font)", (time.perf_counter() - t) * 1000, 0.0))
    return out


def table(rows: list[tuple[str, float, float]]) -> str:
    lines = ["| redaction of one 300-dpi A4 form page (ID boxes filled) | median ms | p90 ms |", "|---|---:|---:|"]
    for name, med, p90 in rows:
        lines.append(f"| {name} | {med:.0f} | {p90:.0f} |" if p90 else f"| {name} | {med:.0f} | |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    text = table(run(args.runs))
    print(text)
    if args.write:
        doc = args.write.read_text("utf-8")
        head = doc[: doc.index(MARKER)] if MARKER in doc else doc.rstrip("\n") + "\n\n"
        args.write.write_text(head + MARKER + "\n" + text + "\n", "utf-8")


if __name__ == "__main__":
    main()
