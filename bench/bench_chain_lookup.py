"""Head office's member register (issue #18): time `HeadOffice.lookup_member` by mobile (p50/p95/p99 over random
members, a tenth of them unknown mobiles; each lookup is one transaction with its audit entry).

Two ways to fill head office:

    bench_chain_lookup.py sqlite|DSN N STORES [LOOKUPS]
        N members (each with its registration consent record) from STORES stores through HeadOffice.upload — the
        register is kept inside that apply (slow: ~2,000 rows/s; for up to ~100k members).

    bench_chain_lookup.py --generate sqlite|DSN N STORES [LOOKUPS] [--records-every K] [--http H]
        N register rows from STORES stores written straight into the tables (COPY on PostgreSQL, executemany on
        SQLite; secondary indexes and primary keys built after the load), keys computed as head office computes
        them (blind indexes of the member id and the mobile through the Keyring). Every K-th member (default 10)
        also gets its two records — the member record and its registration consent — sealed as head office
        seals an upload (one data key per 1,000 members, the row's place as associated data, `lookup` = blind
        index of the mobile); the looked-up members are drawn from these. The register carries realistic
        flags: ~1% restricted, ~0.5% minors, 0.2% erased (mobile key NULL, no records, a row in `erasures`). Then the lookups, the
        query plans (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite) of the statements a lookup
        runs, and H lookups (default 20) through the signed HTTP endpoint (uvicorn on loopback).

Payloads are encrypted at rest as in production (MEMBERDESK_HO_MASTER_KEY_FILE, else a fresh key). Prints one
Markdown table row per phase.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.sync import signing  # noqa: E402
from headoffice import atrest, storage  # noqa: E402
from headoffice.service import HeadOffice  # noqa: E402
from headoffice.storage import open_storage  # noqa: E402

BATCH = 1000
CHUNK = 50_000  # rows per COPY / executemany
NAMES = ["王芳", "李伟", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强", "周杰", "吴霞", "欧阳娜", "司马明"]
REGISTER_COLS = ("member_key", "member_no", "mobile_key", "home_store", "first_seen", "last_seen", "restricted",
                 "minor", "erased")  # fmt: skip
ERASURE_COLS = ("member_id", "erased_at", "origin_store", "reason", "received_at")
RECORD_COLS = ("store", "entity", "entity_id", "member_id", "op", "payload", "seq", "received_at", "lookup")
BASE = 1_764_547_200.0  # 2025-12-01: first_seen spread over the year after


def setup(url: str, stores: int) -> tuple[str, object, HeadOffice, dict]:
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
    st = open_storage(url, pool_size=2)
    ho = HeadOffice(st, clock=time.time)
    private = {}
    for i in range(stores):
        code = f"S{i:03d}"
        ho.create_store(code, "x")
        private[code] = signing.new_private_key()
        with st.tx() as c:
            c.execute(
                "UPDATE stores SET pubkey = ?, enrolled_at = 1 WHERE code = ?",
                (signing.public_text(private[code]), code),
            )
    return label, st, ho, private


def percentiles(times: list[float]) -> tuple[float, float, float]:
    times = sorted(times)
    return statistics.median(times), times[int(len(times) * 0.95) - 1], times[int(len(times) * 0.99) - 1]


def time_lookups(ho: HeadOffice, mobiles: list[str], lookups: int) -> tuple[list[float], int]:
    rng = random.Random(18)
    times, found = [], 0
    for _ in range(lookups):
        mobile = rng.choice(mobiles) if rng.random() > 0.1 else f"19{rng.randrange(10**9):09d}"
        t = time.perf_counter()
        res = ho.lookup_member("S000", mobile, "bench", "customer_present")
        times.append((time.perf_counter() - t) * 1000)
        found += bool(res["found"])
    return times, found


# -- through upload (the original bench) -------------------------------------------------------------------
def via_upload(url: str, n: int, stores: int, lookups: int) -> None:
    label, st, ho, _ = setup(url, stores)
    per = n // stores
    mobiles = []
    t0 = time.perf_counter()
    total_rows = 0
    for s in range(stores):
        code = f"S{s:03d}"
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
    times, found = time_lookups(ho, mobiles, lookups)
    p50, p95, p99 = percentiles(times)
    print(f"| {label} | {per * stores:,} members / {stores} stores | load {total_rows:,} rows in {load:.1f} s "
          f"({total_rows / load:,.0f} rows/s, register kept in the apply) | lookup p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
          f"p99 {p99:.2f} ms ({lookups} lookups, {found} found) |")  # fmt: skip
    st.close()


# -- generated straight into the tables ----------------------------------------------------------------
def member_id_of(k: int) -> str:
    """The store-side member id (16 hex digits, random-looking, unique: an odd multiplier is a bijection)."""
    return f"{(k * 0x9E3779B97F4A7C15 + 0x1234567) % 2**64:016x}"


def mobile_of(k: int) -> str:
    return f"13{k:09d}"


class Sink:
    """Rows into one table in chunks: COPY on PostgreSQL (same connection, same transaction), executemany on
    SQLite. Values here never hold a tab, newline or backslash (hex, digits, `e1:` tokens)."""

    def __init__(self, c, table: str, cols: tuple[str, ...]):
        self.c, self.table, self.cols, self.rows = c, table, cols, []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.c.pg:
            text = "".join("\t".join("\\N" if v is None else str(v) for v in row) + "\n" for row in self.rows).encode(
                "utf-8"
            )
            with self.c.conn.cursor() as cur, cur.copy(f"COPY {self.table} ({','.join(self.cols)}) FROM STDIN") as cp:
                cp.write(text)
        else:
            marks = ",".join("?" * len(self.cols))
            self.c.conn.executemany(f"INSERT INTO {self.table} ({','.join(self.cols)}) VALUES ({marks})", self.rows)
        self.count += len(self.rows)
        self.rows = []


def index_statements(table: str) -> list[str]:
    return [s for s in storage.TABLES + storage.INDEXES_AFTER if s.startswith("CREATE INDEX") and f" ON {table}(" in s]


def drop_indexes(c) -> None:
    for table in ("member_register", "records"):
        for stmt in index_statements(table):
            c.execute("DROP INDEX IF EXISTS " + stmt.split("EXISTS ")[1].split(" ON ")[0])
    if c.pg:  # primary keys too, rebuilt after the load (SQLite's are part of the table)
        c.execute("ALTER TABLE member_register DROP CONSTRAINT member_register_pkey")
        c.execute("ALTER TABLE records DROP CONSTRAINT records_pkey")


def build_indexes(c) -> None:
    if c.pg:
        c.execute("SET maintenance_work_mem = '512MB'")
        c.execute("ALTER TABLE member_register ADD PRIMARY KEY (member_key)")
        c.execute("ALTER TABLE records ADD PRIMARY KEY (store, entity, entity_id)")
    for table in ("member_register", "records"):
        for stmt in index_statements(table):
            c.execute(stmt)
    c.execute("ANALYZE")


def generate(ho: HeadOffice, n: int, stores: int, every: int) -> tuple[list[str], dict]:
    """Fill member_register (n rows) and records (2 per every-th member); returns the mobiles that have records."""
    keys = ho.keys
    sampled: list[str] = []
    seqs = [0] * stores
    counts = {}
    t0 = time.perf_counter()
    with ho.storage.tx() as c:
        if not c.pg:  # the load only: 1 GB of page cache for the primary keys' random inserts (reset below)
            c.execute("PRAGMA cache_size = -1000000")
        drop_indexes(c)
        reg, rec = Sink(c, "member_register", REGISTER_COLS), Sink(c, "records", RECORD_COLS)
        ers = Sink(c, "erasures", ERASURE_COLS)
        dek = None
        for k in range(n):
            s = k % stores
            code = f"S{s:03d}"
            mid, mobile = member_id_of(k), mobile_of(k)
            seen = BASE + (k * 7919) % 31_536_000
            erased = int(k % 500 == 7)
            restricted, minor = int(k % 97 == 5), int(k % 211 == 3)
            member_key = keys.bidx(c, "member", mid, seen)
            mobile_key = None if erased else keys.bidx(c, "mobile", mobile, seen)
            member_no = f"M{s + 1:03d}{k // stores:07d}"
            reg.add((member_key, member_no, mobile_key, code, seen, seen, restricted, minor, erased))
            if erased:
                ers.add((mid, "2026-06-01T10:00:00+08:00", code, "request", seen))
            if erased or k % every:
                continue
            if len(sampled) % 1000 == 0:
                dek = keys.begin(c, seen)  # one data key per upload-sized batch, as `upload` does
            sampled.append(mobile)
            at = "2026-06-01T10:00:00+08:00"
            member = {"name": NAMES[k % len(NAMES)], "mobile": mobile, "member_no": member_no, "minor": bool(minor),
                      "registered_at": at, "store": code, "notice_version": "2026.1"}  # fmt: skip
            if restricted:
                member["restricted"] = True
            consent_id = secrets.token_hex(8)
            consent = {"member_id": mid, "kind": "registration", "notice_version": "2026.1", "method": "screen",
                       "decisions": {"membership": True, "marketing": bool(k % 2), "offers": bool(k % 3 == 0)},
                       "at": at}  # fmt: skip
            for entity, eid, payload, lookup in (("member", mid, member, mobile_key), ("consent", consent_id, consent,
                                                                                      None)):  # fmt: skip
                seqs[s] += 1
                token = atrest.seal_json(keys, c, dek, payload, atrest.record_aad(code, entity, eid))
                rec.add((code, entity, eid, member_key, "upsert", token, seqs[s], seen, lookup))
            if k and k % 1_000_000 == 0:
                print(f"  generated {k:,} register rows in {time.perf_counter() - t0:.0f} s", flush=True)
        reg.flush()
        rec.flush()
        ers.flush()
        counts["load_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        build_indexes(c)
        counts["index_s"] = time.perf_counter() - t1
        if not c.pg:
            c.execute("PRAGMA cache_size = -2000")  # SQLite's default again for the lookups
        counts["register"], counts["records"], counts["erasures"] = reg.count, rec.count, ers.count
        if c.pg:
            counts["size"] = c.scalar("SELECT pg_size_pretty(pg_database_size(current_database()))")
    return sampled, counts


def plans(ho: HeadOffice, mobile: str) -> list[str]:
    """The plans of the statements one lookup runs, with real keys (ANALYZE: executed)."""
    out = []
    with ho.storage.tx() as c:
        mobile_key = ho.keys.bidx(c, "mobile", mobile)
        member_key = c.scalar("SELECT member_key FROM member_register WHERE mobile_key = ?", (mobile_key,))
        queries = [
            ("SELECT member_key FROM member_register WHERE mobile_key = ? AND erased = 0 ORDER BY first_seen,"
             " member_key", (mobile_key,)),
            ("SELECT member_no, home_store, restricted, minor, erased FROM member_register WHERE member_key = ?",
             (member_key,)),
            ("SELECT store, entity, entity_id, payload, received_at FROM records WHERE member_id = ?"
             " AND entity IN ('member', 'consent') ORDER BY store, entity, entity_id", (member_key,)),
            ("SELECT 1 FROM erasures WHERE member_id = ?", (member_id_of(7),)),
        ]  # fmt: skip
        for sql, params in queries:
            prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if c.pg else "EXPLAIN QUERY PLAN "
            rows = c.all(prefix + sql, params)
            out.append(sql.split(" WHERE ")[0].replace("SELECT ", "") + " WHERE " + sql.split(" WHERE ")[1][:40])
            out += ["    " + str(r[0] if c.pg else r[-1]) for r in rows]
    return out


def via_http(ho: HeadOffice, private: dict, mobiles: list[str], count: int) -> list[float]:
    """Signed POST /v1/members/lookup through a real socket (uvicorn on loopback, one worker)."""
    import httpx
    import uvicorn

    from headoffice.server import create_app

    sock_port = 0
    config = uvicorn.Config(create_app(ho), host="127.0.0.1", port=sock_port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    rng = random.Random(7)
    times = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(count):
            body = json.dumps({"mobile": rng.choice(mobiles), "staff": "bench", "reason": "customer_present"}).encode()
            headers = signing.sign_headers(private["S001"], "POST", "/v1/members/lookup", "S001", time.time(), body)
            headers["content-type"] = "application/json"
            t = time.perf_counter()
            r = client.post("/v1/members/lookup", content=body, headers=headers)
            times.append((time.perf_counter() - t) * 1000)
            if r.status_code != 200 or not r.json().get("found"):
                raise SystemExit(f"HTTP lookup failed: {r.status_code}")
    server.should_exit = True
    thread.join(10)
    return times


def via_generate(url: str, n: int, stores: int, lookups: int, every: int, http: int) -> None:
    label, st, ho, private = setup(url, stores)
    mobiles, counts = generate(ho, n, stores, every)
    print(f"  {counts}", flush=True)
    for line in plans(ho, mobiles[len(mobiles) // 2]):
        print("  " + line)
    times, found = time_lookups(ho, mobiles, lookups)
    p50, p95, p99 = percentiles(times)
    print(f"| {label} | {n:,} register rows / {stores} stores, {counts['records']:,} records "
          f"({len(mobiles):,} members) | generated in {counts['load_s']:.0f} s + indexes {counts['index_s']:.0f} s"
          f"{', ' + counts['size'] if 'size' in counts else ''} | lookup p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
          f"p99 {p99:.2f} ms ({lookups} lookups, {found} found) |", flush=True)  # fmt: skip
    if http:
        h50, h95, h99 = percentiles(via_http(ho, private, mobiles, http))
        print(f"| {label} HTTP | signed POST /v1/members/lookup, {http} lookups | | p50 {h50:.2f} ms, "
              f"p95 {h95:.2f} ms, p99 {h99:.2f} ms |")  # fmt: skip
    st.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("n", type=int)
    ap.add_argument("stores", type=int)
    ap.add_argument("lookups", type=int, nargs="?", default=2000)
    ap.add_argument("--generate", action="store_true")
    ap.add_argument("--records-every", type=int, default=10)
    ap.add_argument("--http", type=int, default=20)
    a = ap.parse_args()
    if a.generate:
        via_generate(a.url, a.n, a.stores, a.lookups, a.records_every, a.http)
    else:
        via_upload(a.url, a.n, a.stores, a.lookups)


if __name__ == "__main__":
    main()
