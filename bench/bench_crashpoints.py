"""Crash-point benchmark (issue #17): the suite of tests/app/test_crashpoints_suite.py with k times the
hits per looping point (MEMBERDESK_CRASH_SCALE=k), timed; writes docs/bench/crashpoints.md.

    .venv/bin/python bench/bench_crashpoints.py [--scale 1 3 6]

Each kill forks a child that dies with os._exit(137) at the named point; the folder it leaves is then
opened as the next start does (store opens, audit chain verifies, nothing staged or half-made).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "bench" / "crashpoints.md"


def kills_for(scale: int) -> int:
    env = dict(os.environ, MEMBERDESK_CRASH_SCALE=str(scale))
    code = (
        "import tests.conftest\n"
        "from tests.app import test_crashpoints_suite as t\n"
        "loops={'registration':2,'consent':3,'erasure':2,'import':2,'sync':2,'backup':3}\n"
        "print(sum(t.HITS[k]*n for k,n in loops.items()) + 7 + 2 + len(t.SUBPROCESS))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return int(r.stdout.strip().splitlines()[-1])


def run(scale: int) -> tuple[int, float, str]:
    env = dict(os.environ, MEMBERDESK_CRASH_SCALE=str(scale), PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "tests/app/test_crashpoints_suite.py"]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    tail = [line for line in r.stdout.splitlines() if re.search(r"passed|failed", line)]
    return r.returncode, elapsed, tail[-1] if tail else "?"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, nargs="+", default=[1, 3])
    a = ap.parse_args()
    rows = []
    for scale in a.scale:
        kills = kills_for(scale)
        code, elapsed, summary = run(scale)
        rows.append((scale, kills, elapsed, summary, code))
        print(f"scale {scale}: {kills} kills, {elapsed:.1f} s, {summary}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Crash-point suite (issue #17)",
        "",
        "`bench/bench_crashpoints.py`: tests/app/test_crashpoints_suite.py with k times the hits per looping",
        "point. Every kill: copy a prepared store, fork, die at the point (os._exit(137)), then open the folder",
        "as the next start does and check it (store opens, audit chain verifies, nothing staged, temporary or",
        "half-made). Wall time includes pytest's start; folders on tmpfs (/dev/shm) where present.",
        f"Machine: {os.cpu_count()} CPUs, load average {load:.1f} at the end of the run.",
        "",
        "| scale | kills | wall time (s) | result |",
        "|---:|---:|---:|---|",
    ]
    lines += [f"| {s} | {k} | {e:.1f} | {summ} |" for s, k, e, summ, _c in rows]
    OUT.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"written: {OUT}")
    return 0 if all(r[4] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
