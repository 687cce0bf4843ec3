"""Customer requests: lifecycle, due dates, queue, execution by type (issue 6)."""

import datetime as dt
import json

import pytest

from app import requests as R
from app.audit import chain
from app.calendar import import_holiday_table
from app.errors import NotFound, PermissionDenied, UserError, ValidationError
from app.requests import service as S
from tests.factories import make_member

CST = dt.timezone(dt.timedelta(hours=8))


def at(clock, y, m, d, h=10):
    clock.set(dt.datetime(y, m, d, h, 0, tzinfo=CST))


# -- due dates (RIG-2) ------------------------------------------------------------------
def test_due_date_across_golden_week_2026(manager, clock):
    at(clock, 2026, 4, 28)
    mid = make_member(manager)
    rid = R.open_request(manager, "access", mid, identity_method="id_card_sighted")
    req = R.get_request(manager.db, rid)
    # 4-29, 4-30, [5-1..5-5 holiday], 5-6, 5-7, 5-8, 5-9 (Saturday, adjusted working day), 5-11 ...
    assert req["due_on"] == "2026-05-21"  # rule: RIG-2
    assert req["table_missing"] == ""  # rule: RIG-2


def test_due_date_counts_adjusted_working_weekends(manager, clock):
    # National Day 2026: 10-1..10-7 off; Sunday 9-20 and Saturday 10-10 are working days
    at(clock, 2026, 9, 18)
    due = S.due_date(manager.db, clock.now().date())
    # 9-20(Sun, worked) 9-21..24, [9-25 Mid-Autumn], 9-28,29,30, [10-1..10-7], 10-8, 10-9,
    # 10-10(Sat, worked), 10-12..10-15
    assert due.date == dt.date(2026, 10, 15)  # rule: RIG-2
    naive = S.due_date(manager.db, dt.date(2026, 9, 11))
    assert naive.date == dt.date(2026, 10, 9)  # rule: RIG-2 (adjusted Sunday 9-20 counted)


def test_due_date_in_year_without_table_warns_and_is_never_late(manager, clock):
    at(clock, 2027, 9, 27)
    due = S.due_date(manager.db, clock.now().date())
    assert due.table_missing and 2027 in due.missing_years  # rule: RIG-2
    # the never-later fallback (decision of 2026-12-03; weekends only gave 10-18): National Day 10-1..3 off by
    # law, the weekends near it may be make-up days and count
    assert due.date == dt.date(2027, 10, 15)  # rule: RIG-2
    mid = make_member(manager)
    rid = R.open_request(manager, "access", mid, identity_method="sms_code")
    assert R.get_request(manager.db, rid)["table_missing"] == "2027"  # rule: RIG-2
    # once head office delivers the 2027 table, new requests count its holidays
    days = {f"2027-10-0{d}": "holiday" for d in range(1, 8)}
    import_holiday_table(manager, 2027, days)
    due2 = S.due_date(manager.db, clock.now().date())
    assert not due2.table_missing and due2.date == dt.date(2027, 10, 25)  # rule: RIG-2
    assert due.date <= due2.date  # rule: RIG-2


# -- lifecycle ------------------------------------------------------------------------
def test_lifecycle_and_timeline(manager, clerk, clock):
    mid = make_member(clerk)
    rid = R.open_request(clerk, "cancel", mid)  # rule: RIG-1
    assert R.get_request(clerk.db, rid)["status"] == "received"
    with pytest.raises(UserError):
        R.start(clerk, rid)  # identity first
    R.verify_identity(clerk, rid, "both")
    req = R.get_request(clerk.db, rid)
    assert req["identity_method"] == "both" and req["status"] == "verified"
    R.execute_cancel(clerk, rid)
    req = R.get_request(clerk.db, rid)
    assert req["status"] == "completed" and req["outcome"] == "done"
    events = [e["event"] for e in R.timeline(clerk.db, rid)]
    assert events == ["received", "verified", "started", "completed"]
    with pytest.raises(UserError):
        R.refuse(manager, rid, "x", "y")  # closed stays closed
    # no personal values on the request or its audit entries (SEC-2)
    row = dict(clerk.db.one("SELECT * FROM requests WHERE id = ?", (rid,)))
    assert "张三" not in json.dumps(row, ensure_ascii=False)
    audit = clerk.db.all("SELECT action, details FROM audit_log WHERE subject_id IN (?, ?)", (rid, mid))
    assert {"request.open", "request.verify", "request.start", "member.cancel", "request.complete"} <= {
        a[0] for a in audit
    }  # rule: SEC-2
    assert all("张三" not in a[1] for a in audit)  # rule: SEC-2
    assert chain.verify(clerk.db).ok  # rule: SEC-2


