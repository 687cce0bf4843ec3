"""The crash-point suite (issue #17): a process is killed at every named point of the write paths
(registration, consent, withdrawal, erasure, POS import batch, sync page, backup, rekey, restore), at the
1st..N-th hit of points inside loops; after each kill the store opens, the audit chain verifies, nothing
staged or temporary is left and no half-made record exists. Forked children (tests/app/crashkit.py) keep
it CI-sized; a few kills use a fresh interpreter with MEMBERDESK_CRASH_AT as an operator's process would.
bench/bench_crashpoints.py runs the same with more hits per point.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import crashpoints
from app.access import backup
from app.access.rekey import begin_rekey, finish_rekey
from app.access.vault import Vault
from app.clock import FixedClock
from app.config import resolve_paths
from app.consent.service import withdraw_consent
from app.erasure import erase_member, is_erased, read_ledger_file
from app.errors import SignInError, UserError
from app.flows.enrolment import grant_consent
from app.members.service import cipher_for
from app.notices import default_notice
from app.purchases.pos_import import import_pos_file
from app.requests.restore import restore_with_ledger
from app.staff.service import add_staff
from app.storage import keyslots as ks
from app.sync import SyncEngine, signing
from app.sync.state import get_state, set_state
from tests.app import crashkit
from tests.app.crashkit import CLERK_PW, KILLED, MANAGER_PW, check_store, kill_at, sign_in
from tests.app.regdata import decisions, register

# How many hits of a looping point are killed in CI (bench/bench_crashpoints.py goes further).
# MEMBERDESK_CRASH_SCALE=k multiplies them (the benchmark); the erasure loop is bounded by the members.
SCALE = max(1, int(os.environ.get("MEMBERDESK_CRASH_SCALE", "1") or 1))
HITS = {"registration": 25, "consent": 16, "erasure": 14, "import": 10, "sync": 16, "backup": 4}
HITS = {k: v * SCALE for k, v in HITS.items()}
MEMBERS = 16 * SCALE + 2
POS_LINES = 50 * SCALE
POS_BATCH = 5


def _name(i: int) -> str:
    return "会员" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉戌亥"[i // 10 % 12]


OPTIONAL = next(p.code for p in default_notice("zh_CN").purposes if p.code != "membership")


# -- the store every kill starts from ----------------------------------------------------------------------
def _scratch() -> Path:
    """A folder on tmpfs where there is one (/dev/shm): fsync costs nothing there, so the kills, not the
    disk, set the suite's time. What a kill leaves is the same: the point is the process dying."""
    shm = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix="md-crash-", dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None))


@pytest.fixture
def tmp_path() -> Iterator[Path]:  # noqa: PT004 - overrides pytest's for this module: kills run on tmpfs
    path = _scratch()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    root = _scratch()
    paths = resolve_paths(root / "store").ensure()
    vault = Vault(paths, clock=FixedClock())
    session, recovery = vault.setup(
        store_code="SH-001",
        store_name="上海南京路店",
        terminal_name="DESK-1",
        username="manager",
        display_name="王店长",
        password=MANAGER_PW,
    )
    add_staff(vault, session, username="clerk", display_name="李店员", role="clerk", password=CLERK_PW)
    numbers = []
    for i in range(MEMBERS):
        r = register(session, vault, name=_name(i), mobile=f"1390000{i:04d}")
        numbers.append(r["member_no"])
    lines = ["交易号,会员号,交易时间,金额"] + [
        f"T{i},{numbers[i % MEMBERS]},2026-10-01 10:{i % 60:02d},{i + 1}" for i in range(POS_LINES)
    ]
    (root / "pos.csv").write_text("\n".join(lines) + "\n", "utf-8")
    with session.db.transaction() as conn:  # the signing key enrolment would have stored (sync pages)
        set_state(conn, "private_key", signing.b64(signing.private_bytes(signing.new_private_key())))
    bundle = backup.create_backup(vault, session)
    os.replace(bundle, root / "bundle.mdbak")
    (root / "recovery.txt").write_text(recovery, "ascii")  # test data: the template's recovery key
    vault.close()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _run(template: Path, tmp_path: Path, spec: str, op) -> tuple[int, crashkit.Paths, bytes]:
    code, paths, data = kill_at(template / "store", tmp_path / spec.replace(":", "-"), spec, op)
    assert code in (KILLED, 0), f"{spec}: the child failed (exit {code}) instead of dying at the point"
    return code, paths, data


