"""Evidence pack benchmark (issue #19): the pack for one store and a year, target ≤ 30 s.

    .venv/bin/python bench/bench_evidence.py [--members 3000] [--requests 400] [--reads 60000]
        [--pg DSN | env MEMBERDESK_TEST_PG_DSN] [--write docs/bench/evidence.md] [--sample docs/documents]

One store lives a year (2026-01-02 … 2026-11-30) through the real code: members registered with consent on
most days, requests opened and answered (some late, some erasures), data copies collected (sensitive access),
a monthly retention sweep, and the day's member views as audit entries. The store journals its monthly evidence
summaries, syncs everything to an in-process head office (SQLite, and PostgreSQL when a DSN is given), and then:
- the store's own pack (`build_store_pack`) on SQLCipher and, beside it, on a plain-SQLite copy of the same file;
- head office's pack for that store and year (`headoffice.evidence.build_pack`) on SQLite and PostgreSQL.
Each pack is built three times; the table gives the median and the slowest.

`--sample DIR` instead makes the documentation's sample and stops (no benchmark): head office's pack of the demo
store (app.demo) with one incident recorded in head office's register, its PDF, its bundle and one PNG per page
(docs/documents/evidence_pack.pdf, evidence_pack.png, evidence_pack_2.png, ...). Look at every page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MEMBERDESK_FAST_KDF", "1")

from starlette.testclient import TestClient  # noqa: E402

from app.access.vault import Vault  # noqa: E402
from app.audit import chain  # noqa: E402
from app.clock import FixedClock, iso  # noqa: E402
from app.config import resolve_paths  # noqa: E402
from app.demo.datagen import members as gen_members  # noqa: E402
from app.domains import load_all  # noqa: E402
from app.evidence import build_store_pack, journal_summaries  # noqa: E402
from app.evidence.render import pack_pdf  # noqa: E402
from app.flows.enrolment import register_member  # noqa: E402
from app.members.service import cipher_for  # noqa: E402
from app.notices import current_notice  # noqa: E402
from app.requests import service as R  # noqa: E402
from app.requests.actions import execute_delete  # noqa: E402
from app.requests.export import collect_member_data  # noqa: E402
from app.retention import apply_sweep  # noqa: E402
from app.staff.session import Session  # noqa: E402
from app.storage.db import open_database  # noqa: E402
from app.sync import SyncEngine  # noqa: E402
from headoffice import evidence as HE, incidents as INC  # noqa: E402
from headoffice.crypto import Keyring  # noqa: E402
from headoffice.server import create_app  # noqa: E402
from headoffice.service import HeadOffice  # noqa: E402
from headoffice.storage import open_storage  # noqa: E402
from tests.app.syncutil import reset_pg  # noqa: E402

load_all()
CHINA = dt.timezone(dt.timedelta(hours=8))
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
PW = "Manager-pass-1"


def live_a_year(root: Path, n_members: int, n_requests: int, n_reads: int, seed: int = 19):
    """The store's year through the real code; returns (vault, session, paths, clock, counts)."""
    rng = random.Random(seed)
    clock = FixedClock(dt.datetime(2026, 1, 2, 9, 0, tzinfo=CHINA))
    paths = resolve_paths(root / "store").ensure()
    vault = Vault(paths, clock=clock)
    session, _ = vault.setup(
        store_code="SH-001",
        store_name="上海南京路店",
        terminal_name="DESK-1",
        username="manager",
        display_name="店长",
        password=PW,
    )
    cipher = cipher_for(vault)
    notice = current_notice(session.db, "zh_CN")
    optional = [p.code for p in notice.purposes if not p.required and not p.sensitive]
    days = [YEAR[0] + dt.timedelta(days=i) for i in range(1, 333)]  # 2026-01-02 … 2026-11-30
    people = list(gen_members(n_members, seed=seed))
    per_day = max(1, n_members // len(days) + 1)
    req_days = sorted(rng.choice(days[:-20]) for _ in range(n_requests))
    closing: dict[dt.date, list[tuple[str, str]]] = {}
    ids: list[str] = []
    counts = {"members": 0, "requests": 0, "erasures": 0, "copies": 0, "reads": 0, "sweeps": 0}
    staff_id = session.staff.id
    for day in days:
        clock.set(dt.datetime.combine(day, dt.time(10, 0), CHINA))
        for _ in range(per_day):
            if not people:
                break
            _i, name, mobile = people.pop()
            decisions = {p.code: False for p in notice.purposes} | {"membership": True}
            for code in optional:
                decisions[code] = rng.random() < 0.35
            mid = register_member(
                session,
                cipher,
                notice=notice,
                decisions=decisions,
                values={"name": name, "mobile": mobile},
                minor=False,
            )["id"]
            ids.append(mid)
            counts["members"] += 1
        while req_days and req_days[0] <= day and len(ids) > 10:
            req_days.pop(0)
            kind = rng.choice(["access", "copy", "correct", "delete", "withdraw", "cancel", "access"])
            member = ids.pop(rng.randrange(len(ids))) if kind == "delete" else rng.choice(ids)
            rid = R.open_request(session, kind, member, identity_method="id_card_sighted")
            counts["requests"] += 1
            late = rng.random() < 0.05
            close_on = day + dt.timedelta(days=rng.randint(24, 30) if late else rng.randint(1, 18))
            if rng.random() > 0.04:  # a few stay open
                closing.setdefault(close_on, []).append((rid, kind))
        for rid, kind in closing.pop(day, []):
            if kind == "delete":
                execute_delete(session, rid, ledger_path=paths.erasure_ledger)
                counts["erasures"] += 1
            else:
                if kind in ("access", "copy"):
                    req = R.get_request(session.db, rid)
                    if req["member_id"]:
                        collect_member_data(session, req["member_id"])
                        counts["copies"] += 1
                R.start(session, rid)
                R.complete(session, rid, outcome="done")
        reads = n_reads // len(days)
        if reads and ids:
            with session.db.transaction() as conn:  # the day's member views (audit entries only)
                for k in range(reads):
                    chain.append(
                        conn,
                        ts=iso(clock.now() + dt.timedelta(seconds=k)),
                        staff_id=staff_id,
                        terminal="DESK-1",
                        action="member.view",
                        subject_type="member",
                        subject_id=rng.choice(ids),
                        details={},
                    )
            counts["reads"] += reads
        if (day + dt.timedelta(days=1)).day == 1:
            apply_sweep(session, ledger_path=paths.erasure_ledger)
            counts["sweeps"] += 1
    clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=CHINA))
    return vault, session, paths, clock, counts


