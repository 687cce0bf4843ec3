"""Every core path that changes a member's consent decision, core fields, restriction or membership (a
cancellation) journals its chain order in the SAME transaction, and an order applied at a holder never comes back
as a new order (issue #18).

Three parts:
- the walk: every function of the core (app/: app.consent, app.members, app.requests, app.flows and every other
  package) that calls a writer of the member's consent decision, core fields, restriction or membership directly
  is either in WRITERS (run below against a member held by two stores: the order reaches the other store) or in
  NOT_A_CHANGE with a reason. A new writer fails here until it is run below (so it journals an order) or
  explained. Passing `order_id=` (which suppresses the order: head office's order being carried out) is allowed
  only where orders are applied;
- each writer, run at store B for a member held at A and B, journals one order of its kind and A follows;
- a process killed between the change and the order (crash point `chain.before_order`) leaves both or neither.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest.mock import ANY

import pytest

from app.clock import FixedClock
from app.config import resolve_paths
from app.consent.service import consent_active, withdraw_consent
from app.flows.enrolment import grant_consent
from app.members.service import cipher_for, corrected_elsewhere, get_member, update_member
from app.requests import (
    execute_cancel,
    execute_correct,
    execute_restrict,
    execute_withdraw,
    lift_restriction,
    open_request,
)
from app.requests.chain import cancel_membership, set_restriction
from tests.app.crashkit import KILLED, check_store, kill_at, sign_in
from tests.app.regdata import register
from tests.app.test_chain_requests import MID, A, B, chain, hold  # noqa: F401 - the fixture

# the writers of the four things that travel; app.members.records and record_references are their row layer
PRIMITIVES = {
    "update_core": "members core fields",
    "set_restricted": "members.restricted",
    "record_consent": "member_consents (a decision)",
    "record_references": "member_consents (adoption's references)",
    "cancel_membership_row": "members.status / cancelled_at (a cancellation, RET-2)",
}
LAYER = {"app.members.records"}  # the row writers themselves (they run in the caller's transaction)

# direct callers of a primitive that change a held member and journal an order: each is run below
WRITERS = {
    "app.members.service.update_member": "correction_order",
    "app.consent.service.withdraw_consent": "withdrawal_order",
    "app.consent.service.record_consent": "withdrawal_order",  # the one writer of member_consents decisions
    "app.flows.enrolment.grant_consent": "withdrawal_order",  # a re-consent / grant that refuses a granted purpose
    "app.requests.chain.set_restriction": "restriction_order",
    "app.requests.chain.cancel_membership": "cancellation_order",
}
NOT_A_CHANGE = {
    "app.flows.enrolment.register_member": "a new member: held nowhere else; a duplicate registration is merged at"
    " head office from the member upload (headoffice/merge.py), no order",
    "app.flows.adoption.adopt_member": "copies head office's state by reference: no decision is taken here",
    "app.consent.merging.take_grants": "carries out head office's merge order (the other record's newer grants, by"
    " reference): the merge goes to every holder from head office, so nothing is filed again",
}
# functions allowed to pass order_id= (they carry out head office's order: nothing is filed again)
APPLIERS = {"app.requests.chain._carry_out", "app.consent.service.withdraw_consent"}


def _functions() -> Iterator[tuple[str, ast.AST]]:
    """Every function (and method) of the whole core, app/ — the brief's four packages and any other."""
    root = Path(__file__).resolve().parents[2]
    for path in sorted((root / "app").rglob("*.py")):
        mod_name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        if mod_name in LAYER:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield f"{mod_name}.{node.name}", node


