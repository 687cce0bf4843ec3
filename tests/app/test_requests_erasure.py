"""Deletion requests (RIG-3): erasure leaves no marker bytes in the DB, the WAL, or a restored
backup after the ledger is replayed; a crash mid-erasure leaves the full member or nothing."""

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app import requests as R
from app.access.backup import create_backup
from app.access.vault import Vault
from app.config import resolve_paths
from app.erasure import is_erased
from app.errors import PermissionDenied, UserError
from app.requests.restore import apply_ledger, newest_backup_ledger, restore_with_ledger
from tests.conftest import MANAGER_PW
from tests.factories import make_member

ROOT = Path(__file__).resolve().parents[2]
NAME = "欧阳删除标记"
MOBILE = "13987650123"
MARKERS = [NAME.encode("utf-8"), MOBILE.encode("ascii")]
PAGE, RESERVE = 4096, 80  # SQLCipher 4 defaults: 16-byte IV + 64-byte HMAC-SHA512 per page


def _decrypt_page(page: bytes, key: bytes, first: bool) -> bytes:
    iv = page[PAGE - RESERVE : PAGE - RESERVE + 16]
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return dec.update(page[16 if first else 0 : PAGE - RESERVE]) + dec.finalize()


def decrypted(data: bytes, key: bytes, wal: bool = False) -> bytes:
    """Every page of a SQLCipher DB or WAL file, decrypted (live rows and free space alike)."""
    out = []
    if wal:
        pos = 32
        while pos + 24 + PAGE <= len(data):
            pgno = int.from_bytes(data[pos : pos + 4], "big")
            out.append(_decrypt_page(data[pos + 24 : pos + 24 + PAGE], key, pgno == 1))
            pos += 24 + PAGE
    else:
        for i in range(len(data) // PAGE):
            out.append(_decrypt_page(data[i * PAGE : (i + 1) * PAGE], key, i == 0))
    return b"".join(out)


def marker_hits(folder: Path, key: bytes) -> list[str]:
    """Files under `folder` whose bytes contain a marker: raw, as decrypted pages (DB, WAL) or inside
    a backup bundle (its DB decrypted)."""
    hits = []
    for p in sorted(Path(folder).rglob("*")):
        if not p.is_file():
            continue
        raw = p.read_bytes()
        views = [raw]
        if p.name.endswith(".db") or p.name.endswith(".db-wal"):
            views.append(decrypted(raw, key, wal=p.name.endswith("-wal")))
        if p.suffix == ".mdbak":
            with zipfile.ZipFile(p) as zf:
                views += [zf.read(n) for n in zf.namelist()]
                views.append(decrypted(zf.read("memberdesk.db"), key))
        if any(m in v for m in MARKERS for v in views):
            hits.append(str(p.relative_to(folder)))
    return hits


def _delete_request(session, mid):
    return R.open_request(session, "delete", mid, identity_method="id_card_sighted")


def test_delete_is_manager_only_and_leaves_no_marker_bytes(vault, manager, clerk, paths):
    key = vault.data_key()
    mid = make_member(clerk, name=NAME, mobile=MOBILE)
    keep = make_member(clerk, name="保留会员")
    rid = _delete_request(clerk, mid)
    vault.db.checkpoint()
    assert marker_hits(paths.data_dir, key) == ["memberdesk.db"]  # the scanner sees the member
    with pytest.raises(PermissionDenied):
        R.execute_delete(clerk, rid)  # rule: SEC-1
    assert not is_erased(vault.db, mid)
    R.execute_delete(clerk.as_manager(manager.staff), rid, ledger_path=paths.erasure_ledger)
    assert vault.db.one("SELECT 1 FROM members WHERE id = ?", (mid,)) is None  # rule: RIG-3
    assert vault.db.one("SELECT 1 FROM members WHERE id = ?", (keep,)) is not None
    assert marker_hits(paths.data_dir, key) == []  # rule: RIG-3
    req = R.get_request(vault.db, rid)
    assert req["status"] == "completed" and req["member_erased"] == 1  # minimal record stays
    ledger = [json.loads(line) for line in paths.erasure_ledger.read_text().splitlines()]
    assert len(ledger[0].pop("mac")) == 64  # each line authenticated
    assert ledger == [
        {
            "member_id": mid,
            "erased_at": ledger[0]["erased_at"],
            "reason": "request",
            "request_id": rid,
            "store_code": "SH-001",
        }
    ]  # rule: RIG-3 (no personal data)
    # deleting an already deleted member
    with pytest.raises(UserError) as err:
        R.open_request(manager, "delete", mid)
    assert err.value.key == "requests.member_erased"


def test_second_delete_request_for_erased_member(vault, manager, paths):
    mid = make_member(manager, name=NAME, mobile=MOBILE)
    first, second = _delete_request(manager, mid), _delete_request(manager, mid)
    R.execute_delete(manager, first, ledger_path=paths.erasure_ledger)
    req = R.execute_delete(manager, second, ledger_path=paths.erasure_ledger)
    assert req["outcome"] == "already_erased"
    assert len(paths.erasure_ledger.read_text().splitlines()) == 1


def test_restore_old_backup_reapplies_erasure(tmp_path, vault, manager, clerk, paths, clock):
    key = vault.data_key()
    mid = make_member(clerk, name=NAME, mobile=MOBILE)
    keep = make_member(clerk, name="保留会员")
    old_bundle = create_backup(vault, manager)  # holds the member (encrypted)
    rid = _delete_request(clerk, mid)
    R.execute_delete(manager, rid, ledger_path=paths.erasure_ledger)
    assert marker_hits(paths.data_dir, key) == [str(old_bundle.relative_to(paths.data_dir))]
    clock.advance(hours=1)
    create_backup(vault, manager)  # newer backup: carries the ledger copy

    # 1) the data folder survives: its ledger is merged into the restored one
    target = resolve_paths(tmp_path / "restored").ensure()
    restore_with_ledger(
        old_bundle, target, ledger_files=[paths.erasure_ledger], sign_in=lambda v: v.sign_in("manager", MANAGER_PW)
    )
    assert marker_hits(target.data_dir, key) == ["memberdesk.db"]  # the old data came back...
    v2 = Vault(target)
    try:
        s2 = v2.sign_in("manager", MANAGER_PW)
        assert apply_ledger(s2, target) == 1  # ...and is erased again
        assert v2.db.one("SELECT 1 FROM members WHERE id = ?", (mid,)) is None  # rule: RIG-3
        assert v2.db.one("SELECT 1 FROM members WHERE id = ?", (keep,)) is not None
        assert apply_ledger(s2, target) == 0
    finally:
        v2.close()
    assert marker_hits(target.data_dir, key) == []  # rule: RIG-3
    assert not (target.data_dir / "replay-pending").exists()

    # 2) the data folder is lost: the newest backup's ledger copy is used
    target3 = resolve_paths(tmp_path / "restored3").ensure()
    restore_with_ledger(
        old_bundle,
        target3,
        ledgers=[newest_backup_ledger(paths.backup_dir)],
        sign_in=lambda v: v.sign_in("manager", MANAGER_PW),
    )
    v3 = Vault(target3)
    try:
        s3 = v3.sign_in("manager", MANAGER_PW)
        assert apply_ledger(s3, target3) == 1
        assert is_erased(v3.db, mid)  # rule: RIG-3
    finally:
        v3.close()
    assert marker_hits(target3.data_dir, key) == []  # rule: RIG-3


_CHILD = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {root!r})
    os.environ["MEMBERDESK_FAST_KDF"] = "1"
    from app.domains import load_all
    load_all()
    from app.config import resolve_paths
    from app.access.vault import Vault
    from app import requests as R
    from app import erasure
    from app.audit import chain
    paths = resolve_paths({data!r})
    session = Vault(paths).sign_in("manager", {pw!r})
    mode = {mode!r}
    if mode == "eraser":
        def boom(tx, member_id):
            tx.execute("DELETE FROM change_journal WHERE member_id = ?", (member_id,))
            os._exit(3)
        erasure.register_eraser("zz_crash", boom)
    elif mode == "before_commit":
        real = chain.append
        def append(conn, **kw):
            if kw.get("action") == "member.erase":
                os._exit(3)          # ledger file written, transaction not committed
            return real(conn, **kw)
        chain.append = append
    R.execute_delete(session, {rid!r}, ledger_path=paths.erasure_ledger)
    os._exit(0)
