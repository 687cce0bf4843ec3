"""Head office's apply path in process (no HTTP, no store): HeadOffice.upload of N member upserts in batches
of 1,000, rows/s. Run it from two checkouts (before and after #16) on the same machine, interleaved:

    MEMBERDESK_HO_MASTER_KEY_FILE=key .venv/bin/python bench/bench_ho_apply.py ROOT sqlite|DSN N LABEL

ROOT is the checkout whose `headoffice` is measured (a checkout before #16 ignores the key).
"""

import secrets
import sys
import tempfile
import time

root = sys.argv[1]
sys.path.insert(0, root)
from app.sync import signing  # noqa: E402 - from the checkout named on the command line
from headoffice.service import HeadOffice  # noqa: E402
from headoffice.storage import open_storage  # noqa: E402

url = sys.argv[2]
if url == "sqlite":
    url = "sqlite:///" + tempfile.mkdtemp() + "/ho.db"
else:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
st = open_storage(url, pool_size=1)
ho = HeadOffice(st, clock=time.time)
ho.create_store("S1", "x")
with st.tx() as c:
    c.execute(
        "UPDATE stores SET pubkey = ?, enrolled_at = 1 WHERE code = 'S1'",
        (signing.public_text(signing.new_private_key()),),
    )
N = int(sys.argv[3])
seq = 0
rows = []
for i in range(N):
    mid = secrets.token_hex(8)
    rows.append(
        {
            "seq": i + 1,
            "entity": "member",
            "entity_id": mid,
            "member_id": mid,
            "op": "upsert",
            "payload": {
                "name": "测试会员",
                "mobile": f"139{i:08d}",
                "member_no": f"M{i:09d}",
                "status": "active",
                "registered_at": "2026-11-28T10:00:00+08:00",
            },
        }
    )
t0 = time.perf_counter()
for i in range(0, N, 1000):
    ho.upload("S1", {"after": i, "rows": rows[i : i + 1000], "pending": 0})
dt = time.perf_counter() - t0
print(
    f"{sys.argv[4]} {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'} {N} rows {dt:.2f} s {N / dt:,.0f} rows/s"
)
st.close()
