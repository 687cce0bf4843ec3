"""Head-office service logic on both backends: SQLite (always) and PostgreSQL (MEMBERDESK_TEST_PG_DSN;
skipped with a reason on a developer machine without it, failing in CI)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from contextlib import ExitStack

import pytest

from headoffice import cli
from headoffice.service import HeadOffice, HOError
from headoffice.storage import SQLiteStorage, open_storage
from tests.app.syncutil import pg_dsn_or_skip, reset_pg

LATE_EVENING_UTC = dt.datetime(2026, 1, 31, 17, 30, tzinfo=dt.UTC).timestamp()  # 2026-02-01 01:30 in Beijing


@pytest.fixture(params=["sqlite", "postgresql"])
def storage_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ho.db'}"
    dsn = pg_dsn_or_skip()
    reset_pg(dsn)
    return dsn


@pytest.fixture
def ho(storage_url):
    storage = open_storage(storage_url)
    yield HeadOffice(storage, clock=lambda: 1_800_000_000.0)
    storage.close()


def rows(start, n, member="m1", entity="member"):
    return [
        {
            "seq": start + i,
            "ts": "x",
            "entity": entity,
            "entity_id": f"{member}" if entity == "member" else f"e{start + i}",
            "op": "upsert",
            "payload": {"n": start + i},
            "member_id": member,
        }
        for i in range(n)
    ]


def test_upload_apply_is_idempotent_and_gap_free(ho):
    ho.create_store("SH-001", "门店")
    assert ho.upload("SH-001", {"after": 0, "rows": rows(1, 3, entity="purchase")})["ack"] == 3
    again = ho.upload("SH-001", {"after": 0, "rows": rows(1, 3, entity="purchase")})
    assert again["ack"] == 3 and again["applied"] == 0 and again["duplicate"]
    overlap = ho.upload("SH-001", {"after": 2, "rows": rows(3, 3, entity="purchase")})
    assert overlap["ack"] == 5 and overlap["applied"] == 2
    with pytest.raises(HOError) as gap:
        ho.upload("SH-001", {"after": 7, "rows": rows(8, 1)})
    assert gap.value.code == "gap" and gap.value.extra["expected"] == 6
    with pytest.raises(HOError):
        ho.upload("SH-001", {"after": 5, "rows": rows(7, 1) + rows(6, 1)})  # not increasing
    assert ho.list_stores()[0]["hwm"] == 5


def test_erasure_wins_over_later_and_same_batch_rows(ho):
    ho.create_store("SH-001", "门店")
    batch = [
        *rows(1, 2, member="m1"),
        {
            "seq": 3,
            "ts": "x",
            "entity": "erasure",
            "entity_id": "m1",
            "op": "erase",
            "payload": {"reason": "request"},
            "member_id": None,
        },
        *rows(4, 1, member="m1"),
    ]
    res = ho.upload("SH-001", {"after": 0, "rows": batch})
    assert res["ack"] == 4 and res["quarantined"] == 1
    assert ho.is_erased("m1") and ho.member_records("m1") == 0  # rule: RIG-3
    ho.upload("SH-001", {"after": 4, "rows": rows(5, 1, member="m1")})
    assert ho.member_records("m1") == 0  # rule: RIG-3
    assert [q["seq"] for q in ho.quarantined()] == [4, 5]


def test_feed_pages_in_order_with_cursor(ho):
    ho.create_store("SH-001", "门店")
    ho.create_store("BJ-002", "门店")
    ids = [ho.publish("holiday_table", {"year": 2027 + i, "days": {}}) for i in range(5)]
    ho.publish("config", {"sync_interval_minutes": 5}, target_store="BJ-002")
    page = ho.pull("SH-001", None, limit=2)
    assert [r["payload"]["year"] for r in page["rows"]] == [2027, 2028] and page["more"]
    page2 = ho.pull("SH-001", page["cursor"], limit=10)
    assert [r["payload"]["year"] for r in page2["rows"]] == [2029, 2030, 2031] and not page2["more"]
    assert len(ho.pull("BJ-002", None, limit=10)["rows"]) == 6
    assert len(ids) == 5


def test_postgres_cursor_never_skips_rows_committed_out_of_order(storage_url):
    if not storage_url.startswith("postgres"):
        pytest.skip("SQLite has a single writer: rows commit in id order")
    storage = open_storage(storage_url, pool_size=4)
    ho = HeadOffice(storage, clock=lambda: 1_800_000_000.0)
    try:
        ho.create_store("SH-001", "门店")
        ho.publish("holiday_table", {"year": 2027, "days": {}})
        with ExitStack() as stack:
            slow = stack.enter_context(storage.tx())  # T1 takes an id first, commits last
            slow.add_feed("holiday_table", json.dumps({"year": 2028, "days": {}}), None, 1.0)
            with storage.tx() as fast:  # T2 takes a later id and commits now
                fast.add_feed("holiday_table", json.dumps({"year": 2029, "days": {}}), None, 1.0)
            first = ho.pull("SH-001", None)
            assert [r["payload"]["year"] for r in first["rows"]] == [2027]  # 2029 is held back while T1 runs
        second = ho.pull("SH-001", first["cursor"])
        assert sorted(r["payload"]["year"] for r in second["rows"]) == [2028, 2029]
    finally:
        storage.close()


def test_resync_required_after_prune_and_snapshot_holds_whole_ledger(ho):
    ho.create_store("SH-001", "门店")
    ho.file_erasure_order("m-old")
    ho.publish("notice", {"zh_CN": {}, "en": {}})
    cur = ho.pull("SH-001", None)["cursor"]
    ho.clock = lambda: 1_800_000_000.0 + 200 * 86400
    ho.file_erasure_order("m-new")
    assert ho.prune_feed() == 1
    assert ho.pull("SH-001", "0:0")["resync_required"]
    assert ho.pull("SH-001", cur)["resync_required"]  # beyond the horizon
    snap = ho.snapshot("SH-001")
    assert sorted(e["member_id"] for e in snap["erasures"]) == ["m-new", "m-old"]  # rule: RIG-3
    assert [r["kind"] for r in snap["rows"]] == ["notice"]
    after = ho.pull("SH-001", snap["cursor"])
    assert not after["resync_required"] and after["rows"] == []


def test_admin_cli(storage_url, capsys, tmp_path):
    assert cli.main(["--db", storage_url, "create-store", "SH-001", "上海南京路店"]) == 0
    out = capsys.readouterr().out
    assert "enrolment code" in out
    hol = tmp_path / "h.json"
    hol.write_text(json.dumps({"2027-01-01": "holiday"}), "utf-8")
    pol = tmp_path / "p.json"
    pol.write_text(json.dumps({"rules": []}), "utf-8")
    assert cli.main(["--db", storage_url, "publish-holidays", "2027", str(hol)]) == 0
    assert cli.main(["--db", storage_url, "publish-policy", str(pol)]) == 0
    assert cli.main(["--db", storage_url, "publish-notice", str(pol)]) == 0
    assert cli.main(["--db", storage_url, "set-interval", "10"]) == 0
    assert cli.main(["--db", storage_url, "erase", "abc123"]) == 0
    assert cli.main(["--db", storage_url, "erase", "abc123"]) == 0
    capsys.readouterr()
    storage = open_storage(storage_url)
    ho = HeadOffice(storage, clock=lambda: LATE_EVENING_UTC)
    due = {"R1": "2026-01-05", "R2": "2026-01-31"}  # R2 falls due on the UTC day, is overdue on the Beijing day
    rows = [
        {
            "seq": n,
            "entity": "request",
            "entity_id": rid,
            "op": "upsert",
            "payload": {"status": "received", "due_on": day, "type": "access"},
            "member_id": "m9",
        }
        for n, (rid, day) in enumerate(due.items(), 1)
    ]
    ho.upload("SH-001", {"after": 0, "rows": rows})
    storage.close()
    assert cli.main(["--db", storage_url, "stores"]) == 0
    out = capsys.readouterr().out
    assert "SH-001" in out and "2026-02-01 01:30 Beijing time" in out  # uploaded 2026-01-31 17:30 UTC
    assert "Z" not in out and "2026-01-31" not in out
    assert cli.main(["--db", storage_url, "overdue", "--today", "2026-01-31"]) == 0
    out = capsys.readouterr().out
    assert "R1" in out and "R2" not in out and "1 overdue" in out
    # without --today: the Beijing day, as the console counts it (the machine's own day or UTC would be a day late)
    cli_clock = functools.partial(HeadOffice, clock=lambda: LATE_EVENING_UTC)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli, "HeadOffice", cli_clock)
        assert cli.main(["--db", storage_url, "overdue"]) == 0
    out = capsys.readouterr().out
    assert "R1" in out and "R2" in out and "2 overdue request(s) on 2026-02-01 (Beijing)" in out
    assert cli.main(["--db", storage_url, "serve", "--host", "0.0.0.0", "--insecure-http"]) == 2


def test_sqlite_storage_reopens(tmp_path):
    s = SQLiteStorage(tmp_path / "a.db")
    HeadOffice(s).create_store("SH-001", "x")
    s.close()
    s = SQLiteStorage(tmp_path / "a.db")
    assert HeadOffice(s).list_stores()[0]["code"] == "SH-001"
    s.close()
