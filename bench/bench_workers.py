"""Polling stores served per core as head-office processes are added (issue #18 "Scale").

    .venv/bin/python bench/bench_workers.py [--workers 1,2,4] [--stores 200] [--seconds 20] [--clients 3]
                                            [--pg DSN | env MEMBERDESK_TEST_PG_DSN] [--write FILE]

A real `memberdesk-headoffice serve --workers N` (TLS, private CA, 127.0.0.1) on PostgreSQL for each N, and
on plain SQLite with one process beside it (SQLite refuses N > 1). Client processes (`--clients`, 8 threads
each) poll as fast as they can for `--seconds`: one signed GET /v1/pull per request over its own new TLS
connection (like separate store PCs), 20 feed rows on the page. Measured: pulls/s, latency p50/p95, and the CPU
time the head-office processes (and, for PostgreSQL, its server processes) used, read from /proc. "Stores per
core" = pulls per CPU-second × 900: how many stores polling every 15 minutes (the default interval) one fully
busy core serves. On a small machine the load generator, the workers and PostgreSQL share the same cores:
pulls/s then measures the machine, the CPU figures measure head office.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import multiprocessing
import os
import platform
import random
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from app.sync import signing  # noqa: E402
from headoffice import crypto  # noqa: E402
from headoffice.service import HeadOffice  # noqa: E402
from headoffice.storage import open_storage  # noqa: E402
from tests.app.syncutil import free_port, make_ca, reset_pg  # noqa: E402

INTERVAL = 900  # seconds between two polls of one store (sync_interval_minutes = 15)
TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _processes() -> dict[int, tuple[int, float]]:
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = _stat(int(d))
            if st is not None:
                out[int(d)] = st
    return out


def tree_cpu(root: int) -> float:
    """CPU seconds of `root` and all its descendants (alive now)."""
    procs = _processes()
    kids: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        kids.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            total += procs[pid][1]
        todo += kids.get(pid, [])
    return total


def postmaster(dsn: str) -> int | None:
    """The PostgreSQL server process listening on the DSN's port (this bench's own server only)."""
    port = dsn.rsplit(":", 1)[-1].split("/")[0]
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            argv = Path(f"/proc/{d}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"postgres") and b"-p" in argv and port.encode() in argv:
            return int(d)
    return None


def start_server(db: str, tls: dict, key_file: Path, workers: int, pool: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "headoffice.cli", "--db", db, "--master-key-file", str(key_file), "serve"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--workers-pool", str(pool)]
    cmd += ["--cert", str(tls["cert"]), "--key", str(tls["key"])]
    proc = subprocess.Popen(
        cmd,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"https://127.0.0.1:{port}"
    ctx = ssl.create_default_context(cafile=str(tls["ca"]))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("head office did not start: " + proc.stderr.read().decode()[-2000:])  # type: ignore[union-attr]
        try:
            httpx.get(url + "/v1/time", verify=ctx, timeout=2.0)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("head office did not answer")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: only this server's processes
        proc.wait(5)


def make_stores(db: str, key_file: Path, n: int, prefix: str) -> dict[str, bytes]:
    storage = open_storage(db, pool_size=1)
    ho = HeadOffice(storage, keys=crypto.Keyring.from_file(key_file))
    keys = {}
    for i in range(n):
        code = f"{prefix}{i:04d}"
        ho.create_store(code, "bench")
        key = signing.new_private_key()
        with storage.tx() as c:
            c.execute("UPDATE stores SET pubkey = ?, enrolled_at = 1 WHERE code = ?", (signing.public_text(key), code))
        keys[code] = signing.private_bytes(key)
    with storage.read() as c:
        feed = int(c.scalar("SELECT count(*) FROM feed", (), 0))
    for k in range(feed, 20):
        ho.publish("holiday_table", {"year": 2030 + k, "days": {}})
    storage.close()
    return keys


def client(url: str, ca: str, keys: dict[str, bytes], until: float, threads: int, seed: int) -> list[float]:
    """One load-generator process: `threads` closed loops of signed pulls until `until`; latencies (s)."""
    ctx = ssl.create_default_context(cafile=ca)
    loaded = {code: signing.load_private(raw) for code, raw in keys.items()}
    codes = sorted(loaded)
    out: list[float] = []
    lock = threading.Lock()

    def loop(k: int) -> None:
        rnd = random.Random(seed * 100 + k)
        mine = []
        while time.time() < until:
            code = rnd.choice(codes)
            path = "/v1/pull?cursor=0:0&limit=200&pending=0"
            headers = signing.sign_headers(loaded[code], "GET", path, code, time.time(), b"")
            t0 = time.perf_counter()
            with httpx.Client(verify=ctx, timeout=30) as cl:  # a new TLS connection, as another store PC
                resp = cl.get(url + path, headers=headers)
            if resp.status_code == 200:
                mine.append(time.perf_counter() - t0)
        with lock:
            out.extend(mine)

    ts = [threading.Thread(target=loop, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def measure(label: str, db: str, tls: dict, key_file: Path, workers: int, keys: dict, args) -> dict:
    proc, url = start_server(db, tls, key_file, workers, args.pool)
    pg = postmaster(db) if db.startswith("postgresql") else None
    try:
        warm = time.time() + 3
        client(url, str(tls["ca"]), keys, warm, 4, 0)  # every worker up, connections open
        time.sleep(0.5)
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(args.clients, mp_context=ctx) as pool:
            for f in [pool.submit(time.sleep, 1.0) for _ in range(args.clients)]:
                f.result()  # every load-generator process started and imported before the clock runs
            ho0, pg0, all0 = tree_cpu(proc.pid), (tree_cpu(pg) if pg else 0.0), tree_cpu(os.getpid())
            t0 = time.time()
            until = t0 + args.seconds
            parts = [
                pool.submit(client, url, str(tls["ca"]), keys, until, args.threads, i + 1) for i in range(args.clients)
            ]
            lat = sorted(x for p in parts for x in p.result())
            wall = time.time() - t0
            ho_cpu = tree_cpu(proc.pid) - ho0
            pg_cpu = (tree_cpu(pg) - pg0) if pg else 0.0
            gen_cpu = tree_cpu(os.getpid()) - all0 - ho_cpu  # the load generator (the server is our child too)
    finally:
        stop_server(proc)
    n = len(lat)
    return {
        "label": label,
        "workers": workers,
        "pulls": n,
        "rate": n / wall,
        "p50": statistics.median(lat) * 1000,
        "p95": lat[max(0, int(n * 0.95) - 1)] * 1000,
        "ho_cpu": ho_cpu,
        "pg_cpu": pg_cpu,
        "gen_cpu": gen_cpu,
        "per_core": n / ho_cpu * INTERVAL if ho_cpu else 0.0,
        "per_core_all": n / (ho_cpu + pg_cpu) * INTERVAL if ho_cpu + pg_cpu else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--stores", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--clients", type=int, default=3, help="load-generator processes")
    ap.add_argument("--threads", type=int, default=8, help="closed loops per load-generator process")
    ap.add_argument("--pool", type=int, default=4, help="database connections per head-office process")
    ap.add_argument("--pg", default=os.environ.get("MEMBERDESK_TEST_PG_DSN"))
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--write")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="md-bench-workers-"))
    tls = make_ca(tmp / "ca")
    key_file = crypto.new_master_key_file(tmp / "master.key")
    results = []
    if not args.no_sqlite:
        db = f"sqlite:///{tmp / 'ho.db'}"
        results.append(measure("SQLite", db, tls, key_file, 1, make_stores(db, key_file, args.stores, "Q"), args))
        print(json.dumps(results[-1]))
    if args.pg:
        reset_pg(args.pg)
        keys = make_stores(args.pg, key_file, args.stores, "P")
        for n in [int(x) for x in args.workers.split(",")]:
            results.append(measure("PostgreSQL", args.pg, tls, key_file, n, keys, args))
            print(json.dumps(results[-1]))
    load = os.getloadavg()
    lines = [
        f"Machine: {os.cpu_count()} cores (shared by the load generator, the workers and PostgreSQL), "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average before the last run {load[0]:.1f}; "
        f"{args.stores} stores, {args.clients} client processes × {args.threads} closed loops, {args.seconds:.0f} s "
        f"per row, each pull a new TLS connection, {args.pool} database connections per process.",
        "",
        "| head office | processes | pulls | pulls/s | p50 ms | p95 ms | HO CPU s | PostgreSQL CPU s "
        "| load generator CPU s | stores per HO core | stores per core (HO + PostgreSQL) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        pg = f"{r['pg_cpu']:.1f}" if r["label"] == "PostgreSQL" else "(in process)"
        lines.append(
            f"| {r['label']} | {r['workers']} | {r['pulls']:,} | {r['rate']:.0f} | {r['p50']:.0f} | {r['p95']:.0f} "
            f"| {r['ho_cpu']:.1f} | {pg} | {r['gen_cpu']:.1f} | {r['per_core']:,.0f} | {r['per_core_all']:,.0f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        Path(args.write).write_text(text, "utf-8")


if __name__ == "__main__":
    main()
