"""Scan import: QR matching, splitting batches, encrypted archive, duplicates, inbox, erasure."""

from __future__ import annotations

import pytest

from app.erasure import erase_member
from app.errors import UserError
from app.scans import archive, inbox
from app.scans.importer import import_bytes, import_file
from app.storage.fieldcrypt import FieldCipher
from tests.factories import make_member
from tests.scan_samples import form_page, issue_serial, multi_page, to_bytes


@pytest.fixture
def cipher(vault, manager):
    return vault.field_cipher()  # what every session holds: seals the unredacted pages (SEN-3), opens the archive


def _doc_count(db, status=None):
    if status:
        return db.scalar("SELECT count(*) FROM scan_documents WHERE status = ?", (status,))
    return db.scalar("SELECT count(*) FROM scan_documents")


@pytest.mark.parametrize(
    "variant",
    [
        dict(dpi=150),
        dict(dpi=150, rotate=6),
        dict(dpi=150, rotate=90),
        dict(dpi=150, noise=40),
        dict(dpi=300, rotate=-4, noise=20),
        dict(dpi=100, noise=10),
    ],
)
def test_simulated_scans_match_member(manager, cipher, variant):
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    res = import_bytes(manager, cipher, to_bytes(form_page(serial, **variant), "PNG"))
    assert [d.status for d in res.documents] == ["matched"]
    doc = manager.db.one("SELECT * FROM scan_documents WHERE id = ?", (res.documents[0].document_id,))
    assert doc["member_id"] == mid and doc["serial"] == serial
    form = manager.db.one("SELECT matched_scan_id FROM form_serials WHERE serial = ?", (serial,))
    assert form["matched_scan_id"] == doc["id"]
    assert manager.db.scalar("SELECT count(*) FROM originals WHERE serial = ?", (serial,)) == 1  # rule: STO-2


def test_multipage_pdf_split_by_qr_and_consent_linked(manager, cipher):
    m1, m2 = make_member(manager), make_member(manager)
    s1, s2 = issue_serial(manager, m1), issue_serial(manager, m2)
    with manager.write("consent.test", "member", m2) as tx:
        tx.execute(
            "INSERT INTO consent_records(id, member_id, kind, notice_version, notice_lang, notice_hash, method,"
            " staff_id, store_code, terminal, created_at, evidence_ref) VALUES"
            " ('c2', ?, 'registration', '1', 'zh_CN', 'h', 'paper', ?, 'SH-001', 'DESK-1', 'now', ?)",
            (m2, manager.staff.id, s2),
        )
    pages = [
        form_page(None, seed=9),
        form_page(s1),
        form_page(None, seed=2),
        form_page(s2, rotate=3),
        form_page(None, seed=3),
        form_page(None, seed=4),
    ]
    res = import_bytes(manager, cipher, multi_page(pages, "PDF"))
    assert res.kind == "pdf" and res.pages == 6
    assert [(d.status, d.serial, d.pages) for d in res.documents] == [
        ("inbox", None, 1),
        ("matched", s1, 2),
        ("matched", s2, 3),
    ]
    assert manager.db.one("SELECT consent_id FROM scan_documents WHERE serial = ?", (s2,))[0] == "c2"  # rule: CON-1
    assert [i.reason for i in inbox.list_inbox(manager.db)] == ["no_qr"]


def test_multipage_tiff(manager, cipher):
    mid = make_member(manager)
    s1 = issue_serial(manager, mid)
    res = import_bytes(manager, cipher, multi_page([form_page(s1), form_page(None, seed=5)], "TIFF"))
    assert [(d.status, d.pages) for d in res.documents] == [("matched", 2)]


def test_archive_is_ciphertext_and_viewable(manager, cipher, vault, paths):
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    png = to_bytes(form_page(serial, dpi=120), "PNG")
    res = import_bytes(manager, cipher, png)
    did = res.documents[0].document_id
    blob = manager.db.one("SELECT image, sha256 FROM scans WHERE document_id = ?", (did,))
    marker = png[len(png) // 2 : len(png) // 2 + 48]
    assert marker not in bytes(blob["image"]) and not bytes(blob["image"]).startswith(b"\x89PNG")  # rule: STO-1
    assert blob["sha256"] == archive.sha256_hex(png)
    pages = archive.document_pages(manager, cipher, did)
    assert pages[0].data == png
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'scan.view'") == 1  # rule: SEC-2
    vault.lock()
    raw = b"".join(p.read_bytes() for p in paths.db.parent.glob(paths.db.name + "*"))
    assert marker not in raw and b"MEMBERDESK-FORM" not in raw  # rule: STO-1


def test_same_serial_same_content_is_duplicate(manager, cipher):
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    data = to_bytes(form_page(serial), "PNG")
    import_bytes(manager, cipher, data)
    again = import_bytes(manager, cipher, data)
    assert [d.status for d in again.documents] == ["duplicate"]
    assert _doc_count(manager.db) == 1 and manager.db.scalar("SELECT count(*) FROM scans") == 1


def test_same_serial_other_content_manager_decides(manager, cipher, clerk):
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    first = import_bytes(manager, cipher, to_bytes(form_page(serial, seed=1), "PNG")).documents[0]
    second = import_bytes(clerk, cipher, to_bytes(form_page(serial, seed=2), "PNG")).documents[0]
    assert second.status == "conflict"
    with pytest.raises(UserError):
        inbox.resolve_conflict(clerk, second.document_id, "replace")  # rule: SEC-1
    inbox.resolve_conflict(manager, second.document_id, "replace")
    assert manager.db.one("SELECT 1 FROM scan_documents WHERE id = ?", (first.document_id,)) is None
    assert manager.db.one("SELECT document_id FROM originals WHERE serial = ?", (serial,))[0] == second.document_id


def test_unknown_serial_goes_to_inbox_then_manual_match(manager, cipher):
    mid = make_member(manager)
    res = import_bytes(manager, cipher, to_bytes(form_page("SH-001-261102-09999"), "PNG"))
    doc = res.documents[0]
    assert (doc.status, doc.reason) == ("inbox", "unknown_serial")
    with pytest.raises(UserError) as ei:
        inbox.match_document(manager, doc.document_id, "SH-001-261102-09999")
    assert ei.value.key == "scans.serial_unknown"
    serial = issue_serial(manager, None, serial="SH-001-261102-09999")
    member_no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))
    assert inbox.match_document(manager, doc.document_id, serial, member_no=member_no) == "matched"
    assert manager.db.one("SELECT matched_member_id FROM form_serials WHERE serial = ?", (serial,))[0] == mid
    assert inbox.inbox_count(manager.db) == 0


