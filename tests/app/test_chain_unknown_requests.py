"""A request for a member this store does not hold is taken and queued (issue #18): offline at the desk, looked up
when head office answers, then adopted (the staff confirming on the request) or closed as "no member"; the 15
working days count from the receipt. Store <-> head office in process, head office on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from app.errors import UserError
from app.flows.adoption import adopt_member
from app.members.records import MobileExists
from app.members.service import cipher_for
from app.requests import execute_correct, get_request, timeline
from app.requests.unknown import attach_local, close_no_member, customer, look_up, open_for_unknown, waiting
from app.sync.transport import Transport
from tests.app.regdata import register
from tests.app.test_chain_lookup import MOBILE, NAME, client, ho, seen, two_stores  # noqa: F401 - fixtures


def _down(eng):
    saved = eng._transport

    def refuse(request):
        raise httpx.ConnectError("unreachable", request=request)

    eng._transport = Transport(
        "http://testserver",
        http=httpx.Client(transport=httpx.MockTransport(refuse)),
        allow_plain_http=True,
        retries=0,
        sleep=lambda s: None,
    )
    return saved


def _plain_anywhere(session, *values: str) -> list[str]:
    """Tables of the store DB where any of `values` appears in clear."""
    hits = []
    for (table,) in session.db.all("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in session.db.all(f'SELECT * FROM "{table}"'):  # noqa: S608 - test: table names from the schema
            text = " ".join(str(v) for v in tuple(row))
            hits += [table for v in values if v in text]
    return sorted(set(hits))


def test_taken_offline_looked_up_later_adopted_on_the_request_clock_from_receipt(two_stores, clock, ho):  # noqa: F811
    (sa, va, a), (sb, vb, b) = two_stores
    member = register(sa, va, name=NAME, mobile=MOBILE, granted={"marketing": True})
    a.sync_once()
    saved = _down(b)
    rid = open_for_unknown(sb, "correct", NAME, MOBILE, cipher_for(vb), identity_method="id_card_sighted")
    due = get_request(sb.db, rid)["due_on"]
    assert get_request(sb.db, rid)["received_on"] == clock.now().date().isoformat()
    with pytest.raises(UserError) as e:
        look_up(sb, rid, cipher_for(vb), engine=b)
    assert e.value.key == "chain.offline"
    assert customer(sb.db, rid)["state"] == "queued" and waiting(sb.db) == [rid]
    assert [t["event"] for t in timeline(sb.db, rid)][-2:] == ["awaiting_lookup", "lookup_pending"]
    assert _plain_anywhere(sb, MOBILE, NAME) == []  # encrypted, never journalled nor audited  # rule: SEN-3
    clock.advance(days=3)
    ho.clock.t += 3 * 86400  # head office's clock too (signed requests carry the time)
    b._transport = saved  # head office answers again
    found = look_up(sb, rid, cipher_for(vb), engine=b)
    assert found["state"] == "found" and found["match_member_no"] == member["member_no"]
    assert found["match_name_masked"] == "张*明" and found["match_home_store"] == "SH-001"
    assert get_request(sb.db, rid)["member_id"] is None  # nothing attached before the staff confirm
    adopt_member(sb, member["id"], engine=b, request_id=rid)  # the staff confirmed with the customer
    req = get_request(sb.db, rid)
    assert req["member_id"] == member["id"] and req["customer_found"] == 1
    assert req["due_on"] == due  # the clock started at receipt, not at the lookup  # rule: RIG-1
    row = sb.db.one(
        "SELECT name_enc, mobile_enc, name_masked, state FROM request_customers WHERE request_id = ?", (rid,)
    )
    assert tuple(row) == (None, None, "", "attached")  # no longer needed  # rule: MIN-1
    execute_correct(sb, rid, {"name": "张小名"})  # and the request is carried out for the whole chain
    for eng in (b, a, b):
        eng.sync_once()
    assert sa.db.scalar("SELECT name FROM members WHERE id = ?", (member["id"],)) == "张小名"  # rule: RIG-1


def test_no_member_anywhere_closes_as_not_found_and_forgets_the_customer(two_stores):  # noqa: F811
    (_sa, _va, _a), (sb, vb, b) = two_stores
    rid = open_for_unknown(sb, "access", "李雷", "13600001234", cipher_for(vb))
    assert look_up(sb, rid, cipher_for(vb), engine=b)["state"] == "no_member"
    with pytest.raises(UserError) as e:  # nothing to adopt
        adopt_member(sb, "0" * 16, engine=b, request_id=rid)
    assert e.value.key == "requests.match_changed"
    req = close_no_member(sb, rid)
    assert (req["status"], req["outcome"]) == ("completed", "not_found")  # rule: RIG-1
    row = sb.db.one("SELECT name_enc, mobile_enc, mobile_masked FROM request_customers WHERE request_id = ?", (rid,))
    assert tuple(row) == (None, None, "")  # rule: MIN-1
    with pytest.raises(UserError):
        close_no_member(sb, rid)


def test_a_member_held_here_meanwhile_is_attached_and_a_known_mobile_opens_that_member(two_stores):  # noqa: F811
    (_sa, _va, _a), (sb, vb, b) = two_stores
    rid = open_for_unknown(sb, "delete", NAME, MOBILE, cipher_for(vb))
    local = register(sb, vb, name=NAME, mobile=MOBILE)  # registered here since
    assert look_up(sb, rid, cipher_for(vb), engine=b)["state"] == "found_local"
    with pytest.raises(UserError) as e:  # a local member is not adopted
        adopt_member(sb, local["id"], engine=b, request_id=rid)
    assert e.value.key in ("adoption.already_local", "requests.match_changed")
    assert attach_local(sb, rid)["member_id"] == local["id"]
    with pytest.raises(MobileExists):  # a mobile held here: the request is opened for that member instead
        open_for_unknown(sb, "access", NAME, MOBILE, cipher_for(vb))


def test_a_lookup_answer_is_required_before_anything_is_attached(two_stores):  # noqa: F811
    (sa, va, a), (sb, vb, b) = two_stores
    member = register(sa, va, name=NAME, mobile=MOBILE)
    a.sync_once()
    rid = open_for_unknown(sb, "access", NAME, MOBILE, cipher_for(vb))
    with pytest.raises(UserError) as e:  # not looked up yet: no adoption for the request
        adopt_member(sb, member["id"], engine=b, request_id=rid)
    assert e.value.key == "requests.match_changed"
    assert sb.db.one("SELECT 1 FROM members WHERE id = ?", (member["id"],)) is None
    with pytest.raises(UserError):
        attach_local(sb, rid)


def test_a_guardian_never_travels_and_is_asked_again_at_the_adopting_store(two_stores, seen):  # noqa: F811
    """Decision of issue #18 (docs/headoffice.md "Guardians do not travel"): the guardian's name and relation stay
    in the consent record of the store that took them; head office gets none and returns none at adoption."""
    from app.flows.enrolment import grant_consent

    (sa, va, a), (sb, vb, b) = two_stores
    guardian = {"name": "张大明", "relation": "father", "consent": True, "sensitive": []}
    kid = register(sa, va, name="张小小", mobile="13812340002", minor=True, guardian=guardian)
    journal = " ".join(r[0] for r in sa.db.all("SELECT payload FROM change_journal WHERE member_id = ?", (kid["id"],)))
    assert "张大明" not in journal and "father" not in journal  # nothing of the guardian is uploaded  # rule: MIN-1
    a.sync_once()
    adopt_member(sb, kid["id"], engine=b)
    answer = [body for path, body in seen if path == "/v1/members/adopt"][-1]
    assert b'"guardian": null' in answer or b'"guardian":null' in answer
    assert "张大明".encode() not in answer  # rule: MIN-1
    assert sb.db.scalar("SELECT count(*) FROM consent_records WHERE member_id = ?", (kid["id"],)) == 0
    with pytest.raises(UserError) as e:  # a later consent at B: the guardian again, in person
        grant_consent(sb, kid["id"], {"offers": True}, cipher=cipher_for(vb))
    assert e.value.key == "member.guardian_required"  # rule: CON-4


def test_a_copy_request_taken_for_an_unknown_customer_gets_the_other_stores_part(two_stores):  # noqa: F811
    from app.requests.chain import other_stores_part

    (sa, va, a), (sb, vb, b) = two_stores
    member = register(sa, va, name=NAME, mobile=MOBILE, granted={"marketing": True})
    a.sync_once()
    rid = open_for_unknown(sb, "access", NAME, MOBILE, cipher_for(vb), identity_method="id_card_sighted")
    b.sync_once()  # head office sees the request before it names a member
    look_up(sb, rid, cipher_for(vb), engine=b)
    adopt_member(sb, member["id"], engine=b, request_id=rid)
    part = other_stores_part(sb, b, rid, member["id"])  # uploads the journal: the request now names the member
    assert part is not None and "SH-001" in part  # rule: RIG-6
    assert any(r["entity"] == "member" for r in part["SH-001"]["records"])


def test_a_cancellation_taken_for_an_unknown_customer_cancels_the_home_store_at_this_stores_time(
    two_stores,  # noqa: F811
    clock,
):
    """The unknown-member path carries orders: once the member is adopted on the request, the cancellation at this
    store travels to the store that registered the member, with this store's time (RET-2: same purge day)."""
    from app.requests import awaiting, confirmations, execute_cancel

    (sa, va, a), (sb, vb, b) = two_stores
    member = register(sa, va, name=NAME, mobile=MOBILE, granted={"marketing": True})
    a.sync_once()
    rid = open_for_unknown(sb, "cancel", NAME, MOBILE, cipher_for(vb), identity_method="id_card_sighted")
    look_up(sb, rid, cipher_for(vb), engine=b)
    adopt_member(sb, member["id"], engine=b, request_id=rid)
    execute_cancel(sb, rid)
    sql = "SELECT status, cancelled_at FROM members WHERE id = ?"
    at_b = tuple(sb.db.one(sql, (member["id"],)))
    clock.advance(hours=2)
    for eng in (b, a, b):
        eng.sync_once()
    assert tuple(sa.db.one(sql, (member["id"],))) == at_b and at_b[0] == "cancelled"  # rule: RET-2
    assert {c["store"]: c["outcome"] for c in confirmations(sb.db, rid)} == {"SH-001": "done", sb.store_code: "done"}
    assert awaiting(sb.db, rid) == []  # rule: RIG-1
