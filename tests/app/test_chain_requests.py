"""Requests at any store (issue #18 part 2): a request opened at store B is carried out for the whole chain.

Store A (SH-001) and store B (BJ-002) hold the same member; store C (GZ-003) does not. Head office runs in process
(Starlette TestClient) over SQLite and over PostgreSQL (MEMBERDESK_TEST_PG_DSN). For each order type (correction,
restriction, lift, withdrawal, cancellation; erasure unchanged): carried out at A too, signed receipts from A and B, shown at B;
the order reaches only the holders; a replayed order is a no-op; an older grant does not beat a withdrawal.
The copy at B holds A's records, labelled by store; head office unreachable leaves the request open.
"""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pypdfium2 as pdfium
import pytest
from starlette.testclient import TestClient

from app.consent.service import consent_active
from app.erasure import is_erased
from app.errors import UserError
from app.flows.enrolment import grant_consent
from app.notices.store import current_notice
from app.requests import (
    awaiting,
    build_chain_copy,
    confirmations,
    execute_cancel,
    execute_correct,
    execute_delete,
    execute_restrict,
    execute_withdraw,
    get_request,
    lift_restriction,
    open_request,
    timeline,
)
from app.retention.sweep import dry_run
from app.sync import feeds, signing
from app.sync.orders import fetch_member_copy
from headoffice import orders as HO
from headoffice.server import create_app
from headoffice.service import HeadOffice
from headoffice.storage import PostgresStorage, SQLiteStorage
from tests.app.syncutil import HOClock, engine, new_store, pg_dsn_or_skip, reset_pg

A, B, C = "SH-001", "BJ-002", "GZ-003"
MID = "c0ffee0000000001"


@pytest.fixture(params=["sqlite", "postgresql"])
def chain(request, tmp_path, manager, paths, clock):
    """Head office + stores A (the `manager` fixture's store), B and C, all enrolled; MID held at A and B."""
    if request.param == "sqlite":
        storage = SQLiteStorage(tmp_path / "ho.db")
    else:
        dsn = pg_dsn_or_skip()
        reset_pg(dsn)
        storage = PostgresStorage(dsn, pool_size=2)
    ho = HeadOffice(storage, clock=HOClock())
    with TestClient(create_app(ho), base_url="http://testserver") as client:
        stores = {A: (None, manager, paths)}
        for code in (B, C):
            vault, session, p = new_store(tmp_path, code, clock, name=f"门店{code}")
            stores[code] = (vault, session, p)
        engines = {}
        for code, (_v, session, p) in stores.items():
            eng = engine(session, p, client)
            eng.enrol("http://testserver", code, ho.create_store(code, f"门店{code}"))
            engines[code] = eng
        for code in (A, B):
            hold(stores[code][1], MID)
        for code in (A, B, C):
            engines[code].sync_once()
        yield {"ho": ho, "client": client, "s": {k: v[1] for k, v in stores.items()}, "e": engines, "p": stores}
        for code in (B, C):
            stores[code][0].close()
    storage.close()


def hold(session, mid, name="王五", mobile="13900009999", purposes=("membership", "marketing")):
    """The same customer known at this store (as adoption leaves it: same member id, consents recorded here)."""
    now = session.clock.now().isoformat(timespec="seconds")
    notice = current_notice(session.db)
    with session.write("member.create.test", "member", mid) as tx:
        tx.execute(
            "INSERT INTO members(id, member_no, name, mobile, registered_at, registered_store, updated_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (mid, "M" + mid[:9], name, mobile, now, session.store_code, now),
        )
        for code in purposes:
            tx.execute(
                "INSERT INTO member_consents(member_id, purpose_code, granted, record_id, notice_version,"
                " purpose_hash, updated_at) VALUES (?,?,1,?,?,?,?)",
                (mid, code, "test-" + code, notice.version, notice.purpose(code).purpose_hash, now),
            )
        tx.journal("member", mid, "upsert", {"name": name, "mobile": mobile}, member_id=mid)


def round_trip(ch, *order):
    """Sync the stores in this order (B first: its order goes up; then the holders; then B for confirmations)."""
    for code in order:
        ch["e"][code].sync_once()


def feed_targets(ho, kind):
    with ho.storage.read() as c:
        return sorted(r[0] for r in c.all("SELECT target_store FROM feed WHERE kind = ?", (kind,)))


