"""The counter while a background job writes: member searches on the UI connection while a POS import of
200,000 rows runs in a background thread on a 100k-member store; SQLCipher beside plain SQLite. By default
two rows (issue #20): the app with a read's audit entry written to the chain as before (it waits for the
import's write transaction) and the app now (app.audit.journal: the entry goes to the read-audit journal when
the writer is busy). `--all-modes` adds the earlier rows (one shared connection, switch interval, 10k batches).

    .venv/bin/python -m bench.bench_counter                      # 100k members, 1M purchases, 200k POS rows
    .venv/bin/python -m bench.bench_counter --write              # and append the table to docs/bench/counter.md

Two series of searches side by side, each at random moments 100 ms apart on average while the import runs,
latency counted from the moment a search was due (open loop: a search due while the UI was still waiting
counts that wait too, as for a clerk pressing Enter at a random moment):
- "search": `search_members` as the members page calls it, including its audit entry (SEC-2) — a write,
  so it waits for the import's current batch transaction to commit (SQLite has one writer);
- "read": the same search without the audit entry — the search's queries alone (a second thread on the
  same UI connection).
Rows: the old way; the background connection alone; with the interpreter's switch interval at 0.5 ms as the
app sets it (ui.workers.SWITCH_INTERVAL: the import thread's Python then gives the GIL back to the UI thread
sooner); and that with 10,000-row import batches (shorter write transactions). Idle figures (no import
running) come first. Each mode runs --repeat times on a fresh copy of the store. Wall-clock ms: p50 / p95 /
p99 / max. After each run every audited search must be in the chain once (taken in) and the chain verify.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import math
import os
import platform
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.audit import chain, journal  # noqa: E402
from app.clock import iso  # noqa: E402
from app.domains import load_all  # noqa: E402
from app.members.search import search_members  # noqa: E402
from app.storage.db import Database, open_database  # noqa: E402
from bench.bench_retention import fill, session_for, write_pos_csv  # noqa: E402
from ui.workers import SWITCH_INTERVAL  # noqa: E402

PAUSE = 0.1
DEFAULT_SWITCH = sys.getswitchinterval()
# (connection, label, batch rows, interpreter switch interval, read audit written to the chain as before #20)
EARLIER_MODES = (
    ("shared", "one connection (old)", None, DEFAULT_SWITCH, True),
    ("separate", "background connection", None, DEFAULT_SWITCH, True),
    ("separate", "the app, 10,000-row batches", 10_000, SWITCH_INTERVAL, True),
)
MODES = (
    ("separate", "the app before #20: read audit waits for the writer", None, SWITCH_INTERVAL, True),
    ("separate", "the app: read-audit journal (#20)", None, SWITCH_INTERVAL, False),
)


def _audit_read_waiting(session):
    """The read's audit entry as before issue #20: one write transaction on the chain (waits for the writer)."""

    def audit_read(action, subject_type=None, subject_id=None, details=None):
        with session.db.transaction() as conn:
            chain.append(
                conn,
                ts=iso(session.clock.now()),
                staff_id=session.staff.id,
                terminal=session.terminal,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                details=details,
            )

    return audit_read


def _queries(db, n: int, seed: int = 3) -> list[str]:
    """A clerk's mix: full mobile, last 4 digits, a 2-character name (surname + given name)."""
    rng = random.Random(seed)
    rows = db.all("SELECT mobile, name FROM members ORDER BY id LIMIT 20000")
    out = []
    for i in range(n):
        mobile, name = rng.choice(rows)
        out.append((mobile, mobile[-4:], name[:2])[i % 3])
    return out


def _stats(xs: list[float]) -> dict:
    xs = sorted(xs)
    return {
        "n": len(xs),
        "p50": statistics.median(xs) * 1000,
        "p95": xs[math.ceil(0.95 * len(xs)) - 1] * 1000,
        "p99": xs[math.ceil(0.99 * len(xs)) - 1] * 1000,
        "max": xs[-1] * 1000,
    }