def _called(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


def _callee(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _writes(node: ast.AST) -> bool:
    return any(_callee(c) in PRIMITIVES for c in _called(node))


def test_the_walk_catches_a_new_writer():
    src = "def fix_name(session, mid):\n    with session.write('x') as tx:\n        R.update_core(tx, mid, {}, '')\n"
    assert _writes(ast.parse(src).body[0])
    assert not _writes(ast.parse("def f(tx):\n    R.touch(tx, 'm', '')\n").body[0])


def test_every_direct_writer_is_run_or_explained():
    found = {qual for qual, node in _functions() if _writes(node)}
    assert found, "the walk found no writer: it is broken"
    unaccounted = found - set(WRITERS) - set(NOT_A_CHANGE)
    assert not unaccounted, (
        f"a new writer of consent/core fields/restriction/membership: journal its order, {unaccounted}"
    )  # rule: RIG-1
    stale = (set(WRITERS) | set(NOT_A_CHANGE)) - found - {"app.consent.service.record_consent"}
    assert not stale, f"listed but no longer a writer: {stale}"


def test_only_the_order_appliers_suppress_the_order():
    """`order_id=` tells a writer it is carrying out head office's order (no new order). Any other caller
    passing it would make a change that never travels."""
    for qual, node in _functions():
        for call in _called(node):
            if _callee(call) in {
                "update_member",
                "withdraw_consent",
                "record_consent",
                "set_restriction",
                "cancel_membership",
            }:
                kw = {k.arg for k in call.keywords}
                if "order_id" in kw:
                    assert qual in APPLIERS or qual == "app.requests.chain._carry_out", qual  # rule: RIG-1


# -- each writer, at B, for a member A and B hold --------------------------------------------------------
def _orders(session, kind: str | None = None) -> list[str]:
    sql = "SELECT payload FROM change_journal WHERE entity = 'chain_order'"
    return [r[0] for r in session.db.all(sql) if kind is None or f'"kind": "{kind}"' in r[0]]


def _correct(sb):
    update_member(sb, MID, {"name": "王五改", "mobile": "13900008888", "birth_date": "1990-02-03"})


def _withdraw(sb):
    withdraw_consent(sb, MID, "marketing")


def _refuse_in_grant(sb):
    grant_consent(sb, MID, {"marketing": False})  # a later decision refusing a granted purpose


def _record(sb):
    _refuse_in_grant(sb)  # record_consent runs inside grant_consent / withdraw_consent


def _restrict(sb):
    set_restriction(sb, MID, True)


def _cancel(sb):
    cancel_membership(sb, MID)
    sb.clock.advance(hours=1)  # A applies it later: it must take B's time, not its own


def _request_cancel(sb):
    execute_cancel(sb, open_request(sb, "cancel", MID, identity_method="id_card_sighted"))
    sb.clock.advance(hours=1)


def _request_correct(sb):
    execute_correct(sb, open_request(sb, "correct", MID, identity_method="id_card_sighted"), {"name": "王五改"})


def _request_withdraw(sb):
    execute_withdraw(sb, open_request(sb, "withdraw", MID, identity_method="id_card_sighted"), ["marketing"])


def _request_restrict(sb):
    execute_restrict(sb, open_request(sb, "restrict", MID, identity_method="id_card_sighted"))


def _at_a_corrected(sa, _sb=None):
    return tuple(sa.db.one("SELECT name, mobile, birth_date FROM members WHERE id = ?", (MID,))) == (
        "王五改",
        "13900008888",
        "1990-02-03",
    )


def _at_a_cancelled_at_bs_time(sa, sb):
    """A cancelled the member at the time B did, not when A synced (RET-2: both stores purge on the same day)."""
    sql = "SELECT status, cancelled_at FROM members WHERE id = ?"
    at_b = sb.db.one(sql, (MID,))
    return at_b[0] == "cancelled" and tuple(sa.db.one(sql, (MID,))) == tuple(at_b)


def _at_a_withdrawn(sa, _sb=None):
    return not consent_active(sa.db, MID, "marketing")


def _at_a_restricted(sa, _sb=None):
    return sa.db.scalar("SELECT restricted FROM members WHERE id = ?", (MID,)) == 1


RUNS: dict[str, tuple[Callable, Callable]] = {
    "app.members.service.update_member": (_correct, _at_a_corrected),
    "app.consent.service.withdraw_consent": (_withdraw, _at_a_withdrawn),
    "app.consent.service.record_consent": (_record, _at_a_withdrawn),
    "app.flows.enrolment.grant_consent": (_refuse_in_grant, _at_a_withdrawn),
    "app.requests.chain.set_restriction": (_restrict, _at_a_restricted),
    # the request actions reach the same writers (and so journal through them)
    "app.requests.actions.execute_correct": (
        _request_correct,
        lambda sa, _sb: sa.db.scalar("SELECT name FROM members WHERE id = ?", (MID,)) == "王五改",
    ),
    "app.requests.actions.execute_withdraw": (_request_withdraw, _at_a_withdrawn),
    "app.requests.actions.execute_restrict": (_request_restrict, _at_a_restricted),
    "app.requests.chain.cancel_membership": (_cancel, _at_a_cancelled_at_bs_time),
    "app.requests.actions.execute_cancel": (_request_cancel, _at_a_cancelled_at_bs_time),
}


def test_runs_cover_every_writer():
    assert set(WRITERS) <= set(RUNS)


@pytest.mark.parametrize("writer", sorted(RUNS))
def test_writer_journals_its_order_and_the_other_holder_follows(chain, writer):  # noqa: F811
    sa, sb = chain["s"][A], chain["s"][B]
    run, followed = RUNS[writer]
    kind = (
        WRITERS.get(writer)
        or {
            "app.requests.actions.execute_correct": "correction_order",
            "app.requests.actions.execute_withdraw": "withdrawal_order",
            "app.requests.actions.execute_restrict": "restriction_order",
            "app.requests.actions.execute_cancel": "cancellation_order",
        }[writer]
    )
    before_a, before_b = len(_orders(sa)), len(_orders(sb))
    run(sb)
    assert len(_orders(sb, kind)) == 1, writer  # rule: RIG-1
    assert len(_orders(sb)) == before_b + 1
    for code in (B, A, B):
        chain["e"][code].sync_once()
    assert followed(sa, sb), writer  # rule: RIG-1
    assert len(_orders(sa)) == before_a  # applied at A: no order echoes back  # rule: RIG-1
    for code in (A, B, A):  # A's receipt goes up; were an order echoed, head office would file a second one
        chain["e"][code].sync_once()
    with chain["ho"].storage.read() as c:
        assert c.scalar("SELECT count(*) FROM chain_orders") == 1  # no ping-pong  # rule: RIG-1


def test_lift_outside_a_request_travels_and_does_not_echo(chain):  # noqa: F811
    sa, sb = chain["s"][A], chain["s"][B]
    set_restriction(sb, MID, True)
    for code in (B, A, B):
        chain["e"][code].sync_once()
    assert _at_a_restricted(sa)
    lift_restriction(sb, MID, "顾客申请解除")  # a manager's lift, no request
    assert len(_orders(sb, "restriction_order")) == 1  # the lift's order (the restriction's went up already)
    for code in (B, A, B, A):
        chain["e"][code].sync_once()
    assert sa.db.scalar("SELECT restricted FROM members WHERE id = ?", (MID,)) == 0  # rule: RIG-5
    with chain["ho"].storage.read() as c:
        assert c.scalar("SELECT count(*) FROM chain_orders") == 2  # restrict + lift, none echoed  # rule: RIG-1


def test_a_grant_does_not_travel(chain):  # noqa: F811
    """A consent given at B is B's record (adoption's rule); only a refusal of a granted purpose travels."""
    sb = chain["s"][B]
    withdraw_consent(sb, MID, "marketing")
    n = len(_orders(sb))
    grant_consent(sb, MID, {"marketing": True})
    assert len(_orders(sb)) == n


# -- crash between the change and its order ------------------------------------------------------------
@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Iterator[Path]:
    from app.access.vault import Vault  # noqa: PLC0415 - module fixture only

    root = tmp_path_factory.mktemp("chain-crash")
    paths = resolve_paths(root / "store").ensure()
    vault = Vault(paths, clock=FixedClock())
    session, _recovery = vault.setup(
        store_code="SH-001",
        store_name="上海南京路店",
        terminal_name="DESK-1",
        username="manager",
        display_name="王店长",
        password="Manager-pass-1",
    )
    for i in range(4):
        register(session, vault, name="会员" + "甲乙丙丁"[i], mobile=f"1390000000{i}", granted={"marketing": True})
    vault.close()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _ids(session) -> list[str]:
    return [r[0] for r in session.db.all("SELECT id FROM members ORDER BY mobile")]


def _op_writers(paths, _w):
    vault, session = sign_in(paths)
    m = _ids(session)
    update_member(session, m[0], {"name": "新名字"}, cipher=cipher_for(vault))
    withdraw_consent(session, m[1], "marketing")
    set_restriction(session, m[2], True)
    cancel_membership(session, m[3])


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_killed_between_change_and_order_leaves_both_or_neither(template, tmp_path, n):
    code, paths, _ = kill_at(template / "store", tmp_path / f"k{n}", f"chain.before_order:{n}", _op_writers)
    assert code == (KILLED if n <= 4 else 0)
    vault, s = check_store(paths)
    m = _ids(s)
    changed = [
        s.db.scalar("SELECT name FROM members WHERE id = ?", (m[0],)) == "新名字",
        not consent_active(s.db, m[1], "marketing"),
        s.db.scalar("SELECT restricted FROM members WHERE id = ?", (m[2],)) == 1,
        s.db.scalar("SELECT status FROM members WHERE id = ?", (m[3],)) == "cancelled",
    ]
    ordered = [
        bool(_orders(s, "correction_order")),
        bool(_orders(s, "withdrawal_order")),
        bool(_orders(s, "restriction_order")),
        bool(_orders(s, "cancellation_order")),
    ]
    assert changed == ordered  # both or neither, writer by writer  # rule: RIG-1
    assert changed == [i < n - 1 for i in range(4)]
    vault.close()


# -- encrypted fields: the name travels, the value does not ----------------------------------------------
def test_an_encrypted_field_corrected_at_b_is_cleared_at_a_and_its_value_stays_at_b(chain, vault):  # noqa: F811
    sa, sb, vb = chain["s"][A], chain["s"][B], chain["p"][B][0]
    old, new = "上海市黄浦区南京东路100号", "北京市东城区王府井大街8号"
    grant_consent(sa, MID, {"delivery": True}, values={"address": old}, cipher=cipher_for(vault))
    grant_consent(sb, MID, {"delivery": True}, values={"address": old}, cipher=cipher_for(vb))
    for code in (A, B):
        chain["e"][code].sync_once()
    update_member(sb, MID, {"address": new}, cipher=cipher_for(vb))
    assert len(_orders(sb, "correction_order")) == 1
    assert new not in "".join(_orders(sb))  # the order names the field, never its value  # rule: MIN-1
    for code in (B, A, B):
        chain["e"][code].sync_once()
    assert sa.db.scalar("SELECT count(*) FROM member_fields WHERE member_id = ? AND field = 'address'", (MID,)) == 0
    assert corrected_elsewhere(sa.db, MID) == {"address": {"store": B, "noted_at": ANY}}  # rule: RIG-1
    assert get_member(sa, MID).corrected_elsewhere == {"address": B}
    assert sb.db.scalar("SELECT count(*) FROM member_fields WHERE member_id = ? AND field = 'address'", (MID,)) == 1
    assert corrected_elsewhere(sb.db, MID) == {}
    with chain["ho"].storage.read() as c:
        feed = " ".join(str(r[0]) for r in c.all("SELECT payload FROM feed"))
        assert new not in feed and old not in feed  # rule: MIN-1
        assert c.scalar("SELECT count(*) FROM chain_orders") == 1  # no echo from A  # rule: RIG-1
    outcome = sa.db.scalar("SELECT outcome FROM chain_orders_applied WHERE kind = 'correction_order'")
    assert outcome == "done"
    # the customer gives the address at A again: the note goes, and that correction travels in turn
    update_member(sa, MID, {"address": new}, cipher=cipher_for(vault))
    assert corrected_elsewhere(sa.db, MID) == {}
    assert len(_orders(sa, "correction_order")) == 1


def test_field_notes_are_in_the_copy_and_go_with_an_erasure(manager, vault, paths):
    from app.erasure import erase_member  # noqa: PLC0415 - this test only
    from app.members.service import note_corrected_elsewhere  # noqa: PLC0415 - this test only
    from app.requests import collect_member_data  # noqa: PLC0415 - this test only

    mid = register(manager, vault, name="会员甲", mobile="13900000009", granted={"delivery": True})["id"]
    note_corrected_elsewhere(manager, mid, ["address", "name"], "BJ-002", "o1")  # a core field is not a note
    assert corrected_elsewhere(manager.db, mid) == {"address": {"store": "BJ-002", "noted_at": ANY}}
    copy = collect_member_data(manager, mid)
    assert copy["categories"]["member_field_notes"] == [
        {"field": "address", "store": "BJ-002", "noted_at": ANY}
    ]  # rule: RIG-6
    erase_member(manager, mid, ledger_path=paths.erasure_ledger)
    assert manager.db.scalar("SELECT count(*) FROM member_field_notes") == 0  # rule: RIG-3
