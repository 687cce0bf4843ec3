"""A customer registered twice offline, at two stores, merged by head office's rule (issue #18, headoffice/merge.py,
app/flows/merge.py). Store <-> head office in process (real SQLCipher stores), head office on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from app.consent.service import withdraw_consent
from app.erasure import erase_member, is_erased
from app.flows.enrolment import grant_consent
from app.members import records as R
from app.requests import execute_correct, execute_restrict, lift_restriction, open_request
from app.staff.permissions import allowed
from app.sync.chain import lookup_by_mobile
from headoffice import merge
from headoffice.server import create_app
from headoffice.service import HeadOffice
from headoffice.storage import open_storage
from tests.app.regdata import register
from tests.app.syncutil import HOClock, enrolled, new_store, pg_dsn_or_skip, reset_pg
from tests.headoffice.test_consent_counts import aggregate, recount

MOBILE = "13812345678"


@pytest.fixture(params=["sqlite", "postgresql"])
def ho(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ho.db'}"
    else:
        url = pg_dsn_or_skip()
        reset_pg(url)
    storage = open_storage(url)
    clock = HOClock()
    yield HeadOffice(storage, clock=clock)
    storage.close()


@pytest.fixture
def client(ho):
    with TestClient(create_app(ho), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def stores(manager, vault, paths, client, ho, tmp_path, clock):
    """A (SH-001), B (BJ-002), C (GZ-003), all enrolled: {code: (session, vault, engine)}."""
    out = {"SH-001": (manager, vault, enrolled(manager, paths, client, ho))}
    opened = []
    for code in ("BJ-002", "GZ-003"):
        v, s, p = new_store(tmp_path, code, clock)
        opened.append(v)
        out[code] = (s, v, enrolled(s, p, client, ho))
    yield out
    for v in opened:
        v.close()


def _sync(stores, *codes, rounds=2):
    for _ in range(rounds):
        for code in codes or tuple(stores):
            stores[code][2].sync_once()


def _twice(stores, ho, clock):
    """The same customer registered at A and, offline, at B; A uploads first. Returns (first, second)."""
    sa, va, _ = stores["SH-001"]
    sb, vb, _ = stores["BJ-002"]
    first = register(sa, va, name="张小明", mobile=MOBILE, granted={"marketing": True})
    clock.advance(minutes=5)
    second = register(sb, vb, name="张小明", mobile=MOBILE, granted={"offers": True})
    stores["SH-001"][2].sync_once()
    ho.clock.t += 60
    stores["BJ-002"][2].sync_once()
    ho.clock.t += 60
    return first, second


def test_offline_double_registration_is_merged_by_the_written_rule(stores, ho, clock):
    first, second = _twice(stores, ho, clock)
    merges = ho.member_merges()
    assert len(merges) == 1
    m = merges[0]
    # rule: first registered at head office survives, with its id and number
    assert (m["survivor_id"], m["merged_id"]) == (first["id"], second["id"])
    assert m["member_no"] == first["member_no"] and m["merged_no"] == second["member_no"]
    assert m["rule_version"] == merge.RULE_VERSION
    assert ho.register_conflicts() == []  # settled in the upload that found it
    with ho.storage.read() as c:
        live = c.all("SELECT member_key FROM member_register WHERE mobile_key IS NOT NULL AND erased = 0")
        audit = c.all("SELECT details FROM ho_audit WHERE action = 'member.merge'")
    assert len(live) == 1  # one live register row per mobile
    assert len(audit) == 1 and MOBILE not in audit[0][0] and "张小明" not in audit[0][0]  # rule: STO-1


def test_store_holding_the_merged_member_joins_it_to_the_survivor_and_signs_a_receipt(stores, ho, clock):
    first, second = _twice(stores, ho, clock)
    sb = stores["BJ-002"][0]
    _sync(stores, "BJ-002", "SH-001")  # (B pulled the merge already in the sync that uploaded its duplicate)
    before = sb.db.scalar("SELECT count(*) FROM consent_records")
    assert before >= 1
    assert not R.member_exists(sb.db, second["id"])  # no duplicate row left
    row = sb.db.one("SELECT id, member_no FROM members WHERE mobile = ?", (MOBILE,))
    assert tuple(row) == (first["id"], first["member_no"])  # the survivor's id and number are shown
    assert sb.db.scalar("SELECT count(*) FROM consent_records WHERE member_id = ?", (first["id"],)) == before
    assert sb.db.scalar("SELECT count(*) FROM consent_records WHERE member_id = ?", (second["id"],)) == 0
    # consent: both records count, the newest decision per purpose: B registered later (offers granted, marketing
    # refused), so B's decisions stand at both stores; A's older marketing grant does not come back
    state = dict(sb.db.all("SELECT purpose_code, granted FROM member_consents WHERE member_id = ?", (first["id"],)))
    assert state["offers"] == 1 and state["marketing"] == 0  # rule: CON-3
    sa = stores["SH-001"][0]
    state_a = dict(sa.db.all("SELECT purpose_code, granted FROM member_consents WHERE member_id = ?", (first["id"],)))
    assert state_a == state  # rule: CON-3
    assert sa.db.scalar("SELECT marketing_opt_in FROM members WHERE id = ?", (first["id"],)) == 0
    receipts = {r["store"]: r["receipt"] for r in _receipts(ho, ho.member_merges()[0]["merge_id"])}
    assert receipts["BJ-002"]["outcome"] == "renamed" and receipts["SH-001"]["outcome"] == "updated"
    # lookup by mobile afterwards: one member
    sc = stores["GZ-003"]
    match = lookup_by_mobile(sc[0], MOBILE, engine=sc[2])
    assert match is not None and match.member_id == first["id"] and match.duplicates == 0


def _receipts(ho, merge_id):
    from headoffice import orders

    return orders.order_receipts(ho, merge_id)


def test_a_refusal_is_never_overwritten_by_an_older_grant(stores, ho, clock):
    sa, va, _ = stores["SH-001"]
    sb, vb, _ = stores["BJ-002"]
    first = register(sa, va, name="张小明", mobile=MOBILE, granted={"marketing": True})
    clock.advance(minutes=5)
    second = register(sb, vb, name="张小明", mobile=MOBILE, granted={"marketing": True})
    clock.advance(minutes=5)
    withdraw_consent(sb, second["id"], "marketing")  # B's record: refused after A's grant
    _twice_sync(stores, ho)
    for code in ("SH-001", "BJ-002"):
        s = stores[code][0]
        granted = s.db.scalar(
            "SELECT granted FROM member_consents WHERE member_id = ? AND purpose_code = 'marketing'", (first["id"],)
        )
        assert granted == 0, code  # rule: CON-3
        assert s.db.scalar("SELECT marketing_opt_in FROM members WHERE id = ?", (first["id"],)) == 0


def _twice_sync(stores, ho):
    stores["SH-001"][2].sync_once()
    ho.clock.t += 60
    stores["BJ-002"][2].sync_once()
    ho.clock.t += 60
    _sync(stores, "SH-001", "BJ-002")


def test_a_newer_grant_of_the_other_record_is_taken_by_reference(stores, ho, clock):
    sa, va, _ = stores["SH-001"]
    sb, vb, _ = stores["BJ-002"]
    first = register(sa, va, name="张小明", mobile=MOBILE)
    clock.advance(minutes=5)
    register(sb, vb, name="张小明", mobile=MOBILE, granted={"marketing": True})
    _twice_sync(stores, ho)
    g = sa.db.one(
        "SELECT granted, record_id FROM member_consents WHERE member_id = ? AND purpose_code = 'marketing'",
        (first["id"],),
    )
    assert g[0] == 1 and g[1].startswith("BJ-002:")  # by reference to B's record at head office
    assert grant_consent  # the ordinary path stays for later consents at A


def test_restricted_or_minor_if_either_and_erasure_of_either_erases_both(stores, ho, clock):
    sa, va, _ = stores["SH-001"]
    sb, vb, _ = stores["BJ-002"]
    first = register(sa, va, name="张小明", mobile=MOBILE)
    clock.advance(minutes=5)
    second = register(sb, vb, name="张小明", mobile=MOBILE)
    with sb.write("test.restrict", "member", second["id"]) as tx:
        R.set_restricted(tx, second["id"], True, "2026-11-02T09:06:00+08:00")
        tx.journal("member", second["id"], "upsert", {"restricted": 1}, member_id=second["id"])
    _twice_sync(stores, ho)
    assert sa.db.scalar("SELECT restricted FROM members WHERE id = ?", (first["id"],)) == 1  # rule: RIG-5
    assert sb.db.scalar("SELECT restricted FROM members WHERE id = ?", (first["id"],)) == 1
    # erasing the merged-away id (a request at a store that never heard of the merge) erases the customer
    ho.file_erasure_order(second["id"])
    _sync(stores)
    assert ho.is_erased(first["id"]) and ho.is_erased(second["id"])  # rule: RIG-3
    for code in ("SH-001", "BJ-002"):
        s = stores[code][0]
        assert not R.member_exists(s.db, first["id"]) and not R.member_exists(s.db, second["id"])
        assert is_erased(s.db, first["id"])
    with ho.storage.read() as c:
        assert c.scalar("SELECT count(*) FROM member_register WHERE erased = 0") == 0


def test_a_merged_away_id_uploaded_later_is_mapped_to_the_survivor(stores, ho, clock):
    first, second = _twice(stores, ho, clock)
    sb, _vb, b = stores["BJ-002"]
    # B is offline again before it pulls the merge; it keeps serving the merged-away member
    with sb.write("test.touch", "member", second["id"]) as tx:
        tx.journal("member", second["id"], "upsert", {"name": "张小明", "mobile": MOBILE}, member_id=second["id"])
    b.upload()
    ho.clock.t += 60
    with ho.storage.read() as c:
        live = c.all("SELECT member_key FROM member_register WHERE mobile_key IS NOT NULL AND erased = 0")
    assert len(live) == 1 and len(ho.member_merges()) == 1  # never re-creates the second customer
    assert ho.register_conflicts() == []
    assert ho.member_records(second["id"]) == ho.member_records(first["id"])  # one customer's records
    _sync(stores, "BJ-002")
    assert sb.db.scalar("SELECT count(*) FROM members WHERE mobile = ?", (MOBILE,)) == 1


def test_a_correction_of_the_merged_id_filed_before_the_merge_reaches_the_survivors_holder(stores, ho, clock):
    """B corrects its own record of the customer before head office merges it into A's: the order names B's id;
    A, which holds the survivor's id, gets it later and must carry it out (not answer "not_held")."""
    sa, va, _ = stores["SH-001"]
    sb, vb, _ = stores["BJ-002"]
    first = register(sa, va, name="张小明", mobile=MOBILE)
    clock.advance(minutes=5)
    second = register(sb, vb, name="张小明", mobile=MOBILE)
    rid = open_request(sb, "correct", second["id"], identity_method="id_card_sighted")
    execute_correct(sb, rid, {"name": "张晓明", "birth_date": "1990-03-07"})
    stores["SH-001"][2].sync_once()
    ho.clock.t += 60
    stores["BJ-002"][2].sync_once()  # the correction is filed, then the duplicate is merged into A's member
    ho.clock.t += 60
    _sync(stores, "SH-001", "BJ-002", rounds=3)
    assert ho.member_merges()[0]["survivor_id"] == first["id"]
    for s in (sa, sb):
        row = s.db.one("SELECT name, birth_date FROM members WHERE id = ?", (first["id"],))
        assert tuple(row) == ("张晓明", "1990-03-07")  # rule: RIG-1
    outcome = sa.db.scalar("SELECT outcome FROM chain_orders_applied WHERE kind = 'correction_order'")
    assert outcome == "done"