def _searches(session, queries, until, out: list, seed: int) -> None:
    """Searches on the UI connection at random moments (exponential gaps, PAUSE on average) until `until()`.
    Open loop: each latency counts from the moment the search was due, so a search due while the previous
    one was still waiting counts its wait too — what a clerk pressing Enter at a random moment sees."""
    rng = random.Random(seed)
    due = time.perf_counter()
    i = 0
    while not until():
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        search_members(session, queries[i % len(queries)])
        out.append(time.perf_counter() - due)
        i += 1
        due += rng.expovariate(1 / PAUSE)


def _both(ui, ro, queries, until) -> tuple[list[float], list[float]]:
    """The two series side by side (the read series in a second thread, so a search waiting for its audit
    write does not keep reads from being sampled meanwhile)."""
    full, read = [], []
    t = threading.Thread(target=_searches, args=(ro, queries[1:] + queries[:1], until, read, 2))
    t.start()
    _searches(ui, queries, until, full, 1)
    t.join()
    return full, read


def run_mode(engine: str, base: Path, key, csv_path: Path, tmp: Path, mode, label, batch, switch, old) -> dict:
    from app.purchases.pos_import import BATCH, import_pos_file

    sys.setswitchinterval(switch)

    path = tmp / f"{engine}-{mode}-{batch or 0}.db"
    shutil.copyfile(base, path)
    plain = key is None
    ui_db = Database(path, key, plain=plain)
    if mode != "shared":
        ui_db.leave_checkpoints_to_jobs()  # as the vault opens the counter's connection (docs/bench/counter.md)
    ui = session_for(ui_db)
    if old:
        ui.audit_read = _audit_read_waiting(ui)  # type: ignore[method-assign]
    ro = dataclasses.replace(ui)
    ro.audit_read = lambda *a, **k: None  # the search's queries alone
    queries = _queries(ui_db, 600)
    stop_idle = time.perf_counter() + 4
    idle_full, idle_read = _both(ui, ro, queries, lambda: time.perf_counter() > stop_idle)
    job_db = ui_db if mode == "shared" else Database(path, key, plain=plain, background=True)
    job = session_for(job_db)
    done = threading.Event()
    out = {}

    def work():
        t = time.perf_counter()
        try:
            r = import_pos_file(job, csv_path, batch_size=batch or BATCH)
            out["rows"] = r.accepted + r.rejected_count
        finally:
            out["import_s"] = time.perf_counter() - t
            done.set()

    th = threading.Thread(target=work)
    th.start()
    full, read = _both(ui, ro, queries, done.is_set)
    th.join()
    # SEC-2 kept: every audited search is in the chain exactly once (the journal taken in), the chain verifies
    journalled = journal.journal_for(ui_db).recorded
    journal.take_in_now(ui_db)
    audited = ui_db.scalar("SELECT count(*) FROM audit_log WHERE action = 'member.search'")
    if audited != len(idle_full) + len(full) or not chain.verify(ui_db).ok:
        raise SystemExit(f"audit check failed: {audited} entries for {len(idle_full) + len(full)} searches")
    if job_db is not ui_db:
        job_db.close(checkpoint=False)
    ui_db.close()
    for p in tmp.glob(path.name + "*"):  # the store and its read-audit journal
        p.unlink()
    sys.setswitchinterval(DEFAULT_SWITCH)
    return {
        "engine": "SQLCipher" if key else "plain SQLite",
        "mode": label,
        "batch": batch or BATCH,
        "import_s": out["import_s"],
        "rows": out.get("rows", 0),
        "journalled": journalled,
        "idle_full": idle_full,
        "idle_read": idle_read,
        "full": full,
        "read": read,
    }


