"""Write tests/data/schema-vNNNN.db: an encrypted DB at each schema version, with a staff row.

Run this when a migration is added (before the next one changes the schema again), and commit the
new file: tests/app/test_store.py upgrades every fixture to the latest schema. Fixture files are
never rewritten: an existing one is kept as the record of what that version really was.

    .venv/bin/python tools/make_schema_fixture.py
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.storage import migrations  # noqa: E402
from app.storage.db import Database  # noqa: E402

DATA = ROOT / "tests" / "data"


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    key_file = DATA / "schema-fixture-key.hex"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32) + "\n")  # a test key, not a secret
    key = bytes.fromhex(key_file.read_text().strip())
    for version, name, _ in migrations.available():
        out = DATA / f"schema-v{version:04d}.db"
        if out.exists():
            continue
        db = Database(out, key)
        migrations.migrate(db, target=version)
        with db.transaction() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES ('db_id', 'fixture'), ('store_code', 'FX-001')")
            conn.execute(
                "INSERT INTO staff(id, username, display_name, role, created_at) VALUES"
                " ('fx0001', 'fixture', 'Fixture', 'manager', '2026-11-28T00:00:00+08:00')"
            )
        db.checkpoint()
        db.execute("PRAGMA journal_mode = DELETE")
        db.conn.close()
        print(f"wrote {out.relative_to(ROOT)} ({name})")


if __name__ == "__main__":
    main()