def receipts_of(ho, session, request_id):
    with ho.storage.read() as c:
        oids = [r[0] for r in c.all("SELECT order_id FROM chain_orders WHERE request_id = ?", (request_id,))]
    return {oid: HO.order_receipts(ho, oid) for oid in oids}


def check_receipts(ch, request_id, kind):
    """Signed receipts at head office from A and B (each verifies with the store's enrolled key), and the
    request at B shows both stores as confirmed."""
    ho = ch["ho"]
    got = receipts_of(ho, ch["s"][B], request_id)
    assert got, "no order filed"
    for rs in got.values():
        assert {r["store"] for r in rs} == {A, B}  # rule: RIG-1
        for r in rs:
            pub = signing.load_public(signing.public_text(ch["e"][r["store"]]._key()))
            assert signing.verify_receipt(pub, r["receipt"], r["signature"])
    shown = confirmations(ch["s"][B].db, request_id)
    assert {(c["store"], c["kind"]) for c in shown} >= {(A, kind), (B, kind)}  # rule: RIG-1
    return shown


def new_request(session, req_type):
    return open_request(session, req_type, MID, identity_method="id_card_sighted")


# -- each order type ------------------------------------------------------------------------------
def test_correction_at_b_reaches_a_with_receipts_and_not_c(chain):
    sb, sa, sc = chain["s"][B], chain["s"][A], chain["s"][C]
    rid = new_request(sb, "correct")
    execute_correct(sb, rid, {"name": "王五新"})
    chain["e"][B].sync_once()
    assert sorted(w["store"] for w in awaiting(sb.db, rid)) == sorted([A, B])  # sent to the holders, not yet confirmed
    round_trip(chain, A, C, B)
    assert sa.db.scalar("SELECT name FROM members WHERE id = ?", (MID,)) == "王五新"  # rule: RIG-1
    assert awaiting(sb.db, rid) == []  # rule: RIG-1
    assert sorted(feed_targets(chain["ho"], "correction_order")) == sorted([A, B])  # only the holders, not C
    assert [o["holders"] for o in HO.orders_for_request(chain["ho"], B, rid)] == [sorted([A, B])]
    assert sc.db.scalar("SELECT count(*) FROM chain_orders_applied") == 0
    shown = check_receipts(chain, rid, "correction_order")
    assert {c["outcome"] for c in shown} == {"done"}
    with chain["ho"].storage.read() as c:  # the new value is sealed at head office, not in the feed
        assert "王五新" not in json.dumps([r[0] for r in c.all("SELECT payload FROM feed")], ensure_ascii=False)


def test_restriction_and_lift_at_b_reach_a(chain):
    sb, sa = chain["s"][B], chain["s"][A]
    rid = new_request(sb, "restrict")
    execute_restrict(sb, rid)
    round_trip(chain, B, A, B)
    assert sa.db.scalar("SELECT restricted FROM members WHERE id = ?", (MID,)) == 1  # rule: RIG-5
    check_receipts(chain, rid, "restriction_order")
    lift_restriction(sb, MID, "顾客申请解除", request_id=rid)
    round_trip(chain, B, A, B)
    assert sa.db.scalar("SELECT restricted FROM members WHERE id = ?", (MID,)) == 0  # rule: RIG-5
    shown = confirmations(sb.db, rid)
    assert sum(1 for c in shown if c["kind"] == "restriction_order") == 4  # restrict + lift, from A and B
    assert sorted(feed_targets(chain["ho"], "restriction_order")) == sorted([A, A, B, B])


def test_withdrawal_at_b_beats_an_older_grant_at_a(chain, clock):
    sb, sa = chain["s"][B], chain["s"][A]
    # A's grant is older (made while A was offline) and reaches head office only after B's withdrawal
    clock.advance(hours=1)
    grant_consent(sa, MID, {"marketing": True})
    clock.advance(hours=1)
    rid = new_request(sb, "withdraw")
    execute_withdraw(sb, rid, ["marketing"])
    round_trip(chain, B, A, B)
    assert not consent_active(sa.db, MID, "marketing")  # rule: CON-3
    assert not consent_active(sb.db, MID, "marketing")  # rule: CON-3
    shown = check_receipts(chain, rid, "withdrawal_order")
    assert {c["outcome"] for c in shown} == {"done"}