def test_orders_filed_in_one_upload_reach_a_later_holder_in_the_order_they_were_decided(stores, ho, clock):
    """A restricts and lifts three times offline; B registered the customer too. After the merge B gets A's six
    orders (one upload: one received_at) in decision order, and ends unrestricted like A."""
    sa, va, _ = stores["SH-001"]
    sb, vb, _ = stores["BJ-002"]
    first = register(sa, va, name="张小明", mobile=MOBILE)
    register(sb, vb, name="张小明", mobile=MOBILE)
    for _ in range(3):
        clock.advance(minutes=1)
        execute_restrict(sa, open_request(sa, "restrict", first["id"], identity_method="id_card_sighted"))
        clock.advance(minutes=1)
        lift_restriction(sa, first["id"], "顾客申请解除")
    stores["SH-001"][2].sync_once()
    ho.clock.t += 60
    _sync(stores, "BJ-002", "SH-001", rounds=3)
    with ho.storage.read() as c:
        sent = [
            json.loads(r[0])
            for r in c.all(
                "SELECT payload FROM feed WHERE kind = 'restriction_order' AND target_store = 'BJ-002' ORDER BY id"
            )
        ]
    assert [o["restricted"] for o in sent] == [True, False] * 3
    for s in (sa, sb):
        assert s.db.scalar("SELECT restricted FROM members WHERE id = ?", (first["id"],)) == 0  # rule: RIG-5


