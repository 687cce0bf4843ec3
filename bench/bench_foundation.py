"""Foundation figures: DB open (SQLCipher raw key vs plain SQLite), unlock (Argon2id as shipped),
cold start to the sign-in window. Writes docs/bench/foundation.md.

    .venv/bin/python -m bench.bench_foundation [--members 1000000]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.pop("MEMBERDESK_FAST_KDF", None)  # measure the real key-derivation cost

from app.access.vault import Vault  # noqa: E402
from app.config import resolve_paths  # noqa: E402
from app.demo import datagen  # noqa: E402
from app.storage import keyslots as ks  # noqa: E402
from app.storage.db import Database, open_database  # noqa: E402


def fill(db: Database, n: int) -> None:
    rows = (
        (f"{i:016x}", f"M{i:09d}", nm, mob, "2026-01-01T00:00:00", "SH-001", "2026-01-01T00:00:00")
        for i, nm, mob in datagen.members(n)
    )
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO members(id, member_no, name, mobile, registered_at, registered_store,"
            " updated_at) VALUES (?,?,?,?,?,?,?)",
            rows,
        )
    db.checkpoint()


def timeit(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=1_000_000)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        key = secrets.token_bytes(32)
        for label, plain in (("SQLCipher 4 (raw key)", False), ("plain SQLite", True)):
            path = tmp / ("plain.db" if plain else "cipher.db")
            db = open_database(path, None if plain else key, plain=plain)
            t = time.perf_counter()
            fill(db, args.members)
            fill_s = time.perf_counter() - t
            db.close()
            size = path.stat().st_size / 1e6

            def open_once(path: Path = path, plain: bool = plain) -> None:
                d = Database(path, None if plain else key, plain=plain)
                d.scalar("SELECT count(*) FROM sqlite_master")
                d.conn.close()

            opens = timeit(open_once, 30)

            def open_migrate(path: Path = path, plain: bool = plain) -> None:
                d = open_database(path, None if plain else key, plain=plain)
                d.conn.close()

            opens_m = timeit(open_migrate, 10)
            rows.append(
                (
                    label,
                    f"{args.members:,}",
                    f"{size:.0f} MB",
                    f"{fill_s:.1f} s",
                    f"{statistics.median(opens):.2f} ms",
                    f"{p(opens, 0.95):.2f} ms",
                    f"{statistics.median(opens_m):.2f} ms",
                )
            )

        # Unlock: Argon2id as shipped, one derivation + AES-GCM unwrap + DB open
        paths = resolve_paths(tmp / "store").ensure()
        vault = Vault(paths)
        vault.setup(
            store_code="SH-001",
            store_name="bench",
            terminal_name="DESK-1",
            username="bench",
            display_name="m",
            password="Bench-pass-1",
        )
        vault.close()
        slots = ks.KeySlotFile.load(paths.keyslots)
        derive = timeit(lambda: slots.unlock_staff("bench", "Bench-pass-1"), 10)

        def signin():
            v = Vault(paths)
            v.sign_in("bench", "Bench-pass-1")
            v.close()

        signins = timeit(signin, 10)

        # Cold start: a new Python process until the sign-in window has been shown.
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MEMBERDESK_EXIT_WHEN_SHOWN="1")
        colds = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "ui.main", "--data-dir", str(paths.data_dir)],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
                timeout=120,
            )
            colds.append((time.perf_counter() - t) * 1000)

    params = ks.DEFAULT_KDF
    lines = [
        "# Foundation benchmarks",
        "",
        f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}. Command: "
        f"`.venv/bin/python -m bench.bench_foundation --members {args.members}`. "
        f"Load average at the end of the run: {os.getloadavg()[0]:.1f} (other work shares the 2 cores, so "
        "figures are upper bounds).",
        "",
        "## Database open (members table filled with synthetic Chinese names and mobiles)",
        "",
        "| engine | members | file | fill | open median | open p95 | open + migration check median |",
        "|---|---|---|---|---|---|---|",
        *[f"| {' | '.join(r)} |" for r in rows],
        "",
        "## Unlock and start",
        "",
        "| what | median | p95 |",
        "|---|---|---|",
        f"| Argon2id derivation + unwrap (memory {params['memory_cost'] // 1024} MiB, {params['iterations']} iterations,"
        f" {params['lanes']} lanes) | {statistics.median(derive):.0f} ms | {p(derive, 0.95):.0f} ms |",
        f"| full sign-in (key slot + SQLCipher open + audit entry) | {statistics.median(signins):.0f} ms |"
        f" {p(signins, 0.95):.0f} ms |",
        f"| cold start to the sign-in window (new process, offscreen) | {statistics.median(colds):.0f} ms |"
        f" {p(colds, 0.95):.0f} ms |",
        "",
    ]
    out = ROOT / "docs" / "bench" / "foundation.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