def timed(fn, runs: int = 3) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times), out


def plain_copy(session: Session, root: Path) -> Session:
    """The same store as plain SQLite (sqlcipher_export), for the comparison row."""
    target = root / "plain.db"
    session.db.execute(f"ATTACH DATABASE '{target}' AS plaintext KEY ''")
    session.db.execute("SELECT sqlcipher_export('plaintext')")
    session.db.execute("DETACH DATABASE plaintext")
    db = open_database(target, None, plain=True)
    return Session(db=db, staff=session.staff, store_code=session.store_code, terminal="BENCH", clock=session.clock)


def head_office(url: str, session: Session, paths, root: Path) -> HeadOffice:
    storage = open_storage(url)
    ho = HeadOffice(storage, keys=Keyring(os.urandom(32)))
    client = TestClient(create_app(ho), base_url="http://testserver")
    eng = SyncEngine.for_session(
        session, http=client, allow_plain_http=True, sleep=lambda s: None, ledger_path=paths.erasure_ledger
    )
    eng.enrol("http://testserver", session.store_code, ho.create_store(session.store_code, "上海南京路店"))
    journal_summaries(session, force=True)
    t = time.perf_counter()
    eng.sync_once()
    ho.bench_upload_s = time.perf_counter() - t  # type: ignore[attr-defined]
    return ho


def ho_pack(ho: HeadOffice):
    return HE.build_pack(ho, stores=["SH-001"], period_from=YEAR[0], period_to=YEAR[1], actor="bench", role="auditor")


def keep_journal(session: Session) -> list[tuple]:
    """The year's journal as it stands before the first upload (an acknowledged upload prunes it)."""
    return [
        tuple(r)
        for r in session.db.all(
            "SELECT seq, ts, entity, entity_id, op, payload, member_id, span FROM change_journal ORDER BY seq"
        )
    ]


def fresh_store_state(session: Session, journal: list[tuple]) -> None:
    """Before the next head office: the store not enrolled, its whole journal waiting again."""
    with session.db.transaction() as conn:
        conn.execute("DELETE FROM sync_state")
        conn.execute("DELETE FROM change_journal")
        conn.executemany(
            "INSERT INTO change_journal(seq, ts, entity, entity_id, op, payload, member_id, span)"
            " VALUES (?,?,?,?,?,?,?,?)",
            journal,
        )


def sample_incident(ho: HeadOffice, store: str, today: dt.date) -> None:
    """One incident in head office's register for the sample (no personal data): found four days ago, the
    authority told within the 72 hours, the people told, closed."""
    found = dt.datetime.combine(today - dt.timedelta(days=4), dt.time(10, 20), CHINA).timestamp()
    iid = INC.record(
        ho,
        "it-demo",
        title="收银台电脑失窃（演示）",
        description="门店收银台的一台电脑在夜间失窃；数据库已加密，恢复密钥不在店内。",
        found_at=found,
        occurred_at=found - 9 * 3600,
        stores=[store],
        data_kinds=["name", "mobile"],
        people_affected=200,
        measures="停用该终端；更换店长密码和数据密钥。",
    )
    INC.mark_authority_told(ho, "it-demo", iid, found + 20 * 3600, "市网信办")
    INC.mark_people_told(ho, "it-demo", iid, found + 26 * 3600, "短信告知受影响会员。")
    INC.close(ho, "it-demo", iid)