def test_store_holding_both_keeps_one_row_and_every_record(stores, ho, clock):
    """A store that held both ids (it had taken on the first under another mobile, later corrected)."""
    sa, va, _a = stores["SH-001"]
    sb, vb, _b = stores["BJ-002"]
    first = register(sa, va, name="张小明", mobile=MOBILE)
    clock.advance(minutes=5)
    second = register(sb, vb, name="张小明", mobile=MOBILE, granted={"marketing": True})
    with sb.write("test.adopt", "member", first["id"]) as tx:
        R.insert_member(
            tx,
            member_id=first["id"],
            member_no=first["member_no"],
            name="张小明",
            mobile="13900000000",
            registered_at="2026-11-02T09:00:00+08:00",
            store_code="SH-001",
            birth_date=None,
            minor=False,
        )
    records = sb.db.scalar("SELECT count(*) FROM consent_records")
    _twice_sync(stores, ho)
    assert sb.db.scalar("SELECT count(*) FROM members WHERE id IN (?, ?)", (first["id"], second["id"])) == 1
    assert sb.db.scalar("SELECT count(*) FROM consent_records WHERE member_id = ?", (first["id"],)) == records
    assert sb.db.scalar("SELECT member_no FROM members WHERE id = ?", (first["id"],)) == first["member_no"]
    granted = sb.db.scalar(
        "SELECT granted FROM member_consents WHERE member_id = ? AND purpose_code = 'marketing'", (first["id"],)
    )
    assert granted == 1  # B's newer grant, joined from the merged member's state  # rule: CON-3


