"""The consent state of a customer registered at several stores, erased at one, registered there again (issue #18,
CON-3): every holder and head office end with the newest decision per purpose (a refusal wins a tie). A withdrawal
carried out for head office's order or merge keeps the time the customer decided it, never the time it reached a
store: re-dated, an old withdrawal beat a grant given meanwhile elsewhere (the convergence machine's
`consent_is_newest`, tests/app/test_chain_convergence.py). Head office on SQLite and PostgreSQL."""

from __future__ import annotations

from app.consent.service import withdraw_consent
from app.erasure import erase_member
from app.flows.adoption import adopt_member
from app.sync.chain import lookup_by_mobile
from headoffice import register as REG
from tests.app.regdata import register
from tests.app.test_chain_merge import MOBILE, _sync, client, ho, stores  # noqa: F401 - fixtures

A, B, C = "SH-001", "BJ-002", "GZ-003"


def _tick(clock, ho):
    clock.advance(minutes=1)
    ho.clock.t += 60


def _marketing(session):
    """(member id, granted, updated_at) of the marketing state this store holds for the customer, or None."""
    row = session.db.one(
        "SELECT m.id, c.granted, c.updated_at FROM members m JOIN member_consents c ON c.member_id = m.id"
        " WHERE m.mobile = ? AND c.purpose_code = 'marketing'",
        (MOBILE,),
    )
    return None if row is None else (row[0], bool(row[1]), row[2])


def _newest_at_head_office(ho, member_id):
    """(granted, decided_at) of head office's newest marketing decision for the member (both records counted)."""
    with ho.storage.read() as c:
        key = ho.keys.bidx(c, "member", member_id, ho.clock.t)
        view = REG.member_view(ho.keys, c, key, ho.clock.t) if key else None
    assert view is not None
    item = next(v for v in view["consents"] if v["purpose"] == "marketing")
    return item["granted"], item["decided_at"]


def _settle(stores, ho, clock):
    for _ in range(3):
        for code in (A, B, C):
            _tick(clock, ho)
            stores[code][2].sync_once()


def test_registered_again_after_an_erasure_its_grant_is_newer_than_an_older_withdrawal_everywhere(stores, ho, clock):
    """The machine's sequence: registered offline at A (marketing refused), B and C (granted); erased at A;
    marketing withdrawn at the desk at C; registered again at A, granted. A's new registration is the newest
    decision: granted at every holder and at head office. B, which held only its own older grant, answers C's
    withdrawal order (older than A's new grant, learnt from the merge) "superseded"."""
    (sa, va, _), (sb, vb, _), (sc, vc, _) = stores[A], stores[B], stores[C]
    for s, v, granted in ((sa, va, False), (sb, vb, True), (sc, vc, True)):
        _tick(clock, ho)
        register(s, v, name="张小明", mobile=MOBILE, granted={"marketing": granted})
    _tick(clock, ho)
    erase_member(sa, _marketing(sa)[0])
    _tick(clock, ho)
    withdraw_consent(sc, _marketing(sc)[0], "marketing")
    _tick(clock, ho)
    again = register(sa, va, name="张小明", mobile=MOBILE, granted={"marketing": True})
    granted_at = _marketing(sa)[2]
    _settle(stores, ho, clock)
    held = {code: _marketing(stores[code][0]) for code in (A, B, C)}
    assert {h[0] for h in held.values()} == {again["id"]}  # one customer, the new registration's id
    assert _newest_at_head_office(ho, again["id"]) == (True, granted_at)  # rule: CON-3
    assert {code: h[1] for code, h in held.items()} == {A: True, B: True, C: True}  # rule: CON-3
    outcome = sb.db.scalar("SELECT outcome FROM chain_orders_applied WHERE kind = 'withdrawal_order'")
    assert outcome == "superseded"
    for s in (sa, sb, sc):
        assert s.db.scalar("SELECT marketing_opt_in FROM members WHERE id = ?", (again["id"],)) == 1


def test_a_withdrawal_carried_out_later_keeps_its_time_and_loses_to_a_grant_given_meanwhile(stores, ho, clock):
    """Registered at A (granted) and adopted at B; B withdraws at the desk; C registers the customer offline with
    marketing granted after that; A carries out B's withdrawal order minutes later, before C's record is merged.
    A's withdrawal keeps B's time, so C's grant is the newest decision: granted everywhere once merged. (Dated when
    A carried it out, the withdrawal was the newest and took the grant away at every store.)"""
    (sa, va, ea), (sb, _, eb), (sc, vc, _) = stores[A], stores[B], stores[C]
    x = register(sa, va, name="张小明", mobile=MOBILE, granted={"marketing": True})
    ea.sync_once()
    _tick(clock, ho)
    match = lookup_by_mobile(sb, MOBILE, engine=eb)
    assert match is not None
    adopt_member(sb, x["id"], engine=eb)
    _tick(clock, ho)
    withdraw_consent(sb, x["id"], "marketing")
    withdrawn_at = _marketing(sb)[2]
    _tick(clock, ho)
    register(sc, vc, name="张小明", mobile=MOBILE, granted={"marketing": True})
    granted_at = _marketing(sc)[2]
    for _ in range(5):
        _tick(clock, ho)
    eb.sync_once()  # the withdrawal order reaches head office
    _tick(clock, ho)
    ea.sync_once()  # ... and A, which carries it out now
    assert _marketing(sa) == (x["id"], False, withdrawn_at)  # rule: CON-3
    _tick(clock, ho)
    ea.sync_once()  # A's withdrawal record uploaded
    assert _newest_at_head_office(ho, x["id"]) == (False, withdrawn_at)  # rule: CON-3
    _settle(stores, ho, clock)  # C's registration is merged into the customer
    assert _newest_at_head_office(ho, x["id"]) == (True, granted_at)  # rule: CON-3
    held = {code: _marketing(stores[code][0]) for code in (A, B, C)}
    assert {h[0] for h in held.values()} == {x["id"]}
    assert {code: h[1] for code, h in held.items()} == {A: True, B: True, C: True}  # rule: CON-3
