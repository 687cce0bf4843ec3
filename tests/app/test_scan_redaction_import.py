"""Issue #16: the import blacks out the ID-number boxes before a form page is archived (SEN-3); the unredacted page
is kept encrypted only until the business is done and at most 30 days (RET-4); a page whose geometry is unknown is
held for a manager, never archived; a refused file leaves nothing readable in the watched folder (STO-1).

The forms are printed by app.printing, the ID boxes filled with digits, rasterised with pypdfium2 and imported
through `import_file`, as a clerk's scanner would deliver them."""

from __future__ import annotations

import datetime as dt
import io

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont

from app.errors import PermissionDenied, UserError
from app.notices.store import ensure_default_stored
from app.printing import registration_form as RF
from app.printing.fonts import choose_font
from app.printing.serials import issue_form_serials
from app.scans import archive, quarantine, redaction as R, unredacted
from app.scans.importer import import_bytes, import_file
from app.scans.watch import FAILED_DIR, FolderWatcher
from tests.app.test_scan_redaction import _box_polygons, _darkness_in
from tests.factories import make_member
from tests.scan_samples import form_page, issue_serial, to_bytes

DIGITS = "440301199001011234"


@pytest.fixture
def cipher(vault, manager):
    return vault.field_cipher()  # what any session holds: seals, never opens (SEN-3)


@pytest.fixture
def form(manager):
    """One issued form tied to a member: (serial, member id, pdf, marks)."""
    notice = ensure_default_stored(manager)
    [serial] = issue_form_serials(manager, notice, 1)
    mid = make_member(manager)
    with manager.write("forms.match.test") as tx:
        tx.execute("UPDATE form_serials SET matched_member_id = ? WHERE serial = ?", (mid, serial))
    marks: list = []
    pdf = RF.registration_form_pdf(notice, [serial], font=choose_font(), marks=marks)
    assert any(p == 2 for p, _c, _r in marks)  # the default notice's form asks for the ID number on page 2
    return serial, mid, pdf, marks


def _filled(pdf: bytes, page: int, marks, *, dpi: int = 300, rotate: int = 0) -> Image.Image:
    """Page `page` rendered at `dpi`, the customer's ID number written into the boxes, rotated like a scan."""
    doc = pdfium.PdfDocument(pdf)
    img = doc[page - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    doc.close()
    k, height = dpi / 72, RF.A4[1]
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=int(11 * k))
    for p, _code, (x0, y0, x1, y1) in marks:
        if p != page:
            continue
        width = (x1 - x0) / len(DIGITS)
        for i, ch in enumerate(DIGITS):
            draw.text(((x0 + width * (i + 0.5)) * k, (height - (y0 + y1) / 2) * k), ch, fill=0, font=font, anchor="mm")
    return img.rotate(rotate, expand=True, fillcolor=255) if rotate else img


def _archived_boxes_darkness(session, cipher, doc_id: str, marks, page: int = 1) -> list[float]:
    """Read the archived page back through the viewer's path and measure the grey level inside each ID box."""
    pages = archive.document_pages(session, cipher, doc_id)
    img = Image.open(io.BytesIO(pages[page - 1].data))
    img.load()
    notice_layout = R.form_layout(_notice(), _font())
    fix = R.locate(img)
    assert fix is not None
    t = R.page_map(notice_layout, fix)
    return [_darkness_in(img, poly) for poly in _box_polygons(t, marks, 2)]


def _notice():
    from app.notices import default_notice

    return default_notice("zh_CN")


def _font():
    return choose_font()


