"""Fuzzing the imports (issue #17): one bad file or line is that file's or line's problem.

Mutated scans (byte flips, truncation, header splices, huge declared sizes) and POS files (random bytes, huge
fields, deep nesting, NULs, mixed encodings, unterminated quotes), deterministic seeds: no exception class
escapes `import_file`, the folder poll or the POS import; every bad file ends in 未导入 with a reason; every good
file after a bad one is imported; a bad line is rejected with its real line number and the lines after it go on.
"""

from __future__ import annotations

import json
import os
import random
import struct
import zlib

import pytest

from app.errors import UserError
from app.purchases.pos_import import import_pos_file, import_pos_folder
from app.scans.importer import ImportResult, import_file
from app.scans.watch import FAILED_DIR, FolderWatcher
from tests.factories import make_member
from tests.scan_samples import form_page, multi_page, to_bytes

SCAN_CASES = 900
POS_CASES = 1500


@pytest.fixture
def cipher(vault, manager):
    return vault.field_cipher()  # the cipher every session holds: seals, the quarantine included (SEN-3)


def _seeds():
    pg = form_page(None, dpi=30)
    return {
        ".png": to_bytes(pg, "PNG"),
        ".jpg": to_bytes(pg, "JPEG"),
        ".tif": multi_page([pg, pg], "TIFF"),
        ".tiff": to_bytes(pg, "TIFF"),
        ".pdf": multi_page([pg, pg], "PDF"),
    }


def _png_claiming(w: int, h: int) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _mutate(rnd: random.Random, seeds: dict) -> tuple[str, bytes]:
    ext = rnd.choice(sorted(seeds))
    d = bytearray(seeds[ext])
    how = rnd.randrange(5)
    if how == 0:  # byte flips, mostly in the headers
        for _ in range(rnd.randint(1, 12)):
            d[rnd.randrange(min(len(d), rnd.choice((64, 512, len(d)))))] = rnd.randrange(256)
    elif how == 1:  # truncation
        d = d[: rnd.randrange(1, len(d))]
    elif how == 2:  # a header spliced onto another format's body
        other = seeds[rnd.choice(sorted(seeds))]
        cut = rnd.randrange(8, 200)
        d = bytearray(other[:cut]) + d[cut:]
    elif how == 3:  # huge declared sizes
        if ext == ".png" or rnd.random() < 0.3:
            ext, d = (
                ".png",
                bytearray(_png_claiming(rnd.choice((1, 65535, 2**31 - 1)), rnd.choice((1, 65535, 2**31 - 1)))),
            )
        else:
            for _ in range(4):
                p = rnd.randrange(min(len(d), 400))
                d[p : p + 4] = rnd.choice((b"\xff\xff\xff\x7f", b"\x00\x00\x01\x00", b"\xff\xff\xff\xff"))
    else:  # random 4-byte runs near the start
        for _ in range(rnd.randint(1, 4)):
            p = rnd.randrange(min(len(d), 400))
            d[p : p + 4] = rnd.randbytes(4)
    return ext, bytes(d)


def _check_refusal(err: UserError) -> None:
    zh, en = err.message("zh_CN"), err.message("en")
    assert zh and en and zh != en and "{" not in zh + en, err.key


def test_mutated_scans_never_escape_import_file(manager, cipher, tmp_path):
    rnd, seeds = random.Random(17), _seeds()
    refused = imported = 0
    for i in range(SCAN_CASES):
        ext, data = _mutate(rnd, seeds)
        f = tmp_path / f"case{i}{ext}"
        f.write_bytes(data)
        try:
            assert isinstance(import_file(manager, cipher, f), ImportResult)
            imported += 1
        except UserError as err:  # anything else fails the test: it escaped
            _check_refusal(err)
            refused += 1
        f.unlink()
    assert refused > SCAN_CASES // 2 and refused + imported == SCAN_CASES


def test_tiff_that_makes_pillow_raise_typeerror_is_a_refused_file(manager, cipher, tmp_path):
    """A frame directory without dimensions: Pillow raises TypeError("Missing dimensions") on seek."""
    pg = form_page(None, dpi=30)
    data = bytearray(multi_page([pg, pg], "TIFF"))
    first_ifd = struct.unpack("<I", data[4:8])[0]
    n = struct.unpack("<H", data[first_ifd : first_ifd + 2])[0]
    nxt = struct.unpack("<I", data[first_ifd + 2 + 12 * n : first_ifd + 6 + 12 * n])[0]
    m = struct.unpack("<H", data[nxt : nxt + 2])[0]
    for k in range(m):  # rename ImageWidth (256) in the second frame
        at = nxt + 2 + 12 * k
        if struct.unpack("<H", data[at : at + 2])[0] == 256:
            data[at : at + 2] = struct.pack("<H", 65000)
    f = tmp_path / "bad.tif"
    f.write_bytes(bytes(data))
    with pytest.raises(UserError) as ei:
        import_file(manager, cipher, f)
    assert ei.value.key == "scans.corrupt"  # found while counting the frames, before decoding
    _check_refusal(ei.value)


