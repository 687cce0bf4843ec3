"""Originals register: 30-working-day due dates, overdue/amber, check-out, witnessed destruction, record."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from app.calendar import import_holiday_table
from app.errors import UserError
from app.originals import destruction as D, tracking as R
from app.originals.summary import originals_due_summary
from app.scans.importer import import_bytes
from app.storage.fieldcrypt import FieldCipher
from tests.conftest import CLERK_PW
from tests.factories import make_member
from tests.scan_samples import form_page, issue_serial, to_bytes

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def cipher(vault, manager):
    return FieldCipher(vault.data_key())


def _scan(session, cipher, seed=1) -> str:
    mid = make_member(session)
    serial = issue_serial(session, mid)
    import_bytes(session, cipher, to_bytes(form_page(serial, seed=seed), "PNG"))
    return serial


def _orig(db, serial):
    return db.one("SELECT * FROM originals WHERE serial = ?", (serial,))


def test_due_date_across_golden_week_2026(manager, cipher, clock):
    clock.set(dt.datetime(2026, 9, 24, 10, 0, tzinfo=CST))  # Thursday before Mid-autumn + National Day
    serial = _scan(manager, cipher)
    row = _orig(manager.db, serial)
    # weekends only would give 2026-11-05; Mid-autumn (9-25) and National Day (10-1..7, 10-10 worked) move it
    assert row["due_date"] == "2026-11-12"  # rule: STO-2
    assert row["due_missing_years"] == ""
    assert row["cabinet"] == "" and row["custodian_id"] == manager.staff.id and row["status"] == "in_cabinet"


def test_due_date_across_year_without_table_then_import(manager, cipher, clock):
    clock.set(dt.datetime(2026, 12, 10, 10, 0, tzinfo=CST))
    serial = _scan(manager, cipher)
    row = _orig(manager.db, serial)
    # the never-later fallback (decision of 2026-12-03; weekends only gave 01-21): never after the true 01-22
    assert row["due_date"] == "2027-01-18" and row["due_missing_years"] == "2027"  # rule: STO-2
    s = originals_due_summary(manager.db, clock.today())
    assert s.missing_table == 1 and any("节假日" in line for line in s.lines("zh_CN"))
    import_holiday_table(manager, 2027, {"2027-01-01": "holiday"})
    assert R.recompute_due_dates(manager) == 1
    row = _orig(manager.db, serial)
    assert row["due_date"] == "2027-01-22" and row["due_missing_years"] == ""  # rule: STO-2


def test_overdue_and_amber(manager, cipher, clock):
    clock.set(dt.datetime(2026, 9, 24, 10, 0, tzinfo=CST))
    serial = _scan(manager, cipher)
    today = dt.date(2026, 11, 9)  # Monday: due Thursday = 3 working days
    [o] = R.list_originals(manager.db, today)
    assert (o.urgency, o.working_days_left) == ("due_soon", 3)
    assert R.list_originals(manager.db, dt.date(2026, 11, 6))[0].urgency == "ok"
    assert R.list_originals(manager.db, dt.date(2026, 11, 12))[0].urgency == "due_soon"
    late = R.list_originals(manager.db, dt.date(2026, 11, 13))[0]
    assert late.urgency == "overdue" and late.serial == serial  # rule: STO-2
    s = originals_due_summary(manager.db, dt.date(2026, 11, 13))
    assert (s.overdue, s.due_soon, s.any) == (1, 0, True)  # rule: STO-2
    c = R.counts(manager.db, dt.date(2026, 11, 9))
    assert (c["in_cabinet"], c["due_soon"], c["due_this_week"]) == (1, 1, 1)


def test_location_and_check_out(manager, cipher, clerk):
    serial = _scan(manager, cipher)
    oid = _orig(manager.db, serial)["id"]
    with pytest.raises(UserError):
        R.set_location(clerk, oid, "  ", clerk.staff.id)
    R.set_location(clerk, oid, "柜A-1", clerk.staff.id)
    today = clerk.clock.today()
    with pytest.raises(UserError):
        R.check_out(clerk, oid, "", today)
    with pytest.raises(UserError):
        R.check_out(clerk, oid, "核对签名", today + dt.timedelta(days=400))
    R.check_out(clerk, oid, "核对签名", today + dt.timedelta(days=1))
    row = _orig(manager.db, oid and serial)
    assert (row["status"], row["cabinet"], row["custodian_id"]) == ("checked_out", "柜A-1", clerk.staff.id)
    R.check_in(clerk, oid)
    assert _orig(manager.db, serial)["status"] == "in_cabinet"


def test_witnessed_destruction_and_record(manager, cipher, clerk, vault, clock):
    serials = [_scan(manager, cipher, seed=i) for i in (1, 2, 3)]
    ids = [_orig(manager.db, s)["id"] for s in serials]
    witness = vault.verify_staff("clerk", CLERK_PW)
    with pytest.raises(UserError) as ei:
        D.destroy_batch(clerk, ids, method="shred", witness=manager.staff)
    assert ei.value.key == "error.permission"  # rule: SEC-1
    with pytest.raises(UserError) as ei:
        D.destroy_batch(manager, ids, method="shred", witness=manager.staff)
    assert ei.value.key == "originals.witness_same"  # rule: STO-2
    with pytest.raises(UserError):
        D.destroy_batch(manager, ids, method="vendor", vendor="某某销毁公司", witness=witness)  # no certificate
    R.check_out(manager, ids[2], "复核", clock.today())
    with pytest.raises(UserError) as ei:
        D.destroy_batch(manager, ids, method="shred", witness=witness)
    assert ei.value.key == "originals.not_in_cabinet"
    assert manager.db.scalar("SELECT count(*) FROM originals WHERE status = 'destroyed'") == 0  # all or nothing
    R.check_in(manager, ids[2])
    clock.advance(days=20)
    did = D.destroy_batch(
        manager, ids, method="vendor", vendor="某某销毁公司", certificate_no="XH-2026-118", witness=witness
    )
    rows = manager.db.all("SELECT status, destruction_id FROM originals")
    assert all(r["status"] == "destroyed" and r["destruction_id"] == did for r in rows)  # rule: STO-2
    d = manager.db.one("SELECT * FROM original_destructions WHERE id = ?", (did,))
    assert (d["manager_id"], d["witness_id"], d["form_count"]) == (manager.staff.id, witness.id, 3)  # rule: STO-2
    audit = manager.db.one("SELECT details FROM audit_log WHERE action = 'originals.destroy'")
    assert witness.id in audit["details"] and d["batch_sha256"] in audit["details"]  # rule: STO-3
    assert D.verify_batch_hash(manager.db, did)  # rule: STO-3
    manager.db.execute("UPDATE originals SET content_sha256 = 'x' WHERE serial = ?", (serials[0],))
    assert not D.verify_batch_hash(manager.db, did)  # rule: STO-3
    manager.db.execute(
        "UPDATE originals SET content_sha256 = ? WHERE serial = ?",
        (manager.db.scalar("SELECT content_sha256 FROM scan_documents WHERE serial = ?", (serials[0],)), serials[0]),
    )
    pdf = D.destruction_record_pdf(manager.db, did, store_name="上海南京路店")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for s in serials:
        assert s in text  # rule: STO-3
    assert "监销人" in text and "李店员" in text and "XH-2026-118" in text  # rule: STO-3
    grouped = d["batch_sha256"][:8]
    assert grouped in text  # rule: STO-3
    with pytest.raises(UserError):
        D.destroy_batch(manager, ids[:1], method="shred", witness=witness)  # already destroyed


def test_working_day_offsets_match_calendar():
    from hypothesis import given, settings, strategies as st

    from app.calendar import HolidayTables, working_days_between

    tables = HolidayTables({2027: {dt.date(2027, 1, 1): "holiday", dt.date(2027, 2, 6): "workday"}})

    @settings(max_examples=60, deadline=None)
    @given(
        st.dates(dt.date(2025, 12, 1), dt.date(2027, 3, 1)),
        st.lists(st.dates(dt.date(2025, 12, 1), dt.date(2027, 3, 1)), min_size=1, max_size=8),
    )
    def check(today, dues):
        got = R.working_day_offsets(today, dues, tables)
        assert got == {d: working_days_between(today, d, tables) for d in dues}  # rule: STO-2

    check()
