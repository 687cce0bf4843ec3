"""Retention figures: the sweep over N members and P purchases (a catch-up sweep with a few % due,
then a sweep with nothing due), the dry run, and the POS import rate — SQLCipher beside plain
SQLite in the same run, through the real services (audit chain, journal, erasers of every domain).

    .venv/bin/python -m bench.bench_retention --members 100000 --purchases 1000000 --import-rows 200000
    .venv/bin/python -m bench.bench_retention --members 1000000 --purchases 10000000 --engines cipher

Data: members registered 2018..2026, 5 % with no purchase; purchases spread over the last 5 years
and 60 days (so ~3 % are past RET-1); 10 % of members cancelled. Prints a Markdown table and, with
--write, appends it to docs/bench/retention.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.clock import FixedClock  # noqa: E402
from app.demo import datagen  # noqa: E402
from app.domains import load_all  # noqa: E402
from app.staff.session import Session, Staff  # noqa: E402
from app.storage.db import open_database  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.datetime(2026, 11, 28, 3, 0, tzinfo=TZ)


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, TZ).isoformat(timespec="seconds")


def fill(db, n_members: int, n_purchases: int, seed: int = 7) -> dict:
    """Bulk rows (the bench's own fast path; the services are measured below). Purchases arrive in time
    order, as from a POS; members are random."""
    rng = random.Random(seed)
    t0 = time.perf_counter()
    db.execute("PRAGMA cache_size = -400000")  # fill only; reset to the default before measuring
    reg_lo = int(dt.datetime(2018, 1, 1, tzinfo=TZ).timestamp())
    now = int(TODAY.timestamp())
    regs = [rng.randrange(reg_lo, now - 86400 * 30) for _ in range(n_members)]
    last = [0] * n_members
    p_lo = now - (5 * 365 + 61) * 86400
    day_cache: dict[int, str] = {}

    def iso_s(ts: int) -> str:
        day, sec = divmod(ts + 8 * 3600, 86400)
        d = day_cache.get(day)
        if d is None:
            d = day_cache[day] = dt.date.fromordinal(719163 + day).isoformat()
        return f"{d}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}+08:00"

    span = now - 3600 - p_lo
    sql = (
        "INSERT INTO purchases(store_code, pos_txn_id, member_id, purchased_at, amount_fen, goods_type,"
        " payment_method, payment_ref, coupon_code, source, created_at, created_by)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    created = iso_s(now)
    batch = []
    for j in range(n_purchases):
        ts = p_lo + span * j // max(1, n_purchases)
        for _ in range(50):  # 5 % never buy; nobody buys before registering
            m = rng.randrange(n_members)
            if m % 20 and regs[m] <= ts:
                break
        else:
            continue
        last[m] = ts
        batch.append(
            (
                "SH-001",
                f"P{j:010d}",
                f"{m:016x}",
                iso_s(ts),
                100 + j % 20000,
                "服装",
                "微信支付",
                f"42000{j:023d}",
                None,
                "pos",
                created,
                "bench",
            )
        )
        if len(batch) == 100000:
            with db.transaction() as conn:
                conn.executemany(sql, batch)
            batch = []
    if batch:
        with db.transaction() as conn:
            conn.executemany(sql, batch)
    rows = []
    for i, nm, mob in datagen.members(n_members):
        cancelled = iso_s(rng.randrange(regs[i], now)) if rng.random() < 0.10 else None
        rows.append(
            (
                f"{i:016x}",
                f"M{i:09d}",
                nm,
                mob,
                "cancelled" if cancelled else "active",
                iso_s(regs[i]),
                "SH-001",
                cancelled,
                iso_s(last[i]) if last[i] else None,
                created,
            )
        )
        if len(rows) == 100000:
            _members(db, rows)
            rows = []
    _members(db, rows)
    db.checkpoint()
    db.execute("PRAGMA cache_size = -2000")  # SQLite's default, as the app runs
    return {"fill_s": time.perf_counter() - t0, "purchases": db.scalar("SELECT count(*) FROM purchases")}


def _members(db, rows) -> None:
    if rows:
        with db.transaction() as conn:
            conn.executemany(
                "INSERT INTO members(id, member_no, name, mobile, status, registered_at, registered_store,"
                " cancelled_at, last_purchase_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                rows,
            )


def session_for(db) -> Session:
    staff = Staff(id="bench", username="bench", display_name="Bench", role="manager")
    return Session(db=db, staff=staff, store_code="SH-001", terminal="BENCH", clock=FixedClock(TODAY))


def write_pos_csv(path: Path, rows: int, n_members: int, seed: int = 9) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["交易号", "会员号", "交易时间", "金额", "商品类别", "支付方式", "支付流水号", "优惠券"])
        for k in range(rows):
            m = rng.randrange(n_members)
            w.writerow(
                [
                    f"N{k:09d}",
                    f"M{m:09d}",
                    f"2026-11-27 {k % 24:02d}:{k % 60:02d}:00",
                    f"{rng.randrange(100, 99999) / 100:.2f}",
                    "家电",
                    "支付宝",
                    f"2026112722001{k:015d}",
                    "CP-1" if k % 10 == 0 else "",
                ]
            )


def timed(res: dict, name: str, fn):
    """fn() with its wall and CPU seconds stored as res[name + "_s"] and res[name + "_cpu"]."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    res[name + "_s"], res[name + "_cpu"] = time.perf_counter() - t, time.process_time() - c
    return out


def run_engine(engine: str, args, tmp: Path) -> dict:
    from app.purchases.pos_import import import_pos_file
    from app.retention import apply_sweep, dry_run

    path = tmp / f"{engine}.db"
    key = secrets.token_bytes(32) if engine == "cipher" else None
    db = open_database(path, key, plain=(engine == "plain"))
    res = {"engine": "SQLCipher" if engine == "cipher" else "plain SQLite"}
    res.update(fill(db, args.members, args.purchases))
    print(f"[{engine}] filled in {res['fill_s']:.1f} s", flush=True)
    s = session_for(db)
    ledger = tmp / f"{engine}-ledger.jsonl"

    def sweep():
        return apply_sweep(s, ledger_path=ledger, permission=False, trigger="admin")

    dr = timed(res, "dry_run", lambda: dry_run(s, permission=False))
    res["due_purchases"] = dr["categories"]["purchase"]["due"]
    res["due_members"] = dr["categories"]["member"]["due"]
    print(
        f"[{engine}] dry run {res['dry_run_s']:.2f} s: {res['due_purchases']} purchases, {res['due_members']} members",
        flush=True,
    )
    out = timed(res, "sweep", sweep)
    res["purged_purchases"] = out["categories"]["purchase"]["purged"]
    res["purged_members"] = out["categories"]["member"]["purged"]
    print(f"[{engine}] sweep {res['sweep_s']:.1f} s", flush=True)
    out = timed(res, "idle_sweep", sweep)
    assert all(c["purged"] == 0 for c in out["categories"].values())
    print(f"[{engine}] nothing-due sweep {res['idle_sweep_s']:.2f} s", flush=True)
    if args.import_rows:
        f = tmp / f"{engine}-pos.csv"
        write_pos_csv(f, args.import_rows, args.members)
        t, c = time.perf_counter(), time.process_time()
        r = import_pos_file(s, f)
        dt_s, cpu = time.perf_counter() - t, time.process_time() - c
        res["import_rows_s"] = (r.accepted + r.rejected_count) / dt_s
        res["import_rows_cpu"] = (r.accepted + r.rejected_count) / cpu
        res["import_accepted"] = r.accepted
        print(
            f"[{engine}] import {res['import_rows_s']:.0f} rows/s ({r.accepted} accepted, {r.rejected_count} rejected)",
            flush=True,
        )
        # the next day's sweep first folds the import's last-purchase notes (purchase_touch) into members
        res["touched"] = db.scalar("SELECT count(*) FROM purchase_touch")
        s.clock = FixedClock(TODAY + dt.timedelta(days=1))
        timed(res, "fold_sweep", sweep)
        print(
            f"[{engine}] next day's sweep {res['fold_sweep_s']:.1f} s (folds {res['touched']} members' last purchase)",
            flush=True,
        )
    res["db_mb"] = path.stat().st_size / 1e6
    res["purchases"] = res.get("purchases", 0)
    db.close()
    return res


def table(results: list[dict], args) -> str:
    r0 = results[0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0
    lines = [
        f"### {dt.date.today().isoformat()} — {args.members:,} members, {r0['purchases']:,} purchases, "
        f"{args.import_rows:,} POS rows (Python {platform.python_version()}, {os.cpu_count()} cores shared with "
        f"other work, load average {load:.1f} at the end)",
        "",
        "Wall-clock seconds, and in brackets the CPU seconds of the benchmark process (what an idle core would "
        "take, near enough: the machine was shared).",
        "",
        "| engine | due purchases | due members | dry run (s) | sweep (s) | nothing-due sweep (s) |"
        " POS import (rows/s) | next day's sweep (s) | DB (MB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['engine']} | {r['due_purchases']:,} | {r['due_members']:,} | "
            f"{r['dry_run_s']:.2f} ({r['dry_run_cpu']:.2f}) | {r['sweep_s']:.1f} ({r['sweep_cpu']:.1f}) | "
            f"{r['idle_sweep_s']:.2f} ({r['idle_sweep_cpu']:.2f}) | "
            f"{r.get('import_rows_s', 0):,.0f} ({r.get('import_rows_cpu', 0):,.0f} per CPU-s) | "
            f"{r.get('fold_sweep_s', 0):.1f} ({r.get('fold_sweep_cpu', 0):.1f}), {r.get('touched', 0):,} members |"
            f" {r['db_mb']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--members", type=int, default=100_000)
    p.add_argument("--purchases", type=int, default=1_000_000)
    p.add_argument("--import-rows", type=int, default=200_000)
    p.add_argument("--engines", default="cipher,plain")
    p.add_argument("--write", action="store_true", help="append the table to docs/bench/retention.md")
    args = p.parse_args(argv)
    load_all()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-retention-") as tmp:
        for engine in args.engines.split(","):
            results.append(run_engine(engine, args, Path(tmp)))
    md = table(results, args)
    print(md)
    if args.write:
        out = ROOT / "docs" / "bench" / "retention.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "a", encoding="utf-8") as fh:
            fh.write("\n" + md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
