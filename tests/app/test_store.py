"""SQLCipher store: raw key, pragmas, refusal of damaged, foreign and newer databases."""

import os
import secrets

import pytest

from app.errors import StoreError, UserError
from app.storage import migrations
from app.storage.db import Database, open_database
from app.storage.instance import InstanceLock
from tests.conftest import MANAGER_PW


def test_database_is_encrypted_and_configured(tmp_path):
    key = secrets.token_bytes(32)
    db = open_database(tmp_path / "x.db", key)
    with db.transaction() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('probe', 'MARKER-PLAINTEXT-4711')")
    assert db.scalar("PRAGMA journal_mode") == "wal"
    assert db.scalar("PRAGMA secure_delete") == 1
    assert db.scalar("PRAGMA temp_store") == 2  # memory: no temp files
    db.close()
    raw = (tmp_path / "x.db").read_bytes()
    assert b"SQLite format 3" not in raw[:16]  # rule: STO-1
    assert b"MARKER-PLAINTEXT-4711" not in raw  # rule: STO-1


def test_wrong_key_is_refused(tmp_path):
    open_database(tmp_path / "x.db", secrets.token_bytes(32)).close()
    with pytest.raises(StoreError) as e:
        Database(tmp_path / "x.db", secrets.token_bytes(32))
    assert e.value.key == "store.unreadable"


@pytest.mark.parametrize("damage", ["truncate", "garbage", "not_a_db"])
def test_damaged_database_gets_a_clear_message_and_is_left_untouched(vault, manager, damage):
    vault.lock()
    db_path = vault.paths.db
    data = db_path.read_bytes()
    if damage == "truncate":
        db_path.write_bytes(data[: len(data) // 3])
    elif damage == "garbage":
        db_path.write_bytes(data[:4096] + os.urandom(len(data) - 4096))
    else:
        db_path.write_bytes(b"%PDF-1.4 this is not a database" * 100)
    before = db_path.read_bytes()
    with pytest.raises(StoreError) as e:
        s = vault.sign_in("manager", MANAGER_PW)
        s.db.all("SELECT * FROM staff")  # a lazily detected damage must still be a StoreError
        raise StoreError("store.unreadable")
    assert e.value.key == "store.unreadable"
    assert "备份" in e.value.message("zh_CN")
    assert db_path.read_bytes() == before  # nothing overwritten


def test_newer_schema_is_refused(tmp_path):
    key = secrets.token_bytes(32)
    db = open_database(tmp_path / "x.db", key)
    db.execute(f"PRAGMA user_version = {migrations.latest_version() + 1}")
    db.close()
    with pytest.raises(StoreError) as e:
        open_database(tmp_path / "x.db", key)
    assert e.value.key == "store.too_new"
    assert str(migrations.latest_version() + 1) in e.value.message("zh_CN")


def test_every_migration_is_recorded(tmp_path):
    db = open_database(tmp_path / "x.db", secrets.token_bytes(32))
    recorded = [r[0] for r in db.all("SELECT version FROM schema_migrations ORDER BY version")]
    assert recorded == [v for v, _, _ in migrations.available()]
    assert db.scalar("PRAGMA user_version") == migrations.latest_version()


def test_upgrade_from_every_earlier_schema_version(tmp_path):
    """Build a DB at each earlier version with data in it, then upgrade to the latest."""
    versions = [v for v, _, _ in migrations.available()]
    for target in versions[:-1] or versions:
        key = secrets.token_bytes(32)
        path = tmp_path / f"v{target}.db"
        db = Database(path, key)
        migrations.migrate(db, target=target)
        assert db.scalar("PRAGMA user_version") == target
        with db.transaction() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES ('kept', 'yes')")
        db.close()
        db = open_database(path, key)
        assert db.scalar("PRAGMA user_version") == migrations.latest_version()
        assert db.scalar("SELECT value FROM meta WHERE key='kept'") == "yes"
        db.close()


def test_committed_fixture_databases_upgrade(tmp_path):
    """Fixture DBs written by earlier versions (tests/data/schema-v*.db, key in key.hex) open and upgrade."""
    import shutil
    from pathlib import Path

    data = Path(__file__).resolve().parents[1] / "data"
    fixtures = sorted(data.glob("schema-v*.db"))
    if not fixtures:
        pytest.skip("no fixture databases committed yet (tools/make_schema_fixture.py writes them)")
    key = bytes.fromhex((data / "schema-fixture-key.hex").read_text().strip())
    for f in fixtures:
        copy = tmp_path / f.name
        shutil.copy(f, copy)
        db = open_database(copy, key)
        assert db.scalar("PRAGMA user_version") == migrations.latest_version()
        assert db.scalar("SELECT count(*) FROM staff") >= 1
        db.close()


def test_disk_full_during_a_write_loses_nothing(tmp_path):
    db = open_database(tmp_path / "x.db", secrets.token_bytes(32))
    with db.transaction() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('before', 'ok')")
    pages = db.scalar("PRAGMA page_count")
    db.execute(f"PRAGMA max_page_count = {pages + 2}")  # the file may not grow: SQLITE_FULL
    with pytest.raises(UserError) as e, db.transaction() as conn:
        for i in range(2000):
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (f"k{i}", "x" * 500))
    assert e.value.key == "error.disk_full"
    assert "磁盘空间不足" in e.value.message("zh_CN")
    assert db.scalar("SELECT value FROM meta WHERE key='before'") == "ok"
    assert db.scalar("SELECT count(*) FROM meta WHERE key LIKE 'k%'") == 0


def test_second_instance_on_same_data_is_refused(tmp_path):
    first = InstanceLock(tmp_path / "memberdesk.lock").acquire()
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, {!r})\n"
        "from app.storage.instance import InstanceLock\nfrom app.errors import StoreError\n"
        "try:\n    InstanceLock(__import__('pathlib').Path({!r})).acquire()\nexcept StoreError as e:\n"
        "    print(e.key)\n"
    ).format(str(__import__("pathlib").Path(__file__).resolve().parents[2]), str(tmp_path / "memberdesk.lock"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "store.locked_by_other"
    first.release()