def test_withdrawal_does_not_overwrite_a_newer_grant(chain, clock):
    sb, sa = chain["s"][B], chain["s"][A]
    rid = new_request(sb, "withdraw")
    execute_withdraw(sb, rid, ["marketing"])
    clock.advance(hours=1)
    grant_consent(sa, MID, {"marketing": True})  # the customer agreed again at A, after the withdrawal at B
    round_trip(chain, B, A, B)
    assert consent_active(sa.db, MID, "marketing")  # newest decision per purpose wins  # rule: CON-1
    outcomes = {c["store"]: c["outcome"] for c in confirmations(sb.db, rid)}
    assert outcomes == {A: "superseded", B: "done"}


# -- cancellation (RET-2): every holder cancels at the origin's time --------------------------------
def _cancelled(session):
    return tuple(session.db.one("SELECT status, cancelled_at FROM members WHERE id = ?", (MID,)))


def _purge_days(session, first: dt.date) -> list[bool]:
    """For eight days from `first`: is the member due for the retention sweep (RET-2's dry run, nothing recorded)?"""
    days = [first + dt.timedelta(days=i) for i in range(8)]
    return [dry_run(session, today=d, record=False)["categories"]["member"]["due"] == 1 for d in days]


def test_cancellation_at_b_reaches_the_holders_at_bs_time_so_every_store_purges_the_same_day(chain, clock):
    sb, sa, sc = chain["s"][B], chain["s"][A], chain["s"][C]
    clock.advance(hours=14)  # 23:00 at B: a holder cancelling on its own clock would start the next day
    rid = new_request(sb, "cancel")
    execute_cancel(sb, rid)
    at_b = _cancelled(sb)
    assert at_b[0] == "cancelled"
    clock.advance(hours=3)
    chain["e"][B].sync_once()
    assert sorted(w["store"] for w in awaiting(sb.db, rid)) == sorted([A, B])  # sent, not yet confirmed
    round_trip(chain, A, C, B)
    assert _cancelled(sa) == at_b  # B's time, not when A synced  # rule: RET-2
    assert sa.db.scalar("SELECT marketing_opt_in + offers_opt_in FROM members WHERE id = ?", (MID,)) == 0
    assert awaiting(sb.db, rid) == []  # rule: RIG-1
    assert feed_targets(chain["ho"], "cancellation_order") == sorted([A, B])  # only the holders, not C
    assert sc.db.scalar("SELECT count(*) FROM chain_orders_applied") == 0
    shown = check_receipts(chain, rid, "cancellation_order")
    assert {c["outcome"] for c in shown} == {"done"}
    # a store that holds the member later gets the cancellation with its time too
    hold(sc, MID)
    round_trip(chain, C, B)
    assert _cancelled(sc) == at_b  # rule: RET-2
    assert {c["store"] for c in confirmations(sb.db, rid)} == {A, B, C}
    # and so every store's retention sweep purges the member on the same day, three years on
    first = dt.date.fromisoformat(at_b[1][:10]).replace(year=2029) - dt.timedelta(days=3)
    days_b = _purge_days(sb, first)
    assert True in days_b and False in days_b  # the day falls inside the window
    assert _purge_days(sa, first) == days_b  # rule: RET-2
    # (C's own registration here, the next day, is later than the cancellation: RET-2 counts from the later one)


def test_a_holder_that_cancelled_already_keeps_the_earliest_time(chain, clock):
    """A cancelled first (offline), B later: both end with A's time, whichever order arrives first — the membership
    ended when the customer first asked, and RET-2 counts from the cancellation (a later time would keep the data
    longer than the policy allows)."""
    sb, sa = chain["s"][B], chain["s"][A]
    rid_a = new_request(sa, "cancel")
    execute_cancel(sa, rid_a)  # A is offline for now
    at_a = _cancelled(sa)
    clock.advance(days=1)
    rid_b = new_request(sb, "cancel")
    execute_cancel(sb, rid_b)
    assert _cancelled(sb)[1] > at_a[1]
    round_trip(chain, B, A, B, A)  # A gets B's later order; then B gets A's earlier one
    assert _cancelled(sa) == at_a  # kept: the earlier  # rule: RET-2
    assert _cancelled(sb) == at_a  # moved back to the earlier  # rule: RET-2
    outcomes_b = {c["store"]: c["outcome"] for c in confirmations(sb.db, rid_b)}
    assert outcomes_b == {A: "no_change", B: "done"}
    outcomes_a = {c["store"]: c["outcome"] for c in confirmations(sa.db, rid_a)}
    assert outcomes_a == {A: "done", B: "done"}
    # idempotent: B's order once more at A changes nothing, journals nothing
    payload = _order_payload(chain, "cancellation_order", origin=B)
    journal_before = sa.db.scalar("SELECT count(*) FROM change_journal")
    handler = feeds.handler_for("cancellation_order")
    ctx = feeds._verified_context(A, chain["e"][A]._key())
    handler(feeds.sync_session(sa.db, A, "DESK-1", sa.clock), payload, ctx)
    assert _cancelled(sa) == at_a and sa.db.scalar("SELECT count(*) FROM change_journal") == journal_before
    with chain["ho"].storage.read() as c:
        assert c.scalar("SELECT count(*) FROM chain_orders WHERE kind = 'cancellation_order'") == 2  # no echo