def _member_ids(session) -> list[str]:
    return [r[0] for r in session.db.all("SELECT id FROM members ORDER BY registered_at, id")]


def _actions(session, *names: str) -> int:
    marks = ",".join("?" * len(names))
    return session.db.scalar(f"SELECT count(*) FROM audit_log WHERE action IN ({marks})", names)


# -- registration -------------------------------------------------------------------------------------------
def _op_register(paths, _w):
    vault, session = sign_in(paths, "clerk", CLERK_PW)
    for i in range(HITS["registration"] + 1):
        register(session, vault, name="新" + _name(i), mobile=f"1370000{i:04d}")


@pytest.mark.parametrize("point", ["registration.before_commit", "registration.after_commit"])
def test_registration_killed_at_each_hit(template, tmp_path, point):
    for n in range(1, HITS["registration"] + 1):
        code, paths, _ = _run(template, tmp_path, f"{point}:{n}", _op_register)
        assert code == KILLED
        vault, s = check_store(paths)
        done = n - 1 if point == "registration.before_commit" else n
        assert len(_member_ids(s)) == MEMBERS + done
        assert _actions(s, "member.register") == MEMBERS + done  # an audit entry per member, no more
        half = s.db.scalar(
            "SELECT count(*) FROM members m WHERE NOT EXISTS"
            " (SELECT 1 FROM consent_records c WHERE c.member_id = m.id AND c.kind = 'registration')"
        )
        assert half == 0  # no member without its consent record
        vault.close()


# -- consent and withdrawal ----------------------------------------------------------------------------------
def _op_consent(paths, _w):
    vault, session = sign_in(paths)
    for mid in _member_ids(session)[: HITS["consent"] + 1]:
        grant_consent(session, mid, decisions(**{OPTIONAL: True}), cipher=cipher_for(vault))
        withdraw_consent(session, mid, OPTIONAL)


@pytest.mark.parametrize("point", ["consent.before_commit", "consent.after_commit", "withdrawal.before_commit"])
def test_consent_killed_at_each_hit(template, tmp_path, point):
    for n in range(1, HITS["consent"] + 1):
        code, paths, _ = _run(template, tmp_path, f"{point}:{n}", _op_consent)
        assert code == KILLED
        vault, s = check_store(paths)
        grants = s.db.scalar("SELECT count(*) FROM consent_records WHERE kind = 'grant'")
        withdrawals = s.db.scalar("SELECT count(*) FROM consent_records WHERE kind = 'withdrawal'")
        expected = {"consent.before_commit": (n - 1, n - 1), "consent.after_commit": (n, n - 1)}
        assert (grants, withdrawals) == expected.get(point, (n, n - 1))
        assert _actions(s, "consent.grant") == grants and _actions(s, "consent.withdraw") == withdrawals
        dangling = s.db.scalar(
            "SELECT count(*) FROM member_consents mc LEFT JOIN consent_records c ON c.id = mc.record_id"
            " WHERE c.id IS NULL"
        )
        assert dangling == 0  # every current decision has its record
        vault.close()


# -- erasure -------------------------------------------------------------------------------------------------
def _op_erase(paths, _w):
    _vault, session = sign_in(paths)
    for mid in _member_ids(session)[: HITS["erasure"] + 1]:
        erase_member(session, mid, ledger_path=paths.erasure_ledger)


@pytest.mark.parametrize("point", ["erasure.after_ledger", "erasure.after_commit"])
def test_erasure_killed_at_each_hit(template, tmp_path, point):
    for n in range(1, HITS["erasure"] + 1):
        code, paths, _ = _run(template, tmp_path, f"{point}:{n}", _op_erase)
        assert code == KILLED
        vault, s = check_store(paths)  # the next start re-applies the ledger
        ledger = {e["member_id"] for e in read_ledger_file(paths.erasure_ledger)}
        assert len(ledger) == n
        for mid in ledger:
            assert is_erased(s.db, mid)  # rule: RIG-3
            assert s.db.one("SELECT 1 FROM members WHERE id = ?", (mid,)) is None  # rule: RIG-3
        assert len(_member_ids(s)) == MEMBERS - n
        vault.close()