def _pool(runs: list[dict]) -> dict:
    """Several runs of one mode: samples pooled, import time summed."""
    r = dict(runs[0])
    for k in ("idle_full", "idle_read", "full", "read"):
        r[k] = _stats([x for run in runs for x in run[k]])
    r["import_s"] = statistics.median(run["import_s"] for run in runs)
    r["journalled"] = sum(run["journalled"] for run in runs)
    r["rows_s"] = r["rows"] / r["import_s"]
    r["runs"] = len(runs)
    print(
        f"[{r['engine']}] {r['mode']}: import {r['import_s']:.1f} s; search p50/p95/p99/max "
        f"{r['full']['p50']:.1f}/{r['full']['p95']:.1f}/{r['full']['p99']:.1f}/{r['full']['max']:.0f} ms "
        f"({r['journalled']} via the journal); read "
        f"{r['read']['p50']:.1f}/{r['read']['p95']:.1f}/{r['read']['max']:.0f} ms",
        flush=True,
    )
    return r


def run_engine(engine: str, args, tmp: Path) -> list[dict]:
    base = tmp / f"{engine}-base.db"
    key = secrets.token_bytes(32) if engine == "cipher" else None
    db = open_database(base, key, plain=key is None)
    info = fill(db, args.members, args.purchases)
    db.close()
    print(f"[{engine}] filled in {info['fill_s']:.1f} s", flush=True)
    csv_path = tmp / "pos.csv"
    if not csv_path.exists():
        write_pos_csv(csv_path, args.import_rows, args.members)
    modes = (EARLIER_MODES + MODES) if args.all_modes else MODES
    results = [_pool([run_mode(engine, base, key, csv_path, tmp, *m) for _ in range(args.repeat)]) for m in modes]
    base.unlink()
    return results


def _cell(s: dict) -> str:
    return f"{s['p50']:.1f} / {s['p95']:.1f} / {s['p99']:.1f} / {s['max']:.0f}"


def table(results: list[dict], args) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0
    lines = [
        f"### {dt.date.today().isoformat()} — {args.members:,} members, {args.purchases:,} purchases, "
        f"{args.import_rows:,}-row POS import in the background (Python {platform.python_version()}, "
        f"{os.cpu_count()} cores shared with other work, load average {load:.1f} at the end)",
        "",
        f"Milliseconds p50 / p95 / p99 / max over {args.repeat} imports per row (samples pooled; import time: median). "
        "*search* = `search_members` with its audit entry (a write); *read* = the same search's queries "
        "without it, from a second thread on the same UI connection. *idle* = 4 s before the import. "
        "*journalled* = search entries that went to the read-audit journal (all taken in and verified after).",
        "",
        "| engine | import runs on | batch (rows) | import (s, rows/s) | samples during import | journalled | "
        "search idle | search during import | read idle | read during import |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['engine']} | {r['mode']} | {r['batch']:,} | {r['import_s']:.1f}, {r['rows_s']:,.0f} | "
            f"{r['full']['n']} + {r['read']['n']} | {r['journalled']} | {_cell(r['idle_full'])} | {_cell(r['full'])} | "
            f"{_cell(r['idle_read'])} | {_cell(r['read'])} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--members", type=int, default=100_000)
    p.add_argument("--purchases", type=int, default=1_000_000)
    p.add_argument("--import-rows", type=int, default=200_000)
    p.add_argument("--engines", default="cipher,plain")
    p.add_argument("--repeat", type=int, default=4, help="imports per mode (samples pooled, median import time)")
    p.add_argument("--all-modes", action="store_true", help="also the earlier rows (shared connection, ...)")
    p.add_argument("--write", action="store_true", help="append the table to docs/bench/counter.md")
    args = p.parse_args(argv)
    load_all()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-counter-") as tmp:
        for engine in args.engines.split(","):
            results.extend(run_engine(engine, args, Path(tmp)))
    md = table(results, args)
    print(md)
    if args.write:
        out = ROOT / "docs" / "bench" / "counter.md"
        with open(out, "a", encoding="utf-8") as fh:
            fh.write("\n" + md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
