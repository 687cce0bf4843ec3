"""Two stores deciding the same field between syncs (issue #18): per field the newest decision wins at every holder.

Store A (SH-001) and store B (BJ-002) hold the same member (tests/app/test_chain_requests.py's `chain`, head office
on SQLite and on PostgreSQL). Each store carries out its request before either has synced; whatever order the
syncs come in, both end with the newest decision per field (decision time = when the manager carried it out at
its store; the same second: the greater store code, then the greater order id). The older order is still
confirmed ("superseded"), so head office stops resending it.
"""

from __future__ import annotations

from app.members.orders import held_decisions
from app.requests import confirmations, execute_correct, execute_restrict, lift_restriction, open_request
from tests.app.test_chain_requests import MID, A, B, chain, round_trip  # noqa: F401 - the fixture


def _row(session):
    return tuple(session.db.one("SELECT name, birth_date, restricted FROM members WHERE id = ?", (MID,)))


def _correct(session, changes):
    rid = open_request(session, "correct", MID, identity_method="id_card_sighted")
    execute_correct(session, rid, changes)
    return rid


def _outcomes(session, rid, kind):
    return sorted((c["store"], c["outcome"]) for c in confirmations(session.db, rid) if c["kind"] == kind)


def test_two_corrections_crossing_end_with_the_newest_per_field(chain, clock):
    sa, sb = chain["s"][A], chain["s"][B]
    older = _correct(sa, {"name": "王五甲", "birth_date": "1990-03-07"})  # A first ...
    clock.advance(minutes=5)
    newer = _correct(sb, {"name": "王五乙"})  # ... then B, before either has synced
    round_trip(chain, A, B, A, B, A)
    # name: B's newer decision; birth date: A's, the only one
    assert _row(sa)[:2] == _row(sb)[:2] == ("王五乙", "1990-03-07")  # rule: RIG-1
    assert held_decisions(sa.db, MID, ["name", "birth_date"]) == held_decisions(sb.db, MID, ["name", "birth_date"])
    assert _outcomes(sa, older, "correction_order") == [(B, "done"), (A, "done")]  # B took the birth date only
    assert _outcomes(sb, newer, "correction_order") == [(B, "done"), (A, "done")]
    # the other way round: the newer store syncs first, the older order is confirmed but changes nothing
    clock.advance(minutes=5)
    older = _correct(sa, {"name": "王五丙"})
    clock.advance(minutes=5)
    _correct(sb, {"name": "王五丁"})
    round_trip(chain, B, A, B, A)
    assert _row(sa)[0] == _row(sb)[0] == "王五丁"  # rule: RIG-1
    assert _outcomes(sa, older, "correction_order") == [(B, "superseded"), (A, "done")]


def test_restrict_and_lift_crossing_end_with_the_newest(chain, clock):
    sa, sb = chain["s"][A], chain["s"][B]
    execute_restrict(sb, open_request(sb, "restrict", MID, identity_method="id_card_sighted"))  # B restricts ...
    clock.advance(minutes=5)
    execute_restrict(sa, open_request(sa, "restrict", MID, identity_method="id_card_sighted"))
    clock.advance(minutes=5)
    lift_restriction(sa, MID, "顾客申请解除")  # ... A restricts and lifts later, before either has synced
    round_trip(chain, B, A, B, A)
    assert _row(sa)[2] == _row(sb)[2] == 0  # B's older restriction does not come back at A  # rule: RIG-5
    # a lift at A, then a restriction at B: the restriction is newer
    clock.advance(minutes=5)
    execute_restrict(sb, open_request(sb, "restrict", MID, identity_method="id_card_sighted"))
    round_trip(chain, B, A)
    clock.advance(minutes=5)
    lift_restriction(sa, MID, "顾客申请解除")
    clock.advance(minutes=5)
    lift_restriction(sb, MID, "顾客申请解除")
    execute_restrict(sb, open_request(sb, "restrict", MID, identity_method="id_card_sighted"))
    round_trip(chain, A, B, A, B)
    assert _row(sa)[2] == _row(sb)[2] == 1  # rule: RIG-5
    assert held_decisions(sa.db, MID, ["restricted"]) == held_decisions(sb.db, MID, ["restricted"])


def test_the_same_second_is_settled_by_the_store_code(chain):
    sa, sb = chain["s"][A], chain["s"][B]
    assert A > B  # SH-001 sorts after BJ-002: A's decision wins a tie
    rid_b = _correct(sb, {"name": "王五乙"})
    rid_a = _correct(sa, {"name": "王五甲"})  # the same second (the clock did not move)
    round_trip(chain, A, B, A, B)
    assert _row(sa)[0] == _row(sb)[0] == "王五甲"  # rule: RIG-1
    assert _outcomes(sb, rid_b, "correction_order") == [(B, "done"), (A, "superseded")]
    assert _outcomes(sa, rid_a, "correction_order") == [(B, "done"), (A, "done")]
    # a restriction and its lifting at one store in the same second keep their order (the order id sorts as decided)
    execute_restrict(sb, open_request(sb, "restrict", MID, identity_method="id_card_sighted"))
    lift_restriction(sb, MID, "顾客申请解除")
    round_trip(chain, B, A)
    assert _row(sa)[2] == _row(sb)[2] == 0  # rule: RIG-5


def test_a_change_made_after_a_newer_order_arrived_wins_whatever_the_clocks(chain, clock):
    sa, sb = chain["s"][A], chain["s"][B]
    clock.advance(hours=1)  # B's clock runs an hour ahead of A's
    _correct(sb, {"name": "王五乙"})
    round_trip(chain, B, A)
    assert _row(sa)[0] == "王五乙"
    clock.advance(hours=-1)
    _correct(sa, {"name": "王五甲"})  # the manager at A corrects the name A shows (B's): this decision is the newer
    round_trip(chain, A, B, A)
    assert _row(sa)[0] == _row(sb)[0] == "王五甲"  # rule: RIG-1
