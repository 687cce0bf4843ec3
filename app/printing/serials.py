"""Registration-form serials: issued in the DB before a form is printed, matched later to the
member, the consent record and the scan of the signed form.

Serial: "<STORE>-<YYMMDD>-<5-digit seq>" (store code may itself contain hyphens); the QR on the
form holds "MEMBERDESK-FORM:<serial>".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from app.clock import iso
from app.erasure import register_eraser
from app.errors import NotFound, UserError, ValidationError
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.notices.model import Notice
    from app.staff.session import Session, Tx
    from app.storage.db import Queries

QR_PREFIX = "MEMBERDESK-FORM:"
MAX_PER_ISSUE = 200
SERIAL_RE = re.compile(r"^(?P<store>[A-Z0-9][A-Z0-9-]{0,15})-(?P<day>\d{6})-(?P<seq>\d{5})$")

# Blank forms hold no personal data: clerks print them too; every issue is audited (who, when, version).
FORMS_ISSUE = P.grant("forms.issue", P.CLERK, P.MANAGER)
FORMS_MATCH = P.grant("forms.match", P.CLERK, P.MANAGER)


def qr_payload(serial: str) -> str:
    return QR_PREFIX + serial


def parse_serial(text: str) -> tuple[str, str, int]:
    """(store code, YYMMDD, seq) of a serial; ValidationError when malformed."""
    m = SERIAL_RE.match((text or "").strip().upper())
    if not m:
        raise ValidationError("printing.serial_invalid", field="serial")
    return m["store"], m["day"], int(m["seq"])


def serial_from_qr(text: str) -> str | None:
    """The serial in a decoded QR text, or None if it is not a MemberDesk form code."""
    text = (text or "").strip()
    if not text.upper().startswith(QR_PREFIX):
        return None
    serial = text[len(QR_PREFIX) :].strip().upper()
    try:
        parse_serial(serial)
    except ValidationError:
        return None
    return serial


def issue_form_serials(session: Session, notice: Notice, count: int) -> list[str]:
    """Reserve `count` new serials for forms carrying `notice` (an app.notices Notice). One transaction,
    audited with the count and the notice version (no personal data)."""
    session.require(FORMS_ISSUE)
    if not isinstance(count, int) or not 1 <= count <= MAX_PER_ISSUE:
        raise ValidationError("printing.count_invalid", field="count", max=MAX_PER_ISSUE)
    store = (session.store_code or "").upper()
    if not store:
        raise UserError("printing.store_code_missing")
    now = session.clock.now()
    day = now.strftime("%y%m%d")
    details = {"count": count, "notice_version": notice.version, "notice_lang": notice.lang}
    with session.write("forms.issue", "form_batch", None, details) as tx:
        last = int(
            tx.scalar(
                "SELECT COALESCE(MAX(seq), 0) FROM form_serials WHERE store_code = ? AND issued_on = ?",
                (store, day),
                default=0,
            )
        )
        if last + count > 99999:
            raise ValidationError("printing.count_invalid", field="count", max=max(0, 99999 - last))
        serials = [f"{store}-{day}-{last + i:05d}" for i in range(1, count + 1)]
        tx.executemany(
            "INSERT INTO form_serials(serial, store_code, issued_on, seq, notice_version, notice_lang, notice_hash,"
            " issued_at, issued_by) VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (s, store, day, last + i, notice.version, notice.lang, notice.content_hash, iso(now), session.staff.id)
                for i, s in enumerate(serials, 1)
            ],
        )
        for s in serials:
            tx.journal("form_serial", s, "upsert", {"notice_version": notice.version, "issued_at": iso(now)})
    return serials


def mark_printed(session: Session, serials: list[str]) -> int:
    """Count one more print of each serial (called when the print dialog or "save as PDF" finished)."""
    session.require(FORMS_ISSUE)
    if not serials:
        return 0
    now = iso(session.clock.now())
    with session.write("forms.printed", "form_batch", None, {"count": len(serials)}) as tx:
        n = 0
        for s in serials:
            n += tx.execute(
                "UPDATE form_serials SET printed_count = printed_count + 1, last_printed_at = ? WHERE serial = ?",
                (now, s),
            ).rowcount
    return n


def get_form_serial(db: Queries, serial: str) -> dict | None:
    row = db.one("SELECT * FROM form_serials WHERE serial = ?", ((serial or "").strip().upper(),))
    return dict(row) if row is not None else None


def match_form_serial(
    tx: Tx, serial: str, *, member_id: str | None = None, consent_id: str | None = None, scan_id: str | None = None
) -> dict:
    """Inside the caller's write (registration or scan import): tie a form to its member / consent /
    scan. Fields already set are kept unless given; a form used for another member is refused."""
    tx.session.require(FORMS_MATCH)
    serial = (serial or "").strip().upper()
    parse_serial(serial)
    row = tx.one("SELECT * FROM form_serials WHERE serial = ?", (serial,))
    if row is None:
        raise NotFound("printing.serial_unknown")
    if member_id and row["matched_member_id"] and row["matched_member_id"] != member_id:
        raise UserError("printing.serial_used")
    tx.execute(
        "UPDATE form_serials SET matched_member_id = COALESCE(?, matched_member_id),"
        " matched_consent_id = COALESCE(?, matched_consent_id), matched_scan_id = COALESCE(?, matched_scan_id),"
        " matched_at = ? WHERE serial = ?",
        (member_id, consent_id, scan_id, iso(tx.session.clock.now()), serial),
    )
    tx.audit(
        "forms.match", "form", serial, {"member": bool(member_id), "consent": bool(consent_id), "scan": bool(scan_id)}
    )
    updated = tx.one("SELECT * FROM form_serials WHERE serial = ?", (serial,))
    if updated is None:  # read above in this same transaction: never
        raise NotFound("printing.serial_unknown")
    return dict(updated)


def _erase(tx: Tx, member_id: str) -> int:
    """Erasure (RIG-3): the form row stays (it is the record that a blank form existed), its link to the
    member and consent goes."""
    return tx.execute(
        "UPDATE form_serials SET matched_member_id = NULL, matched_consent_id = NULL, matched_scan_id = NULL"
        " WHERE matched_member_id = ?",
        (member_id,),
    ).rowcount


register_eraser("form_serials", _erase)
