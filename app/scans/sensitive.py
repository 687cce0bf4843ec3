"""The import's redaction step (SEN-3, RET-4): which pages carry sensitive boxes, and what is archived instead.

For every page of a file, `Redactor.page(image, serial)` decides, before anything is written:
- the page belongs to a form whose printed notice has no sensitive box (or to no form of ours): archived as is;
- it belongs to a form with sensitive boxes and its QR gives the geometry: the boxes are blacked out
  (app.scans.redaction), the redacted page is archived, and the unredacted one is kept encrypted in
  `scan_unredacted` until the business is done (at most `KEEP_DAYS`);
- it belongs to such a form but the geometry cannot be established (no readable QR on the page, a distorted or
  foreign page, a notice that is not stored): the page is HELD for a manager (`scan_held`), never archived.

A form's page is known by the QR it carries (the printed form has one on every page); a page without one that
follows a form page is part of that form, so it is held when that form has sensitive boxes.
Unknown serials (a QR of ours the store never issued) keep today's inbox behaviour: the layout of a form that
was never issued here is unknown; `form_layout` is only built for a notice recorded in `form_serials`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image

from app.errors import UserError
from app.notices.store import get_notice
from app.printing.fonts import font_for_db
from app.scans import redaction as R
from app.scans.redaction import GeometryUnknown

if TYPE_CHECKING:
    from app.storage.db import Queries

KEEP_DAYS = 30  # RET-4: the unredacted original goes within 30 days at the latest


@dataclass
class PageOutcome:
    """What to archive for one page. `held` is a reason when the page must not be archived at all."""

    data: bytes  # the bytes to archive (redacted when boxes were blacked out)
    mime: str
    original: bytes | None = None  # the unredacted bytes, only when boxes were blacked out
    original_mime: str | None = None
    boxes: int = 0
    held: str | None = None
    form: str | None = None  # the serial of the form the page belongs to (its own QR, or the page before's)


def _encode_like(img: Image.Image, mime: str) -> tuple[bytes, str]:
    """Re-encode a redacted page as JPEG (q 90), the archive's usual encoding (app.scans.pages.encode), whatever
    it came in as: a PNG encode of a 300-dpi page costs ~4x a JPEG one (docs/bench/scans.md) and the black boxes
    stay black (mean grey < 8 in the tests)."""
    del mime
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return buf.getvalue(), "image/jpeg"


def _locate(img: Image.Image) -> R.QrFix | None:
    """The QR's corners; a large page that zxing misses is tried once downscaled (corners scaled back)."""
    fix = R.locate(img)
    if fix is not None:
        return fix
    w, h = img.size
    if max(w, h) <= 1800:
        return None
    k = 1400 / max(w, h)
    small = (img if img.mode == "L" else img.convert("L")).resize((round(w * k), round(h * k)), Image.Resampling.BOX)
    fix = R.locate(small)
    if fix is None:
        return None
    return R.QrFix(fix.serial, tuple((x / k, y / k) for x, y in fix.corners))


class Redactor:
    """One per import: looks up each serial's printed notice once (read-only) and caches its layout."""

    def __init__(self, db: Queries) -> None:
        self.db = db
        self._forms: dict[str, R.FormLayout | GeometryUnknown | None] = {}
        self._form: str | None = None  # the serial of the form the pages belong to now

    def layout_for(self, serial: str) -> R.FormLayout | None:
        """The printed layout of this issued form when it has sensitive boxes; None when it has none, or when
        the store did not issue the serial (inbox). Raises GeometryUnknown when the printed notice is unknown."""
        if serial not in self._forms:
            self._forms[serial] = self._lookup(serial)
        found = self._forms[serial]
        if isinstance(found, GeometryUnknown):
            raise found
        return found

    def _lookup(self, serial: str) -> R.FormLayout | GeometryUnknown | None:
        row = self.db.one(
            "SELECT notice_version, notice_lang, notice_hash FROM form_serials WHERE serial = ?",
            (serial.strip().upper(),),
        )
        if row is None or row["notice_hash"] is None:
            return None  # not issued here (inbox: unknown_serial), or issued before forms recorded their notice
        try:
            notice = get_notice(self.db, row["notice_version"], row["notice_lang"] or "zh_CN")
        except UserError:  # the printed notice is not stored (or damaged): geometry unknown
            return GeometryUnknown("notice_unknown")
        if notice.content_hash != row["notice_hash"]:
            return GeometryUnknown("notice_unknown")
        layout = R.form_layout(notice, font_for_db(self.db))
        return layout if any(layout.regions.values()) else None

    def page(
        self, image: Image.Image, serial: str | None, data: bytes, mime: str, fix: R.QrFix | None = None
    ) -> PageOutcome:
        """Decide one page (in file order: a page without a QR belongs to the form before it). `fix` is the QR's
        position when the caller already read it (`R.locate`), so the page is not read twice."""
        if serial is not None:
            self._form = serial
        form = self._form
        if form is None:
            return PageOutcome(data, mime)
        try:
            layout = self.layout_for(form)
            if layout is None:
                return PageOutcome(data, mime)
            if serial is None:
                raise GeometryUnknown("no_qr")
            if fix is None or fix.serial != serial:
                fix = _locate(image)
            if fix is None or fix.serial != serial:
                raise GeometryUnknown("qr_position")
            result = R.redact(image, layout, fix)
        except GeometryUnknown as exc:
            return PageOutcome(data, mime, held=exc.reason, form=form)
        if not result.boxes:
            return PageOutcome(data, mime)
        blob, out_mime = _encode_like(result.image, mime)
        result.image.close()
        return PageOutcome(blob, out_mime, original=data, original_mime=mime, boxes=len(result.boxes))
