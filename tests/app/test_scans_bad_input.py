"""Bad input: every refused file has a clear zh/en message, and nothing is half-imported or lost."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter

from app.errors import UserError
from app.scans import pages as P, sane_source
from app.scans.importer import import_bytes, import_file
from app.scans.quarantine import export_file
from app.scans.watch import FAILED_DIR, FolderWatcher
from tests.conftest import MANAGER_PW
from tests.factories import make_member
from tests.scan_samples import form_page, issue_serial, multi_page, to_bytes


@pytest.fixture
def cipher(vault, manager):
    return vault.field_cipher()  # the cipher every session holds: seals, the quarantine included (SEN-3)


def _nothing_imported(db):
    return (
        db.scalar("SELECT count(*) FROM scans"),
        db.scalar("SELECT count(*) FROM scan_documents"),
        db.scalar("SELECT count(*) FROM scan_batches"),
        db.scalar("SELECT count(*) FROM originals"),
    ) == (0, 0, 0, 0)


def _refused(session, cipher, data) -> UserError:
    with pytest.raises(UserError) as ei:
        import_bytes(session, cipher, data)
    err = ei.value
    assert err.message("zh_CN") != err.message("en") and "{" not in err.message("zh_CN")
    assert _nothing_imported(session.db)
    return err


def _bomb_png(w: int, h: int) -> bytes:
    """A tiny PNG claiming huge dimensions (a decompression bomb)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_truncated_png(manager, cipher):
    data = to_bytes(form_page("SH-001-261102-00001"), "PNG")
    assert _refused(manager, cipher, data[: len(data) // 2]).key == "scans.corrupt"


def test_truncated_jpeg(manager, cipher):
    data = to_bytes(form_page("SH-001-261102-00001"), "JPEG")
    assert _refused(manager, cipher, data[: len(data) // 3]).key == "scans.corrupt"


def test_text_renamed_as_png(manager, cipher, tmp_path):
    f = tmp_path / "scan.png"
    f.write_text("这不是图片 not an image", encoding="utf-8")
    with pytest.raises(UserError) as ei:
        import_file(manager, cipher, f, delete_source=True)
    assert ei.value.key == "scans.not_an_image"
    assert f.exists() and _nothing_imported(manager.db)  # nothing lost


def test_decompression_bomb(manager, cipher):
    err = _refused(manager, cipher, _bomb_png(60000, 60000))
    assert err.key == "scans.too_many_pixels"


def test_500_page_pdf_refused_before_rendering(manager, cipher, monkeypatch):
    w = PdfWriter()
    for _ in range(500):
        w.add_blank_page(595, 842)
    buf = io.BytesIO()
    w.write(buf)
    rendered = []
    monkeypatch.setattr(P, "encode", lambda img: rendered.append(1) or (b"", "image/jpeg"))
    err = _refused(manager, cipher, buf.getvalue())
    assert err.key == "scans.too_many_pages" and err.params["pages"] == 500 and not rendered


def test_encrypted_pdf(manager, cipher):
    w = PdfWriter()
    w.add_blank_page(595, 842)
    w.encrypt("secret-pw")
    buf = io.BytesIO()
    w.write(buf)
    assert _refused(manager, cipher, buf.getvalue()).key == "scans.pdf_encrypted"


def test_bad_page_in_middle_rolls_back_the_batch(manager, cipher, monkeypatch):
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    data = multi_page([form_page(serial), form_page(None, seed=3), form_page(None, seed=4)], "PDF")
    real = P.encode
    calls = []

    def failing(img):
        calls.append(1)
        if len(calls) == 3:
            raise UserError("scans.corrupt", page=3)
        return real(img)

    monkeypatch.setattr(P, "encode", failing)
    _refused(manager, cipher, data)  # pages 1–2 were stored in the transaction, then rolled back


def test_empty_and_missing_files(manager, cipher, tmp_path):
    f = tmp_path / "empty.pdf"
    f.write_bytes(b"")
    with pytest.raises(UserError) as ei:
        import_file(manager, cipher, f)
    assert ei.value.key == "scans.file_empty"
    with pytest.raises(UserError) as ei:
        import_file(manager, cipher, tmp_path / "gone.png")
    assert ei.value.key == "scans.file_missing"


def test_transparent_png_painted_on_white(manager, cipher):
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    page = form_page(serial)
    rgba = Image.new("RGBA", page.size, (0, 0, 0, 0))
    rgba.putalpha(page.point(lambda v: 255 - v))  # black ink on a transparent sheet
    res = import_bytes(manager, cipher, to_bytes(rgba, "PNG"))
    assert [d.status for d in res.documents] == ["matched"]


def test_watched_folder(manager, cipher, vault, tmp_path):
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    folder = tmp_path / "scan-to-folder"
    folder.mkdir()
    good = folder / "0001.png"
    good.write_bytes(to_bytes(form_page(serial), "PNG"))
    bad = folder / "0002.jpg"
    bad.write_bytes(b"GIF89a not a jpeg")
    vanishing = folder / "0003.pdf"
    vanishing.write_bytes(multi_page([form_page(None)], "PDF"))
    (folder / "notes.txt").write_text("x")
    w = FolderWatcher(folder)
    first = w.poll(manager, cipher)
    assert first.waiting == 3 and not first.imported  # wait until the size is stable
    real_read = __import__("app.scans.importer", fromlist=["read_file"]).read_file

    def read_and_vanish(path):
        if path.name == "0003.pdf":
            path.unlink()  # the file vanishes mid-import
        return real_read(path)

    import app.scans.importer as imp

    imp_read, imp.read_file = imp.read_file, read_and_vanish
    try:
        out = w.poll(manager, cipher)
    finally:
        imp.read_file = imp_read
    assert len(out.imported) == 1 and out.imported[0].documents[0].status == "matched"
    assert not good.exists()  # rule: STO-1
    assert sorted(k.key for _, k in out.failed) == ["scans.file_missing", "scans.not_an_image"]
    # kept, nothing lost: in the encrypted quarantine with its reason, nothing readable left in the folder (#16)
    assert not (folder / FAILED_DIR / "0002.jpg").exists() and not bad.exists()  # rule: STO-1
    [q] = manager.db.all("SELECT id, reason FROM scan_quarantine")
    assert q["reason"] == "scans.not_an_image"
    with vault.step_up("manager", MANAGER_PW) as up:  # sealed (SEN-3): a manager's step-up opens it
        assert export_file(up.session(manager), up.cipher, q["id"]) == b"GIF89a not a jpeg"
    assert manager.db.scalar("SELECT count(*) FROM scan_batches") == 1


def test_sane_test_backend(manager, cipher, tmp_path, monkeypatch):
    """A real scan through SANE's `test` backend (enabled in a private SANE config dir)."""
    if not sane_source.available():
        pytest.skip("python-sane / libsane not installed on this machine (optional extra)")
    (tmp_path / "dll.conf").write_text("test\n")
    monkeypatch.setenv("SANE_CONFIG_DIR", str(tmp_path))
    try:
        imgs = sane_source.scan_pages("test:0", dpi=75, max_pages=2)
    except UserError as exc:
        pytest.skip(f"SANE test backend not usable: {exc.key}")
    from app.scans.importer import import_images

    res = import_images(manager, cipher, imgs)
    assert res.pages == len(imgs) >= 1 and res.documents[0].status == "inbox"  # the test pattern has no QR
    assert manager.db.scalar("SELECT count(*) FROM scans") == len(imgs)


def test_pdf_with_gigantic_page_is_refused_before_rendering(manager, cipher):
    w = PdfWriter()
    w.add_blank_page(14400, 14400)  # 200 in × 200 in: 1.6 gigapixels at 200 dpi
    buf = io.BytesIO()
    w.write(buf)
    assert _refused(manager, cipher, buf.getvalue()).key == "scans.too_many_pixels"


def test_multipage_tiff_bomb_frame(manager, cipher):
    frames = [form_page(None, dpi=50), form_page(None, dpi=50)]
    data = multi_page(frames, "TIFF")
    original = P.MAX_PIXELS
    P.MAX_PIXELS = frames[0].width * frames[0].height - 1  # the limit, lowered so a small file trips it
    try:
        assert _refused(manager, cipher, data).key == "scans.too_many_pixels"
    finally:
        P.MAX_PIXELS = original


def test_failure_during_the_write_rolls_back_the_batch(manager, cipher, monkeypatch):
    from app.scans import archive

    mid = make_member(manager)
    s1, s2 = issue_serial(manager, mid), issue_serial(manager, mid)
    data = multi_page([form_page(s1), form_page(None, seed=3), form_page(s2)], "PDF")
    real, calls = archive.insert_page, []

    def disk_full_on_third(tx, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise UserError("error.disk_full")
        return real(tx, **kw)

    monkeypatch.setattr(archive, "insert_page", disk_full_on_third)
    _refused(manager, cipher, data)  # form 1 (2 pages + its original) was written, then rolled back
    assert len(calls) == 3
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'scans.import'") == 0


def test_16_bit_grey_scan_is_scaled_not_clipped(manager, cipher):
    mid = make_member(manager)
    serial = issue_serial(manager, mid)
    page16 = (
        form_page(serial).convert("I").point(lambda v: v * 257).convert("I;16")
    )  # 16-bit grey, as some scanners save
    data = to_bytes(page16, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    res = import_bytes(manager, cipher, data)
    assert [d.status for d in res.documents] == ["matched"]
    [page] = list(P.iter_pages(data, "png"))
    assert page.image.mode == "L" and page.image.getextrema() == (0, 255)


def test_no_temp_files_during_import(manager, cipher, tmp_path, monkeypatch):
    """Pages are decoded, rendered and encrypted in memory: nothing lands in a temp folder (STO-1)."""
    import tempfile

    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))

    def refuse(*a, **k):
        raise AssertionError("a temp file was requested during import")

    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"):
        monkeypatch.setattr(tempfile, name, refuse)
    mid = make_member(manager)
    serials = [issue_serial(manager, mid) for _ in range(4)]
    files = [
        to_bytes(form_page(serials[0]), "PNG"),
        to_bytes(form_page(serials[1]), "JPEG"),
        multi_page([form_page(serials[2]), form_page(None, seed=2)], "TIFF"),
        multi_page([form_page(serials[3]), form_page(None, seed=3)], "PDF"),
    ]
    for data in files:
        assert import_bytes(manager, cipher, data).documents[0].status == "matched"
    assert list(tmpdir.iterdir()) == []  # rule: STO-1
