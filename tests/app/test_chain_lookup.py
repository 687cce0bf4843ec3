"""One customer across the chain (issue #18): head office's member register, lookup by mobile, adoption at another
store. Store <-> head office in process (Starlette TestClient, real SQLCipher stores), head office on SQLite and on
PostgreSQL (MEMBERDESK_TEST_PG_DSN; skipped without it on a developer machine, failing in CI)."""

from __future__ import annotations

import json

import httpx
import pytest
from starlette.testclient import TestClient

from app.clock import iso
from app.consent.references import references
from app.consent.service import consent_active, consent_state
from app.erasure import erase_member
from app.errors import UserError
from app.flows.adoption import adopt_member
from app.flows.enrolment import grant_consent
from app.members import records as R
from app.members.records import minor_now
from app.members.service import cipher_for
from app.staff.permissions import allowed
from app.sync.chain import CHAIN_LOOKUP, lookup_by_mobile
from app.sync.transport import Transport
from headoffice.server import create_app
from headoffice.service import HeadOffice
from headoffice.storage import open_storage
from tests.app.regdata import register
from tests.app.syncutil import HOClock, enrolled, new_store, pg_dsn_or_skip, reset_pg

MOBILE = "13812345678"
NAME = "张小明"


@pytest.fixture(params=["sqlite", "postgresql"])
def ho(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ho.db'}"
    else:
        url = pg_dsn_or_skip()
        reset_pg(url)
    storage = open_storage(url)
    yield HeadOffice(storage, clock=HOClock())
    storage.close()


@pytest.fixture
def seen():
    """Every response body head office sent (the bytes on the wire)."""
    return []


@pytest.fixture
def client(ho, seen):
    def keep(resp: httpx.Response) -> None:
        resp.read()
        seen.append((resp.request.url.path, resp.content))

    with TestClient(create_app(ho), base_url="http://testserver") as c:
        c.event_hooks["response"] = [keep]
        yield c


@pytest.fixture
def two_stores(manager, vault, paths, client, ho, tmp_path, clock):
    """Store A (SH-001, the conftest store) and store B (BJ-002), both enrolled; yields (A, B) helpers."""
    a = enrolled(manager, paths, client, ho)
    vb, sb, pb = new_store(tmp_path, "BJ-002", clock)
    b = enrolled(sb, pb, client, ho)
    yield (manager, vault, a), (sb, vb, b)
    vb.close()


def _member_at_a(session, vault, eng, **kw):
    kw.setdefault("granted", {"marketing": True})
    res = register(session, vault, name=NAME, mobile=MOBILE, **kw)
    eng.sync_once()
    return res


def test_lookup_finds_a_member_of_another_store_without_full_name_mobile_or_sensitive_data(two_stores, seen, ho):
    (sa, va, a), (sb, _vb, b) = two_stores
    res = _member_at_a(
        sa,
        va,
        a,
        values={"birth_date": "1990-03-07", "address": "上海市黄浦区南京东路100号"},
        granted={"marketing": True, "delivery": True},
    )
    match = lookup_by_mobile(sb, MOBILE, engine=b)
    assert match is not None
    assert match.member_id == res["id"] and match.member_no == res["member_no"]
    assert match.name_masked == "张*明" and match.home_store == "SH-001"
    assert not match.restricted and not match.minor
    by = {c.purpose: c for c in match.consents}
    assert by["membership"].granted and by["marketing"].granted and not by["offers"].granted
    assert by["marketing"].store == "SH-001" and by["marketing"].notice_version == match.notice_version
    assert by["marketing"].record_id  # the original record at head office: the evidence
    body = [b for p, b in seen if p == "/v1/members/lookup"][-1]
    for secret in (NAME, MOBILE, "1990-03-07", "南京东路", "5678"):
        assert secret.encode("utf-8") not in body  # rule: SEN-3
    answer = json.loads(body)
    assert set(answer["member"]) == {
        "member_id",
        "member_no",
        "name_masked",
        "home_store",
        "restricted",
        "minor",
        "notice_version",
        "consents",
    }  # rule: MIN-1


def test_lookup_not_found_is_an_answer_and_both_ends_audit_without_the_mobile(two_stores, ho):
    (sa, va, a), (sb, _vb, b) = two_stores
    assert lookup_by_mobile(sb, "13900001111", engine=b) is None
    _member_at_a(sa, va, a)
    assert lookup_by_mobile(sb, MOBILE, engine=b) is not None
    rows = sb.db.all(
        "SELECT staff_id, action, details FROM audit_log WHERE action = 'member.chain_lookup' ORDER BY seq"
    )
    assert [json.loads(r["details"])["outcome"] for r in rows] == ["not_found", "found"]  # rule: SEC-2
    assert all(r["staff_id"] == sb.staff.id for r in rows)  # rule: SEC-1
    assert all(json.loads(r["details"])["reason"] == "customer_present" for r in rows)
    assert not any(MOBILE in r["details"] or "13900001111" in r["details"] for r in rows)  # rule: SEC-2
    with ho.storage.read() as c:
        hrows = c.all("SELECT actor, store, subject, details FROM ho_audit WHERE action = 'member.lookup' ORDER BY id")
    assert [json.loads(r[3])["found"] for r in hrows] == [0, 1]  # rule: SEC-2
    assert all(r[1] == "BJ-002" and json.loads(r[3])["staff"] == sb.staff.id for r in hrows)
    assert hrows[0][2] is None and hrows[1][2]  # the member key found, never the mobile
    with ho.storage.read() as c:
        everything = json.dumps([list(r) for r in c.all("SELECT * FROM ho_audit")], ensure_ascii=False)
    assert MOBILE not in everything and "13900001111" not in everything and NAME not in everything  # rule: STO-1


def test_clerk_may_look_up_and_adopt(clerk):
    assert allowed("clerk", CHAIN_LOOKUP) and allowed("clerk", "member.adopt")  # rule: SEC-1


def test_an_erased_member_is_never_found_nor_adopted(two_stores, ho, paths):
    (sa, va, a), (sb, _vb, b) = two_stores
    res = _member_at_a(sa, va, a)
    erase_member(sa, res["id"], ledger_path=paths.erasure_ledger)
    a.sync_once()
    assert ho.is_erased(res["id"])
    assert lookup_by_mobile(sb, MOBILE, engine=b) is None  # rule: RIG-3
    with pytest.raises(UserError) as e:
        adopt_member(sb, res["id"], engine=b)
    assert e.value.key == "chain.member_erased"  # rule: RIG-3
    assert not R.member_exists(sb.db, res["id"])  # rule: RIG-3
    with ho.storage.read() as c:
        reg = c.all("SELECT erased, mobile_key FROM member_register")
    assert [(int(r[0]), r[1]) for r in reg] == [(1, None)]  # a tombstone of keys only


def test_adoption_keeps_id_and_number_consents_by_reference_and_later_consent_is_bs(two_stores, ho):
    (sa, va, a), (sb, vb, b) = two_stores
    res = _member_at_a(sa, va, a)
    match = lookup_by_mobile(sb, MOBILE, engine=b)
    out = adopt_member(sb, match.member_id, engine=b)
    assert out["id"] == res["id"] and out["member_no"] == res["member_no"]
    row = sb.db.one(
        "SELECT member_no, name, mobile, adopted_from, registered_store, birth_date FROM members WHERE id = ?",
        (res["id"],),
    )
    assert (row["member_no"], row["name"], row["mobile"], row["adopted_from"]) == (
        res["member_no"],
        NAME,
        MOBILE,
        "SH-001",
    )
    assert row["birth_date"] is None  # MIN-1: only what membership needs
    refs = {r["purpose"]: r for r in references(sb.db, res["id"])}
    assert refs["marketing"]["granted"] and refs["marketing"]["origin_store"] == "SH-001"
    assert refs["marketing"]["origin_record_id"] == {c.purpose: c for c in match.consents}["marketing"].record_id
    assert consent_state(sb.db, res["id"])["marketing"] and not consent_state(sb.db, res["id"])["offers"]
    assert consent_active(sb.db, res["id"], "marketing")  # rule: CON-1
    assert sb.db.scalar("SELECT count(*) FROM consent_records WHERE member_id = ?", (res["id"],)) == 0
    with pytest.raises(UserError) as e:
        adopt_member(sb, res["id"], engine=b)
    assert e.value.key == "adoption.already_local"
    b.sync_once()  # the journal tells head office that B holds the member
    stores = {r["store"] for r in ho.records(entity="member", member_id=res["id"])}
    assert stores == {"SH-001", "BJ-002"}
    assert ho.register_conflicts() == []  # the same customer: no duplicate
    sb.clock.advance(minutes=1)  # a later visit
    grant_consent(sb, res["id"], {"offers": True}, cipher=cipher_for(vb))
    b.sync_once()
    with ho.storage.read() as c:
        key = ho.keys.bidx(c, "member", res["id"])
        from headoffice import register as HR

        view = HR.member_view(ho.keys, c, key, ho.clock())
    offers = {c["purpose"]: c for c in view["consents"]}["offers"]
    assert offers["granted"] and offers["store"] == "BJ-002"  # rule: CON-1
    assert {c["purpose"]: c for c in view["consents"]}["marketing"]["store"] == "SH-001"
    audit = sb.db.one("SELECT details FROM audit_log WHERE action = 'member.adopt'")
    assert MOBILE not in audit["details"] and NAME not in audit["details"]  # rule: SEC-2


def test_a_restricted_member_stays_restricted_and_a_minor_stays_a_minor(two_stores, ho):
    (sa, va, a), (sb, vb, b) = two_stores
    guardian = {"name": "张大明", "relation": "father", "consent": True, "sensitive": []}
    kid = register(sa, va, name="张小小", mobile="13812340002", minor=True, guardian=guardian)
    adult = register(sa, va, name="李四娃", mobile="13812340003")
    with sa.write("test.restrict", "member", adult["id"]) as tx:
        R.set_restricted(tx, adult["id"], True, iso(sa.clock.now()))
        tx.journal("member", adult["id"], "upsert", {"restricted": 1}, member_id=adult["id"])
    a.sync_once()
    m = lookup_by_mobile(sb, "13812340002", engine=b)
    assert m.minor and not m.restricted
    adopt_member(sb, kid["id"], engine=b)
    assert minor_now(sb.db, kid["id"], sb.clock.now().date())  # rule: CON-4
    with pytest.raises(UserError) as e:  # a minor's later consent at B needs the guardian again
        grant_consent(sb, kid["id"], {"offers": True}, cipher=cipher_for(vb))
    assert e.value.key == "member.guardian_required"  # rule: CON-4
    m2 = lookup_by_mobile(sb, "13812340003", engine=b)
    assert m2.restricted
    adopt_member(sb, adult["id"], engine=b)
    assert sb.db.scalar("SELECT restricted FROM members WHERE id = ?", (adult["id"],)) == 1  # rule: RIG-5


def test_duplicate_mobile_and_duplicate_member_number_are_recorded_not_lost(two_stores, ho):
    (sa, va, a), (sb, vb, b) = two_stores
    first = _member_at_a(sa, va, a)
    second = register(sb, vb, name=NAME, mobile=MOBILE)  # offline double registration at B
    b.upload()  # (upload only: B applies head office's merge later, test_chain_merge.py)
    conflicts = ho.register_conflicts(open_only=False)  # settled at once by the merge rule (test_chain_merge.py)
    assert [(c["kind"], c["store_a"], c["store_b"]) for c in conflicts] == [("mobile", "SH-001", "BJ-002")]
    assert ho.member_records(first["id"]) >= 1 and ho.member_records(second["id"]) >= 1  # nothing lost
    b.upload()  # applied again: recorded once
    assert len(ho.register_conflicts(open_only=False)) == 1
    # the same member number drawn at two stores (random 'M' + 10 digits)
    with sb.write("test.member", "member", "cafe0000cafe0000") as tx:
        R.insert_member(
            tx,
            member_id="cafe0000cafe0000",
            member_no=first["member_no"],
            name="王五",
            mobile="13700000001",
            registered_at=iso(sb.clock.now()),
            store_code="BJ-002",
            birth_date=None,
            minor=False,
        )
        tx.journal(
            "member",
            "cafe0000cafe0000",
            "upsert",
            {"member_no": first["member_no"], "name": "王五", "mobile": "13700000001"},
        )
    b.sync_once()
    kinds = sorted(c["kind"] for c in ho.register_conflicts(open_only=False))
    assert kinds == ["member_no", "mobile"]
    with ho.storage.read() as c:
        dump = json.dumps([list(r) for r in c.all("SELECT * FROM register_conflicts")], ensure_ascii=False)
        audit = c.all("SELECT store, details FROM ho_audit WHERE action = 'register.conflict'")
    assert MOBILE not in dump and NAME not in dump and first["member_no"] not in dump  # keys only  # rule: STO-1
    assert len(audit) == 2


def test_offline_head_office_says_so_and_registration_stays_local(two_stores):
    (_sa, _va, _a), (sb, vb, b) = two_stores

    def down(request):
        raise httpx.ConnectError("unreachable", request=request)

    b._transport = Transport(
        "http://testserver",
        http=httpx.Client(transport=httpx.MockTransport(down)),
        allow_plain_http=True,
        retries=0,
        sleep=lambda s: None,
    )
    with pytest.raises(UserError) as e:
        lookup_by_mobile(sb, MOBILE, engine=b)
    assert e.value.key == "chain.offline"
    assert "总部" in e.value.message("zh_CN") and "head office" in e.value.message("en").lower()
    out = json.loads(sb.db.scalar("SELECT details FROM audit_log WHERE action = 'member.chain_lookup'"))
    assert out["outcome"] == "offline"
    assert register(sb, vb, name=NAME, mobile=MOBILE)["member_no"]  # the desk registers locally


def test_register_is_back_filled_from_records_held_before_it_existed(two_stores, ho):
    (sa, va, a), (_sb, _vb, _b) = two_stores
    res = _member_at_a(sa, va, a)
    with ho.storage.tx() as c:
        c.execute("DELETE FROM member_register")
        c.execute("DELETE FROM ho_meta WHERE key = 'member_register'")
    again = HeadOffice(ho.storage, clock=ho.clock, keys=ho.keys)
    hit = again.lookup_member("BJ-002", MOBILE, "staff", "customer_present")
    assert hit["found"] and hit["member"]["member_no"] == res["member_no"]


def test_member_numbers_are_chain_unique_after_enrolment(two_stores, ho):
    (sa, va, _a), (sb, vb, _b) = two_stores
    with ho.storage.read() as c:
        prefixes = {r[0]: r[1] for r in c.all("SELECT code, member_prefix FROM stores")}
    assert prefixes["SH-001"] != prefixes["BJ-002"] and all(len(p) == 3 for p in prefixes.values())
    at_a = register(sa, va, name="周一", mobile="13812340011")["member_no"]
    at_b = register(sb, vb, name="周二", mobile="13812340012")["member_no"]
    assert at_a.startswith("M" + prefixes["SH-001"]) and at_b.startswith("M" + prefixes["BJ-002"])
    assert len(at_a) == len(at_b) == 11
    ho.create_store("SH-001", "门店")  # re-keying a store keeps its prefix
    with ho.storage.read() as c:
        assert c.scalar("SELECT member_prefix FROM stores WHERE code = 'SH-001'") == prefixes["SH-001"]


def test_concurrent_uploads_of_one_mobile_from_two_stores_record_the_conflict(tmp_path):
    """Head office runs several workers (PostgreSQL, READ COMMITTED): two stores uploading the same new mobile at
    the same moment must still see each other (the register locks the keys until commit)."""
    import threading

    dsn = pg_dsn_or_skip()
    reset_pg(dsn)
    storage = open_storage(dsn, pool_size=6)
    try:
        h = HeadOffice(storage, clock=HOClock())
        for code in ("SH-001", "BJ-002"):
            h.create_store(code, "门店")
        pairs = 12
        barrier = threading.Barrier(2)

        def upload(store: str, n: int) -> None:
            for i in range(pairs):
                row = {
                    "seq": i + 1,
                    "ts": "x",
                    "entity": "member",
                    "entity_id": f"{store}-{i}",
                    "op": "upsert",
                    "payload": {"member_no": f"M{n}{i:09d}", "name": "张三", "mobile": f"1390000{i:04d}"},
                    "member_id": f"{store}-{i}",
                }
                barrier.wait()
                h.upload(store, {"after": i, "rows": [row]})

        threads = [threading.Thread(target=upload, args=(s, n)) for n, s in enumerate(("SH-001", "BJ-002"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        found = h.register_conflicts(open_only=False)
        assert len(found) == pairs and {c["kind"] for c in found} == {"mobile"}
    finally:
        storage.close()


def test_not_enrolled_and_refused_are_said_plainly_and_audited(two_stores, ho, tmp_path, clock):
    (_sa, _va, _a), (sb, _vb, b) = two_stores
    vc, sc, _pc = new_store(tmp_path, "GZ-003", clock)
    try:
        with pytest.raises(UserError) as e:
            lookup_by_mobile(sc, MOBILE)  # never enrolled: its own engine finds no head office
        assert e.value.key == "chain.not_enrolled" and e.value.message("en")
        out = json.loads(sc.db.scalar("SELECT details FROM audit_log WHERE action = 'member.chain_lookup'"))
        assert out["outcome"] == "not_enrolled"
    finally:
        vc.close()
    with ho.storage.tx() as c:
        c.execute("UPDATE stores SET disabled = 1 WHERE code = 'BJ-002'")
    with pytest.raises(UserError) as e:
        lookup_by_mobile(sb, MOBILE, engine=b)
    assert e.value.key == "chain.refused" and "unknown_store" in e.value.message("en")
    rows = sb.db.all("SELECT details FROM audit_log WHERE action = 'member.chain_lookup'")
    assert json.loads(rows[-1]["details"])["outcome"] == "refused"