def test_folder_poll_parks_every_bad_file_and_imports_every_good_one(manager, cipher, tmp_path):
    rnd, seeds = random.Random(3), _seeds()
    folder = tmp_path / "scans"
    folder.mkdir()
    good = []
    for i in range(60):
        if i % 3 == 2:
            data, ext = to_bytes(form_page(None, dpi=30, seed=i), "PNG"), ".png"
            good.append(f"{i:03d}{ext}")
        else:
            ext, data = _mutate(rnd, seeds)
        (folder / f"{i:03d}{ext}").write_bytes(data)
    w = FolderWatcher(folder)
    assert w.poll(manager, cipher).waiting == 60  # first sight: wait for the scanner to finish
    out = w.poll(manager, cipher)
    assert len(out.imported) + len(out.failed) == 60
    # issue #16: a refused file is parked in the encrypted quarantine (with its reason), not in a plaintext folder
    failed = sorted(name for name, _ in out.failed)
    reasons = sorted(r[0] for r in manager.db.all("SELECT reason FROM scan_quarantine"))
    assert reasons == sorted(err.key for _, err in out.failed) and failed
    for _, err in out.failed:
        _check_refusal(err)
    assert not set(good) & set(failed)
    assert not (folder / FAILED_DIR).exists()
    assert [p for p in folder.iterdir() if p.is_file()] == []  # imported ones shredded, bad ones quarantined


def test_folder_poll_survives_an_unexpected_exception(manager, cipher, tmp_path, monkeypatch):
    import app.scans.watch as watch

    folder = tmp_path / "scans"
    folder.mkdir()
    for name in ("a.png", "b.png"):
        (folder / name).write_bytes(to_bytes(form_page(None, dpi=30), "PNG"))
    real = watch.import_file

    def boom(session, cipher, path, **kw):
        if path.name == "a.png":
            raise AttributeError("something no one expected")
        return real(session, cipher, path, **kw)

    monkeypatch.setattr(watch, "import_file", boom)
    w = FolderWatcher(folder)
    w.poll(manager, cipher)
    out = w.poll(manager, cipher)
    assert [n for n, _ in out.failed] == ["a.png"] and out.failed[0][1].key == "scans.unreadable"
    assert len(out.imported) == 1 and not (folder / "a.png").exists()
    assert [r[0] for r in manager.db.all("SELECT reason FROM scan_quarantine")] == ["scans.unreadable"]  # kept


# -- POS ---------------------------------------------------------------------------------------------
HEADER = "交易号,会员号,交易时间,金额"


def _pos_case(rnd: random.Random, no: str, i: int) -> tuple[str, bytes]:
    kind = rnd.randrange(8)
    good = f"T{i}-1,{no},2026-10-01 10:00,5"
    if kind == 0:
        return ".csv", rnd.randbytes(rnd.randint(1, 3000))
    if kind == 1:
        return ".csv", f'{HEADER}\n{good}\nT{i}-2,{no},2026-10-01,"' + "x" * rnd.choice(
            (131_073, 200_000)
        ) + b"\n" if False else (
            f"{HEADER}\n{good}\nT{i}-2,{no},2026-10-01 10:00,1,{'x' * rnd.choice((131_073, 150_000))}\n"
            f"T{i}-3,{no},2026-10-01 10:00,2\n"
        ).encode()
    if kind == 2:
        depth = rnd.choice((1000, 5000, 100_000))
        return ".jsonl", (
            json.dumps(
                {"交易号": f"T{i}-1", "会员号": no, "交易时间": "2026-10-01 10:00", "金额": 1}, ensure_ascii=False
            )
            + "\n"
            + "[" * depth
            + "]" * depth
            + "\n"
        ).encode()
    if kind == 3:
        depth = rnd.choice((1000, 100_000))
        return ".json", ("[" * depth + "]" * depth).encode()
    if kind == 4:
        return ".csv", f"{HEADER}\n{good}\nT\x00{i},{no},2026-10-01 10:00,1\n".encode()
    if kind == 5:  # mixed encodings
        return ".csv", (f"{HEADER}\n{good}\n").encode() + f"T{i}-2,{no},2026-10-01 10:00,1,服装\n".encode(
            "gbk"
        ) + f"T{i}-3,{no},2026-10-01 10:00,1,服装\n".encode()
    if kind == 6:  # unterminated quotes
        return ".csv", f'{HEADER}\n"{good}\nT{i}-2,{no},2026-10-01 10:00,1\n'.encode()
    data = bytearray(f"{HEADER}\n{good}\nT{i}-2,{no},2026-10-01 10:00,1\n".encode())
    for _ in range(rnd.randint(1, 8)):
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    return rnd.choice((".csv", ".json", ".jsonl")), bytes(data)


def test_mutated_pos_files_never_escape_the_import(manager, tmp_path):
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (make_member(manager),))
    rnd = random.Random(7)
    for i in range(POS_CASES):
        ext, data = _pos_case(rnd, no, i)
        f = tmp_path / f"pos{i}{ext}"
        f.write_bytes(data)
        try:
            res = import_pos_file(manager, f)
            assert all(line >= 1 for line, _, _ in res.rejected)
        except UserError as err:
            assert err.message("zh_CN") != err.message("en") and "{" not in err.message("zh_CN"), err.key
            assert "line" not in err.params or err.params["line"] >= 1
        f.unlink()