def test_member_number_drawn_twice_by_two_customers_is_renumbered_not_merged(stores, ho, clock):
    sa, va, a = stores["SH-001"]
    sb, _vb, _b = stores["BJ-002"]
    first = register(sa, va, name="张小明", mobile=MOBILE)
    a.sync_once()
    with sb.write("test.member", "member", "cafe0000cafe0000") as tx:
        R.insert_member(
            tx,
            member_id="cafe0000cafe0000",
            member_no=first["member_no"],
            name="王五",
            mobile="13700000001",
            registered_at="2026-11-02T09:00:00+08:00",
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
    _sync(stores, "BJ-002")
    assert ho.member_merges() == []  # two customers: no merge
    new_no = sb.db.scalar("SELECT member_no FROM members WHERE id = 'cafe0000cafe0000'")
    assert new_no != first["member_no"] and new_no.startswith("M")
    with ho.storage.read() as c:
        nos = [r[0] for r in c.all("SELECT member_no FROM member_register")]
    assert len(nos) == len(set(nos)) == 2  # chain-unique again
    assert ho.register_conflicts() == []


def test_merge_applies_only_with_a_verified_feed(stores, ho, clock):
    from app.errors import PermissionDenied
    from app.flows.merge import apply_member_merge
    from app.sync.feeds import ApplyContext

    sb = stores["BJ-002"][0]
    assert not allowed(sb.staff.role, "head_office.feed")
    ctx = ApplyContext(store_code="BJ-002", private_key=None)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        apply_member_merge(sb, {"order_id": "merge:x", "survivor_id": "a", "merged_id": "b"}, ctx)  # rule: SEC-1
    assert json  # (imported for symmetry with the other chain tests)


def test_a_store_member_erased_before_the_merge_stays_erased(stores, ho, clock):
    first, second = _twice(stores, ho, clock)
    sb = stores["BJ-002"][0]
    erase_member(sb, second["id"])  # erased at B before B learns of the merge
    _sync(stores)
    assert ho.is_erased(first["id"]) and ho.is_erased(second["id"])  # rule: RIG-3
    for code in stores:
        s = stores[code][0]
        assert s.db.scalar("SELECT count(*) FROM members WHERE mobile = ?", (MOBILE,)) == 0


def test_concurrent_duplicates_from_three_stores_on_postgresql_are_merged_once(tmp_path):
    """Several head-office workers (PostgreSQL, READ COMMITTED): three stores upload the same customers at the same
    moment; every mobile ends with one live register row and exactly two merges, never one settled twice."""
    import threading

    dsn = pg_dsn_or_skip()
    reset_pg(dsn)
    storage = open_storage(dsn, pool_size=6)
    try:
        h = HeadOffice(storage, clock=HOClock())
        codes = ("SH-001", "BJ-002", "GZ-003")
        for code in codes:
            h.create_store(code, "门店")
        h.records(mobile="13800000000")  # the blind-index secret exists before the workers race (see the report)
        customers = 8
        barrier = threading.Barrier(len(codes))
        errors: list[BaseException] = []

        def upload(store: str, n: int) -> None:
            try:
                for i in range(customers):
                    mid = f"{store}-{i}"
                    row = {
                        "seq": i + 1,
                        "ts": "x",
                        "entity": "member",
                        "entity_id": mid,
                        "op": "upsert",
                        "payload": {"member_no": f"M{n}{i:09d}", "name": "张三", "mobile": f"1390000{i:04d}"},
                        "member_id": mid,
                    }
                    barrier.wait(30)
                    h.upload(store, {"after": i, "rows": [row]})
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=upload, args=(s, n)) for n, s in enumerate(codes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        assert errors == []
        merges = h.member_merges()
        assert len(merges) == 2 * customers  # two merged away per customer, each once
        assert len({m["merged_key"] for m in merges}) == len(merges)
        assert h.register_conflicts() == []
        with storage.read() as c:
            live = c.all(
                "SELECT mobile_key, count(*) FROM member_register WHERE mobile_key IS NOT NULL AND erased = 0"
                " GROUP BY mobile_key"
            )
            survivors = {r[0] for r in c.all("SELECT DISTINCT survivor_key FROM member_merges")}
            feed = c.scalar("SELECT count(DISTINCT payload) FROM feed WHERE kind = 'member_merge'")
        assert len(live) == customers and all(n == 1 for _k, n in live)
        assert len(survivors) == customers  # one survivor per customer, none of them merged away
        assert not survivors & {m["merged_key"] for m in merges}
        assert feed == 2 * customers
    finally:
        storage.close()


@pytest.mark.parametrize("order", ["survivor_first", "erasure_first"])
def test_an_erasure_of_the_merged_id_in_a_batch_drops_the_survivors_rows_of_that_batch(tmp_path, order):
    """Head office alone: a batch that names the survivor and erases the merged-away id (in either order) keeps
    nothing of the customer (RIG-3)."""
    storage = open_storage(f"sqlite:///{tmp_path / 'ho.db'}")
    try:
        h = HeadOffice(storage, clock=HOClock())
        for code in ("SH-001", "BJ-002"):
            h.create_store(code, "门店")

        def member(seq, mid, no):
            payload = {"member_no": no, "name": "张三", "mobile": MOBILE}
            return {
                "seq": seq,
                "entity": "member",
                "entity_id": mid,
                "op": "upsert",
                "payload": payload,
                "member_id": mid,
            }

        h.upload("SH-001", {"after": 0, "rows": [member(1, "s" * 16, "M0010000001")]})
        h.upload("BJ-002", {"after": 0, "rows": [member(1, "x" * 16, "M0020000001")]})
        assert [(m["survivor_id"], m["merged_id"]) for m in h.member_merges()] == [("s" * 16, "x" * 16)]
        touch = {**member(2, "s" * 16, "M0010000001"), "payload": {"name": "张三丰"}}
        erase = {"seq": 2, "entity": "erasure", "entity_id": "x" * 16, "op": "erase", "payload": {"reason": "request"}}
        rows = [touch, {**erase, "seq": 3}] if order == "survivor_first" else [erase, {**touch, "seq": 3}]
        h.upload("SH-001", {"after": 1, "rows": rows})
        assert h.is_erased("s" * 16) and h.is_erased("x" * 16)  # rule: RIG-3
        assert h.member_records("s" * 16) == 0 and h.member_records("x" * 16) == 0  # rule: RIG-3
    finally:
        storage.close()


def test_the_console_figures_count_a_merged_customer_once(stores, ho, clock):
    """The consent figures (headoffice/consent_counts.py) and the requests' index follow the merge: the aggregate
    equals a recount from the records, where the customer's two registrations are now one member's."""
    _twice(stores, ho, clock)
    want = recount(ho)
    assert aggregate(ho) == want
    assert sum(n for k, n in want.items() if k[0] == "#") == 1  # one customer, one member per version
