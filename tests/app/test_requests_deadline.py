"""The request clock cannot be pushed without limit (RIG-2), and requests come by every channel (RIG-1).

Every public function that moves the due date (open_request, pause, resume, extend) and the store itself
(migration 0013's triggers) are tried: a pause only while waiting for the customer, ended by the customer's
answer; one extension by a manager; nothing else moves the due date later."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app import requests as R
from app.calendar import HolidayTables, add_working_days, working_days_between
from app.errors import PermissionDenied, UserError, ValidationError
from tests.factories import make_member

CST = dt.timezone(dt.timedelta(hours=8))


def at(clock, day: dt.date, h: int = 10) -> None:
    clock.set(dt.datetime(day.year, day.month, day.day, h, 0, tzinfo=CST))


def test_a_pause_waits_for_the_customer_only_and_says_for_what(manager, clerk, clock):
    at(clock, dt.date(2026, 11, 2))
    mid = make_member(clerk)
    rid = R.open_request(clerk, "access", mid)  # identity not yet checked
    for bad in ("", "stock_check", "manager_busy", None):
        with pytest.raises(ValidationError):
            R.pause(clerk, rid, "等待", waits_for=bad)  # rule: RIG-2 (no pause for the store's own reasons)
    req = R.pause(clerk, rid, "等待顾客带身份证来店", waits_for="identity_proof")
    assert req["status"] == "paused" and req["pause_waits_for"] == "identity_proof"
    assert R.timeline(clerk.db, rid)[-1]["data"] == {"waits_for": "identity_proof"}
    at(clock, dt.date(2026, 11, 6))
    for bad_answer in ("", "store_done", None):
        with pytest.raises(ValidationError):
            R.resume(clerk, rid, answer=bad_answer)  # rule: RIG-2 (only the customer's answer ends it)
    with pytest.raises(ValidationError):
        R.resume(clerk, rid, answer="provided", answered_on=dt.date(2026, 11, 1))  # before the pause
    with pytest.raises(ValidationError):
        R.resume(clerk, rid, answer="provided", answered_on=dt.date(2026, 11, 9))  # after today
    # the customer came back on Wednesday; the clerk records it on Friday: the clock counts to Wednesday
    req = R.resume(clerk, rid, answer="provided", answered_on=dt.date(2026, 11, 4))
    assert req["status"] == "received" and req["paused_days"] == 2
    assert req["due_on"] == "2026-11-25" and req["base_due_on"] == "2026-11-23"  # rule: RIG-2
    R.verify_identity(clerk, rid, "id_card_sighted")
    with pytest.raises(UserError):
        R.pause(clerk, rid, "再核验", waits_for="identity_proof")  # rule: RIG-2 (identity already verified)


def test_one_extension_by_a_manager_with_a_reason(manager, clerk, clock):
    at(clock, dt.date(2026, 11, 2))
    rid = R.open_request(clerk, "correct", make_member(clerk), identity_method="id_card_sighted")
    with pytest.raises(PermissionDenied):
        R.extend(clerk, rid, 5, "情况复杂")  # rule: SEC-1
    for days in (0, 16, True, 2.5):
        with pytest.raises(ValidationError):
            R.extend(manager, rid, days, "情况复杂")
    req = R.extend(manager, rid, 15, "需向总部调取记录")
    assert req["due_on"] == add_working_days(dt.date(2026, 11, 23), 15).date.isoformat()
    with pytest.raises(UserError) as exc:
        R.extend(manager, rid, 1, "再延一次")
    assert exc.value.key == "requests.extension_once"  # rule: RIG-2 (one extension at most)
    assert R.get_request(manager.db, rid)["extended_days"] == 15


def test_the_store_refuses_a_later_due_date_by_any_other_path(manager, clock):
    at(clock, dt.date(2026, 11, 2))
    rid = R.open_request(manager, "access", make_member(manager), identity_method="id_card_sighted")
    conn = manager.db
    for sql in (
        "UPDATE requests SET due_on = '2027-06-01' WHERE id = ?",
        "UPDATE requests SET base_due_on = '2027-06-01' WHERE id = ?",
    ):
        with pytest.raises(Exception, match=r"requests\.due_later"), conn.transaction() as c:
            c.execute(sql, (rid,))
    assert R.get_request(conn, rid)["due_on"] == "2026-11-23"  # rule: RIG-2
    R.extend(manager, rid, 3, "理由")
    with pytest.raises(Exception, match=r"requests\.extension_once"), conn.transaction() as c:
        c.execute("UPDATE requests SET extended_days = 10 WHERE id = ?", (rid,))
    assert R.get_request(conn, rid)["extended_days"] == 3  # rule: RIG-2
    with conn.transaction() as c:  # earlier is always allowed
        c.execute("UPDATE requests SET due_on = '2026-11-20' WHERE id = ?", (rid,))


OPS = st.lists(
    st.tuples(
        st.sampled_from(["pause_id", "pause_cl", "resume", "extend", "verify", "wait"]),
        st.integers(0, 12),  # calendar days to wait, or extension days
        st.integers(0, 12),  # how many days before today the customer answered
    ),
    max_size=12,
)


def test_property_pauses_and_the_extension_never_push_the_due_date_later_than_allowed(manager, clock):
    """Whatever the order of steps: due date = base + the working days waited for the customer (up to the
    answers) + at most one extension of at most 15 working days; never earlier than the base."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.dates(dt.date(2026, 1, 5), dt.date(2028, 6, 30)), OPS)
    def check(start, ops):
        at(clock, start)
        rid = R.open_request(manager, "access", None, customer_found=False)
        waited, extended = 0, 0
        tables = HolidayTables.from_db(manager.db)
        today = start
        for op, n, back in ops:
            req = R.get_request(manager.db, rid)
            try:
                if op == "wait":
                    today += dt.timedelta(days=n)
                    at(clock, today)
                elif op in ("pause_id", "pause_cl"):
                    R.pause(manager, rid, "等待", waits_for="identity_proof" if op == "pause_id" else "clarification")
                elif op == "resume":
                    paused_on = dt.date.fromisoformat(req["paused_on"] or today.isoformat())
                    answered = max(paused_on, today - dt.timedelta(days=back))
                    R.resume(manager, rid, answer="clarified", answered_on=answered)
                    waited += working_days_between(paused_on, answered, tables)
                elif op == "extend":
                    R.extend(manager, rid, max(1, n), "理由")
                    extended = max(1, n)
                elif op == "verify":
                    R.verify_identity(manager, rid, "sms_code")
            except (UserError, ValidationError):
                pass
            req = R.get_request(manager.db, rid)
            limit = add_working_days(dt.date.fromisoformat(req["base_due_on"]), waited + extended, tables).date
            assert req["due_on"] <= limit.isoformat()  # rule: RIG-2
            assert req["due_on"] >= req["base_due_on"]
            assert req["extended_days"] in (0, extended) and req["extended_days"] <= 15  # rule: RIG-2
        req = R.get_request(manager.db, rid)
        assert req["base_due_on"] == add_working_days(start, 15, tables).date.isoformat()  # rule: RIG-2

    check()