def test_a_cancellation_never_resurrects_an_erased_member(chain, clock):
    sb, sa = chain["s"][B], chain["s"][A]
    rid = new_request(sb, "cancel")
    execute_cancel(sb, rid)
    chain["e"][B].sync_once()  # filed and sent to A
    execute_delete(sa, new_request(sa, "delete"), ledger_path=chain["p"][A][2].erasure_ledger)  # before A syncs
    round_trip(chain, A, B, A)
    assert is_erased(sa.db, MID) and sa.db.one("SELECT 1 FROM members WHERE id = ?", (MID,)) is None  # rule: RIG-3
    assert is_erased(sb.db, MID) and sb.db.one("SELECT 1 FROM members WHERE id = ?", (MID,)) is None  # rule: RIG-3
    assert sa.db.scalar("SELECT outcome FROM chain_orders_applied WHERE kind = 'cancellation_order'") == "erased"
    # a cancellation uploaded after the erasure (a store restored from an old backup) is never filed
    with sb.write("test.resend", "member", MID) as tx:
        tx.journal(
            "chain_order",
            "late-cancel",
            "event",
            {"kind": "cancellation_order", "member_id": MID, "cancelled_at": "2026-11-02T09:00:00+08:00"},
            member_id=MID,
        )
    chain["e"][B].upload()
    assert "member_erased" in [q["reason"] for q in chain["ho"].quarantined(B)]  # rule: RIG-3
    assert chain["ho"].member_records(MID) == 0  # rule: RIG-3


def test_a_cancellation_without_a_time_is_not_filed(chain):
    sb = chain["s"][B]
    with sb.write("test.bad", "member", MID) as tx:
        tx.journal("chain_order", "no-time", "event", {"kind": "cancellation_order", "member_id": MID}, member_id=MID)
    chain["e"][B].upload()
    assert [q["reason"] for q in chain["ho"].quarantined(B)] == ["bad_order"]
    assert _cancelled(chain["s"][A])[0] == "active"


def test_erasure_unchanged_and_confirmed_at_b(chain, tmp_path):
    sb, sa = chain["s"][B], chain["s"][A]
    rid = new_request(sb, "delete")
    execute_delete(sb, rid, ledger_path=chain["p"][B][2].erasure_ledger)
    round_trip(chain, B, A, C, B)
    assert is_erased(sa.db, MID) and sa.db.one("SELECT 1 FROM members WHERE id = ?", (MID,)) is None  # rule: RIG-3
    assert chain["ho"].member_records(MID) == 0  # rule: RIG-3
    assert feed_targets(chain["ho"], "erasure_order") == [None]  # every store, as before
    shown = confirmations(sb.db, rid)
    assert {c["store"] for c in shown} == {A, B, C}  # rule: RIG-3
    assert all(c["kind"] == "erasure_order" for c in shown)


def test_erasure_drops_a_pending_correction_values(chain):
    sb, sa = chain["s"][B], chain["s"][A]
    rid = new_request(sb, "correct")
    execute_correct(sb, rid, {"name": "王五新"})
    chain["e"][B].sync_once()
    chain["ho"].file_erasure_order(MID, request_id="HO-1")
    with chain["ho"].storage.read() as c:
        assert c.scalar("SELECT count(*) FROM chain_orders") == 0  # rule: RIG-3
    chain["e"][A].sync_once()
    assert is_erased(sa.db, MID)  # rule: RIG-3
    outcome = sa.db.scalar("SELECT outcome FROM chain_orders_applied WHERE kind = 'correction_order'")
    assert outcome == "erased"