# -- POS import, batch by batch ------------------------------------------------------------------------------
def _op_import(paths, _w):
    _vault, session = sign_in(paths)
    import_pos_file(session, paths.data_dir.parent / "pos.csv", batch_size=POS_BATCH)


@pytest.mark.parametrize("point", ["import.batch_before_commit", "import.after_batch"])
def test_pos_import_killed_at_each_batch_resumes_without_duplicates(template, tmp_path, point):
    for n in range(1, HITS["import"] + 1):
        work = tmp_path / f"imp-{point}-{n}"
        work.mkdir()
        shutil.copy(template / "pos.csv", work / "pos.csv")
        code, paths, _ = kill_at(template / "store", work / "store", f"{point}:{n}", _op_import)
        assert code == KILLED, code
        vault, s = check_store(paths)
        bought = s.db.scalar("SELECT count(*) FROM purchases")
        assert bought == s.db.scalar("SELECT coalesce(sum(accepted), 0) FROM pos_imports")  # counts match rows
        assert bought == POS_BATCH * (n - 1 if point == "import.batch_before_commit" else n)
        import_pos_file(s, work / "pos.csv", batch_size=POS_BATCH)  # the next run resumes
        assert s.db.scalar("SELECT count(*) FROM purchases") == POS_LINES
        assert s.db.scalar("SELECT count(DISTINCT pos_txn_id) FROM purchases") == POS_LINES
        vault.close()


# -- sync: pages from head office ----------------------------------------------------------------------------
def _op_sync(paths, _w):
    _vault, session = sign_in(paths)
    engine = SyncEngine.for_session(session)
    for k in range(1, HITS["sync"] + 2):
        engine._apply_page([{"kind": "config", "payload": {"sync_interval_minutes": k}, "cursor": str(k)}], str(k), {})


@pytest.mark.parametrize("point", ["sync.page_before_commit", "sync.after_page"])
def test_sync_page_killed_at_each_page(template, tmp_path, point):
    for n in range(1, HITS["sync"] + 1):
        code, paths, _ = _run(template, tmp_path, f"{point}:{n}", _op_sync)
        assert code == KILLED
        vault, s = check_store(paths)
        applied = n - 1 if point == "sync.page_before_commit" else n
        cursor = get_state(s.db, "cursor")
        assert (cursor or "0") == str(applied)  # the cursor moved with its page, never without it
        value = s.db.scalar("SELECT value FROM settings WHERE key = 'sync_interval_minutes'")
        assert (json.loads(value) if value else 0) == applied
        vault.close()


# -- backup --------------------------------------------------------------------------------------------------
def _op_backup(paths, _w):
    vault, session = sign_in(paths)
    for _ in range(HITS["backup"] + 1):
        backup.create_backup(vault, session, keep=100)
        session.clock.advance(minutes=1)


@pytest.mark.parametrize("point", ["backup.after_copy", "backup.after_zip", "backup.after_rename"])
def test_backup_killed_at_each_hit_leaves_only_whole_bundles(template, tmp_path, point):
    for n in range(1, HITS["backup"] + 1):
        code, paths, _ = _run(template, tmp_path, f"{point}:{n}", _op_backup)
        assert code == KILLED
        vault, _s = check_store(paths)  # the start removed the partial copies (checked there)
        bundles = backup.list_backups(paths)
        assert len(bundles) == (n if point == "backup.after_rename" else n - 1)
        for b in bundles:
            assert backup.read_manifest(b)["store_code"] == "SH-001"  # whole, readable bundles only
        vault.close()


# -- rekey ---------------------------------------------------------------------------------------------------
def _op_rekey(paths, w):
    vault, session = sign_in(paths)
    plan = begin_rekey(vault, session, MANAGER_PW)
    os.write(w, plan.recovery_key.encode("ascii"))  # "shown" (to the parent, which checks it later)
    finish_rekey(vault, plan, plan.recovery_key)