def test_identity_number_never_kept(manager, clock):
    mid = make_member(manager)
    with pytest.raises(ValidationError):
        R.open_request(manager, "access", mid, identity_method="440301199001011234")
    rid = R.open_request(manager, "access", mid, identity_method="id_card_sighted")
    cols = [r[1] for r in manager.db.all("PRAGMA table_info(requests)")]
    assert not [c for c in cols if "id_number" in c or "id_card_no" in c]  # rule: MIN-3
    assert R.get_request(manager.db, rid)["identity_method"] == "id_card_sighted"


def test_pause_and_extension_need_reason_and_move_due_date(manager, clerk, clock):
    at(clock, 2026, 11, 2)
    mid = make_member(clerk)
    rid = R.open_request(clerk, "correct", mid, identity_method="id_card_sighted")
    due0 = R.get_request(clerk.db, rid)["due_on"]
    assert due0 == "2026-11-23"  # rule: RIG-2
    with pytest.raises(ValidationError):
        R.pause(clerk, rid, "  ", waits_for="clarification")
    R.pause(clerk, rid, "等待顾客补充材料", waits_for="clarification")
    at(clock, 2026, 11, 5)  # paused Mon..Thu: 3 working days
    req = R.resume(clerk, rid, answer="clarified")
    assert req["status"] == "verified" and req["due_on"] == "2026-11-26"  # rule: RIG-2
    with pytest.raises(PermissionDenied):
        R.extend(clerk, rid, 5, "情况复杂")  # rule: SEC-1
    with pytest.raises(ValidationError):
        R.extend(manager, rid, 5, "")
    with pytest.raises(ValidationError):
        R.extend(manager, rid, 40, "情况复杂")
    req = R.extend(manager, rid, 5, "情况复杂")
    assert req["due_on"] == "2026-12-03" and req["extended_days"] == 5
    details = [
        json.loads(d[0])
        for d in manager.db.all("SELECT details FROM audit_log WHERE action IN ('request.pause', 'request.extend')")
    ]
    assert len(details) == 2 and all("reason_len" in d for d in details)  # rule: SEC-2
    notes = [e["note"] for e in R.timeline(manager.db, rid) if e["note"]]
    assert notes == ["等待顾客补充材料", "情况复杂"]


def test_refusal_needs_manager_reason_and_legal_basis(manager, clerk):
    mid = make_member(clerk)
    rid = R.open_request(clerk, "delete", mid, identity_method="id_card_sighted")
    with pytest.raises(PermissionDenied):
        R.refuse(clerk, rid, "理由", "依据")  # rule: SEC-1
    with pytest.raises(ValidationError):
        R.refuse(manager, rid, "存在未结清的分期付款", "")  # rule: RIG-4
    with pytest.raises(ValidationError):
        R.refuse(manager, rid, "", "《个人信息保护法》第四十七条")  # rule: RIG-4
    req = R.refuse(manager, rid, "存在未结清的分期付款", "《个人信息保护法》第四十七条第一款")
    assert req["status"] == "refused" and req["outcome"] == "refused"
    assert req["refusal_reason"] and req["legal_basis"]  # rule: RIG-4


def test_customer_not_found_is_recorded_as_such(manager, clerk):
    with pytest.raises(ValidationError):
        R.open_request(clerk, "access", None)
    with pytest.raises(NotFound):
        R.open_request(clerk, "access", "deadbeefdeadbeef")  # a member that does not exist
    rid = R.open_request(clerk, "access", None, customer_found=False, identity_method="id_card_sighted")
    req = R.get_request(clerk.db, rid)
    assert req["member_id"] is None and req["customer_found"] == 0
    with pytest.raises(UserError):
        R.build_copy(manager, rid)
    req = R.close_not_found(clerk, rid)
    assert req["status"] == "completed" and req["outcome"] == "not_found"  # rule: RIG-2


