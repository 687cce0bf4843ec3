"""Sync benchmarks on loopback (bounded): upload throughput into a SQLite and a PostgreSQL head office,
initial sync of a 100k-member store, and 500 simulated stores polling (pull latency p50/p95).

    .venv/bin/python bench/bench_sync.py [--members 100000] [--upload-rows 20000] [--stores 500]
                                         [--pg DSN | env MEMBERDESK_TEST_PG_DSN] [--write docs/bench/sync.md]
                                         [--upload-only] [--at-rest "encrypted"]

Head office encrypts personal payloads at rest (#16): the master key comes from MEMBERDESK_HO_MASTER_KEY_FILE
(a fresh 0600 file in the bench's temp dir when unset). `--upload-only --at-rest "plaintext (before #16)"`
run from a checkout of the commit before #16 gives the comparison row (docs/bench/sync.md).

Every store side is measured on SQLCipher and, beside it in the same run, on plain SQLite. Head office is
a real `memberdesk-headoffice serve` process with TLS (private CA) on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures as cf
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MEMBERDESK_FAST_KDF", "1")

import httpx  # noqa: E402

from app.clock import SystemClock  # noqa: E402
from app.domains import load_all  # noqa: E402
from app.staff.session import Session, Staff  # noqa: E402
from app.storage.db import open_database  # noqa: E402
from app.sync import SyncEngine, signing  # noqa: E402
from app.sync.transport import Transport, make_signer  # noqa: E402
from headoffice.service import HeadOffice  # noqa: E402
from headoffice.storage import open_storage  # noqa: E402
from tests.app.syncutil import ServerProcess, make_ca, reset_pg  # noqa: E402

load_all()


def make_store_db(path: Path, rows: int, plain: bool):
    db = open_database(path, None if plain else secrets.token_bytes(32), plain=plain)
    now = "2026-11-28T10:00:00+08:00"
    batch = []
    with db.transaction() as conn:
        for i in range(rows):
            mid = secrets.token_hex(8)
            payload = json.dumps(
                {
                    "name": "测试会员",
                    "mobile": f"139{i:08d}",
                    "member_no": f"M{i:09d}",
                    "status": "active",
                    "registered_at": now,
                },
                ensure_ascii=False,
            )
            batch.append((now, "member", mid, "upsert", payload, mid))
            if len(batch) >= 5000:
                conn.executemany(
                    "INSERT INTO change_journal(ts, entity, entity_id, op, payload, member_id) VALUES (?,?,?,?,?,?)",
                    batch,
                )
                batch.clear()
        if batch:
            conn.executemany(
                "INSERT INTO change_journal(ts, entity, entity_id, op, payload, member_id) VALUES (?,?,?,?,?,?)", batch
            )
    return db


def make_pos_store_db(path: Path, rows: int, plain: bool):
    """A store whose journal holds POS import batches: `rows` purchases journalled as span rows of 50,000
    (app.sync.journal.add_purchase_batch), expanded per purchase at upload."""
    from app.sync.journal import add_purchase_batch

    db = open_database(path, None if plain else secrets.token_bytes(32), plain=plain)
    now = "2026-11-28T10:00:00+08:00"
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO members(id, member_no, name, mobile, status, registered_at, registered_store,"
            " updated_at) VALUES (?,?,?,?,?,?,?,?)",
            [(f"{i:016x}", f"M{i:09d}", "测试会员", f"139{i:08d}", "active", now, "SH-001", now) for i in range(1000)],
        )
    for start in range(0, rows, 50000):
        n = min(50000, rows - start)
        with db.transaction() as conn:
            conn.executemany(
                "INSERT INTO purchases(id, store_code, pos_txn_id, member_id, purchased_at, amount_fen,"
                " goods_type, payment_method, source, import_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        start + k + 1,
                        "SH-001",
                        f"N{start + k:09d}",
                        f"{(start + k) % 1000:016x}",
                        now,
                        1280,
                        "家电",
                        "支付宝",
                        "pos",
                        1,
                        now,
                    )
                    for k in range(n)
                ],
            )
            add_purchase_batch(conn, ts=now, store_code="SH-001", import_id=1, first_id=start + 1, last_id=start + n)
    return db


def enrol_engine(db, code: str, server: ServerProcess, tls: dict) -> SyncEngine:
    storage = open_storage(server.db_url, pool_size=1)
    enrol_code = HeadOffice(storage).create_store(code, "bench")
    storage.close()
    eng = SyncEngine(db, code, "DESK-1", SystemClock(), batch_rows=1000)
    manager = Session(db, Staff("bench", "bench", "bench", "manager"), code, "DESK-1", SystemClock())
    eng.enrol(server.url, code, enrol_code, ca_file=str(tls["ca"]), session=manager)  # enrolment: a manager
    return eng


def bench_upload(server, tls, tmp: Path, rows: int, label: str) -> list[tuple]:
    """Per-row journal (member upserts) and POS import spans (rows * 5 purchases), each store side on
    SQLCipher and plain SQLite."""
    out = []
    for plain in (False, True):
        for prefix, kind, make, n_rows in (
            ("up", "", make_store_db, rows),
            ("pos", ", POS import spans", make_pos_store_db, rows * 5),
        ):
            db = make(tmp / f"{prefix}-{label}-{plain}.db", n_rows, plain)
            eng = enrol_engine(db, f"{prefix[:2].upper()}-{label[:2].upper()}{int(plain)}", server, tls)
            t0 = time.perf_counter()
            n = eng.upload()
            dt = time.perf_counter() - t0
            out.append((label, ("plain SQLite" if plain else "SQLCipher") + kind, n, dt, n / dt))
            db.close()
    return out


def bench_initial(server, tls, tmp: Path, members: int, label: str) -> list[tuple]:
    out = []
    for plain in (False, True):
        db = make_store_db(tmp / f"init-{label}-{plain}.db", members, plain)
        eng = enrol_engine(db, f"IN-{label[:2].upper()}{int(plain)}", server, tls)
        t0 = time.perf_counter()
        res = eng.sync_once("manual")
        dt = time.perf_counter() - t0
        out.append((label, "plain SQLite" if plain else "SQLCipher", members, res["uploaded"], dt))
        db.close()
    return out


def bench_polling(server, tls, stores: int, label: str, window: float, workers: int = 16) -> tuple:
    """`stores` stores each poll once inside `window` seconds at random moments, each over its own TLS
    connection (like separate machines). 500 stores every 5 min = 1.7 pulls/s; the window compresses that."""
    storage = open_storage(server.db_url, pool_size=1)
    ho = HeadOffice(storage)
    keys = {}
    for i in range(stores):
        code = f"P{i:04d}"
        ho.create_store(code, "bench")
        key = signing.new_private_key()
        with storage.tx() as c:
            c.execute("UPDATE stores SET pubkey = ?, enrolled_at = 1 WHERE code = ?", (signing.public_text(key), code))
        keys[code] = key
    for k in range(20):
        ho.publish("holiday_table", {"year": 2030 + k, "days": {}})
    storage.close()
    server_now = httpx.get(server.url + "/v1/time", verify=_ctx(tls)).json()["now"]
    offset = server_now - time.time()
    schedule = sorted((random.uniform(0, window), code) for code in keys)
    start = time.perf_counter()
    lat = []

    def poll(item):
        at, code = item
        delay = at - (time.perf_counter() - start)
        if delay > 0:
            time.sleep(delay)
        tr = Transport(server.url, ca_file=str(tls["ca"]), retries=0)
        t0 = time.perf_counter()
        page = tr.get_json(
            "/v1/pull",
            query={"cursor": "0:0", "limit": 200, "pending": 0},
            signer=make_signer(keys[code], code, lambda: time.time() + offset),
        )
        el = time.perf_counter() - t0
        tr.close()
        assert not page["resync_required"]
        return el

    with cf.ThreadPoolExecutor(workers) as pool:
        lat = list(pool.map(poll, schedule))
    lat.sort()
    p95 = lat[int(len(lat) * 0.95) - 1]
    return (label, stores, window, len(lat) / window, statistics.median(lat) * 1000, p95 * 1000, max(lat) * 1000)


def _ctx(tls):
    import ssl

    return ssl.create_default_context(cafile=str(tls["ca"]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=100_000)
    ap.add_argument("--upload-rows", type=int, default=20_000)
    ap.add_argument("--stores", type=int, default=500)
    ap.add_argument("--pg", default=os.environ.get("MEMBERDESK_TEST_PG_DSN"))
    ap.add_argument("--write")
    ap.add_argument("--upload-only", action="store_true", help="only the upload table (before/after comparisons)")
    ap.add_argument("--at-rest", default="encrypted", help="how head office stores payloads, for the table")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="md-bench-sync-"))
    if not os.environ.get("MEMBERDESK_HO_MASTER_KEY_FILE"):  # inherited by the server process
        key = tmp / "master.key"
        with os.fdopen(os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
            fh.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        os.environ["MEMBERDESK_HO_MASTER_KEY_FILE"] = str(key)
    tls = make_ca(tmp / "ca")
    backends = [("SQLite", f"sqlite:///{tmp / 'ho.db'}")]
    if args.pg:
        reset_pg(args.pg)
        backends.append(("PostgreSQL", args.pg))
    uploads, initial, polls = [], [], []
    for label, url in backends:
        server = ServerProcess(url, tls).start()
        try:
            uploads += bench_upload(server, tls, tmp, args.upload_rows, label)
            if args.upload_only:
                continue
            initial += bench_initial(server, tls, tmp, args.members, label)
            # the real rate (500 stores / 5 min = 1.7 pulls/s) compressed 10x and 30x: harder than production
            polls.append(
                bench_polling(server, tls, args.stores, label + " (10x rate)", window=30.0 * args.stores / 500)
            )
            polls.append(
                bench_polling(server, tls, args.stores, label + " (30x rate)", window=10.0 * args.stores / 500)
            )
        finally:
            server.stop()
    lines = [
        f"Machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; head office = uvicorn process, TLS, 127.0.0.1.",
        "",
        "### Upload (change journal → head office, batches of 1,000 rows)",
        "",
        "| head office | at rest | store DB | rows | seconds | rows/s | target |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for label, kind, n, dt, rate in uploads:
        lines.append(f"| {label} | {args.at_rest} | {kind} | {n:,} | {dt:.2f} | {rate:,.0f} | ≥ 5,000 |")
    if args.upload_only:
        lines.append("")
        initial, polls = [], []
    lines += (
        []
        if args.upload_only
        else [
            "",
            f"### Initial sync of a {args.members:,}-member store (sync_once: offset, upload, pull)",
            "",
            "| head office | store DB | members | rows uploaded | seconds | target |",
            "|---|---|---:|---:|---:|---|",
        ]
    )
    for label, kind, m, up, dt in initial:
        lines.append(f"| {label} | {kind} | {m:,} | {up:,} | {dt:.1f} | ≤ 60 s |")
    lines += (
        []
        if args.upload_only
        else [
            "",
            f"### {args.stores} stores polling (one signed pull each, own TLS connection, 20 feed rows)",
            "",
            "| head office | stores | window s | pulls/s | p50 ms | p95 ms | max ms | target |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
    )
    for label, n, window, rate, p50, p95, mx in polls:
        lines.append(f"| {label} | {n} | {window:.0f} | {rate:.1f} | {p50:.1f} | {p95:.1f} | {mx:.1f} | p95 ≤ 100 ms |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        Path(args.write).write_text(text, "utf-8")


if __name__ == "__main__":
    main()