def _recovers(paths, text: str) -> bool:
    try:
        ks.KeySlotFile.load(paths.keyslots).unlock_recovery(ks.parse_recovery_key(text))
        return True
    except SignInError:
        return False


@pytest.mark.parametrize("point", [p for p in crashpoints.POINTS if p.startswith("rekey.")])
def test_rekey_killed_at_each_step(template, tmp_path, point):
    code, paths, shown = _run(template, tmp_path, point, _op_rekey)
    assert code == KILLED
    old = (template / "recovery.txt").read_text("ascii")
    vault, s = check_store(paths)
    confirmed = point in ("rekey.after_confirm", "rekey.after_db_swap", "rekey.after_slots_swap", "rekey.after_swap")
    done = _actions(s, "store.rekey") == 1
    assert done == confirmed  # audited as done only when done
    vault.close()
    if confirmed:
        assert _recovers(paths, shown.decode("ascii"))  # the key shown and confirmed works
        with pytest.raises(SignInError) as e:
            sign_in(paths, "clerk", CLERK_PW)
        assert e.value.key == "signin.disabled"  # told why
    else:
        assert _recovers(paths, old)  # the last confirmed key still works
        v2, _s2 = sign_in(paths, "clerk", CLERK_PW)  # everyone signs in as before
        v2.close()


# -- restore -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("point", ["restore.after_unpack", "restore.after_merge"])
def test_restore_killed_is_refused_plainly_or_finished(template, tmp_path, point):
    def op(paths, _w):
        target = resolve_paths(paths.data_dir.parent / "restored")
        restore_with_ledger(  # the manager signs in to the restored copy (SEC-1)
            target=target,
            bundle=template / "bundle.mdbak",
            ledger_files=[paths.erasure_ledger],
            sign_in=lambda v: v.sign_in("manager", MANAGER_PW),
        )

    code, paths, _ = _run(template, tmp_path, point, op)
    assert code == KILLED
    target = resolve_paths(paths.data_dir.parent / "restored")
    try:
        vault, _s = check_store(target)
        vault.close()
    except UserError as exc:
        assert exc.key == "restore.incomplete"  # a plain message: restore again into a new folder


# -- a fresh interpreter, as an operator's process dies -------------------------------------------------------
SUBPROCESS = {
    "registration.before_commit:2": (
        "from tests.app.crashkit import sign_in\nfrom tests.app.regdata import register\n"
        "v, s = sign_in(paths)\nfor i in range(3):\n    register(s, v, name='子进程', mobile=f'1350000{i:04d}')\n"
    ),
    "backup.after_zip": (
        "from tests.app.crashkit import sign_in\nfrom app.access import backup\n"
        "v, s = sign_in(paths)\nbackup.create_backup(v, s)\n"
    ),
    "rekey.after_db_swap": (
        "from tests.app.crashkit import sign_in, MANAGER_PW\nfrom app.access.rekey import begin_rekey, finish_rekey\n"
        "v, s = sign_in(paths)\nplan = begin_rekey(v, s, MANAGER_PW)\nfinish_rekey(v, plan, plan.recovery_key)\n"
    ),
}


@pytest.mark.parametrize("spec", sorted(SUBPROCESS))
def test_memberdesk_crash_at_kills_a_fresh_process(template, tmp_path, spec):
    code, paths = crashkit.kill_in_subprocess(template / "store", tmp_path / "store", spec, SUBPROCESS[spec])
    assert code == KILLED
    vault, s = check_store(paths)
    if spec.startswith("registration"):
        assert len(_member_ids(s)) == MEMBERS + 1
    vault.close()


def test_the_suite_kills_at_least_200_times():
    loops = {
        "registration": 2,
        "consent": 3,
        "erasure": 2,
        "import": 2,
        "sync": 2,
        "backup": 3,
    }
    kills = sum(HITS[k] * n for k, n in loops.items())
    kills += len([p for p in crashpoints.POINTS if p.startswith("rekey.")]) + 2 + len(SUBPROCESS)
    assert kills >= 200
    named = {p.split(":")[0] for p in SUBPROCESS} | {p for p in crashpoints.POINTS if p.startswith("rekey.")}
    assert named <= set(crashpoints.POINTS)