# -- replay, not held, only with the verified feed ------------------------------------------------
def _order_payload(ch, kind, origin=None):
    """The feed row of this kind for A (the one filed from `origin` when given), as A receives it."""
    with ch["ho"].storage.read() as c:
        rows = c.all("SELECT payload FROM feed WHERE kind = ? AND target_store = ? ORDER BY id", (kind, A))
        row = next(r for r in rows if origin is None or json.loads(r[0]).get("origin_store") == origin)
        return HO.open_rows(ch["ho"], c, [{"kind": kind, "payload": json.loads(row[0])}])[0]["payload"]


def test_replayed_order_is_a_noop_and_unknown_member_is_not_held(chain):
    sb, sa, sc = chain["s"][B], chain["s"][A], chain["s"][C]
    rid = new_request(sb, "correct")
    execute_correct(sb, rid, {"name": "王五新"})
    round_trip(chain, B, A)
    payload = _order_payload(chain, "correction_order")
    audit_before = sa.db.scalar("SELECT count(*) FROM audit_log")
    ctx = feeds._verified_context(A, chain["e"][A]._key())
    handler = feeds.handler_for("correction_order")
    sa.db.execute("UPDATE members SET name = '王五' WHERE id = ?", (MID,))  # would be corrected again if applied
    handler(feeds.sync_session(sa.db, A, "DESK-1", sa.clock), payload, ctx)
    assert sa.db.scalar("SELECT name FROM members WHERE id = ?", (MID,)) == "王五"  # replay: a no-op
    assert sa.db.scalar("SELECT count(*) FROM audit_log") == audit_before
    ctx_c = feeds._verified_context(C, chain["e"][C]._key())
    handler(feeds.sync_session(sc.db, C, "DESK-1", sc.clock), payload, ctx_c)
    assert sc.db.scalar("SELECT outcome FROM chain_orders_applied") == "not_held"
    with pytest.raises(UserError):  # a person's session cannot apply head office's order  # rule: SEC-1
        handler(sc, {**payload, "order_id": "forged"}, feeds.ApplyContext(C, chain["e"][C]._key()))


# -- the chain-wide copy --------------------------------------------------------------------------
def test_copy_at_b_holds_a_records_labelled_by_store(chain):
    sb = chain["s"][B]
    rid = new_request(sb, "access")
    before = get_request(sb.db, rid)["due_on"]
    json_bytes, pdf_bytes, counts = build_chain_copy(sb, chain["e"][B], rid)
    data = json.loads(json_bytes)
    parts = {p["store_code"]: p for p in data["other_stores"]}
    assert set(parts) == {A}  # rule: RIG-6
    assert any(
        r["category"] == "member" and r["data"].get("name") == "王五" for r in parts[A]["records"]
    )  # rule: RIG-6
    assert parts[A]["store_name"] == f"门店{A}"
    assert counts["other_stores"] >= 1
    pdf = pdfium.PdfDocument(pdf_bytes)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert f"其他门店保存的信息：门店{A}（{A}）" in text and "王五" in text  # rule: RIG-6
    req = get_request(sb.db, rid)
    assert req["status"] == "completed" and req["due_on"] == before  # rule: RIG-2
    with chain["ho"].storage.read() as c:
        audits = [json.loads(r[0]) for r in c.all("SELECT details FROM ho_audit WHERE action = 'member.copy'")]
    assert audits and audits[-1]["request_id"] == rid and audits[-1]["staff"] == sb.staff.id  # rule: SEC-2


def test_copy_refused_without_an_open_access_request(chain):
    sb, sc = chain["s"][B], chain["s"][C]
    rid = new_request(sb, "correct")  # not an access-type request
    chain["e"][B].sync_once()
    with pytest.raises(UserError) as e:
        fetch_member_copy(chain["e"][B], rid, MID, sb.staff.id)
    assert e.value.code == "no_open_request"  # rule: SEC-1
    rid2 = new_request(sb, "access")
    chain["e"][B].sync_once()
    with pytest.raises(UserError) as e:  # store C names B's request: not its own
        fetch_member_copy(chain["e"][C], rid2, MID, sc.staff.id)
    assert e.value.code == "no_open_request"  # rule: SEC-1
    with pytest.raises(UserError) as e:  # B's access request, another member
        fetch_member_copy(chain["e"][B], rid2, "someone-else", sb.staff.id)
    assert e.value.code == "no_open_request"  # rule: SEC-1
    with chain["ho"].storage.read() as c:
        assert c.scalar("SELECT count(*) FROM ho_audit WHERE action = 'member.copy.refused'") == 3


