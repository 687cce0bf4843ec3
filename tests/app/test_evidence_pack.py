"""The evidence pack (issue #19): model, PDF, bundle; the store's pack; the store's monthly summary for head
office; head office's pack from what it holds (gaps named, no invented numbers, no personal data unless the
role and a reason allow it, audited)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from pypdf import PdfReader
from starlette.testclient import TestClient

from app.errors import PermissionDenied, ValidationError
from app.evidence import build_store_pack, model as M
from app.evidence.bundle import build_bundle, read_bundle, verify_bundle
from app.evidence.render import pack_pdf
from app.evidence.summary import journal_summaries, months_between
from app.requests import service as R
from app.requests.actions import execute_delete
from app.requests.export import collect_member_data
from app.retention import apply_sweep
from headoffice import evidence as HE, incidents as INC
from headoffice.crypto import Keyring
from headoffice.server import create_app
from headoffice.service import HeadOffice
from headoffice.storage import open_storage
from tests.app.regdata import register
from tests.app.syncutil import (  # noqa: F401  (fixtures)
    client,
    engine,
    enrolled,
    ho,
    hoc,
    new_store,
    pg_dsn_or_skip,
    reset_pg,
)
from tests.factories import make_member
from tests.retention_helpers import set_day

NAME, MOBILE = "欧阳秀华", "13987654321"
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def all_text(ep: M.EvidencePack) -> str:
    """Everything a reader of the pack can see: the bundle's files and the PDF's text."""
    with zipfile.ZipFile(io.BytesIO(ep.bundle)) as z:
        files = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".json"))
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(ep.pdf)).pages)
    return files + pdf


def store_activity(manager, vault, clock, paths):
    """A member with consent, a request answered, a deletion request carried out, a data copy collected."""
    kept = register(manager, vault, name=NAME, mobile=MOBILE, granted={"marketing": True})["id"]
    gone = register(manager, vault, name="张建伟", mobile="13800001111")["id"]
    rid = R.open_request(manager, "access", kept, identity_method="id_card_sighted")
    collect_member_data(manager, kept)  # a data copy: sensitive access, counted (SEN-3, SEC-2)
    clock.advance(days=2)
    drid = R.open_request(manager, "delete", gone, identity_method="id_card_sighted")
    execute_delete(manager, drid, ledger_path=paths.erasure_ledger)
    return kept, gone, rid, drid


# -- the model ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("received", "due", "closed", "today", "expected"),
    [
        ("2026-11-02", "2026-11-23", "2026-11-20", "2026-12-01", "on_time"),
        ("2026-11-02", "2026-11-23", "2026-11-23", "2026-12-01", "on_time"),  # the due day itself counts
        ("2026-11-02", "2026-11-23", "2026-11-24T09:00:00+08:00", "2026-12-01", "late"),
        ("2026-11-02", "2026-11-23", None, "2026-11-23", "open"),
        ("2026-11-02", "2026-11-23", None, "2026-11-24", "overdue"),
        ("2026-11-02", None, None, "2026-11-24", "unknown"),
    ],
)
def test_timeliness_every_class(received, due, closed, today, expected):
    assert M.timeliness(received, due, closed, today) == expected  # rule: RIG-2


def test_notices_in_force_per_store_and_language():
    rows = [
        {"store": "A", "version": "2025.1", "lang": "zh_CN", "effective_date": "2025-01-01", "sha256": "a"},
        {"store": "A", "version": "2026.1", "lang": "zh_CN", "effective_date": "2026-03-01", "sha256": "b"},
        {"store": "A", "version": "2027.1", "lang": "zh_CN", "effective_date": "2027-01-01", "sha256": "c"},
        {"store": "A", "version": "2024.1", "lang": "zh_CN", "effective_date": "2024-01-01", "sha256": "d"},
    ]
    got = [r["version"] for r in M.notices_in_force(rows, {"from": "2026-01-01", "to": "2026-12-31"})]
    assert got == ["2025.1", "2026.1"]  # 2024.1 replaced before, 2027.1 not yet in force  # rule: NOT-2


def test_member_refs_are_pseudonymous_unless_allowed():
    assert M.member_ref("0123456789abcdef") != "0123456789abcdef"
    assert "0123456789abcdef" not in M.member_ref("0123456789abcdef")
    assert M.member_ref("0123456789abcdef") == M.member_ref("0123456789abcdef")  # same member, same reference
    assert M.member_ref("0123456789abcdef", personal=True) == "0123456789abcdef"
    with pytest.raises(ValueError):
        M.new_pack(
            producer="head_office",
            period_from=YEAR[0],
            period_to=YEAR[1],
            stores=["A"],
            generated_at="",
            generated_by="x",
            personal_data=True,
            reason=" ",
        )


def test_bundle_manifest_covers_every_file_and_finds_a_change():
    pack = M.new_pack(
        producer="store", period_from=YEAR[0], period_to=YEAR[1], stores=["A"], generated_at="t", generated_by="s"
    )
    M.put_section(
        pack, "retention", [{"store": "A", "date": "2026-02-01", "category": "member", "rule": "RET-2", "count": 3}]
    )
    pdf = pack_pdf(pack)
    data = build_bundle(pack, pdf)
    assert verify_bundle(data) == []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("manifest.json"))
    assert names == {"manifest.json", "pack.json", "evidence-pack.pdf", *(f"sections/{k}.json" for k in M.SECTION_KEYS)}
    assert {e["path"] for e in manifest["files"]} == names - {"manifest.json"}
    assert read_bundle(data)["sections"]["retention"]["summary"] == {"rows": 1, "count": 3}
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for n in src.namelist():
            body = src.read(n)
            dst.writestr(n, body.replace(b'"count": 3', b'"count": 2') if n == "sections/retention.json" else body)
    assert verify_bundle(buf.getvalue()) == ["hash differs: sections/retention.json"]
    assert build_bundle(pack, pdf) == data  # the same pack gives the same bytes


# -- the store's pack -------------------------------------------------------------------------------------
def test_store_pack_is_a_managers_audited_and_holds_no_personal_data(manager, clerk, vault, clock, paths):
    kept, gone, rid, drid = store_activity(manager, vault, clock, paths)
    with pytest.raises(PermissionDenied):
        build_store_pack(clerk, *YEAR)  # rule: SEC-1
    with pytest.raises(ValidationError):
        build_store_pack(manager, YEAR[1], YEAR[0])
    ep = build_store_pack(manager, *YEAR)
    entry = manager.db.one("SELECT details FROM audit_log WHERE action = 'evidence.pack' ORDER BY seq DESC")
    assert entry is not None and json.loads(entry[0])["from"] == "2026-01-01"  # rule: SEC-2
    sec = ep.pack["sections"]
    reqs = {r["request_id"]: r for r in sec["requests"]["rows"]}
    assert reqs[drid]["timeliness"] == "on_time" and reqs[drid]["closed_on"]  # rule: RIG-2
    assert reqs[rid]["timeliness"] == "open"
    assert [r["member_ref"] for r in sec["erasures"]["rows"]] == [M.member_ref(gone)]  # rule: RIG-3
    assert {r["purpose"] for r in sec["consent"]["rows"]} >= {"membership", "marketing"}
    assert {(r["action"], r["count"]) for r in sec["sensitive_access"]["rows"]} >= {("member.data.collect", 1)}
    assert {r["role"] for r in sec["staff"]["rows"]} == {"manager", "clerk"}
    assert sec["notices"]["rows"] and all(len(r["sha256"]) == 64 for r in sec["notices"]["rows"])  # rule: NOT-2
    assert sec["incidents"]["gaps"]  # the store does not hold the register: said, not zero
    text = all_text(ep)
    for secret in (NAME, MOBILE, kept, gone, "13800001111", "张建伟"):
        assert secret not in text  # rule: SEC-2
    assert verify_bundle(ep.bundle) == []


# -- the store's summary and head office's pack ------------------------------------------------------------
def test_summary_is_journalled_once_a_day_and_without_personal_data(manager, vault, clock, paths, client, ho):
    kept, _gone, _rid, _drid = store_activity(manager, vault, clock, paths)
    assert journal_summaries(manager) == 0  # not enrolled with head office: nothing to send
    enrolled(manager, paths, client, ho)
    assert journal_summaries(manager) >= 1
    assert journal_summaries(manager) == 0  # once a day
    rows = manager.db.all("SELECT entity_id, payload, member_id FROM change_journal WHERE entity = 'evidence_summary'")
    assert {r[0] for r in rows} >= {"2026-11"}
    for _eid, payload, member_id in rows:
        assert member_id is None
        for secret in (NAME, MOBILE):
            assert secret not in payload
    clock.advance(days=1)
    assert journal_summaries(manager) == 0  # a new day, nothing changed: nothing sent
    collect_member_data(manager, kept)
    clock.advance(days=1)
    assert journal_summaries(manager) == 1  # the current month again: one more sensitive access
    assert months_between(dt.date(2025, 11, 5), dt.date(2026, 2, 1)) == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_head_office_pack_from_uploads_and_summaries(manager, vault, clock, paths, client, ho, tmp_path):
    eng = enrolled(manager, paths, client, ho)
    kept, gone, rid, drid = store_activity(manager, vault, clock, paths)
    journal_summaries(manager)
    eng.sync_once()
    # a second store that never reported its summary
    vb, sb, pb = new_store(tmp_path, "BJ-002", clock)
    enrolled(sb, pb, client, ho).sync_once()
    ep = HE.build_pack(ho, stores=[], period_from=YEAR[0], period_to=YEAR[1], actor="audrey", role="auditor")
    sec = ep.pack["sections"]
    assert ep.pack["stores"] == ["BJ-002", "SH-001"]
    reqs = {r["request_id"]: r for r in sec["requests"]["rows"]}
    assert (
        reqs[drid]["received_on"] and reqs[drid]["closed_on"] and reqs[drid]["timeliness"] == "on_time"
    )  # rule: RIG-2
    assert reqs[rid]["timeliness"] == "overdue"  # head office's today (2027-01-15) is past its due date  # rule: RIG-2
    er = sec["erasures"]["rows"]
    assert [r["member_ref"] for r in er] == [M.member_ref(gone)] and er[0]["origin_store"] == "SH-001"  # rule: RIG-3
    assert (
        er[0]["receipts"] == ["BJ-002", "SH-001"] and er[0]["missing"] == []
    )  # the other store pulled the order and signed  # rule: RIG-3
    assert {(r["action"], r["count"]) for r in sec["sensitive_access"]["rows"]} >= {("member.data.collect", 1)}
    assert "not_reported: BJ-002" in sec["sensitive_access"]["gaps"]  # no invented zero for the silent store
    assert "not_reported: BJ-002" in sec["staff"]["gaps"]
    assert "not_reported: SH-001" not in sec["staff"]["gaps"]
    assert {r["store"] for r in sec["anchoring"]["rows"]} == {"SH-001", "BJ-002"}
    sh = next(r for r in sec["anchoring"]["rows"] if r["store"] == "SH-001")
    assert sh["anchor_seq"] > 0 and not sh["open_alarm"]  # rule: SEC-2
    assert sec["incidents"]["gaps"] == [] and sec["incidents"]["rows"] == []  # the register exists, nothing recorded
    assert sum(r["granted"] for r in sec["consent"]["rows"]) >= 2
    text = all_text(ep)
    for secret in (NAME, MOBILE, kept, gone):
        assert secret not in text  # rule: SEC-2
    with ho.storage.read() as c:
        audit = c.all("SELECT actor, details FROM ho_audit WHERE action = 'console.evidence.pack'")
    assert audit and audit[-1][0] == "audrey" and json.loads(audit[-1][1])["personal"] is False  # rule: SEC-2
    vb.close()


def test_head_office_personal_pack_needs_role_and_reason(manager, vault, clock, paths, client, ho):
    eng = enrolled(manager, paths, client, ho)
    _kept, gone, _rid, _drid = store_activity(manager, vault, clock, paths)
    eng.sync_once()
    args = {"stores": ["SH-001"], "period_from": YEAR[0], "period_to": YEAR[1], "personal": True}
    with pytest.raises(HE.EvidenceError) as e:
        HE.build_pack(ho, actor="ivan", role="it", reason="法院调取证据，案号 2026-001", **args)  # rule: SEC-1
    assert e.value.code == "evidence.personal_role"
    with pytest.raises(HE.EvidenceError) as e:
        HE.build_pack(ho, actor="audrey", role="auditor", reason="看看", **args)
    assert e.value.code == "evidence.personal_reason"
    ep = HE.build_pack(ho, actor="audrey", role="auditor", reason="法院调取证据，案号 2026-001", **args)
    assert ep.pack["personal_data"] and gone in [r["member_ref"] for r in ep.pack["sections"]["erasures"]["rows"]]
    with ho.storage.read() as c:
        details = json.loads(c.scalar("SELECT details FROM ho_audit WHERE action = 'console.evidence.pack'"))
    assert details["personal"] is True and details["reason"].startswith("法院")  # rule: SEC-2
    with pytest.raises(HE.EvidenceError):
        HE.build_pack(ho, actor="audrey", role="auditor", stores=["NOPE"], period_from=YEAR[0], period_to=YEAR[1])


def test_head_office_pack_names_the_incidents_of_its_stores_and_period(ho, hoc):
    """Incidents come from the register (headoffice/incidents.py): found in the period, touching the pack's
    stores or chain-wide; another store's incident and last year's closed one are not in it."""
    ho.create_store("SH-001", "门店")
    ho.create_store("BJ-002", "门店")
    may = dt.datetime(2026, 5, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
    one = INC.record(ho, "cora", title="收银台电脑丢失", description="电脑被盗。", found_at=may, stores=["SH-001"])
    INC.record(ho, "cora", title="别的门店", description="无。", found_at=may + 86400 * 30, stores=["BJ-002"])
    old = INC.record(ho, "cora", title="去年", description="无。", found_at=may - 86400 * 365, stores=["SH-001"])
    INC.mark_authority_told(ho, "cora", one, may + 3600, "网信办")
    with ho.storage.tx() as c:  # last year's incident was closed last year
        c.execute("UPDATE incidents SET closed_at = ? WHERE id = ?", (may - 86400 * 300, old))
    rows, exists = HE.incidents(ho, ["SH-001"], {"from": "2026-01-01", "to": "2026-12-31"})
    assert exists and [r["ref"] for r in rows] == [f"INC-{one}"]  # rule: SEC-2
    assert rows[0]["what"] == "收银台电脑丢失" and rows[0]["found_at"] == "2026-05-02T10:00:00+08:00"
    assert rows[0]["authority_told"] == "2026-05-02T11:00:00+08:00"  # the hour counts (72 hours to tell)
    ep = HE.build_pack(ho, stores=["SH-001"], period_from=YEAR[0], period_to=YEAR[1], actor="cora", role="it")
    text = all_text(ep)
    assert "INC-" in text and "事件登记尚不可用" not in text
    assert "2026年5月2日 10:00" in text and "2026年5月2日 11:00" in text  # found, told: Beijing time in the PDF


def test_the_pdf_prints_dates_and_times_as_people_write_them_in_beijing_time():
    """The bundle keeps ISO (UTC from head office); the PDF prints 2026年3月2日 01:30 in Beijing time."""
    made = {"generated_at": "2026-12-03T21:44:31Z", "generated_by": "auditor"}  # head office writes UTC
    pack = M.new_pack(producer="head_office", period_from=YEAR[0], period_to=YEAR[1], stores=["SH-001"], **made)
    erased = {"member_ref": "m-0123456789ab", "erased_at": "2026-03-01T17:30:00Z", "reason": "request"}
    M.put_section(pack, "erasures", [{**erased, "origin_store": "SH-001", "receipts": ["SH-001"], "missing": []}])
    req = {"store": "SH-001", "ref": "SH-001-20260302-001", "type": "access", "received_on": "2026-03-02"}
    M.put_section(pack, "requests", [{**req, "due_on": "2026-03-23", "closed_on": None, "timeliness": "open"}])
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pack_pdf(pack))).pages)
    assert "2026年12月4日 05:44" in text and "北京时间" in text  # generated: 21:44 UTC is 05:44 the next day
    assert "2026年3月2日 01:30" in text  # erased at 17:30 UTC
    assert "2026年1月1日" in text and "2026年12月31日" in text and "2026年3月23日" in text  # period, due date
    assert "T21:44" not in text and "17:30:00Z" not in text and "2026-03-23" not in text


def test_head_office_pack_on_postgresql(manager, vault, clock, paths, hoc):
    """The same pack from a PostgreSQL head office (to_regclass for the incident register, the pool's reads)."""
    dsn = pg_dsn_or_skip()
    reset_pg(dsn)
    storage = open_storage(dsn)
    try:
        pg_ho = HeadOffice(storage, clock=hoc, keys=Keyring(bytes(range(32))))
        with TestClient(create_app(pg_ho), base_url="http://testserver") as pg_client:
            eng = engine(manager, paths, pg_client)
            eng.enrol("http://testserver", "SH-001", pg_ho.create_store("SH-001", "门店"))
            _kept, gone, rid, drid = store_activity(manager, vault, clock, paths)
            journal_summaries(manager)
            eng.sync_once()
        ep = HE.build_pack(pg_ho, stores=["SH-001"], period_from=YEAR[0], period_to=YEAR[1], actor="a", role="it")
    finally:
        storage.close()
    sec = ep.pack["sections"]
    reqs = {r["request_id"]: r for r in sec["requests"]["rows"]}
    assert reqs[drid]["timeliness"] == "on_time" and reqs[rid]["timeliness"] == "overdue"  # rule: RIG-2
    assert [r["member_ref"] for r in sec["erasures"]["rows"]] == [M.member_ref(gone)]  # rule: RIG-3
    assert sec["incidents"]["gaps"] == [] and sec["incidents"]["rows"] == []  # the register exists, nothing recorded
    assert sec["staff"]["rows"] and not sec["staff"]["gaps"]
    assert verify_bundle(ep.bundle) == []


def test_retention_sweep_counts_in_both_packs(manager, clock, paths, client, ho):
    """A member past RET-2 is erased by the sweep: the store's pack and head office's (from the summary) count it."""
    set_day(clock, 2022, 6, 1)
    old = make_member(manager, "王老会员")
    set_day(clock, 2026, 3, 2)
    eng = enrolled(manager, paths, client, ho)
    apply_sweep(manager, ledger_path=paths.erasure_ledger)
    expected = [{"store": "SH-001", "date": "2026-03-02", "category": "member", "rule": "RET-2", "count": 1}]
    sec = build_store_pack(manager, *YEAR).pack["sections"]
    assert sec["retention"]["rows"] == expected  # rule: RET-2
    assert [(r["member_ref"], r["reason"]) for r in sec["erasures"]["rows"]] == [(M.member_ref(old), "retention")]
    journal_summaries(manager)
    eng.sync_once()
    sec = HE.build_pack(ho, stores=["SH-001"], period_from=YEAR[0], period_to=YEAR[1], actor="a", role="auditor")
    assert sec.pack["sections"]["retention"]["rows"] == expected  # rule: RET-2
    assert sec.pack["sections"]["retention"]["gaps"] == []