# -- queue ----------------------------------------------------------------------------
def test_queue_sorted_by_due_with_colours_and_summary(manager, clerk, clock):
    at(clock, 2026, 11, 2)
    a = R.open_request(clerk, "access", make_member(clerk), identity_method="sms_code")  # due 11-23
    at(clock, 2026, 11, 9)
    b = R.open_request(clerk, "restrict", make_member(clerk))  # due 11-30
    c = R.open_request(clerk, "access", None, customer_found=False)
    R.close_not_found(clerk, c)
    at(clock, 2026, 11, 19)
    rows = R.list_requests(clerk, clock.now().date())
    assert [r["id"] for r in rows] == [a, b, c]
    assert rows[0]["urgency"] == "soon" and rows[0]["days_left"] == 2  # rule: RIG-2
    assert rows[1]["urgency"] == "ok" and rows[2]["urgency"] == "closed"
    at(clock, 2026, 11, 25)  # a is overdue; b is due in 3 working days (11-26, 11-27, 11-30)
    today = clock.now().date()
    rows = R.list_requests(clerk, today, due="overdue")
    assert [r["id"] for r in rows] == [a]  # rule: RIG-2
    assert [r["id"] for r in R.list_requests(clerk, today, req_type="restrict")] == [b]
    assert [r["id"] for r in R.list_requests(clerk, today, status="completed")] == [c]
    n = R.counts(R.list_requests(clerk, today))
    assert (n["total"], n["open"], n["overdue"], n["soon"], n["closed"]) == (3, 2, 1, 1, 1)
    s = R.requests_due_summary(manager.db, today)
    assert (s["open"], s["overdue"], s["soon"]) == (2, 1, 1)  # rule: RIG-2
    from app.reminders import collect

    levels = {r.key: r.level for r in collect(manager.db, today)}
    assert levels.get("reminder.requests_overdue") == "overdue"


# -- execution by type -------------------------------------------------------------------
def test_cancel_starts_retention_clock(manager, clock):
    at(clock, 2026, 11, 10)
    mid = make_member(manager)
    rid = R.open_request(manager, "cancel", mid, identity_method="id_card_sighted")
    R.execute_cancel(manager, rid)
    row = manager.db.one("SELECT status, cancelled_at, marketing_opt_in FROM members WHERE id = ?", (mid,))
    assert row["status"] == "cancelled"  # rule: RET-2
    assert row["cancelled_at"].startswith("2026-11-10T10:00")  # rule: RET-2
    assert row["marketing_opt_in"] == 0
    rid2 = R.open_request(manager, "cancel", mid, identity_method="id_card_sighted")
    with pytest.raises(UserError):
        R.execute_cancel(manager, rid2)


def test_restrict_hides_member_from_clerks_and_marketing(manager, clerk):
    mid = make_member(clerk, name="限制甲")
    other = make_member(clerk, name="普通乙")
    rid = R.open_request(clerk, "restrict", mid, identity_method="id_card_sighted")
    R.execute_restrict(clerk, rid)
    sql = "SELECT id FROM members WHERE {} ORDER BY id"
    clerk_sees = {r[0] for r in clerk.db.all(sql.format(R.visible_members_sql(clerk)))}
    manager_sees = {r[0] for r in manager.db.all(sql.format(R.visible_members_sql(manager)))}
    assert mid not in clerk_sees and other in clerk_sees  # rule: RIG-5
    assert mid in manager_sees  # rule: RIG-5 (kept)
    marketing = {r[0] for r in manager.db.all(sql.format(R.marketing_allowed_sql()))}
    assert mid not in marketing  # rule: RIG-5
    with pytest.raises(UserError):
        R.require_visible(clerk, mid)  # rule: RIG-5
    with pytest.raises(UserError):
        R.open_request(clerk, "access", mid)  # rule: RIG-5
    rows = R.list_requests(clerk, dt.date(2026, 11, 2))
    assert rows[0]["member_no"] is None  # rule: RIG-5
    assert manager.db.one("SELECT name FROM members WHERE id = ?", (mid,))["name"] == "限制甲"  # kept
    with pytest.raises(PermissionDenied):
        R.lift_restriction(clerk, mid, "顾客要求解除")  # rule: SEC-1
    R.lift_restriction(manager, mid, "顾客要求解除", request_id=rid)
    assert mid in {r[0] for r in clerk.db.all(sql.format(R.visible_members_sql(clerk)))}


