"""A customer registered twice and cancelled at one of the two stores (issue #18, RET-2): head office's merge and
every holder settle the membership by one rule (app/members/membership.py, docs/headoffice.md "Merging a customer
registered twice", rule 8) — cancelled iff a cancellation is at or after the newest registration of either record, at
the earliest such time; a registration after the cancellation is a new membership. Whatever id survives, whatever
order the merge, the cancellation order and the syncs arrive in. Head office on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from app.flows.adoption import adopt_member
from app.members.membership import settle
from app.requests import execute_cancel, execute_correct, open_request
from app.sync.chain import lookup_by_mobile
from tests.app.regdata import register
from tests.app.test_chain_merge import MOBILE, _sync, client, ho, stores  # noqa: F401 - fixtures

A, B, C = "SH-001", "BJ-002", "GZ-003"


def _cancel(session, member_id):
    execute_cancel(session, open_request(session, "cancel", member_id, identity_method="id_card_sighted"))
    return session.db.scalar("SELECT cancelled_at FROM members WHERE id = ?", (member_id,))


def _state(session):
    row = session.db.one("SELECT id, status, cancelled_at, registered_at FROM members WHERE mobile = ?", (MOBILE,))
    return None if row is None else tuple(row)


def _tick(clock, ho):
    clock.advance(minutes=5)
    ho.clock.t += 300  # head office's clock moves with the stores' (signed requests carry the time)


def _up(stores, ho, code):
    stores[code][2].sync_once()
    ho.clock.t += 60


@pytest.mark.parametrize("when", ["cancelled_before_b_registered", "cancelled_after_b_registered"])
@pytest.mark.parametrize("order", ["a_uploads_first", "b_uploads_first", "cancellation_uploaded_after_the_merge"])
def test_every_holder_ends_in_the_state_the_rule_gives_whatever_survives_and_arrives_first(
    stores, ho, clock, when, order
):
    sa, va, _ = stores[A]
    sb, vb, _ = stores[B]
    x = register(sa, va, name="张小明", mobile=MOBILE, granted={"marketing": True})
    if order == "cancellation_uploaded_after_the_merge":
        _up(stores, ho, A)  # A's member is known; its cancellation (below) is not, when B's duplicate is merged
    _tick(clock, ho)
    if when == "cancelled_before_b_registered":
        cancelled_at = _cancel(sa, x["id"])
        _tick(clock, ho)
        y = register(sb, vb, name="张小明", mobile=MOBILE, granted={"marketing": True})
    else:
        y = register(sb, vb, name="张小明", mobile=MOBILE, granted={"marketing": True})
        _tick(clock, ho)
        cancelled_at = _cancel(sa, x["id"])
    newest_registration = sb.db.scalar("SELECT registered_at FROM members WHERE id = ?", (y["id"],))
    first, second = (B, A) if order == "b_uploads_first" else (A, B)
    if order == "cancellation_uploaded_after_the_merge":
        first, second = B, A  # B's upload finds the duplicate and merges; A's cancellation order comes after
    _up(stores, ho, first)
    _up(stores, ho, second)
    _sync(stores, A, B, rounds=3)
    survivor = ho.member_merges()[0]["survivor_id"]
    assert survivor == (y["id"] if order == "b_uploads_first" else x["id"])
    expected_cancelled = None if when == "cancelled_before_b_registered" else cancelled_at
    expected = (survivor, "cancelled" if expected_cancelled else "active", expected_cancelled, newest_registration)
    assert _state(sa) == expected  # rule: RET-2
    assert _state(sb) == expected  # rule: RET-2
    if expected_cancelled:  # a cancelled membership markets nothing, whatever the merged consents say
        assert sa.db.scalar("SELECT marketing_opt_in + offers_opt_in FROM members WHERE id = ?", (survivor,)) == 0
        assert sb.db.scalar("SELECT marketing_opt_in + offers_opt_in FROM members WHERE id = ?", (survivor,)) == 0
    # a store that takes the customer on later ends in the same state (the merge and the orders reach it in order)
    sc, _, ec = stores[C]
    match = lookup_by_mobile(sc, MOBILE, engine=ec)
    assert match is not None and match.member_id == survivor
    adopt_member(sc, survivor, engine=ec)
    _sync(stores, C, A, B, rounds=3)
    assert _state(sc) == expected  # rule: RET-2
    assert _state(sa) == _state(sb) == expected


def test_a_cancellation_older_than_the_newest_registration_is_answered_superseded(stores, ho, clock):
    """A cancels offline; B registers the customer after that; B's upload merges before A's cancellation arrives:
    B answers the late order "superseded" (it ended the older membership), and neither store is cancelled."""
    sa, va, _ = stores[A]
    sb, vb, _ = stores[B]
    x = register(sa, va, name="张小明", mobile=MOBILE)
    _up(stores, ho, A)
    _tick(clock, ho)
    _cancel(sa, x["id"])
    _tick(clock, ho)
    register(sb, vb, name="张小明", mobile=MOBILE)
    _up(stores, ho, B)
    _sync(stores, A, B, rounds=3)
    assert sb.db.scalar("SELECT outcome FROM chain_orders_applied WHERE kind = 'cancellation_order'") == "superseded"
    assert _state(sa)[1:3] == _state(sb)[1:3] == ("active", None)  # rule: RET-2


def test_a_correction_from_another_store_reaches_a_cancelled_membership(stores, ho, clock):
    """A cancels the membership while B (which adopted the customer) corrects the name: the data stays three years
    (RET-2), so the correction is carried out at A too, and both stores end cancelled with the corrected name."""
    sa, va, _ = stores[A]
    sb, _, eb = stores[B]
    x = register(sa, va, name="张小明", mobile=MOBILE)
    _up(stores, ho, A)
    assert lookup_by_mobile(sb, MOBILE, engine=eb) is not None
    adopt_member(sb, x["id"], engine=eb)
    _up(stores, ho, B)
    _tick(clock, ho)
    cancelled_at = _cancel(sa, x["id"])  # at A, before A syncs again
    execute_correct(sb, open_request(sb, "correct", x["id"], identity_method="id_card_sighted"), {"name": "张晓明"})
    _sync(stores, A, B, rounds=3)
    assert sa.db.scalar("SELECT outcome FROM chain_orders_applied WHERE kind = 'correction_order'") == "done"
    for s in (sa, sb):
        row = s.db.one("SELECT name, status, cancelled_at FROM members WHERE id = ?", (x["id"],))
        assert tuple(row) == ("张晓明", "cancelled", cancelled_at)  # rule: RIG-1


def test_the_rule_itself():
    r1, c1, r2, c2 = "2026-11-02T09:00:00+08:00", "2026-11-02T10:00:00+08:00", "2026-11-03T09:00:00+08:00", None
    assert settle([r1], [c1]) == (r1, c1)
    assert settle([r1, r2], [c1]) == (r2, None)  # registered again after the cancellation: a new membership
    assert settle([r1, r2], [c1, "2026-11-04T01:00:00Z", "2026-11-03T12:00:00+08:00", c2]) == (
        r2,
        "2026-11-03T12:00:00+08:00",  # the earliest cancellation after the newest registration
    )
    assert settle([r1], ["not a time", ""]) == (r1, None)
    assert settle([r1], [r1]) == (r1, r1)  # the same instant: the cancellation counts
