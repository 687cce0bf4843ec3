"""Head-office load (issue #17): many unsigned large bodies and some signed uploads, concurrently, against a
real uvicorn on loopback; the server process's max RSS is read from /proc (VmHWM) before and after.

    python -m bench.bench_headoffice_load [--unsigned 50] [--signed 10] [--mb 8] [--rounds 3] [--ref REV]

--ref REV also runs headoffice/server.py as of git revision REV (the old code path) for comparison.
The table goes to docs/bench/headoffice_load.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SERVER = r"""
import sys, time, uvicorn
sys.path.insert(0, {root!r})
{patch}
from app.sync import signing
from headoffice.server import create_app
from headoffice.service import HeadOffice
from headoffice.storage import SQLiteStorage
ho = HeadOffice(SQLiteStorage({db!r}))
key = signing.new_private_key()
ho.enrol("SH-001", ho.create_store("SH-001", "bench"), signing.public_text(key))
open({keyfile!r}, "wb").write(signing.private_bytes(key))
uvicorn.run(create_app(ho), host="127.0.0.1", port={port}, log_level="error")
"""


def _hwm(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(label: str, server_dir: Path, unsigned: int, signed: int, mb: int, port: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from app.sync import signing

    tmp = Path(tempfile.mkdtemp(prefix="md-hoload-"))
    keyfile = tmp / "key"
    code = SERVER.format(root=str(server_dir), patch="", db=str(tmp / "ho.db"), keyfile=str(keyfile), port=port)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=str(server_dir))
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/time", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        before = _hwm(proc.pid)
        key = signing.load_private(keyfile.read_bytes())
        big = b"x" * (mb * 1024 * 1024 - 16)
        upload = json.dumps({"after": 0, "rows": []}).encode()
        url = f"http://127.0.0.1:{port}"

        def unsigned_one(_):
            try:
                return httpx.post(url + "/v1/upload", content=big, timeout=60).status_code
            except httpx.HTTPError as exc:
                return type(exc).__name__

        def signed_one(_):
            h = signing.sign_headers(key, "POST", "/v1/upload", "SH-001", time.time(), upload)
            h["content-type"] = "application/json"
            try:
                return httpx.post(url + "/v1/upload", content=upload, headers=h, timeout=60).status_code
            except httpx.HTTPError as exc:
                return type(exc).__name__

        t = time.perf_counter()
        with cf.ThreadPoolExecutor(unsigned + signed) as pool:
            futs = [pool.submit(unsigned_one, i) for i in range(unsigned)] + [
                pool.submit(signed_one, i) for i in range(signed)
            ]
            results = [f.result() for f in futs]
        wall = time.perf_counter() - t
        after = _hwm(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    tally: dict = {}
    for r in results[:unsigned]:
        tally[f"unsigned {r}"] = tally.get(f"unsigned {r}", 0) + 1
    for r in results[unsigned:]:
        tally[f"signed {r}"] = tally.get(f"signed {r}", 0) + 1
    return {"label": label, "before": before, "after": after, "wall": wall, "tally": tally}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--unsigned", type=int, default=50)
    ap.add_argument("--signed", type=int, default=10)
    ap.add_argument("--mb", type=int, default=8)
    ap.add_argument("--ref", default=None, help="git revision of the old code path to compare with")
    ap.add_argument("--port", type=int, default=18751)
    ap.add_argument("--out", default=str(ROOT / "docs" / "bench" / "headoffice_load.md"))
    a = ap.parse_args()
    runs = []
    if a.ref:
        old = Path(tempfile.mkdtemp(prefix="md-hoold-"))
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old / "wt"), a.ref],
            check=True,
            capture_output=True,
        )
        try:
            runs.append(run(f"before ({a.ref[:8]})", old / "wt", a.unsigned, a.signed, a.mb, a.port))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old / "wt")], check=False)
    runs.append(run("after (this code)", ROOT, a.unsigned, a.signed, a.mb, a.port + 1))
    lines = [
        "# Head-office load: unsigned large bodies (issue #17)",
        "",
        f"{a.unsigned} unsigned POSTs of {a.mb} MB and {a.signed} signed uploads at once, against uvicorn on "
        "loopback (SQLite storage). Max RSS = the server process's VmHWM. Run with "
        "`python -m bench.bench_headoffice_load" + (f" --ref {a.ref}" if a.ref else "") + "`.",
        "",
        "| code | max RSS idle (MB) | max RSS after load (MB) | wall (s) | answers |",
        "|---|---:|---:|---:|---|",
    ]
    for r in runs:
        tally = ", ".join(f"{k}: {v}" for k, v in sorted(r["tally"].items()))
        lines.append(f"| {r['label']} | {r['before']:.0f} | {r['after']:.0f} | {r['wall']:.1f} | {tally} |")
        print(lines[-1])
    Path(a.out).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