def test_copy_has_every_category_json_and_pdf(manager, clerk):
    mid = make_member(clerk, name="副本丙")
    old = R.open_request(clerk, "cancel", mid, identity_method="sms_code")
    rid = R.open_request(clerk, "copy", mid, identity_method="id_card_sighted")
    with pytest.raises(PermissionDenied):
        R.build_copy(clerk, rid)  # rule: SEC-1
    json_bytes, pdf_bytes, _counts = R.build_copy(manager, rid)
    data = json.loads(json_bytes)
    assert {"profile", "consents", "purchases", "scans", "service_records", "requests"} <= set(
        data["categories"]
    )  # rule: RIG-6
    assert data["categories"]["profile"][0]["name"] == "副本丙"  # rule: RIG-6
    assert {r["request_no"] for r in data["categories"]["requests"]} >= {R.get_request(manager.db, old)["request_no"]}
    assert pdf_bytes.startswith(b"%PDF")  # rule: RIG-6
    import io

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes)).pages)
    assert "副本丙" in text and "个人信息副本" in text  # rule: RIG-6
    assert manager.db.one(
        "SELECT 1 FROM audit_log WHERE action = 'member.export' AND subject_id = ?", (mid,)
    )  # rule: SEC-2
    assert R.get_request(manager.db, rid)["status"] == "completed"


def test_type_mismatch_and_bad_state(manager):
    mid = make_member(manager)
    rid = R.open_request(manager, "restrict", mid)
    with pytest.raises(UserError):
        R.execute_cancel(manager, rid)
    with pytest.raises(UserError):
        R.execute_restrict(manager, rid)  # identity not verified yet
    with pytest.raises(ValidationError):
        R.open_request(manager, "transfer-everything", mid)


# -- through the members domain (registration, correction, withdrawal) -------------------------
def _register(session, vault, decisions=None, values=None):
    from app.flows.enrolment import register_member
    from app.members.service import cipher_for
    from app.notices.store import ensure_default_stored

    notice = ensure_default_stored(session)
    decisions = decisions or {"membership": True, "marketing": True, "offers": False, "delivery": True}
    values = values or {"name": "更正丁", "mobile": "13800138000", "address": "上海市黄浦区南京东路1号"}
    return register_member(session, cipher_for(vault), notice=notice, decisions=decisions, values=values, minor=False)[
        "id"
    ]


def test_correct_through_members_validation_audits_fields_only(vault, manager, clerk):
    from app.members.service import cipher_for

    mid = _register(clerk, vault)
    rid = R.open_request(clerk, "correct", mid, identity_method="id_card_sighted")
    with pytest.raises(ValidationError):
        R.execute_correct(clerk, rid, {"mobile": "12345"}, cipher=cipher_for(vault))  # normal validation
    assert clerk.db.one("SELECT mobile FROM members WHERE id = ?", (mid,))[0] == "13800138000"
    req = R.execute_correct(clerk, rid, {"name": "更正戊", "address": "上海市静安区1号"}, cipher=cipher_for(vault))
    assert clerk.db.one("SELECT name FROM members WHERE id = ?", (mid,))[0] == "更正戊"
    assert req["result_summary"] == {"fields": ["address", "name"]}
    details = [d[0] for d in clerk.db.all("SELECT details FROM audit_log WHERE subject_id IN (?, ?)", (mid, rid))]
    assert any('"fields":["address","name"]' in d for d in details)  # rule: SEC-2
    assert not any("更正" in d or "静安" in d for d in details)  # rule: SEC-2