def test_copy_offline_keeps_the_request_open_and_the_clock_running(chain, manager):
    sb = chain["s"][B]
    rid = new_request(sb, "copy")
    chain["e"][B].sync_once()
    due = get_request(sb.db, rid)["due_on"]

    def refuse(request):
        raise httpx.ConnectError("unreachable")

    offline = engine(sb, chain["p"][B][2], httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(UserError) as e:
        build_chain_copy(sb, offline, rid)
    assert e.value.key == "requests.chain_unreachable"
    req = get_request(sb.db, rid)
    assert req["status"] == "in_progress" and req["due_on"] == due  # rule: RIG-2
    assert any(ev["event"] == "chain_copy_pending" for ev in timeline(sb.db, rid))
    chain["e"][B].sync_once()
    overdue = chain["ho"].overdue_requests("2099-01-01")
    assert [(r["request_id"], r["due_date"]) for r in overdue if r["store"] == B] == [(rid, due)]  # rule: RIG-2


def test_orders_do_not_reset_the_chain_wide_clock(chain):
    sb = chain["s"][B]
    rid = new_request(sb, "restrict")
    due = get_request(sb.db, rid)["due_on"]
    execute_restrict(sb, rid)
    round_trip(chain, B, A, B)
    recs = [r for r in chain["ho"].records(entity="request") if r["entity_id"] == rid]
    assert recs and recs[0]["payload"]["due_on"] == due  # rule: RIG-2


def test_a_store_that_holds_the_member_later_gets_the_earlier_orders(chain):
    sb, sc = chain["s"][B], chain["s"][C]
    rid = new_request(sb, "correct")
    execute_correct(sb, rid, {"name": "王五新"})
    round_trip(chain, B, C)
    assert sc.db.scalar("SELECT count(*) FROM chain_orders_applied") == 0  # C did not hold the member
    hold(sc, MID)  # C serves the member from now on (adopted, or registered offline and linked)
    round_trip(chain, C, B)  # C's rows go up and make it a holder; the order follows in the same sync
    assert sc.db.scalar("SELECT name FROM members WHERE id = ?", (MID,)) == "王五新"  # rule: RIG-1
    assert {c["store"] for c in confirmations(sb.db, rid)} == {B, C}
    assert [w["store"] for w in awaiting(sb.db, rid)] == [A]  # A has not synced since
    round_trip(chain, A, B)
    assert {c["store"] for c in confirmations(sb.db, rid)} == {A, B, C} and awaiting(sb.db, rid) == []


def test_forged_or_foreign_receipts_and_resent_orders_are_not_taken(chain):
    sb, sa = chain["s"][B], chain["s"][A]
    rid = new_request(sb, "restrict")
    execute_restrict(sb, rid)
    chain["e"][B].sync_once()
    ho = chain["ho"]
    with ho.storage.read() as c:
        oid = c.scalar("SELECT order_id FROM chain_orders")
        feed_rows = c.scalar("SELECT count(*) FROM feed")
    receipt = {"order_id": oid, "kind": "restriction_order", "member_id": MID, "store": A, "outcome": "done"}
    forged = signing.sign_receipt(signing.new_private_key(), receipt)
    with sa.write("test.forge", "member", MID) as tx:
        tx.journal("order_receipt", oid, "event", {"receipt": receipt, "signature": forged})
        # a receipt signed by A that claims to come from B
        tx.journal(
            "order_receipt",
            oid + "b",
            "event",
            {"receipt": {**receipt, "store": B}, "signature": signing.sign_receipt(chain["e"][A]._key(), receipt)},
        )
    chain["e"][A].upload()
    assert [q["reason"] for q in ho.quarantined(A)] == ["bad_receipt", "bad_receipt"]  # rule: SEC-3
    assert {r["store"] for r in HO.order_receipts(ho, oid)} == {B}  # rule: SEC-3
    # the same chain_order uploaded again (a store restored from a backup): filed once, published once
    payload = {"kind": "restriction_order", "member_id": MID, "request_id": rid, "restricted": True}
    with sb.write("test.resend", "member", MID) as tx:
        tx.journal("chain_order", oid, "event", payload, member_id=MID)
    chain["e"][B].upload()
    with ho.storage.read() as c:
        assert c.scalar("SELECT count(*) FROM chain_orders") == 1
        assert c.scalar("SELECT count(*) FROM feed") == feed_rows