""")


@pytest.mark.parametrize("mode", ["eraser", "before_commit"])
def test_crash_mid_erasure_leaves_full_member_or_nothing(vault, manager, paths, mode):
    key = vault.data_key()
    mid = make_member(manager, name=NAME, mobile=MOBILE)
    rid = _delete_request(manager, mid)
    counts = {
        "grams": "SELECT count(*) FROM member_name_grams WHERE member_id = ?",
        "notes": "SELECT count(note) FROM request_events e JOIN requests r ON r.id = e.request_id"
        " WHERE r.member_id = ?",
    }
    before = {k: vault.db.scalar(q, (mid,)) for k, q in counts.items()}
    vault.lock()
    code = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD.format(root=str(ROOT), data=str(paths.data_dir), pw=MANAGER_PW, mode=mode, rid=rid),
        ],
        timeout=120,
    ).returncode
    assert code == 3
    session = vault.sign_in("manager", MANAGER_PW)
    row = vault.db.one("SELECT name, mobile FROM members WHERE id = ?", (mid,))
    assert row is not None and (row["name"], row["mobile"]) == (NAME, MOBILE)  # rule: RIG-3 (all of it)
    after = {k: vault.db.scalar(q, (mid,)) for k, q in counts.items()}
    assert after == before  # rule: RIG-3
    assert (
        vault.db.scalar("SELECT count(*) FROM change_journal WHERE member_id = ? AND op = 'scrubbed'", (mid,)) == 0
    )  # rule: RIG-3
    if mode == "eraser":
        assert not paths.erasure_ledger.exists()
        assert apply_ledger(session, paths) == 0
        R.execute_delete(session, rid, ledger_path=paths.erasure_ledger)  # the retry works
    else:
        assert apply_ledger(session, paths) == 1  # the ledger finishes the erasure at sign-in
        req = R.execute_delete(session, rid, ledger_path=paths.erasure_ledger)
        assert req["outcome"] == "done"
    assert vault.db.one("SELECT 1 FROM members WHERE id = ?", (mid,)) is None  # rule: RIG-3
    assert marker_hits(paths.data_dir, key) == []  # rule: RIG-3


def test_admin_restore_merges_ledger_and_first_sign_in_erases(tmp_path, vault, manager, paths, clock):
    key = vault.data_key()
    mid = make_member(manager, name=NAME, mobile=MOBILE)
    bundle = create_backup(vault, manager)
    R.execute_delete(manager, _delete_request(manager, mid), ledger_path=paths.erasure_ledger)
    vault.close()
    env = dict(os.environ, PYTHONPATH=str(ROOT), MEMBERDESK_FAST_KDF="1")
    target = tmp_path / "restored"

    def cli(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            cwd=ROOT,
        )

    r = cli(
        "--data-dir", str(paths.data_dir), "--username", "manager", "--password-stdin",
        "restore", str(bundle), "--target", str(target), stdin=MANAGER_PW + "\n",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert mid in (target / "erasure-ledger.jsonl").read_text()
    r = cli(
        "--data-dir", str(target), "--username", "manager", "--password-stdin", "verify-audit", stdin=MANAGER_PW + "\n"
    )
    assert r.returncode == 0, r.stderr
    v2 = Vault(resolve_paths(target))
    try:
        v2.sign_in("manager", MANAGER_PW)
        assert v2.db.one("SELECT 1 FROM members WHERE id = ?", (mid,)) is None  # rule: RIG-3
    finally:
        v2.close()
    assert marker_hits(target, key) == []  # rule: RIG-3