def test_withdraw_consent_request_stops_processing(vault, manager, clerk):
    mid = _register(clerk, vault)
    assert clerk.db.one("SELECT marketing_opt_in FROM members WHERE id = ?", (mid,))[0] == 1
    rid = R.open_request(clerk, "withdraw", mid, identity_method="sms_code")
    with pytest.raises(ValidationError):
        R.execute_withdraw(clerk, rid, [])
    req = R.execute_withdraw(clerk, rid, ["marketing", "delivery"])
    assert req["result_summary"] == {"purposes": ["marketing", "delivery"]}
    assert clerk.db.one("SELECT marketing_opt_in FROM members WHERE id = ?", (mid,))[0] == 0  # rule: CON-3
    assert (
        clerk.db.one("SELECT count(*) FROM member_fields WHERE member_id = ? AND field = 'address'", (mid,))[0] == 0
    )  # rule: CON-3
    kinds = [r[0] for r in clerk.db.all("SELECT kind FROM consent_records WHERE member_id = ?", (mid,))]
    assert kinds.count("withdrawal") == 2  # rule: CON-3


def test_copy_includes_decrypted_fields_and_consent_versions(vault, manager, clerk, manager_cipher):
    mid = _register(clerk, vault)
    rid = R.open_request(clerk, "access", mid, identity_method="id_card_sighted")
    json_bytes, _pdf_bytes, counts = R.build_copy(manager, rid, cipher=manager_cipher)
    data = json.loads(json_bytes)
    profile = data["categories"]["profile"][0]
    assert profile["name"] == "更正丁" and profile["mobile"] == "13800138000"  # rule: RIG-6
    assert {f["field"]: f["value"] for f in profile["fields"]}["address"] == "上海市黄浦区南京东路1号"  # rule: RIG-6
    consent = data["categories"]["consents"][0]
    assert consent["notice_version"] and len(consent["notice_hash"]) == 64  # rule: RIG-6
    assert counts["consents"] == 1 and counts["requests"] == 1


def test_restricted_member_hidden_from_clerk_search(vault, manager, clerk):
    from app.members.search import search_members

    mid = _register(clerk, vault)
    rid = R.open_request(clerk, "restrict", mid, identity_method="id_card_sighted")
    assert [h.id for h in search_members(clerk, "13800138000").hits] == [mid]
    R.execute_restrict(clerk, rid)
    assert search_members(clerk, "13800138000").hits == ()  # rule: RIG-5
    assert [h.id for h in search_members(manager, "13800138000").hits] == [mid]  # rule: RIG-5 (kept)


def test_delete_keeps_purchases_unlinked_and_copy_lists_them(vault, manager, clerk, paths):
    from app.purchases.records import record_purchase

    mid = _register(clerk, vault)
    record_purchase(clerk, mid, amount="128.50", goods_type="护肤品", payment_method="微信支付", pos_txn_id="POS-0001")
    rid = R.open_request(clerk, "copy", mid, identity_method="id_card_sighted")
    data = json.loads(R.build_copy(manager, rid)[0])
    assert [p["pos_txn_id"] for p in data["categories"]["purchases"]] == ["POS-0001"]  # rule: RIG-6
    rid = R.open_request(clerk, "delete", mid, identity_method="id_card_sighted")
    R.execute_delete(manager, rid, ledger_path=paths.erasure_ledger)
    row = manager.db.one("SELECT member_id, storage_only, amount_fen FROM purchases WHERE pos_txn_id = 'POS-0001'")
    assert row is not None and row["amount_fen"] == 12850  # rule: RIG-5 (kept for tax)
    assert row["member_id"] is None and row["storage_only"] == 1  # rule: RIG-5 (unlinked)
    for table in ("consent_records", "member_fields", "member_consents"):
        assert manager.db.scalar(f"SELECT count(*) FROM {table} WHERE member_id = ?", (mid,)) == 0  # rule: RIG-3
    req = R.get_request(manager.db, rid)
    assert req["member_erased"] == 1 and req["type"] == "delete" and req["outcome"] == "done"  # minimal record


