"""Head office at rest (STO-1): after a full sync, no name, mobile or scan page content is readable in the
SQLite file (+ -wal) or anywhere in PostgreSQL's data directory; what head office needs it reads through
its one decrypting reader, finds members by blind index, and a master-key rotation rewraps data keys only."""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from app.storage.fieldcrypt import FieldCipher
from app.sync import SyncEngine
from headoffice import cli, crypto
from headoffice.server import create_app
from headoffice.service import HeadOffice
from headoffice.storage import SQLiteStorage, open_storage
from tests.app.syncutil import HOClock, pg_dsn_or_skip, reset_pg
from tests.factories import make_member

CONTROL = b"CONTROL-MARKER-plaintext-7f3a9c"  # written in the clear on purpose: proves the scan sees the bytes


@pytest.fixture(params=["sqlite", "postgresql"])
def storage_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ho.db'}"
    dsn = pg_dsn_or_skip()
    reset_pg(dsn)
    return dsn


def _raw_bytes(storage) -> bytes:
    """Every byte head office's database has on disk: the SQLite file + -wal (+ -shm), or PostgreSQL's whole
    data directory (heap, WAL, everything) after a CHECKPOINT."""
    if storage.dialect == "sqlite":
        return b"".join(
            Path(storage.path + suffix).read_bytes()
            for suffix in ("", "-wal", "-shm")
            if Path(storage.path + suffix).exists()
        )
    import psycopg

    with psycopg.connect(storage.dsn, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
    out = bytearray()
    for root, _dirs, files in os.walk(data_dir):
        for f in files:
            p = Path(root) / f
            if p.is_file():
                try:
                    out += p.read_bytes()
                except OSError:
                    pass  # a file PostgreSQL removed while we walked
    assert out, f"cannot read PostgreSQL's data directory {data_dir}"
    return bytes(out)


def _full_sync(vault, manager, ho, client, scan_marker: bytes) -> tuple[list[tuple[str, str, str]], str]:
    cipher = FieldCipher(vault.data_key())
    eng = SyncEngine.for_session(manager, http=client, allow_plain_http=True, sleep=lambda s: None, cipher=cipher)
    eng.enrol("http://testserver", manager.store_code, ho.create_store(manager.store_code, "门店"))
    members = []
    for i in range(3):
        name = f"标记{secrets.token_hex(3)}名{i}"
        mobile = f"13{secrets.randbelow(10**9):09d}"
        members.append((make_member(manager, name, mobile=mobile), name, mobile))
    image = b"\x89PNG " + scan_marker * 40
    sha = hashlib.sha256(image).hexdigest()
    mid = members[0][0]
    with manager.write("scan.test", "scan_document", "D1") as tx:
        tx.execute(
            "INSERT INTO scan_batches(id, imported_at, source, file_sha256, file_kind, page_count)"
            " VALUES ('B1', '2026-11-02T09:00:00+08:00', 'file', ?, 'png', 1)",
            (sha,),
        )
        tx.execute(
            "INSERT INTO scan_documents(id, batch_id, member_id, status, content_sha256, page_count, created_at)"
            " VALUES ('D1', 'B1', ?, 'matched', ?, 1, '2026-11-02T09:00:00+08:00')",
            (mid, sha),
        )
        tx.execute(
            "INSERT INTO scans(id, document_id, page_no, source_page, mime, width, height, sha256, image, created_at)"
            " VALUES ('S1', 'D1', 1, 1, 'image/png', 10, 10, ?, ?, '2026-11-02T09:00:00+08:00')",
            (sha, cipher.encrypt_bytes(image, "scans.image:S1")),
        )
        tx.journal("scan_document", "D1", "upsert", {"member_id": mid, "content_sha256": sha}, member_id=mid)
    eng.sync_once()
    assert ho.blob(sha) == image  # it did travel: head office reads it back through its decrypting reader
    return members, sha


def test_nothing_personal_readable_on_disk_after_a_full_sync(vault, manager, storage_url):
    storage = open_storage(storage_url)
    ho = HeadOffice(storage, clock=HOClock())
    scan_marker = b"PAGE-CONTENT-" + secrets.token_hex(6).encode()
    with TestClient(create_app(ho), base_url="http://testserver") as client:
        members, _sha = _full_sync(vault, manager, ho, client, scan_marker)
    # the rows arrived: names and mobiles readable through the service, found by blind index
    got = {r["entity_id"]: r["payload"] for r in ho.records(entity="member")}
    for mid, name, mobile in members:
        assert got[mid]["name"] == name and got[mid]["mobile"] == mobile
        assert [r["entity_id"] for r in ho.records(mobile=mobile)] == [mid]
        assert ho.member_records(mid) >= 1
    with storage.tx() as c:
        c.execute("INSERT INTO ho_meta(key, value) VALUES ('control', ?)", (CONTROL.decode(),))
    raw = _raw_bytes(storage)
    assert CONTROL in raw  # the scan reads the bytes the database really holds
    for _mid, name, mobile in members:
        assert name.encode("utf-8") not in raw  # rule: STO-1
        assert mobile.encode("ascii") not in raw  # rule: STO-1
    assert scan_marker not in raw  # rule: STO-1
    storage.close()


def test_sealed_values_are_bound_to_their_row(tmp_path, vault, manager):
    """A ciphertext copied onto another row does not open (associated data = the row's place)."""
    storage = SQLiteStorage(tmp_path / "ho.db")
    ho = HeadOffice(storage, clock=HOClock())
    with TestClient(create_app(ho), base_url="http://testserver") as client:
        members, _sha = _full_sync(vault, manager, ho, client, b"P")
    a, b = members[0][0], members[1][0]
    with storage.tx() as c:
        token = c.scalar("SELECT payload FROM records WHERE entity = 'member' AND entity_id = ?", (a,))
        c.execute("UPDATE records SET payload = ? WHERE entity = 'member' AND entity_id = ?", (token, b))
    with pytest.raises(crypto.KeyProblem):
        ho.records(entity="member")
    storage.close()


def test_rotation_rewraps_data_keys_only_and_is_audited(tmp_path, vault, manager, monkeypatch):
    storage = SQLiteStorage(tmp_path / "ho.db")
    ho = HeadOffice(storage, clock=HOClock())
    with TestClient(create_app(ho), base_url="http://testserver") as client:
        members, sha = _full_sync(vault, manager, ho, client, b"PAGE")
    with storage.read() as c:
        before = dict(c.all("SELECT entity_id, payload FROM records"))
        n_keys = int(c.scalar("SELECT count(*) FROM ho_keys"))
    storage.close()
    new_file = tmp_path / "new.key"
    assert cli.main(["new-master-key", str(new_file)]) == 0
    assert stat.S_IMODE(new_file.stat().st_mode) == 0o600
    url = f"sqlite:///{tmp_path / 'ho.db'}"
    assert cli.main(["--db", url, "rotate-master-key", "--new-key-file", str(new_file)]) == 0
    assert cli.main(["--db", url, "rotate-master-key", "--new-key-file", str(new_file)]) == 2  # old key: refused
    # the configured key is now the new one: everything opens; payloads were not re-encrypted
    monkeypatch.setenv(crypto.ENV_KEY_FILE, str(new_file))
    storage = SQLiteStorage(tmp_path / "ho.db")
    ho2 = HeadOffice(storage, clock=HOClock())
    with storage.read() as c:
        assert dict(c.all("SELECT entity_id, payload FROM records")) == before
        new_id = crypto.master_id(crypto.read_master_key_file(new_file))
        assert {r[0] for r in c.all("SELECT master_id FROM ho_keys")} == {new_id}
        assert int(c.scalar("SELECT count(*) FROM ho_keys")) == n_keys
        audit = c.all("SELECT details FROM ho_audit WHERE action = 'keys.rotate'")
    assert len(audit) == 1 and f'"keys": {n_keys}' in audit[0][0]
    assert {r["entity_id"] for r in ho2.records(entity="member")} == {m[0] for m in members}
    assert ho2.blob(sha) is not None
    assert ho2.rotate_master_key(ho2.keys) == 0  # nothing left under another key: a rerun is a no-op
    storage.close()


def test_master_key_sources_and_refusals(tmp_path, monkeypatch):
    monkeypatch.delenv(crypto.ENV_KEY_FILE, raising=False)
    # SQLite, nothing configured: a 0600 key file beside the database, created at first start
    db = tmp_path / "ho.db"
    HeadOffice(SQLiteStorage(db)).storage.close()
    beside = Path(str(db) + ".masterkey")
    assert stat.S_IMODE(beside.stat().st_mode) == 0o600
    # a different key for the same database: refused (never a second set of data keys)
    other = crypto.new_master_key_file(tmp_path / "other.key")
    s = SQLiteStorage(db)
    with pytest.raises(crypto.KeyProblem):
        HeadOffice(s, keys=crypto.Keyring.from_file(other))
    s.close()
    # PostgreSQL needs a configured key
    with pytest.raises(crypto.KeyProblem):
        crypto.resolve_master_key_file("postgresql://x@127.0.0.1/db")
    assert cli.main(["--db", "postgresql://x@127.0.0.1:1/db", "stores"]) == 2
    # a key file others can read is refused
    loose = crypto.new_master_key_file(tmp_path / "loose.key")
    loose.chmod(0o644)
    with pytest.raises(crypto.KeyProblem):
        crypto.read_master_key_file(loose)
    bad = tmp_path / "bad.key"
    bad.write_text("not base64 of 32 bytes")
    bad.chmod(0o600)
    with pytest.raises(crypto.KeyProblem):
        crypto.read_master_key_file(bad)


def test_plaintext_from_an_older_head_office_is_sealed_at_start(tmp_path):
    db = tmp_path / "old.db"
    s = SQLiteStorage(db)
    with s.tx() as c:  # what the head office before #16 wrote
        c.execute(
            "INSERT INTO records(store, entity, entity_id, member_id, op, payload, seq, received_at)"
            " VALUES ('SH-001', 'member', 'm1', 'm1', 'upsert', ?, 1, 1.0)",
            ('{"name": "旧明文名字", "mobile": "13900001111"}',),
        )
        c.execute(
            "INSERT INTO blobs(sha256, data, size, store, received_at) VALUES (?, ?, 10, 'SH-001', 1.0)",
            (hashlib.sha256(b"OLD-PAGE-CONTENT").hexdigest(), b"OLD-PAGE-CONTENT"),
        )
    s.close()
    s = SQLiteStorage(db)
    ho = HeadOffice(s, clock=HOClock())
    assert ho.records(mobile="139-0000-1111")[0]["payload"]["name"] == "旧明文名字"
    assert ho.member_records("m1") == 1
    s.conn.execute("VACUUM")  # the plaintext pages an older version left behind (docs/headoffice.md)
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = _raw_bytes(s)
    assert "旧明文名字".encode() not in raw and b"13900001111" not in raw  # rule: STO-1
    assert b"OLD-PAGE-CONTENT" not in raw  # rule: STO-1
    s.close()
