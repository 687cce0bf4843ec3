"""Console pages at chain scale (issue #19): p50/p95 of every console page, in process (Starlette
TestClient, signed in as the read-only auditor; each view also writes its console.view audit row).

Data is generated straight into head office's tables, sealed the way head office seals (one data
key per write transaction, AES-GCM with the record's AAD): N members (one member record and one
registration consent record each, 10 % with a later withdrawal), the consent aggregate and the
request index the upload apply keeps, S stores with audit anchors, a year of requests (R per store,
due dates over the year, 4 % still open), E erasures with a receipt from every store, A head-office
audit rows (1 % alarm actions), Q quarantined rows, 200 incidents.

    MEMBERDESK_HO_MASTER_KEY_FILE=key .venv/bin/python bench/bench_console.py --db sqlite|DSN \\
        [--members 1000000] [--stores 500] [--requests 250] [--erasures 1000] [--audit 1000000] [--repeat 30]

Prints one markdown table (docs/bench/console.md). Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("MEMBERDESK_FAST_KDF", "1")

from starlette.testclient import TestClient  # noqa: E402

from headoffice import atrest, incidents  # noqa: E402
from headoffice.console.accounts import AccountError, ConsoleAccounts  # noqa: E402
from headoffice.server import create_app  # noqa: E402
from headoffice.service import HeadOffice  # noqa: E402
from headoffice.storage import open_storage  # noqa: E402

PURPOSES = ("membership", "marketing", "offers")
CHUNK = 20_000


def insert(c, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    if c.pg:  # COPY: what a bulk load does; the tables and indexes are the service's own
        with c.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
    else:
        c.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))})", rows)


REC = ("store", "entity", "entity_id", "member_id", "op", "payload", "seq", "received_at")


def generate(ho: HeadOffice, a: argparse.Namespace) -> dict:
    rnd = random.Random(19)
    now = ho.clock()
    codes = [f"S{i:04d}" for i in range(a.stores)]
    t0 = time.perf_counter()
    with ho.storage.tx() as c:
        insert(
            c,
            "stores",
            ("code", "name", "enrolled_at", "hwm", "last_upload", "last_pull", "pending", "audit_seq"),
            [(s, f"门店{s}", now - 86400 * 300, 10**6, now - 600, now - 300, rnd.randint(0, 50), 5000) for s in codes],
        )
        insert(
            c,
            "audit_anchors",
            ("store", "seq", "hash", "received_at"),
            [(s, k * 500, secrets.token_hex(32), now - (10 - k) * 86400) for s in codes for k in range(1, 11)],
        )
    # members and their consent, sealed, CHUNK per transaction (one data key each, as an upload batch)
    counts: dict[tuple, int] = {}
    versions: dict[tuple, int] = {}
    for lo in range(0, a.members, CHUNK):
        with ho.storage.tx() as c:
            rows = []
            for i in range(lo, min(lo + CHUNK, a.members)):
                mid, store = f"m{i:09d}", codes[i % len(codes)]
                key = ho.keys.bidx(c, "member", mid, now)
                member = {"name": "测试会员", "mobile": f"139{i:08d}", "member_no": f"M{i:09d}", "status": "active"}
                rows.append(
                    (store, "member", mid, key, "upsert", ho._seal(c, member, atrest.record_aad(store, "member", mid)))
                )
                version = "2026.1" if i % 3 else "2027.1"
                dec = {"membership": True, "marketing": rnd.random() < 0.6, "offers": rnd.random() < 0.4}
                consent = {"member_id": mid, "kind": "registration", "notice_version": version, "decisions": dec}
                consent["at"] = "2026-06-01T10:00:00"
                cid = f"c{i:09d}"
                rows.append(
                    (
                        store,
                        "consent",
                        cid,
                        key,
                        "upsert",
                        ho._seal(c, consent, atrest.record_aad(store, "consent", cid)),
                    )
                )
                states = {p: ("granted" if g else "refused") for p, g in dec.items()}
                if dec["marketing"] and rnd.random() < 0.1:
                    wd = {"member_id": mid, "kind": "withdrawal", "notice_version": version, "at": "2026-09-01"}
                    wd["decisions"] = {"marketing": False}
                    wid = f"w{i:09d}"
                    rows.append(
                        (
                            store,
                            "consent",
                            wid,
                            key,
                            "upsert",
                            ho._seal(c, wd, atrest.record_aad(store, "consent", wid)),
                        )
                    )
                    states["marketing"] = "withdrawn"
                for p, s in states.items():
                    counts[(store, version, p, s)] = counts.get((store, version, p, s), 0) + 1
                versions[(store, version)] = versions.get((store, version), 0) + 1
            insert(c, "records", REC, [(*r, 1, now) for r in rows])
    with ho.storage.tx() as c:
        insert(c, "consent_counts", ("store", "version", "purpose", "state", "n"), [(*k, n) for k, n in counts.items()])
        insert(c, "consent_versions", ("store", "version", "n"), [(*k, n) for k, n in versions.items()])
    t_members = time.perf_counter() - t0
    # a year of requests
    today = dt.datetime.fromtimestamp(now, incidents.BEIJING).date()
    n_open = 0
    with ho.storage.tx() as c:
        recs, idx = [], []
        for s in codes:
            for k in range(a.requests):
                rid = f"{s}-R{k:05d}"
                received = today - dt.timedelta(days=rnd.randint(0, 365))
                due = received + dt.timedelta(days=21)
                status = "received" if rnd.random() < 0.04 else "completed"
                n_open += status != "completed"
                mid = f"m{rnd.randrange(max(1, a.members)):09d}"
                key = ho.keys.bidx(c, "member", mid, now)
                p = {"type": rnd.choice(("access", "delete", "correct")), "status": status, "due_on": due.isoformat()}
                p["member_id"] = mid
                recs.append((s, "request", rid, key, "upsert", ho._seal(c, p, atrest.record_aad(s, "request", rid))))
                idx.append((s, rid, key, p["type"], status, int(status != "completed"), None, due.isoformat(), now))
        insert(c, "records", REC, [(*r, 1, now) for r in recs])
        insert(
            c,
            "request_index",
            ("store", "request_id", "member_key", "type", "status", "is_open", "outcome", "due_date", "received_at"),
            idx,
        )
    # erasures with a receipt from every store; quarantine; audit; incidents
    with ho.storage.tx() as c:
        er, rc = [], []
        dek = ho.keys.begin(c, now)
        for k in range(a.erasures):
            mid = f"gone{k:07d}"
            er.append((mid, "2026-10-01T00:00:00Z", codes[k % len(codes)], "request", f"R{k}", now - k * 60))
            for s in codes:
                receipt = {"member_id": mid, "executed_at": "2026-10-02", "counts": {"members": 1}}
                token = atrest.seal_json(ho.keys, c, dek, receipt, atrest.receipt_aad(mid, s))
                rc.append((mid, s, token, "sig", now))
        insert(c, "erasures", ("member_id", "erased_at", "origin_store", "reason", "request_id", "received_at"), er)
        insert(c, "receipts", ("member_id", "store", "receipt", "signature", "received_at"), rc)
        insert(
            c,
            "quarantine",
            ("store", "seq", "entity", "entity_id", "member_id", "reason", "received_at"),
            [(codes[k % len(codes)], k, "member", f"q{k}", None, "member_erased", now) for k in range(a.quarantine)],
        )
    for lo in range(0, a.audit, 200_000):
        with ho.storage.tx() as c:
            rows = []
            for k in range(lo, min(lo + 200_000, a.audit)):
                alarm = rnd.random() < 0.01
                action = rnd.choice(("audit.anchor.alarm", "audit.head.regressed")) if alarm else "console.view"
                rows.append((now - k, "S" if alarm else "console:x", action, codes[k % len(codes)], None, "{}"))
            insert(c, "ho_audit", ("ts", "actor", "action", "store", "subject", "details"), rows)
    for k in range(200):
        incidents.record(
            ho, "bench", title=f"事件 {k}", description="bench", found_at=now - k * 86400, stores=[codes[k % 7]]
        )
    with ho.storage.tx() as c:
        c.execute("ANALYZE")
    return {"seconds": time.perf_counter() - t0, "members_seconds": t_members, "open_requests": n_open}


def measure(ho: HeadOffice, repeat: int) -> list[tuple[str, float, float, float]]:
    try:
        ConsoleAccounts(ho.storage, clock=ho.clock).add_user("bench", "auditor", "Bench-password-1")
    except AccountError:  # --reuse: the account of the earlier run
        pass
    client = TestClient(create_app(ho), base_url="https://testserver")
    page = client.get("/console/signin")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post("/console/signin", data={"csrf": csrf, "username": "bench", "password": "Bench-password-1"})
    assert r.status_code == 200
    with ho.storage.read() as c:
        rid = c.one("SELECT store, request_id FROM request_index WHERE is_open = 1 ORDER BY due_date LIMIT 1")
        iid = c.scalar("SELECT min(id) FROM incidents")
    pages = [
        "/console/stores",
        "/console/stores/S0001",
        "/console/requests",
        f"/console/requests/{rid[0]}/{rid[1]}",
        "/console/erasures",
        "/console/consent",
        "/console/incidents",
        f"/console/incidents/{iid}",
        "/console/publish",
    ]
    out = []
    for path in pages:
        client.get(path)  # warm
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            resp = client.get(path)
            times.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200, path
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
        out.append((path, statistics.median(times), p95, times[-1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite")
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--stores", type=int, default=500)
    ap.add_argument("--requests", type=int, default=250, help="requests per store in the year")
    ap.add_argument("--erasures", type=int, default=1000)
    ap.add_argument("--audit", type=int, default=1_000_000)
    ap.add_argument("--quarantine", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--before", action="store_true", help="also time decrypting every consent/request record")
    ap.add_argument("--reuse", action="store_true", help="measure the data a previous run left in --db")
    a = ap.parse_args()
    url = a.db
    if url == "sqlite":
        url = "sqlite:///" + tempfile.mkdtemp() + "/ho.db"
    elif a.reuse or url.startswith("sqlite:///"):
        pass
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    storage = open_storage(url, pool_size=2)
    ho = HeadOffice(storage, clock=time.time)
    gen = {"seconds": 0.0, "members_seconds": 0.0, "open_requests": -1} if a.reuse else generate(ho, a)
    kind = "PostgreSQL" if storage.dialect == "postgresql" else "SQLite"
    print(
        f"\n{kind}: {a.members:,} members, {a.stores} stores, {a.stores * a.requests:,} requests"
        f" ({gen['open_requests']:,} open), {a.erasures:,} erasures × {a.stores} receipts, {a.audit:,} audit rows,"
        f" {a.quarantine:,} quarantined{' (reused)' if a.reuse else ''}; generated in {gen['seconds']:.0f} s (members {gen['members_seconds']:.0f} s)"
    )
    print("\n| page | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|")
    for path, p50, p95, mx in measure(ho, a.repeat):
        print(f"| `{path}` | {p50:.1f} | {p95:.1f} | {mx:.1f} |")
    if a.before:
        for entity in ("consent", "request"):
            t = time.perf_counter()
            n = len(ho.records(entity=entity))
            print(
                f"before (decrypt every {entity} record, as the first slice's page did): {n:,} in "
                f"{time.perf_counter() - t:.1f} s"
            )
    sys.stdout.flush()
    storage.close()


if __name__ == "__main__":
    main()
