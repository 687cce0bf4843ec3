"""Requests benchmark: SQLCipher (the app's store) beside plain SQLite, same code, same run.

    .venv/bin/python bench/requests_bench.py [--requests 20000] [--out docs/bench/requests.md]

Measures opening a request (one write with audit + journal), the queue (open requests sorted by
due date with urgency), the sign-in summary, and erasing a member (erasers + ledger + WAL checkpoint).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MEMBERDESK_FAST_KDF", "1")

from app.clock import FixedClock, iso  # noqa: E402
from app.domains import load_all  # noqa: E402
from app.staff.session import Session, Staff  # noqa: E402
from app.storage.db import open_database  # noqa: E402

load_all()
from app import requests as R  # noqa: E402


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] * 1000


def make_session(path: Path, plain: bool, clock) -> Session:
    db = open_database(path, None if plain else secrets.token_bytes(32), plain=plain)
    staff = Staff(secrets.token_hex(8), "manager", "店长", "manager")
    with db.transaction() as c:
        c.execute(
            "INSERT INTO staff(id, username, display_name, role, created_at) VALUES (?,?,?,?,?)",
            (staff.id, staff.username, staff.display_name, staff.role, iso(clock.now())),
        )
    return Session(db=db, staff=staff, store_code="SH-001", terminal="BENCH", clock=clock)


def seed_members(session, n: int) -> list[str]:
    ids, now = [], iso(session.clock.now())
    with session.db.transaction() as c:
        for i in range(n):
            mid = secrets.token_hex(8)
            c.execute(
                "INSERT INTO members(id, member_no, name, mobile, registered_at, registered_store, updated_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (mid, f"M{i:09d}", f"会员{i}", f"139{i:08d}", now, "SH-001", now),
            )
            ids.append(mid)
    return ids


def run(kind: str, plain: bool, n_requests: int, tmp: Path) -> dict:
    clock = FixedClock(dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    session = make_session(tmp / f"{kind}.db", plain, clock)
    members = seed_members(session, n_requests)
    opens = []
    for i, mid in enumerate(members):
        if i % 200 == 0:
            clock.advance(days=1)
        t = time.perf_counter()
        R.open_request(session, R.model.TYPES[i % 6], mid, identity_method="id_card_sighted")
        opens.append(time.perf_counter() - t)
    today = dt.date(2026, 11, 20)
    queue, summary = [], []
    for _ in range(10):
        t = time.perf_counter()
        rows = R.list_requests(session, today, due="open")
        queue.append(time.perf_counter() - t)
        t = time.perf_counter()
        R.requests_due_summary(session.db, today)
        summary.append(time.perf_counter() - t)
    erase = []
    ledger = tmp / f"{kind}-ledger.jsonl"
    for mid in members[-30:]:
        rid = R.open_request(session, "delete", mid, identity_method="id_card_sighted")
        t = time.perf_counter()
        R.execute_delete(session, rid, ledger_path=ledger)
        erase.append(time.perf_counter() - t)
    session.db.close()
    return {
        "open_p50": pct(opens, 50),
        "open_p95": pct(opens, 95),
        "queue_p50": pct(queue, 50),
        "queue_p95": pct(queue, 95),
        "summary_p50": pct(summary, 50),
        "erase_p50": pct(erase, 50),
        "erase_p95": pct(erase, 95),
        "rows": len(rows),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--out", default=str(ROOT / "docs" / "bench" / "requests.md"))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        res = {k: run(k, k == "sqlite", a.requests, Path(d)) for k in ("sqlcipher", "sqlite")}
    lines = [
        "# Requests benchmark",
        "",
        f"`bench/requests_bench.py --requests {a.requests}` on this machine (2 shared cores), "
        f"{dt.date.today().isoformat()}. {a.requests} members, one request each; the queue lists every open "
        "request (sorted by due date, urgency computed on the Chinese working-day calendar); erasure = "
        "every registered eraser + ledger line (fsync) + WAL checkpoint, 30 members. Times in ms.",
        "",
        "| measure | SQLCipher | plain SQLite |",
        "|---|---:|---:|",
    ]
    labels = [
        ("open_p50", "open a request p50"),
        ("open_p95", "open a request p95"),
        ("queue_p50", f"queue of open requests p50 ({res['sqlcipher']['rows']} rows)"),
        ("queue_p95", "queue p95"),
        ("summary_p50", "sign-in due summary p50"),
        ("erase_p50", "erase a member p50"),
        ("erase_p95", "erase a member p95"),
    ]
    for key, label in labels:
        lines.append(f"| {label} | {res['sqlcipher'][key]:.2f} | {res['sqlite'][key]:.2f} |")
    text = "\n".join(lines) + "\n"
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    main()