def test_unreadable_page_goes_to_inbox(manager, cipher):
    res = import_bytes(manager, cipher, to_bytes(form_page(None), "JPEG", quality=80))
    assert [(d.status, d.reason) for d in res.documents] == [("inbox", "no_qr")]
    inbox.discard_document(manager, res.documents[0].document_id)
    assert manager.db.scalar("SELECT count(*) FROM scans") == 0


def test_erasure_deletes_scans_keeps_register(manager, cipher, paths):
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    import_bytes(manager, cipher, to_bytes(form_page(serial), "PNG"))
    counts = erase_member(manager, mid, ledger_path=paths.erasure_ledger)
    assert counts["scans"] == 1
    assert manager.db.scalar("SELECT count(*) FROM scans") == 0  # rule: RIG-3
    assert manager.db.scalar("SELECT count(*) FROM scan_documents WHERE member_id = ?", (mid,)) == 0  # rule: RIG-3
    row = manager.db.one("SELECT member_id, status FROM originals WHERE serial = ?", (serial,))
    assert row["member_id"] is None and row["status"] == "in_cabinet"  # rule: STO-2


def test_import_file_deletes_source_when_asked(manager, cipher, tmp_path):
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    f = tmp_path / "scan.png"
    f.write_bytes(to_bytes(form_page(serial), "PNG"))
    import_file(manager, cipher, f, delete_source=True)
    assert not f.exists()  # rule: STO-1


def test_rekey_reencrypts_scans(manager, cipher, vault):
    from app.access.rekey import begin_rekey, finish_rekey
    from tests.conftest import MANAGER_PW

    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    png = to_bytes(form_page(serial, dpi=100), "PNG")
    did = import_bytes(manager, cipher, png).documents[0].document_id
    old_blob = bytes(manager.db.one("SELECT image FROM scans")[0])
    plan = begin_rekey(vault, manager, MANAGER_PW)
    finish_rekey(vault, plan, plan.recovery_key)
    session = vault.sign_in("manager", MANAGER_PW)
    new_cipher = FieldCipher(vault.data_key())
    assert bytes(session.db.one("SELECT image FROM scans")[0]) != old_blob  # rule: STO-1
    assert archive.document_pages(session, new_cipher, did)[0].data == png


def test_printed_registration_forms_scanned_back(manager, cipher):
    """The forms app.printing prints (QR on every page), printed, signed and scanned as one batch:
    rendered at 150 dpi, greyscale, slightly rotated and noisy."""
    import random

    import pypdfium2 as pdfium
    from PIL import ImageFilter

    from app.notices.store import ensure_default_stored
    from app.printing.registration_form import issue_registration_forms

    notice = ensure_default_stored(manager)
    serials, pdf = issue_registration_forms(manager, notice, 2, store_name="上海南京路店")
    m1, m2 = make_member(manager), make_member(manager)
    with manager.write("forms.match.test") as tx:
        for s, m in zip(serials, (m1, m2), strict=True):
            tx.execute("UPDATE form_serials SET matched_member_id = ? WHERE serial = ?", (m, s))
    doc = pdfium.PdfDocument(pdf)
    rnd = random.Random(5)
    scans = []
    for i in range(len(doc)):
        img = doc[i].render(scale=150 / 72, fill_color=(255, 255, 255, 255)).to_pil().convert("L")
        img = img.rotate(rnd.uniform(-3, 3), expand=True, fillcolor=255).filter(ImageFilter.GaussianBlur(0.5))
        scans.append(img)
    doc.close()
    per_form = len(scans) // 2  # however many pages app.printing's form has today
    assert per_form >= 2 and len(scans) == 2 * per_form
    res = import_bytes(manager, cipher, multi_page(scans, "TIFF"))
    assert [(d.status, d.serial, d.pages) for d in res.documents] == [
        ("matched", serials[0], per_form),
        ("matched", serials[1], per_form),
    ]  # rule: STO-2
    assert {r[0] for r in manager.db.all("SELECT member_id FROM scan_documents")} == {m1, m2}


def test_bilevel_group4_tiff_from_a_document_scanner(manager, cipher):
    import io

    mid = make_member(manager)
    s1 = issue_serial(manager, mid)
    pages = [form_page(s1, dpi=200, rotate=2).convert("1"), form_page(None, seed=6, dpi=200).convert("1")]
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:], compression="group4", dpi=(200, 200))
    res = import_bytes(manager, cipher, buf.getvalue())
    assert [(d.status, d.pages) for d in res.documents] == [("matched", 2)]


def test_data_copy_lists_the_members_scanned_forms(manager, cipher):
    from app.datacopy import exporter

    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    import_bytes(manager, cipher, to_bytes(form_page(serial), "PNG"))
    [row] = exporter("scans")(manager.db, mid)
    assert row["form_serial"] == serial and row["paper_original"] == "in_cabinet"  # rule: RIG-6
    assert "image" not in row