def test_every_request_type_can_be_opened_at_the_desk(clerk):
    mid = make_member(clerk)
    opened = {t: R.open_request(clerk, t, mid, identity_method="id_card_sighted") for t in R.model.TYPES}
    kinds = {R.get_request(clerk.db, rid)["type"] for rid in opened.values()}
    assert kinds == {"access", "copy", "correct", "restrict", "withdraw", "cancel", "delete"} | {
        "transfer",
        "explain",
    }  # rule: RIG-1


def test_queue_day_counter_matches_calendar():
    from hypothesis import given, settings, strategies as st

    from app.calendar import HolidayTables, working_days_between
    from app.requests.queue import _Counter

    tables = HolidayTables()

    @settings(max_examples=200, deadline=None)
    @given(st.dates(dt.date(2025, 1, 1), dt.date(2028, 12, 31)), st.lists(st.integers(-90, 90), min_size=1, max_size=8))
    def check(today, offsets):
        counter = _Counter(today, tables)
        for off in offsets:
            due = today + dt.timedelta(days=off)
            assert counter.between(today, due) == working_days_between(today, due, tables)  # rule: RIG-2

    check()


def test_cancellation_moves_the_member_retention_clock(manager, clock):
    from app.retention.sweep import dry_run

    at(clock, 2026, 1, 5)
    mid = make_member(manager)
    at(clock, 2026, 11, 10)
    rid = R.open_request(manager, "cancel", mid, identity_method="id_card_sighted")
    R.execute_cancel(manager, rid)
    due = lambda day: dry_run(manager, today=day, record=False)["categories"]["member"]["due"]  # noqa: E731
    assert due(dt.date(2029, 1, 6)) == 0  # rule: RET-2 (registration + 3y would be due; cancellation wins)
    assert due(dt.date(2029, 11, 9)) == 0  # rule: RET-2
    assert due(dt.date(2029, 11, 11)) == 1  # rule: RET-2 (3 years after cancellation)


def test_erasure_scrubs_the_notes_of_the_members_requests(manager, paths):
    mid = make_member(manager)
    rid = R.open_request(manager, "delete", mid, identity_method="id_card_sighted")
    R.pause(manager, rid, "顾客称其手机号为13912345678,待核实", waits_for="clarification")
    R.resume(manager, rid, answer="clarified")
    R.execute_delete(manager, rid, ledger_path=paths.erasure_ledger)
    notes = [e["note"] for e in R.timeline(manager.db, rid)]
    assert notes and all(n is None for n in notes)  # rule: RIG-3
    assert [e["event"] for e in R.timeline(manager.db, rid)][:2] == ["received", "verified"]  # minimal record


def test_fuzzed_bad_input_is_refused_and_nothing_is_stored(manager):
    from hypothesis import HealthCheck, given, settings, strategies as st

    mid = make_member(manager)
    rid = R.open_request(manager, "correct", mid, identity_method="id_card_sighted")
    before = manager.db.scalar("SELECT count(*) FROM requests")
    events = manager.db.scalar("SELECT count(*) FROM request_events")

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        st.text(max_size=12),
        st.one_of(st.none(), st.text(max_size=12)),
        st.integers(-5, 60),
        st.sampled_from(["", " ", "\n\t"]),
    )
    def check(req_type, method, days, blank):
        if req_type not in R.model.TYPES:
            with pytest.raises(ValidationError):
                R.open_request(manager, req_type, mid, identity_method="id_card_sighted")
        if method is not None and method not in R.model.IDENTITY_METHODS:
            with pytest.raises(ValidationError):
                R.open_request(manager, "access", mid, identity_method=method)
        with pytest.raises(ValidationError):
            R.pause(manager, rid, blank, waits_for="clarification")
        with pytest.raises(ValidationError):
            R.refuse(manager, rid, blank, "《个人信息保护法》")  # rule: RIG-4
        if not 1 <= days <= R.model.MAX_EXTENSION_DAYS:
            with pytest.raises(ValidationError):
                R.extend(manager, rid, days, "理由")

    check()
    assert manager.db.scalar("SELECT count(*) FROM requests") == before
    assert manager.db.scalar("SELECT count(*) FROM request_events") == events
    assert R.get_request(manager.db, rid)["status"] == "verified"
