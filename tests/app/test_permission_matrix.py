"""Roles in the core, exhaustively (issue #14, SEC-1, SEC-2).

Static: every public function of app/ (and public method of a public class) that takes `session` or `tx`
(the capability to act) either checks a permission itself (`.require(` in its own body, read from the
AST, or the `@requires(PERMISSION)` decorator) or is on the one reviewed list, app/staff/exempt.py.

Dynamic: the gaps the issue named, each with a clerk's session: PermissionDenied, nothing written
(row counts), the refusal itself audited; the allowed path writes its audit entry.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import textwrap
from pathlib import Path

import pytest

import app
from app.access import audit_log, backup
from app.calendar import import_holiday_table
from app.calendar.holiday_file import import_holiday_file
from app.config import resolve_paths
from app.errors import PermissionDenied, UserError
from app.notices import import_notice
from app.requests import actions as R, export as X, service as S
from app.requests.restore import restore_with_ledger
from app.retention import apply_policy_from_head_office, get_rules
from app.staff import permissions as P
from app.staff.exempt import NO_PERMISSION
from app.sync import SyncEngine, feeds
from tests.app.syncutil import client, enrolled, ho, hoc  # noqa: F401 - fixtures
from tests.factories import make_member, verified_feed

CAPABILITY_PARAMS = {"session", "tx"}


# -- static: the matrix ----------------------------------------------------------------------------
def _public_modules():
    for info in pkgutil.walk_packages(app.__path__, "app."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        yield importlib.import_module(info.name)


def _acting_functions():
    """(qualified name, function) of every public function and public method that takes session or tx."""
    seen = {}
    for mod in _public_modules():
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj):
                seen[f"{mod.__name__}.{name}"] = obj
            elif inspect.isclass(obj):
                for mname, member in vars(obj).items():
                    if mname.startswith("_"):
                        continue
                    fn = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                    if isinstance(member, property):
                        fn = member.fget
                    if inspect.isfunction(fn):
                        seen[f"{mod.__name__}.{name}.{mname}"] = fn
    out = {}
    for qual, fn in seen.items():
        params = set(inspect.signature(fn).parameters)
        if params & CAPABILITY_PARAMS:
            out[qual] = fn
    return out


def _guarded(fn) -> bool:
    if getattr(fn, "__requires__", None):
        return True  # @requires(PERMISSION): checked before the body runs
    source = textwrap.dedent(inspect.getsource(inspect.unwrap(fn)))
    node = ast.parse(source).body[0]
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    for stmt in node.body:
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "require":
                return True
    return False


ACTING = _acting_functions()


def test_the_walk_finds_the_core():
    # the walk is not vacuous: it sees services, building blocks and methods
    assert len(ACTING) > 100
    for name in ("app.members.service.reveal_field", "app.erasure.erase_in_tx", "app.sync.engine.SyncEngine.enrol"):
        assert name in ACTING


def test_every_acting_function_requires_a_permission_or_is_exempt():
    unguarded = sorted(q for q, fn in ACTING.items() if not _guarded(fn) and q not in NO_PERMISSION)
    assert unguarded == [], (
        "public functions taking session/tx without session.require / @requires and not in "
        "app/staff/exempt.py NO_PERMISSION: " + ", ".join(unguarded)
    )  # rule: SEC-1


def test_exempt_table_has_no_stale_or_redundant_name():
    stale = sorted(set(NO_PERMISSION) - set(ACTING))
    assert stale == [], f"names in NO_PERMISSION that are not acting functions (renamed? removed?): {stale}"
    redundant = sorted(q for q in NO_PERMISSION if q in ACTING and _guarded(ACTING[q]))
    assert redundant == [], f"guarded functions still on the exempt list: {redundant}"
    for name, why in NO_PERMISSION.items():
        assert isinstance(why, str) and len(why) >= 20, f"{name}: say why it needs no permission"


def test_requires_decorator_marks_and_checks(clerk, manager):
    calls = []

    @P.requires(P.AUDIT_VIEW)
    def look(session, x):
        calls.append(x)
        return x

    @P.requires(P.AUDIT_VIEW)
    def inside(tx, x):
        calls.append(x)

    assert look.__requires__ == P.AUDIT_VIEW and _guarded(look)
    before = _audit_count(clerk)
    with pytest.raises(PermissionDenied):
        look(clerk, 1)  # rule: SEC-1
    assert calls == [] and _denials(clerk, P.AUDIT_VIEW) == 1  # rule: SEC-2
    assert _audit_count(clerk) == before + 1
    with pytest.raises(PermissionDenied):
        look(session=clerk, x=2)  # rule: SEC-1
    with clerk.write("test.noop") as tx, pytest.raises(PermissionDenied):
        inside(tx, 3)  # rule: SEC-1
    assert calls == []
    assert look(manager, 4) == 4 and calls == [4]
    with pytest.raises(TypeError):
        P.requires(P.AUDIT_VIEW)(lambda db: None)


# -- dynamic: the named gaps -----------------------------------------------------------------------
def _audit_count(session) -> int:
    return session.db.scalar("SELECT count(*) FROM audit_log")


def _denials(session, permission: str) -> int:
    rows = session.db.all("SELECT details FROM audit_log WHERE action = 'permission.denied'")
    return sum(1 for r in rows if json.loads(r[0]).get("permission") == permission)


def _audited(session, action: str) -> int:
    return session.db.scalar("SELECT count(*) FROM audit_log WHERE action = ?", (action,))


def _counts(session, *tables: str) -> dict:
    return {t: session.db.scalar(f"SELECT count(*) FROM {t}") for t in tables}


# longer than RET-1's 5 years, so it names its legal basis (a rule over the limit without one is refused: RET-1)
RULE = {
    "category": "purchase",
    "period_value": 6,
    "period_unit": "years",
    "action": "delete",
    "version": 2,
    "legal_basis": "会计档案管理办法",
}


class _Fake:
    """What a caller could hand over instead of the capability."""

    feed = None


@pytest.mark.parametrize(
    "forged",
    [
        None,
        "head_office",
        True,
        _Fake(),
        pytest.param("ctx", id="apply-context-without-feed"),
        pytest.param("sealless", id="VerifiedFeed-without-seal"),
    ],
)
def test_retention_policy_only_through_a_verified_feed(clerk, manager, forged):
    if forged == "ctx":
        forged = feeds.ApplyContext(store_code="SH-001", private_key=None)
    before_rules = get_rules(clerk.db)["purchase"].as_dict()
    for session in (clerk, manager):  # not even a manager: only head office's verified feed
        if forged == "sealless":
            with pytest.raises(PermissionDenied):
                P.VerifiedFeed("SH-001", object())  # rule: SEC-1
            continue
        before = _audit_count(session)
        with pytest.raises(PermissionDenied):
            apply_policy_from_head_office(session, [RULE], feed=forged)  # rule: SEC-1
        assert get_rules(session.db)["purchase"].as_dict() == before_rules  # rule: SEC-1
        assert _audit_count(session) == before + 1  # only the refusal
        assert _denials(session, P.HEAD_OFFICE_FEED) >= 1  # rule: SEC-2
        ctx = forged if isinstance(forged, feeds.ApplyContext) else feeds.ApplyContext("SH-001", None)
        with pytest.raises(PermissionDenied):
            feeds.handler_for("retention_policy")(session, {"rules": [RULE]}, ctx)  # rule: SEC-1
        assert get_rules(session.db)["purchase"].as_dict() == before_rules


def test_the_feed_minter_is_app_syncs_alone(manager):
    with pytest.raises(RuntimeError):
        P.claim_feed_minter()  # rule: SEC-1
    assert not P.feed_verified(object()) and not P.feed_verified(None)
    # the engine mints only for rows it pulled itself: no public method applies rows a caller hands in
    public = {n for n in vars(SyncEngine) if not n.startswith("_")}
    assert not {n for n in public if "apply" in n}, public  # rule: SEC-1
    rules = apply_policy_from_head_office(manager, [RULE], feed=verified_feed())
    assert rules["purchase"].period_value == 6 and rules["purchase"].source == "head_office"
    assert _audited(manager, "retention.policy.head_office") == 1  # rule: SEC-2


@pytest.mark.parametrize(
    "handler, payload",
    [
        ("holiday_table", {"year": 2027, "days": {"2027-01-01": "holiday"}}),
        ("config", {"sync_interval_minutes": 1}),
        ("erasure_order", {"member_id": "m"}),
        ("notice", {"zh_CN": {}, "en": {}}),
        ("retention_policy", {"rules": [RULE]}),
    ],
)
def test_every_feed_applier_demands_the_feed(clerk, handler, payload):
    payload = dict(payload, member_id=make_member(clerk)) if handler == "erasure_order" else payload
    before = _counts(clerk, "holiday_tables", "settings", "members", "notices", "retention_rules", "change_journal")
    with pytest.raises(PermissionDenied):
        feeds.handler_for(handler)(clerk, payload, feeds.ApplyContext("SH-001", None))  # rule: SEC-1
    after = _counts(clerk, "holiday_tables", "settings", "members", "notices", "retention_rules", "change_journal")
    assert after == before  # rule: SEC-1


@pytest.mark.parametrize("source", ["manager_import", "head_office", "file", "", "anything"])
def test_holiday_table_by_any_source(clerk, manager, source):
    days = {"2027-01-01": "holiday"}
    with pytest.raises(PermissionDenied):
        import_holiday_table(clerk, 2027, days, source=source)  # rule: SEC-1
    with pytest.raises(PermissionDenied):
        import_holiday_table(clerk, 2027, days, source=source, feed=_Fake())  # rule: SEC-1
    assert clerk.db.scalar("SELECT count(*) FROM holiday_tables") == 0  # rule: SEC-1
    assert _denials(clerk, P.SETTINGS_CHANGE) + _denials(clerk, P.HEAD_OFFICE_FEED) == 2  # rule: SEC-2
    if source == "head_office":  # a manager neither: head office's table comes with its feed
        with pytest.raises(PermissionDenied):
            import_holiday_table(manager, 2027, days, source=source)  # rule: SEC-1
        import_holiday_table(manager, 2027, days, source=source, feed=verified_feed())
    else:
        import_holiday_table(manager, 2027, days, source=source)
    assert manager.db.scalar("SELECT count(*) FROM holiday_tables") == 1
    assert _audited(manager, "calendar.import") == 1  # rule: SEC-2


def test_holiday_file_import_is_a_managers(clerk, manager):
    data = json.dumps({"year": 2027, "days": {"2027-01-01": "holiday"}}).encode()
    with pytest.raises(PermissionDenied):
        import_holiday_file(clerk, data)  # rule: SEC-1
    assert clerk.db.scalar("SELECT count(*) FROM holiday_tables") == 0  # rule: SEC-1
    assert import_holiday_file(manager, data) == 2027


def test_head_office_notice_needs_the_feed(clerk, manager):
    n = clerk.db.scalar("SELECT count(*) FROM notices")
    for session in (clerk, manager):
        with pytest.raises(PermissionDenied):
            import_notice(session, {}, {}, source="head_office")  # rule: SEC-1
    with pytest.raises(PermissionDenied):
        import_notice(clerk, {}, {})  # rule: SEC-1
    assert clerk.db.scalar("SELECT count(*) FROM notices") == n  # rule: SEC-1


def test_enrolment_is_a_managers_and_audited(clerk, manager, paths):
    before = _counts(clerk, "sync_state")
    for eng, kw in (
        (SyncEngine.for_session(clerk), {}),
        (SyncEngine.for_session(manager), {"session": clerk}),  # a clerk handed in wins over the engine's
        (SyncEngine(clerk.db, "SH-001", "DESK-1", clerk.clock), {}),  # nobody acts: refused
    ):
        with pytest.raises(PermissionDenied):
            eng.enrol("https://rogue.example", "SH-001", "CODE", **kw)  # rule: SEC-1
    assert _counts(clerk, "sync_state") == before  # rule: SEC-1
    assert _denials(clerk, "sync.enrol") == 2  # rule: SEC-2


def test_enrolment_by_a_manager_writes_its_audit_entry(manager, paths, client, ho):
    enrolled(manager, paths, client, ho)
    row = manager.db.one("SELECT staff_id, subject_id FROM audit_log WHERE action = 'sync.enrol'")
    assert row is not None and row[0] == manager.staff.id and row[1] == "SH-001"  # rule: SEC-2


def test_restore_is_a_managers_and_audited(vault, clerk, manager, tmp_path, caplog):
    """The restore signs in to the RESTORED copy (issue #14 follow-up): a clerk's slot opens it, the role
    check refuses, and the target is emptied again; a manager's restore is audited in the restored chain.
    (restore_backup alone only verifies and unpacks encrypted bytes: nothing is readable without a slot.)"""
    from app.access.vault import Vault
    from tests.conftest import CLERK_PW, MANAGER_PW

    bundle = backup.create_backup(vault, manager)  # the clerk has a slot in it
    target = resolve_paths(tmp_path / "restored")
    with pytest.raises(PermissionDenied):
        restore_with_ledger(bundle, target, sign_in=lambda v: v.sign_in("clerk", CLERK_PW))  # rule: SEC-1
    assert not target.data_dir.exists() or not any(target.data_dir.glob("*.db"))  # rule: SEC-1
    assert "restore refused" in caplog.text
    restore_with_ledger(bundle, target, sign_in=lambda v: v.sign_in("manager", MANAGER_PW))
    restored = Vault(target)
    try:
        s = restored.sign_in("manager", MANAGER_PW)
        assert _audited(s, "backup.restore") == 1  # rule: SEC-2
        who = s.db.scalar("SELECT staff_id FROM audit_log WHERE action = 'backup.restore'")
        assert who == manager.staff.id  # rule: SEC-1
    finally:
        restored.close()


def test_admin_restore_signs_in_to_the_restored_copy(vault, manager, paths, tmp_path):
    import os
    import subprocess
    import sys

    from app.staff import service as staff
    from tests.conftest import MANAGER_PW

    bundle = backup.create_backup(vault, manager)
    staff.add_staff(vault, manager, username="li", display_name="李", role="clerk", password="Clerk-pass-12")
    vault.close()
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root), MEMBERDESK_FAST_KDF="1")

    def cli(*args, stdin=""):
        cmd = [sys.executable, "-m", "app.cli", "--data-dir", str(paths.data_dir), *args]
        return subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, timeout=120, cwd=root)

    target = tmp_path / "restored"
    r = cli("restore", str(bundle), "--target", str(target))  # no sign-in: refused
    assert r.returncode != 0 and not (target / "memberdesk.db").exists()  # rule: SEC-1
    r = cli("--username", "li", "--password-stdin", "restore", str(bundle), "--target", str(target), stdin="x\n")
    assert r.returncode != 0 and not (target / "memberdesk.db").exists()  # rule: SEC-1
    r = cli(
        "--username", "manager", "--password-stdin", "restore", str(bundle), "--target", str(target),
        stdin=MANAGER_PW + "\n",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert any(target.glob("*.db"))


def test_audit_log_view_export_verify(clerk, manager):
    for fn in (audit_log.list_entries, audit_log.export_csv, audit_log.verify_chain):
        before = _audit_count(clerk)
        with pytest.raises(PermissionDenied):
            fn(clerk)  # rule: SEC-1
        assert _audit_count(clerk) == before + 1  # only the refusal, nothing read
    assert _denials(clerk, P.AUDIT_VIEW) == 2 and _denials(clerk, P.AUDIT_VERIFY) == 1  # rule: SEC-2
    rows = audit_log.list_entries(manager, action="permission.denied")
    assert len(rows) == 3 and all(r["staff_id"] == clerk.staff.id for r in rows)
    assert _audited(manager, "audit.view") == 1  # rule: SEC-2
    assert b"permission.denied" in audit_log.export_csv(manager)
    assert _audited(manager, "audit.export") == 1  # rule: SEC-2
    assert audit_log.verify_chain(manager).ok
    assert _audited(manager, "audit.verify") == 1  # rule: SEC-2


def test_data_copy_and_collection_are_a_managers_and_audited(clerk, manager):
    mid = make_member(clerk, "数据副本")
    rid = S.open_request(clerk, "access", mid, identity_method="id_card_sighted")
    before = _audit_count(clerk)
    with pytest.raises(PermissionDenied):
        X.collect_member_data(clerk, mid)  # rule: SEC-1
    with pytest.raises(PermissionDenied):
        R.build_copy(clerk, rid)  # rule: SEC-1
    assert _audit_count(clerk) == before + 2  # two refusals, nothing collected
    assert _audited(clerk, "member.data.collect") == 0 and _audited(clerk, "member.export") == 0
    data = X.collect_member_data(manager, mid)
    assert data["categories"]
    row = manager.db.one("SELECT staff_id, subject_id FROM audit_log WHERE action = 'member.data.collect'")
    assert row[0] == manager.staff.id and row[1] == mid  # rule: SEC-2
    R.build_copy(manager, rid)
    assert _audited(manager, "member.export") == 1  # rule: SEC-2


def test_request_steps_check_before_acting(clerk):
    """The decorated request steps refuse a session without the permission before reading anything."""
    mid = make_member(clerk)
    rid = S.open_request(clerk, "access", mid, identity_method="id_card_sighted")
    status = S.get_request(clerk.db, rid)["status"]
    bogus = clerk.on_db(clerk.db)
    bogus.staff = type(clerk.staff)(id="x", username="x", display_name="x", role="nobody")
    for fn, args in (
        (S.start, (rid,)),
        (S.verify_identity, (rid, "id_card_sighted")),
        (S.complete, (rid,)),
        (R.execute_cancel, (rid,)),
        (R.execute_restrict, (rid,)),
        (R.execute_withdraw, (rid, ["marketing"])),
        (R.execute_correct, (rid, {"name": "x"})),
    ):
        with pytest.raises(PermissionDenied):
            fn(bogus, *args)  # rule: SEC-1
    assert S.get_request(clerk.db, rid)["status"] == status  # rule: SEC-1


def test_replayed_erasures_without_a_mac_are_a_managers(clerk, manager):
    from app import erasure

    mid = make_member(clerk)
    with pytest.raises(PermissionDenied):
        erasure.replay_ledger(clerk, [{"member_id": mid, "reason": "replay"}])  # rule: SEC-1
    assert clerk.db.scalar("SELECT count(*) FROM members WHERE id = ?", (mid,)) == 1  # rule: SEC-1
    with pytest.raises(TypeError):
        erasure.erase_member(clerk, mid, permission=False)  # the bypass is gone
    with pytest.raises(UserError):
        erasure.erase_member(clerk, mid)  # rule: SEC-1


def test_retention_sweep_has_no_bypass(clerk, paths):
    from app.retention import apply_sweep, dry_run, sweep_due

    for fn in (dry_run, apply_sweep):
        with pytest.raises(TypeError):
            fn(clerk, permission=False)  # the permission=False switch is gone
        with pytest.raises(PermissionDenied):
            fn(clerk)  # rule: SEC-1
    assert clerk.db.scalar("SELECT count(*) FROM retention_runs") == 0  # rule: SEC-1
    assert sweep_due(clerk, ledger_path=paths.erasure_ledger) is not None  # the policy's daily run: any session