@pytest.mark.parametrize(
    "kind,rotate", [("PNG", 0), ("PNG", 180), ("JPEG", 0), ("JPEG", 180)], ids=["png", "png-180", "jpeg", "jpeg-180"]
)
def test_id_boxes_are_black_in_the_archived_page_a_clerk_sees(
    manager, clerk, cipher, manager_cipher, form, tmp_path, kind, rotate
):
    serial, _mid, pdf, marks = form
    scan = _filled(pdf, 2, marks, rotate=rotate)
    path = tmp_path / f"scan.{kind.lower()}"
    scan.save(path, kind, **({"quality": 85} if kind == "JPEG" else {}))
    res = import_file(clerk, cipher, path)
    [doc] = res.documents
    assert doc.status == "matched" and doc.serial == serial and doc.redacted == 1 and not res.held
    dark = _archived_boxes_darkness(clerk, cipher, doc.document_id, marks)
    assert dark and all(v < 8 for v in dark), dark  # rule: SEN-3
    # the unredacted page is kept encrypted, for a manager only, with the reveal audited
    scan_id = archive.document_pages(manager, cipher, doc.document_id)[0].scan_id
    with pytest.raises(PermissionDenied):
        unredacted.reveal_page(clerk, cipher, scan_id, "dispute")  # rule: SEN-3
    with pytest.raises(UserError) as ei:
        unredacted.reveal_page(manager, cipher, scan_id, "dispute")  # a manager without a step-up: sealed
    assert ei.value.key == "fieldcrypt.step_up"  # rule: SEN-3
    data, _mime = unredacted.reveal_page(manager, manager_cipher, scan_id, "dispute")
    original = Image.open(io.BytesIO(data))
    fix = R.locate(original)
    t = R.page_map(R.form_layout(_notice(), _font()), fix)
    assert all(v > 120 for v in (_darkness_in(original, p) for p in _box_polygons(t, marks, 2)))
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'scan.reveal'") == 1  # rule: SEN-3
    row = manager.db.one("SELECT image, delete_by FROM scan_unredacted WHERE scan_id = ?", (scan_id,))
    assert data not in bytes(row["image"])  # rule: STO-1
    today = manager.clock.now().date()
    assert row["delete_by"] <= (today + dt.timedelta(days=30)).isoformat()  # rule: RET-4


def test_pdf_of_a_whole_form_redacts_only_the_id_page(manager, cipher, form):
    _serial, _mid, pdf, marks = form
    pages = [_filled(pdf, i, marks, dpi=200) for i in range(1, len(pdfium.PdfDocument(pdf)) + 1)]
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=200)
    res = import_bytes(manager, cipher, buf.getvalue())
    [doc] = res.documents
    assert doc.pages == len(pages) and doc.redacted == 1 and not res.held
    dark = _archived_boxes_darkness(manager, cipher, doc.document_id, marks, page=2)
    assert all(v < 8 for v in dark), dark  # rule: SEN-3


def test_page_of_unknown_geometry_is_held_not_archived(manager, clerk, cipher, manager_cipher, form):
    serial, _mid, pdf, marks = form
    scan = _filled(pdf, 2, marks, dpi=150)
    # the form's header (QR and serial) on a page that is not the printed form (a photocopy, another printout):
    # the QR reads, but where the boxes are cannot be known
    foreign = form_page(None, dpi=150, seed=3).resize(scan.size)
    header = round(R.HEADER / 72 * 150)
    foreign.paste(scan.crop((0, 0, scan.width, header)), (0, 0))
    scan = foreign
    res = import_bytes(clerk, cipher, to_bytes(scan, "PNG"))
    assert res.held and not res.documents  # rule: SEN-3
    assert manager.db.scalar("SELECT count(*) FROM scans") == 0  # never archived unredacted
    assert manager.db.scalar("SELECT count(*) FROM change_journal WHERE entity LIKE 'scan%'") == 0  # not synced
    with pytest.raises(PermissionDenied):
        unredacted.list_held(clerk)  # clerks never see it
    [held] = unredacted.list_held(manager)
    assert held.qr_serial == serial and held.reason in ("no_match", "qr_distorted", "qr_position")
    with pytest.raises(UserError):
        unredacted.view_held(manager, cipher, held.id)  # rule: SEN-3 (sealed: only a step-up opens it)
    image, _mime = unredacted.view_held(manager, manager_cipher, held.id)
    assert image[:4] == b"\x89PNG"
    unredacted.decide_held(manager, held.id, "keep")
    assert unredacted.list_held(manager)[0].kept
    unredacted.decide_held(manager, held.id, "discard")
    assert unredacted.held_count(manager.db) == 0