def test_phone_and_online_requests_are_entered_at_the_desk_with_their_channel_and_day(manager, clerk, clock):
    at(clock, dt.date(2026, 11, 5))
    mid = make_member(clerk)
    rid = R.open_request(clerk, "transfer", mid, channel="phone", received_on=dt.date(2026, 11, 2))
    req = R.get_request(clerk.db, rid)
    assert req["channel"] == "phone" and req["received_on"] == "2026-11-02"  # rule: RIG-1
    assert req["due_on"] == "2026-11-23"  # rule: RIG-2 (the same clock, from the day the call came in)
    rid = R.open_request(clerk, "explain", mid, channel="online")
    assert R.get_request(clerk.db, rid)["channel"] == "online"  # rule: RIG-1
    for channel, day in (
        ("desk", dt.date(2026, 11, 2)),  # a desk request is received the day it is entered
        ("phone", dt.date(2026, 11, 6)),  # not in the future
        ("online", dt.date(2026, 10, 1)),  # not more than 30 days late
        ("fax", None),
        ("mail", dt.date(2026, 11, 5)),
    ):
        with pytest.raises(ValidationError):
            R.open_request(clerk, "access", mid, channel=channel, received_on=day)  # rule: RIG-1
    assert {r["channel"] for r in R.list_requests(clerk, dt.date(2026, 11, 5))} == {"phone", "online"}


def test_migration_0013_keeps_the_requests_and_their_timeline(tmp_path):
    """A store with requests of schema 0012 upgrades: rows, timeline and foreign keys kept; base due = due."""
    import secrets

    from app.storage import migrations
    from app.storage.db import open_database

    db = open_database(tmp_path / "old.db", secrets.token_bytes(32), migrate=False)
    migrations.migrate(db, target=12)
    with db.transaction() as c:
        c.execute(
            "INSERT INTO requests(id, request_no, type, member_id, status, paused_from, paused_on, channel,"
            " received_at, received_on, due_on, extended_days, store_code, opened_by, updated_at) VALUES"
            " ('r1', 'SH-1', 'copy', NULL, 'paused', 'verified', '2026-11-03', 'desk', '2026-11-02T10:00:00+08:00',"
            " '2026-11-02', '2026-11-30', 5, 'SH', 's1', '2026-11-03')"
        )
        c.execute(
            "INSERT INTO request_events(request_id, ts, event, note) VALUES ('r1', '2026-11-02', 'received', 'n')"
        )
    migrations.migrate(db)
    row = db.one("SELECT * FROM requests WHERE id = 'r1'")
    assert (row["base_due_on"], row["due_on"], row["extended_days"]) == ("2026-11-30", "2026-11-30", 5)
    assert row["pause_waits_for"] == "clarification" and row["channel"] == "desk"
    assert db.one("SELECT note FROM request_events WHERE request_id = 'r1'")["note"] == "n"
    assert db.all("PRAGMA foreign_key_check") == []
    with pytest.raises(Exception, match=r"requests\.extension_once"), db.transaction() as c:
        c.execute("UPDATE requests SET extended_days = 6 WHERE id = 'r1'")  # rule: RIG-2 (already extended once)
    db.close()