def test_pos_folder_goes_on_after_a_file_that_raises(manager, tmp_path, monkeypatch):
    import app.purchases.pos_import as pi

    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (make_member(manager),))
    folder = tmp_path / "pos"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(b"[" * 100_000 + b"]" * 100_000 + b"\n")
    (folder / "b.csv").write_bytes(f"{HEADER}\nB1,{no},2026-10-01 10:00,5\n".encode())
    old = 1_700_000_000
    for p in folder.iterdir():
        os.utime(p, (old, old))
    real = pi.import_pos_file

    def boom(session, path, **kw):
        if path.name == "a.jsonl":
            raise KeyError("unexpected")
        return real(session, path, **kw)

    monkeypatch.setattr(pi, "import_pos_file", boom)
    out = import_pos_folder(manager, folder)
    assert [(n, e) for n, r, e in out] == [("a.jsonl", "pos.file_unreadable"), ("b.csv", None)]
    assert manager.db.scalar("SELECT count(*) FROM purchases WHERE pos_txn_id = 'B1'") == 1


def _import_text(manager, tmp_path, name, data: bytes):
    f = tmp_path / name
    f.write_bytes(data)
    return import_pos_file(manager, f)


def test_bad_pos_lines_are_rejected_with_their_real_line_and_the_rest_goes_on(manager, tmp_path):
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (make_member(manager),))
    rows = [
        f"A1,{no},2026-10-01 10:00,1",  # line 2
        f"A2,{no},2026-10-01 10:00,1,{'x' * 140_000}",  # line 3: a field over the csv limit
        f'A3,{no},2026-10-01 10:00,"1',  # line 4: a quote never closed
        f"A4,{no},2026-10-01 10:00,1",  # line 5
        f"Ａ５,{no},2026-10-01 10:00,1",  # line 6: full-width, stored as A5
        f"A5,{no},2026-10-01 10:00,1",  # line 7: the same transaction again
        f"A\x006,{no},2026-10-01 10:00,1",  # line 8: a NUL in the id
        f"A7,{no},2026-10-01 10:00,1",
    ]  # line 9
    res = _import_text(manager, tmp_path, "p.csv", (HEADER + "\n" + "\n".join(rows) + "\n").encode())
    assert res.rejected == [
        (3, "too_long", None),
        (4, "quote", None),
        (7, "duplicate_in_file", "txn_id"),
        (8, "control", "txn_id"),
    ]
    ids = [r[0] for r in manager.db.all("SELECT pos_txn_id FROM purchases ORDER BY pos_txn_id")]
    assert ids == ["A1", "A4", "A5", "A7"]


def test_pos_quote_never_closed_at_the_end_and_encoding_error_lines(manager, tmp_path):
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (make_member(manager),))
    data = (
        (f"{HEADER}\nQ1,{no},2026-10-01 10:00,1\n").encode()
        + b"Q2,\xff\xfe,x,1\n"
        + (f'Q3,{no},2026-10-01 10:00,1\n"Q4,{no},2026-10-01 10:00,1\nQ5,{no},2026-10-01 10:00,1\n').encode("gb18030")
    )
    res = _import_text(manager, tmp_path, "q.csv", b"\xef\xbb\xbf" + data)
    assert res.rejected == [(3, "encoding", None), (5, "quote", None)]
    assert res.accepted == 3
    # a file guessed as UTF-8 names the real line where it stops being UTF-8
    with pytest.raises(UserError) as ei:
        from app.purchases.pos_read import detect_encoding

        detect_encoding(b"a\nb\nc\n\xff\xff\xff\xff\n" + b"x" * 10)
    assert ei.value.params["line"] == 4


def test_pos_json_lines_deep_nesting_is_one_rejected_line_and_whole_json_names_no_line_zero(manager, tmp_path):
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (make_member(manager),))
    rec = {"交易号": "J1", "会员号": no, "交易时间": "2026-10-01 10:00", "金额": 1}
    lines = [
        json.dumps(rec, ensure_ascii=False),
        "[" * 100_000 + "]" * 100_000,
        '{"金额": ' + "9" * 5000 + "}",
        json.dumps({**rec, "交易号": "J2"}, ensure_ascii=False),
    ]
    res = _import_text(manager, tmp_path, "j.jsonl", ("\n".join(lines) + "\n").encode())
    assert res.rejected == [(2, "unreadable", None), (3, "unreadable", None)] and res.accepted == 2
    with pytest.raises(UserError) as ei:
        _import_text(manager, tmp_path, "deep.json", b"[" * 100_000 + b"]" * 100_000)
    assert ei.value.key == "pos.json_unparsable"
    with pytest.raises(UserError) as ei:
        _import_text(manager, tmp_path, "bad.json", b'[\n{"a": 1},\n{"a": }\n]')
    assert ei.value.key == "pos.json_invalid" and ei.value.params["line"] == 3