def test_page_without_qr_in_a_form_with_id_boxes_is_held(manager, cipher, form):
    """The printed form has its QR on every page: a page after a form page whose QR cannot be read may be the ID
    page, so it is held rather than archived unredacted."""
    _serial, _mid, pdf, marks = form
    first = _filled(pdf, 1, marks, dpi=150)
    second = _filled(pdf, 2, marks, dpi=150)
    second.paste(255, (second.width // 2, 0, second.width, second.height // 6))  # the QR torn off
    buf = io.BytesIO()
    first.save(buf, "TIFF", save_all=True, append_images=[second])
    res = import_bytes(manager, cipher, buf.getvalue())
    assert [d.pages for d in res.documents] == [1] and res.held == [(2, "no_qr")]  # rule: SEN-3


def test_sweep_and_erasure_delete_the_unredacted_pages(manager_cipher, manager, cipher, form, paths):
    from app.erasure import erase_member
    from app.retention import apply_sweep, mark_business_done

    _serial, mid, pdf, marks = form
    import_bytes(manager, cipher, to_bytes(_filled(pdf, 2, marks, dpi=150), "PNG"))
    assert manager.db.scalar("SELECT count(*) FROM scan_unredacted") == 1
    apply_sweep(manager, ledger_path=paths.erasure_ledger)
    assert manager.db.scalar("SELECT count(*) FROM scan_unredacted") == 1  # business not done, < 30 days
    manager.clock.advance(days=30)
    apply_sweep(manager, ledger_path=paths.erasure_ledger)
    assert manager.db.scalar("SELECT count(*) FROM scan_unredacted") == 0  # rule: RET-4
    assert manager.db.scalar("SELECT count(*) FROM scans") == 1  # the redacted page stays as consent evidence
    # business done earlier: gone at the next sweep; erasure: gone with the member
    other = make_member(manager)
    with manager.write("fields.test") as tx:
        tx.execute(
            "INSERT INTO member_fields(id, member_id, field, purpose_code, value_enc, masked, created_at, updated_at)"
            " VALUES ('f1', ?, 'id_number', 'instalment', ?, '440301********1234', '2026-01-01', '2026-01-01')",
            (mid, cipher.encrypt(DIGITS, "member_fields", "value_enc", "f1")),
        )
    manager.clock.advance(days=1)
    [s3] = issue_form_serials(manager, ensure_default_stored(manager), 1)
    with manager.write("forms.match.test") as tx:
        tx.execute("UPDATE form_serials SET matched_member_id = ? WHERE serial = ?", (mid, s3))
    marks3: list = []
    pdf3 = RF.registration_form_pdf(ensure_default_stored(manager), [s3], font=choose_font(), marks=marks3)
    import_bytes(manager, cipher, to_bytes(_filled(pdf3, 2, marks3, dpi=150), "PNG"))
    assert manager.db.scalar("SELECT count(*) FROM scan_unredacted") == 1
    manager.clock.advance(minutes=5)
    mark_business_done(manager, mid, manager_cipher)
    apply_sweep(manager, ledger_path=paths.erasure_ledger)
    assert manager.db.scalar("SELECT count(*) FROM scan_unredacted") == 0  # rule: RET-4
    [s4] = issue_form_serials(manager, ensure_default_stored(manager), 1)
    with manager.write("forms.match.test") as tx:
        tx.execute("UPDATE form_serials SET matched_member_id = ? WHERE serial = ?", (other, s4))
    marks4: list = []
    pdf4 = RF.registration_form_pdf(ensure_default_stored(manager), [s4], font=choose_font(), marks=marks4)
    import_bytes(manager, cipher, to_bytes(_filled(pdf4, 2, marks4, dpi=150), "PNG"))
    assert manager.db.scalar("SELECT count(*) FROM scan_unredacted") == 1
    erase_member(manager, other, reason="request", ledger_path=paths.erasure_ledger)
    assert manager.db.scalar("SELECT count(*) FROM scan_unredacted") == 0  # rule: RIG-3


def test_refused_file_is_quarantined_encrypted_and_the_folder_keeps_nothing(
    manager, clerk, cipher, manager_cipher, form, tmp_path
):
    _serial, _mid, pdf, marks = form
    folder = tmp_path / "scan-to-folder"
    (folder / FAILED_DIR).mkdir(parents=True)
    page = to_bytes(_filled(pdf, 2, marks, dpi=150), "PNG")
    bad = page[: len(page) // 2]  # a truncated scan: refused, and it holds the customer's ID number
    (folder / "0001.png").write_bytes(bad)
    legacy = b"%PDF-1.4 an older version's refused file " + DIGITS.encode()
    (folder / FAILED_DIR / "old.pdf").write_bytes(legacy)
    w = FolderWatcher(folder)
    w.poll(clerk, cipher)
    out = w.poll(clerk, cipher)
    assert [e.key for _n, e in out.failed] == ["scans.corrupt"]
    left = [p for p in tmp_path.rglob("*") if p.is_file()]
    for p in left:
        assert bad[:4096] not in p.read_bytes() and DIGITS.encode() not in p.read_bytes()  # rule: STO-1
    assert not (folder / "0001.png").exists() and not (folder / FAILED_DIR).exists()
    for db_file in (tmp_path / "data").rglob("*"):
        if db_file.is_file():
            raw = db_file.read_bytes()
            assert bad[200:4096] not in raw and DIGITS.encode() not in raw  # rule: STO-1
    with pytest.raises(PermissionDenied):
        quarantine.list_quarantine(clerk)
    items = {q.reason: q for q in quarantine.list_quarantine(manager)}
    assert set(items) == {"scans.corrupt", "scans.legacy_failed"}
    # sealed (SEN-3): only a manager's step-up opens it (tests/app/test_scan_pages_sealed.py)
    assert quarantine.export_file(manager, manager_cipher, items["scans.corrupt"].id) == bad
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'scans.quarantine.export'") == 1
    quarantine.discard(manager, items["scans.legacy_failed"].id)
    assert quarantine.quarantine_count(manager.db) == 1
    # the sweep deletes what is left after 30 days
    from app.retention import apply_sweep

    manager.clock.advance(days=30)
    apply_sweep(manager)
    assert quarantine.quarantine_count(manager.db) == 0  # rule: RET-4


def test_form_without_sensitive_boxes_is_archived_as_is(manager, cipher):
    """A form whose printed notice asks for no sensitive field (here: a serial with no recorded notice, the test
    helper's) is archived unchanged: the redaction step only touches forms that have boxes."""
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    png = to_bytes(form_page(serial), "PNG")
    res = import_bytes(manager, cipher, png)
    assert [d.redacted for d in res.documents] == [0]
    assert archive.document_pages(manager, cipher, res.documents[0].document_id)[0].data == png


def test_id_number_past_its_maximum_age_is_masked_by_the_sweep(manager, cipher, manager_cipher, paths):
    """RET-4 without a manual step: the reminder warns before, the sweep masks at the maximum age, and deletes the
    original within 30 days."""
    from app import reminders
    from app.retention import apply_sweep, dry_run
    from app.retention.id_numbers import MAX_DAYS_DEFAULT, REMIND_DAYS

    mid = make_member(manager)
    stored = manager.clock.now().date().isoformat()
    with manager.write("fields.test") as tx:
        tx.execute(
            "INSERT INTO member_fields(id, member_id, field, purpose_code, value_enc, masked, created_at, updated_at)"
            " VALUES ('f1', ?, 'id_number', 'instalment', ?, '440301********1234', ?, ?)",
            (mid, cipher.encrypt(DIGITS, "member_fields", "value_enc", "f1"), stored, stored),
        )
    manager.clock.advance(days=MAX_DAYS_DEFAULT - REMIND_DAYS + 1)
    keys = [r.key for r in reminders.collect(manager.db, manager.clock.now().date())]
    assert "retention.reminder.id_numbers_soon" in keys
    assert dry_run(manager)["id_numbers"]["due_soon"] == 1
    manager.clock.advance(days=REMIND_DAYS)
    apply_sweep(manager, ledger_path=paths.erasure_ledger)  # no cipher: cannot mask, says so
    assert "retention.reminder.id_numbers_overdue" in [
        r.key for r in reminders.collect(manager.db, manager.clock.now().date())
    ]
    result = apply_sweep(manager, ledger_path=paths.erasure_ledger, cipher=cipher)
    assert result["id_numbers"]["masked"] == 1
    row = manager.db.one("SELECT id, value_enc FROM member_fields WHERE member_id = ?", (mid,))
    assert (
        manager_cipher.decrypt(row["value_enc"], "member_fields", "value_enc", "f1") == "440301********1234"
    )  # rule: RET-4
    manager.clock.advance(days=31)
    apply_sweep(manager, ledger_path=paths.erasure_ledger, cipher=cipher)
    kept = manager.db.one("SELECT original_enc FROM id_number_retention WHERE member_id = ?", (mid,))
    assert kept["original_enc"] is None  # rule: RET-4


@pytest.mark.parametrize("shift_mm", [2, 5, 10])
def test_a_sheet_shifted_under_its_qr_is_held_at_import_never_archived(manager, clerk, cipher, form, shift_mm):
    """The form's body printed ~N mm lower than its QR (a sheet out of register): the boxes are not where the QR
    says, so the page is held for a manager with reason box_edges, and nothing is archived or synced."""
    from tests.app.test_scan_redaction import _shifted

    serial, _mid, pdf, marks = form
    scan = _shifted(_filled(pdf, 2, marks, dpi=200), 0, shift_mm, 200)
    res = import_bytes(clerk, cipher, to_bytes(scan, "JPEG", quality=85))
    assert res.held and not res.documents  # rule: SEN-3
    assert manager.db.scalar("SELECT count(*) FROM scans") == 0  # rule: SEN-3
    [held] = unredacted.list_held(manager)
    assert held.qr_serial == serial and held.reason in ("box_edges", "no_match")