def sample(out: Path) -> None:
    """The head office's pack of the demo store (app.demo), PDF + PNG pages, for docs/documents/."""
    from app.demo.demo_store import DEMO_ACCOUNTS, create_demo_store
    from tests.pdfrender import render_page

    demo = create_demo_store(members=200)
    try:
        vault = Vault(demo.paths)
        user, pw, _ = DEMO_ACCOUNTS["manager"]
        session = vault.sign_in(user, pw)
        with tempfile.TemporaryDirectory() as tmp:
            ho = head_office("sqlite:///" + str(Path(tmp) / "ho.db"), session, demo.paths, Path(tmp))
            today = dt.datetime.now(CHINA).date()
            sample_incident(ho, session.store_code, today)
            ep = HE.build_pack(
                ho,
                stores=[],
                period_from=today - dt.timedelta(days=365),
                period_to=today,
                actor="auditor",
                role="auditor",
            )
            ho.storage.close()
        out.mkdir(parents=True, exist_ok=True)
        (out / "evidence_pack.pdf").write_bytes(ep.pdf)
        (out / "evidence_pack.zip").write_bytes(ep.bundle)
        import pypdfium2 as pdfium

        pages = len(pdfium.PdfDocument(ep.pdf))
        for old in out.glob("evidence_pack_*.png"):  # a page the new sample no longer has
            old.unlink()
        for i in range(1, pages + 1):
            name = "evidence_pack.png" if i == 1 else f"evidence_pack_{i}.png"
            render_page(ep.pdf, i, dpi=80, mode="RGB").save(out / name)
        print(f"sample: {pages} page(s) -> {out}")
        vault.close()
    finally:
        demo.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=3000)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--reads", type=int, default=60000)
    ap.add_argument("--pg", default=os.environ.get("MEMBERDESK_TEST_PG_DSN"))
    ap.add_argument("--write")
    ap.add_argument("--sample")
    a = ap.parse_args()
    if a.sample:
        sample(Path(a.sample))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        vault, session, paths, _clock, counts = live_a_year(root, a.members, a.requests, a.reads)
        print(f"a year of the store: {time.perf_counter() - t:.1f} s {counts}")
        rows = []
        med, worst, ep = timed(lambda: build_store_pack(session, *YEAR))
        audit_entries = session.db.scalar("SELECT count(*) FROM audit_log")
        rows.append(("store pack, SQLCipher", med, worst, ep))
        plain = plain_copy(session, root)
        med, worst, ep2 = timed(lambda: build_store_pack(plain, *YEAR))
        rows.append(("store pack, plain SQLite copy", med, worst, ep2))
        plain.db.close()
        uploads = []
        journal = keep_journal(session)
        for label, url in [("SQLite", "sqlite:///" + str(root / "ho.db")), ("PostgreSQL", a.pg)]:
            if not url:
                continue
            if label == "PostgreSQL":
                reset_pg(url)
            fresh_store_state(session, journal)
            ho = head_office(url, session, paths, root)
            uploads.append((label, ho.bench_upload_s))  # type: ignore[attr-defined]
            med, worst, hp = timed(lambda ho=ho: ho_pack(ho))
            rows.append((f"head-office pack, {label}", med, worst, hp))
            ho.storage.close()
        vault.close()
    lines = [
        "# Evidence pack (issue #19)",
        "",
        "`bench/bench_evidence.py` — one store's year through the real code, then the pack for that store and the",
        "year (`build_store_pack` at the store, `headoffice.evidence.build_pack` at head office). Target: ≤ 30 s.",
        "",
        f"Data: {counts['members']} members registered with consent, {counts['requests']} requests"
        f" ({counts['erasures']} erasures, {counts['copies']} data copies), {counts['sweeps']} monthly sweeps,"
        f" {counts['reads']:,} member views; {audit_entries:,} audit entries in all.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        " other helpers' test runs shared the cores (upper bounds).",
        "",
        "| pack | median s | slowest of 3 s | of which the PDF s | PDF pages | PDF bytes | bundle bytes | requests |"
        " consent decisions |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    import pypdfium2 as pdfium

    for label, med, worst, p in rows:
        sec = p.pack["sections"]
        decisions = sum(r["granted"] + r["refused"] + r["withdrawn"] for r in sec["consent"]["rows"])
        t = time.perf_counter()
        pack_pdf(p.pack)
        pdf_s = time.perf_counter() - t
        lines.append(
            f"| {label} | {med:.2f} | {worst:.2f} | {pdf_s:.2f} | {len(pdfium.PdfDocument(p.pdf))} | {len(p.pdf):,} |"
            f" {len(p.bundle):,} | {len(sec['requests']['rows'])} | {decisions:,} |"
        )
    lines += [
        "",
        "Upload of the year to head office before its pack (one `sync_once`): "
        + ", ".join(f"{k} {v:.1f} s" for k, v in uploads)
        + ".",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.write:
        Path(a.write).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
