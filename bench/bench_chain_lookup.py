"""Head office's member register (issue #18), in process (no HTTP): load N members (each with its registration
consent record) from S stores through HeadOffice.upload — the register is kept inside that apply — then time
`lookup_member` by mobile (p50/p95 over random members, a tenth of them unknown mobiles).

    MEMBERDESK_HO_MASTER_KEY_FILE=key .venv/bin/python bench/bench_chain_lookup.py sqlite|DSN N STORES [LOOKUPS]

Payloads are encrypted at rest as in production. Prints one Markdown table row per phase.
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.sync import signing  # noqa: E402
from headoffice.service import HeadOffice  # noqa: E402
from headoffice.storage import open_storage  # noqa: E402

BATCH = 1000


def main() -> None:
    url, n, stores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    lookups = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    label = "SQLite" if url == "sqlite" else "PostgreSQL"
    if url == "sqlite":
        url = "sqlite:///" + tempfile.mkdtemp() + "/ho.db"
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    if not os.environ.get("MEMBERDESK_HO_MASTER_KEY_FILE"):
        os.environ["MEMBERDESK_HO_MASTER_KEY_FILE"] = str(Path(tempfile.mkdtemp()) / "master.key")
        from headoffice.crypto import new_master_key_file

        new_master_key_file(os.environ["MEMBERDESK_HO_MASTER_KEY_FILE"])
    st = open_storage(url, pool_size=1)
    ho = HeadOffice(st, clock=time.time)
    codes = [f"S{i:03d}" for i in range(stores)]
    for code in codes:
        ho.create_store(code, "x")
        with st.tx() as c:
            c.execute(
                "UPDATE stores SET pubkey = ?, enrolled_at = 1 WHERE code = ?",
                (signing.public_text(signing.new_private_key()), code),
            )
    per = n // stores
    mobiles = []
    t0 = time.perf_counter()
    total_rows = 0
    for s, code in enumerate(codes):
        seq = 0
        rows = []
        for i in range(per):
            k = s * per + i
            mid = secrets.token_hex(8)
            mobile = f"13{k:09d}"
            mobiles.append(mobile)
            seq += 1
            rows.append({
                "seq": seq, "entity": "member", "entity_id": mid, "member_id": mid, "op": "upsert",
                "payload": {"name": "测试会员", "mobile": mobile, "member_no": f"M{k:010d}", "minor": False,
                            "registered_at": "2026-11-28T10:00:00+08:00", "store": code},
            })  # fmt: skip
            seq += 1
            rows.append({
                "seq": seq, "entity": "consent", "entity_id": secrets.token_hex(8), "member_id": mid, "op": "upsert",
                "payload": {"member_id": mid, "kind": "registration", "notice_version": "2026.1", "method": "screen",
                            "decisions": {"membership": True, "marketing": bool(k % 2), "offers": False},
                            "at": "2026-11-28T10:00:00+08:00"},
            })  # fmt: skip
        for i in range(0, len(rows), BATCH):
            ho.upload(code, {"after": i, "rows": rows[i : i + BATCH], "pending": 0})
        total_rows += len(rows)
    load = time.perf_counter() - t0
    rng = random.Random(18)
    times = []
    found = 0
    for _ in range(lookups):
        mobile = rng.choice(mobiles) if rng.random() > 0.1 else f"19{rng.randrange(10**9):09d}"
        t = time.perf_counter()
        res = ho.lookup_member("S000", mobile, "bench", "customer_present")
        times.append((time.perf_counter() - t) * 1000)
        found += bool(res["found"])
    times.sort()
    p50, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
    print(f"| {label} | {per * stores:,} members / {stores} stores | load {total_rows:,} rows in {load:.1f} s "
          f"({total_rows / load:,.0f} rows/s, register kept in the apply) | lookup p50 {p50:.2f} ms, p95 {p95:.2f} ms "
          f"({lookups} lookups, {found} found) |")  # fmt: skip
    st.close()


if __name__ == "__main__":
    main()
