"""Benchmark: one 300-dpi A4 page — decode + QR + encrypt + store — SQLCipher vs plain SQLite.

    .venv/bin/python bench/bench_scans.py [--pages 15] [--write docs/bench/scans.md]

Each run imports single-page files through app.scans.importer.import_bytes (the real path:
sniff, Pillow decode, zxing-cpp QR read, AES-GCM, INSERT, audit entry, originals register, commit).
Reports the median and p90 per page, plus the stages measured alone on the same page.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MEMBERDESK_FAST_KDF", "1")

from app.access.vault import Vault  # noqa: E402
from app.clock import iso  # noqa: E402
from app.config import resolve_paths  # noqa: E402
from app.domains import load_all  # noqa: E402
from app.scans import pages as P  # noqa: E402
from app.scans.decode import read_serial  # noqa: E402
from app.scans.importer import import_bytes  # noqa: E402
from app.staff.session import Session, Staff  # noqa: E402
from app.storage.db import open_database  # noqa: E402
from app.storage.fieldcrypt import FieldCipher  # noqa: E402
from tests.scan_samples import form_page, to_bytes  # noqa: E402

REGISTER_ROWS = 5000


def _member_and_serial(session, i: int) -> str:
    mid = secrets.token_hex(8)
    now = iso(session.clock.now())
    serial = f"SH-001-261102-{i:05d}"
    with session.write("bench.setup", "member", mid) as tx:
        tx.execute(
            "INSERT INTO members(id, member_no, name, mobile, registered_at, registered_store, updated_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (mid, f"B{i:09d}", "测试", f"139{i:08d}", now, "SH-001", now),
        )
        tx.execute(
            "INSERT INTO form_serials(serial, store_code, issued_on, seq, issued_at, matched_member_id)"
            " VALUES (?,?,?,?,?,?)",
            (serial, "SH-001", "261102", i, now, mid),
        )
    return serial


def _sqlcipher_session(tmp: Path):
    vault = Vault(resolve_paths(tmp / "enc").ensure())
    session, _ = vault.setup(
        store_code="SH-001",
        store_name="基准店",
        terminal_name="DESK-1",
        username="manager",
        display_name="基准",
        password="Bench-pass-1",
    )
    return session, FieldCipher(vault.data_key()), vault


def _plain_session(tmp: Path):
    db = open_database(tmp / "plain.db", None, plain=True)
    sid = secrets.token_hex(8)
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO staff(id, username, display_name, role, created_at) VALUES (?,?,?,?,?)",
            (sid, "manager", "基准", "manager", "2026-11-02T09:00:00+08:00"),
        )
    staff = Staff(sid, "manager", "基准", "manager")
    return Session(db=db, staff=staff, store_code="SH-001", terminal="DESK-1"), FieldCipher(secrets.token_bytes(32))


def run(pages: int) -> dict:
    load_all()
    results = {}
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        enc_session, enc_cipher, vault = _sqlcipher_session(tmp)
        plain_session, plain_cipher = _plain_session(tmp)
        for fmt in ("JPEG", "PNG", "PDF"):
            for name, session, cipher in (
                ("SQLCipher", enc_session, enc_cipher),
                ("plain SQLite", plain_session, plain_cipher),
            ):
                times = []
                for i in range(pages):
                    serial = _member_and_serial(session, len(results) * 1000 + i + 1)
                    img = form_page(serial, dpi=300, rotate=1.5, noise=5, seed=i)
                    data = to_bytes(
                        img, fmt, **({"quality": 85} if fmt == "JPEG" else {"resolution": 300} if fmt == "PDF" else {})
                    )
                    t = time.perf_counter()
                    res = import_bytes(session, cipher, data)
                    times.append((time.perf_counter() - t) * 1000)
                    assert res.documents[0].status == "matched", res.documents
                times.sort()
                results[(fmt, name)] = (statistics.median(times), times[int(len(times) * 0.9) - 1], len(data))
        # the register page's queries with many originals waiting in the cabinet
        import datetime as dt

        from app.originals import tracking as R

        for name, session in (("SQLCipher", enc_session), ("plain SQLite", plain_session)):
            base = dt.date(2026, 9, 1)
            rows = [
                (
                    secrets.token_hex(8),
                    f"R-{i:06d}",
                    "0" * 64,
                    (base + dt.timedelta(days=i % 90)).isoformat() + "T10:00:00+08:00",
                    (base + dt.timedelta(days=i % 90 + 42)).isoformat(),
                    "in_cabinet",
                    "x",
                )
                for i in range(REGISTER_ROWS)
            ]
            with session.db.transaction() as conn:
                conn.executemany(
                    "INSERT INTO originals(id, serial, content_sha256, scanned_at, due_date, status,"
                    " updated_at) VALUES (?,?,?,?,?,?,?)",
                    rows,
                )
            times = []
            for _ in range(5):
                t = time.perf_counter()
                R.list_originals(session.db, dt.date(2026, 11, 10), status="open")
                R.counts(session.db, dt.date(2026, 11, 10))
                times.append((time.perf_counter() - t) * 1000)
            results[("register", name)] = (statistics.median(times), max(times), 0)
        # stages alone, on the last JPEG page
        img = form_page("SH-001-261102-99999", dpi=300, rotate=1.5, noise=5)
        data = to_bytes(img, "JPEG", quality=85)
        stages = {}
        t = time.perf_counter()
        [page] = list(P.iter_pages(data, "jpeg"))
        stages["Pillow decode (JPEG, 2480×3508)"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        assert read_serial(page.image)
        stages["zxing-cpp QR read"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        enc_cipher.encrypt_bytes(data, "scans.image:x")
        stages["AES-GCM encrypt"] = (time.perf_counter() - t) * 1000
        vault.close()
        plain_session.db.close()
    return {"results": results, "stages": stages, "pages": pages}


def table(out: dict) -> str:
    lines = ["| page file | store | median ms/page | p90 ms/page | file size |", "|---|---|---:|---:|---:|"]
    for (fmt, name), (med, p90, size) in out["results"].items():
        if fmt != "register":
            lines.append(f"| 300-dpi A4 {fmt} | {name} | {med:.0f} | {p90:.0f} | {size / 1024:.0f} KB |")
    lines += [
        "",
        f"| originals register, {REGISTER_ROWS:,} open originals (list + counts) | store | median ms | max ms |",
        "|---|---|---:|---:|",
    ]
    for (fmt, name), (med, worst, _) in out["results"].items():
        if fmt == "register":
            lines.append(f"| page refresh queries | {name} | {med:.0f} | {worst:.0f} |")
    lines += ["", "| stage (one JPEG page) | ms |", "|---|---:|"]
    lines += [f"| {k} | {v:.0f} |" for k, v in out["stages"].items()]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=15)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    out = run(args.pages)
    text = table(out)
    print(text)
    if args.write:
        doc = args.write.read_text("utf-8") if args.write.exists() else ""
        marker = "<!-- results -->"
        if marker in doc:
            doc = doc[: doc.index(marker) + len(marker)] + "\n" + text + "\n"
            args.write.write_text(doc, "utf-8")


if __name__ == "__main__":
    main()
