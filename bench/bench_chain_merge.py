"""Head office's merge of a day's offline double registrations (issue #18, headoffice/merge.py), in process.

Loads BASE members (each with its registration consent record) from S stores, then a day's duplicates: D customers
registered again, offline, at ANOTHER store (same mobile, new member id, their own consent record), uploaded by those
stores in batches of 10 duplicates per store. Three timings:

- new: D new customers (no duplicate) uploaded the same way — the baseline of the upload itself;
- inline: the D duplicates, each merged inside the upload that found it (the production path);
- backlog: the same D duplicates with the merge held back (conflicts left open), then `merge_open_conflicts()`
  settling all of them in one transaction (what a start after an upgrade, or the CLI, does).

    .venv/bin/python bench/bench_chain_merge.py sqlite|DSN BASE STORES DUPLICATES
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.sync import signing  # noqa: E402
from headoffice import merge  # noqa: E402
from headoffice.service import HeadOffice  # noqa: E402
from headoffice.storage import open_storage  # noqa: E402

PER_BATCH = 10  # duplicates per store upload


def _member(k: int, mid: str, code: str, at: str) -> list[dict]:
    return [
        {"entity": "member", "entity_id": mid, "member_id": mid, "op": "upsert",
         "payload": {"name": "测试会员", "mobile": f"13{k:09d}", "member_no": f"M{code[1:]}{secrets.randbelow(10**7):07d}",
                     "minor": False, "registered_at": at, "store": code}},
        {"entity": "consent", "entity_id": secrets.token_hex(8), "member_id": mid, "op": "upsert",
         "payload": {"member_id": mid, "kind": "registration", "notice_version": "2026.1", "method": "screen",
                     "decisions": {"membership": True, "marketing": bool(k % 2), "offers": not k % 3}, "at": at}},
    ]  # fmt: skip


class Loader:
    def __init__(self, url: str, stores: int):
        self.st = open_storage(url, pool_size=1)
        self.ho = HeadOffice(self.st, clock=time.time)
        self.codes = [f"S{i:03d}" for i in range(stores)]
        self.seq = dict.fromkeys(self.codes, 0)
        for code in self.codes:
            self.ho.create_store(code, "x")
            with self.st.tx() as c:
                c.execute(
                    "UPDATE stores SET pubkey = ?, enrolled_at = 1 WHERE code = ?",
                    (signing.public_text(signing.new_private_key()), code),
                )

    def upload(self, code: str, rows: list[dict]) -> None:
        for r in rows:
            self.seq[code] += 1
            r["seq"] = self.seq[code]
        self.ho.upload(code, {"after": self.seq[code] - len(rows), "rows": rows, "pending": 0})

    def day(self, keys: list[int], shift: int) -> float:
        """Upload one member per key from the store `shift` places along; returns seconds."""
        by_store: dict[str, list[int]] = {}
        for k in keys:
            by_store.setdefault(self.codes[(k + shift) % len(self.codes)], []).append(k)
        t0 = time.perf_counter()
        for code, ks in by_store.items():
            for i in range(0, len(ks), PER_BATCH):
                rows = [
                    r
                    for k in ks[i : i + PER_BATCH]
                    for r in _member(k, secrets.token_hex(8), code, "2026-12-03T11:00:00+08:00")
                ]
                self.upload(code, rows)
        return time.perf_counter() - t0


def reset(url: str) -> str:
    if url == "sqlite":
        return "sqlite:///" + tempfile.mkdtemp() + "/ho.db"
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return url


def run(url: str, base: int, stores: int, dups: int, mode: str) -> tuple[float, int]:
    ld = Loader(reset(url), stores)
    per = base // stores
    for s, code in enumerate(ld.codes):
        rows = [
            r for i in range(per) for r in _member(s * per + i, secrets.token_hex(8), code, "2026-12-01T10:00:00+08:00")
        ]
        for i in range(0, len(rows), 1000):
            ld.upload(code, rows[i : i + 1000])
    step = max(1, base // dups)
    keys = [k for k in range(0, base, step)][:dups]
    if mode == "new":
        secs = ld.day([base + k for k in range(dups)], 1)
    elif mode == "inline":
        secs = ld.day(keys, 1)
    else:
        real = merge.resolve
        merge.resolve = lambda ho, c, now, keys=None: {}  # type: ignore[assignment]
        try:
            ld.day(keys, 1)
        finally:
            merge.resolve = real  # type: ignore[assignment]
        t0 = time.perf_counter()
        ld.ho.merge_open_conflicts()
        secs = time.perf_counter() - t0
    n = len(ld.ho.member_merges())
    ld.st.close()
    return secs, n


def main() -> None:
    url, base, stores, dups = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    if not os.environ.get("MEMBERDESK_HO_MASTER_KEY_FILE"):
        os.environ["MEMBERDESK_HO_MASTER_KEY_FILE"] = str(Path(tempfile.mkdtemp()) / "master.key")
        from headoffice.crypto import new_master_key_file

        new_master_key_file(os.environ["MEMBERDESK_HO_MASTER_KEY_FILE"])
    label = "SQLite" if url == "sqlite" else "PostgreSQL"
    out = {m: run(url, base, stores, dups, m) for m in ("new", "inline", "backlog")}
    print(
        f"| {label} | {base:,} members / {stores} stores | {dups:,} "
        f"| {out['new'][0]:.1f} s | {out['inline'][0]:.1f} s ({out['inline'][1]:,} merged) "
        f"| {out['backlog'][0]:.1f} s ({out['backlog'][1]:,} merged, {dups / out['backlog'][0]:,.0f}/s) |"
    )


if __name__ == "__main__":
    main()
