"""Packaging numbers: bundle size and start time (bundle vs source), self-test time.

    bash packaging/build_linux.sh                      # builds dist/memberdesk
    .venv/bin/python bench/bench_packaging.py [--runs 5] [--markdown]

Start time = process start until the main window (sign-in screen of a set-up store) is shown, then exit
(MEMBERDESK_EXIT_WHEN_SHOWN=1, offscreen). The first run after the build is reported separately from the
median of the following runs (warm file cache). Real Argon2 (no MEMBERDESK_FAST_KDF) for the self-test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BUNDLE = ROOT / "dist" / "memberdesk"


def _size(path: Path) -> tuple[int, int]:
    total, files = 0, 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
            files += 1
    return total, files


def _biggest(path: Path, n: int = 6) -> list[tuple[str, int]]:
    base = path / "_internal"
    sizes = {}
    for child in base.iterdir():
        if child.is_symlink():
            continue
        sizes[child.name] = _size(child)[0] if child.is_dir() else child.stat().st_size
    return sorted(sizes.items(), key=lambda kv: -kv[1])[:n]


def _make_store(data_dir: Path) -> None:
    from app.access.vault import Vault
    from app.config import resolve_paths

    v = Vault(resolve_paths(data_dir).ensure())
    v.setup(
        store_code="BENCH",
        store_name="基准门店",
        terminal_name="DESK-1",
        username="manager",
        display_name="店长",
        password="Manager-pass-1",
    )
    v.close()


def _start_times(cmd: list[str], data_dir: Path, runs: int) -> list[float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MEMBERDESK_EXIT_WHEN_SHOWN="1")
    env.pop("MEMBERDESK_FAST_KDF", None)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [*cmd, "--data-dir", str(data_dir)],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )
        out.append(time.perf_counter() - t0)
    return out


def _self_test(cmd: list[str]) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("MEMBERDESK_FAST_KDF", None)
    t0 = time.perf_counter()
    subprocess.run([*cmd, "--self-test"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, timeout=240)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    os.environ["MEMBERDESK_FAST_KDF"] = "1"  # only for creating the bench store quickly
    exe = BUNDLE / "memberdesk"
    if not exe.exists():
        sys.exit("no bundle: run bash packaging/build_linux.sh first")
    size, files = _size(BUNDLE)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        _make_store(data)
        for label, cmd in (("bundle", [str(exe)]), ("source", [sys.executable, "-m", "ui.main"])):
            times = _start_times(cmd, data, args.runs + 1)
            st = _self_test(cmd)
            rows.append((label, times[0], statistics.median(times[1:]), min(times[1:]), st))
    lines = [
        f"Bundle: {size / 2**20:.0f} MiB in {files} files (dist/memberdesk)",
        "",
        "Largest parts of _internal/: " + ", ".join(f"{k} {v / 2**20:.0f} MiB" for k, v in _biggest(BUNDLE)),
        "",
        "| run | first start (s) | start, median of next " + str(args.runs) + " (s) | fastest (s) | --self-test (s) |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r[0]} | {r[1]:.2f} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.1f} |" for r in rows]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
