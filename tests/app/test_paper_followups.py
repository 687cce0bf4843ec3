"""Follow-ups to paper registration: forms registered on paper but never scanned (listed with their age in
working days, amber and red, reminders), a scan made before the registration (matched when the member is
saved), and a form's QR scanned while the wizard is on screen (the flow switches to paper)."""

import datetime as dt
import json

import pytest

from app import reminders
from app.erasure import erase_member
from app.errors import ValidationError
from app.flows.registration import ReconsentFlow, RegistrationFlow, Step
from app.members.service import cipher_for
from app.notices import default_notice
from app.originals import list_originals
from app.originals.unscanned import SCAN_AMBER_AFTER, SCAN_RED_AFTER, list_unscanned, unscanned_counts
from app.printing.serials import issue_form_serials, qr_payload
from app.scans import inbox
from app.scans.importer import import_bytes
from tests.app.regdata import register_on_paper
from tests.factories import make_member
from tests.scan_samples import issue_serial, printed_page, to_bytes

CST = dt.timezone(dt.timedelta(hours=8))


def _at(clock, y, m, d, h=10):
    clock.set(dt.datetime(y, m, d, h, 0, tzinfo=CST))


def _form(session) -> str:
    return issue_form_serials(session, default_notice("zh_CN"), 1)[0]


def _scan(session, vault, serial, seed=1):
    return import_bytes(
        session, cipher_for(vault), to_bytes(printed_page(session, serial, seed=seed), "PNG")
    ).documents[0]


def _levels(db, today):
    return {f.serial: (f.age, f.level) for f in list_unscanned(db, today)}


# -- 1. registered on paper, never scanned ---------------------------------------------------------------------
def test_unscanned_forms_age_in_working_days_across_the_national_day_holiday(clerk, vault, clock):
    assert (SCAN_AMBER_AFTER, SCAN_RED_AFTER) == (3, 10)
    _at(clock, 2026, 9, 29)  # Tuesday before the National Day week
    serial = _form(clerk)
    mid = register_on_paper(clerk, vault, serial)
    mine = list_unscanned(clerk.db, clock.today())
    assert [(f.serial, f.member_id, f.age, f.level) for f in mine] == [(serial, mid, 0, "ok")]  # rule: STO-2
    assert mine[0].registered_by == clerk.staff.display_name and mine[0].member_no.startswith("M")
    assert not [r for r in reminders.collect(clerk.db, clock.today()) if r.key.startswith("originals.unscanned")]
    # nine calendar days, of which seven are the holiday: two working days, still fine
    assert _levels(clerk.db, dt.date(2026, 10, 8)) == {serial: (2, "ok")}
    assert _levels(clerk.db, dt.date(2026, 10, 9)) == {serial: (3, "amber")}  # rule: STO-2
    assert _levels(clerk.db, dt.date(2026, 10, 16)) == {serial: (9, "amber")}
    assert _levels(clerk.db, dt.date(2026, 10, 19)) == {serial: (10, "red")}  # rule: STO-2


def test_reminders_follow_the_thresholds_and_the_scan_clears_them(clerk, manager, vault, clock):
    _at(clock, 2026, 11, 2)  # Monday
    old = _form(clerk)
    register_on_paper(clerk, vault, old, mobile="13912340001")
    _at(clock, 2026, 11, 4)
    new = _form(clerk)
    register_on_paper(clerk, vault, new, mobile="13912340002")

    def unscanned_reminders(day):
        return {
            (r.key, r.level, r.params["n"], r.page)
            for r in reminders.collect(clerk.db, day)
            if r.key.startswith("originals.unscanned")
        }

    assert unscanned_reminders(dt.date(2026, 11, 4)) == set()
    assert unscanned_reminders(dt.date(2026, 11, 5)) == {("originals.unscanned_amber", "due", 1, "originals")}
    assert unscanned_reminders(dt.date(2026, 11, 16)) == {  # old: 10, new: 8 working days
        ("originals.unscanned_red", "overdue", 1, "originals"),
        ("originals.unscanned_amber", "due", 1, "originals"),
    }
    texts = [r.text("zh_CN") for r in reminders.collect(clerk.db, dt.date(2026, 11, 16))]
    assert any("10 个工作日" in t and "未扫描" in t for t in texts)
    en = [r.text("en") for r in reminders.collect(clerk.db, dt.date(2026, 11, 16))]
    assert any("10 working days" in t for t in en)
    assert unscanned_counts(clerk.db, dt.date(2026, 11, 16)) == {"all": 2, "ok": 0, "amber": 1, "red": 1}
    _at(clock, 2026, 11, 16)
    assert _scan(clerk, vault, old).status == "matched"
    assert list(_levels(clerk.db, clock.today())) == [new]  # rule: STO-2
    assert unscanned_reminders(clock.today()) == {("originals.unscanned_amber", "due", 1, "originals")}


def test_only_paper_registrations_are_listed(clerk, vault, clock):
    f = RegistrationFlow(clerk)  # on screen: there is no form to scan
    f.next()
    f.decide("membership", True)
    f.next()
    f.set_value("name", "李娜")
    f.set_value("mobile", "13912340003")
    f.set_under_14(False)  # no birth date: the under-14 question is answered (CON-4)
    f.next()
    f.submit(cipher_for(vault))
    issue_serial(clerk, make_member(clerk))  # a form tied without a paper consent record
    _form(clerk)  # a blank form nobody used yet
    assert list_unscanned(clerk.db, dt.date(2026, 12, 31)) == []


def test_a_member_erased_before_the_scan_drops_off_the_list(manager, vault, clock, paths):
    serial = _form(manager)
    mid = register_on_paper(manager, vault, serial)
    assert [f.serial for f in list_unscanned(manager.db, clock.today())] == [serial]
    erase_member(manager, mid, reason="request", ledger_path=paths.erasure_ledger)
    assert list_unscanned(manager.db, dt.date(2026, 12, 31)) == []  # rule: RIG-3
    row = manager.db.one("SELECT matched_member_id, matched_consent_id FROM form_serials WHERE serial = ?", (serial,))
    assert tuple(row) == (None, None)  # rule: RIG-3
    assert not [r for r in reminders.collect(manager.db, dt.date(2026, 12, 31)) if r.key.startswith("originals.uns")]


# -- 2. the scan arrived before the registration ---------------------------------------------------------------
def test_a_scan_waiting_in_the_inbox_is_matched_when_the_member_is_registered(clerk, vault, clock):
    _at(clock, 2026, 11, 2)
    serial = _form(clerk)
    early = _scan(clerk, vault, serial)
    assert (early.status, early.reason) == ("inbox", "member_missing")
    _at(clock, 2026, 11, 5)  # registered three days after the scan
    mid = register_on_paper(clerk, vault, qr_payload(serial))
    rid = clerk.db.scalar("SELECT id FROM consent_records WHERE member_id = ?", (mid,))
    doc = clerk.db.one(
        "SELECT status, member_id, consent_id, serial FROM scan_documents WHERE id = ?", (early.document_id,)
    )
    assert tuple(doc) == ("matched", mid, rid, serial)  # rule: CON-1
    assert clerk.db.scalar("SELECT matched_scan_id FROM form_serials WHERE serial = ?", (serial,)) == early.document_id
    assert inbox.inbox_count(clerk.db) == 0
    [orig] = list_originals(clerk.db, clock.today())
    # archived like any matched scan; the 30 working days run from the scan, not from the registration
    assert orig.serial == serial and orig.document_id == early.document_id  # rule: STO-2
    assert orig.scanned_at.startswith("2026-11-02") and orig.due_date == dt.date(2026, 12, 14)  # rule: STO-2
    assert list_unscanned(clerk.db, clock.today()) == []
    audit = json.loads(clerk.db.scalar("SELECT details FROM audit_log WHERE action = 'member.register'"))
    assert audit["scans_matched"] == 1
    assert (
        clerk.db.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'scans.match_on_registration' AND subject_id = ?",
            (early.document_id,),
        )
        == 1
    )
    journal = [
        json.loads(r[0])
        for r in clerk.db.all(
            "SELECT payload FROM change_journal WHERE entity = 'scan_document' AND entity_id = ?", (early.document_id,)
        )
    ]
    assert journal and journal[-1]["member_id"] == mid and journal[-1]["consent_id"] == rid


def test_two_different_early_scans_of_one_form_leave_a_conflict_for_the_manager(clerk, vault):
    serial = _form(clerk)
    first, second = _scan(clerk, vault, serial, seed=1), _scan(clerk, vault, serial, seed=2)
    assert first.status == second.status == "inbox"
    register_on_paper(clerk, vault, serial)
    status = dict(clerk.db.all("SELECT id, status FROM scan_documents"))
    assert status == {first.document_id: "matched", second.document_id: "conflict"}
    assert inbox.inbox_count(clerk.db) == 1  # the manager decides, as at import
    assert clerk.db.scalar("SELECT count(*) FROM originals") == 1


def test_a_registration_failing_after_the_match_leaves_the_scan_in_the_inbox(clerk, vault, monkeypatch):
    """One transaction: the member, the consent, the form and the early scan's match stand or fall together."""
    import app.flows.enrolment as enrolment  # the use case calls the scans domain's adopt_waiting_scans
    import app.scans.matching as matching

    serial = _form(clerk)
    early = _scan(clerk, vault, serial)
    real = matching.adopt_waiting_scans

    def adopt_then_fail(tx, *args):
        assert real(tx, *args) == [early.document_id]
        raise RuntimeError("disk full")

    monkeypatch.setattr(enrolment, "adopt_waiting_scans", adopt_then_fail)
    with pytest.raises(RuntimeError):
        register_on_paper(clerk, vault, serial)
    assert clerk.db.scalar("SELECT status FROM scan_documents WHERE id = ?", (early.document_id,)) == "inbox"
    assert clerk.db.scalar("SELECT count(*) FROM originals") == 0
    assert clerk.db.scalar("SELECT count(*) FROM members") == 0
    assert clerk.db.scalar("SELECT matched_member_id FROM form_serials WHERE serial = ?", (serial,)) is None


# -- 3. the form's QR scanned while the wizard is on screen ----------------------------------------------------
def test_a_form_scanned_on_screen_switches_to_paper_and_keeps_the_typing(clerk, vault):
    serial = _form(clerk)
    f = RegistrationFlow(clerk)
    f.next()
    f.decide("membership", True)
    f.decide("marketing", True)  # ticked on screen: the paper decides now
    f.next()
    f.set_value("name", "王秀英")
    f.set_value("mobile", "13912340001")
    f.set_under_14(False)  # no birth date: the under-14 question is answered (CON-4)
    assert f.step is Step.FIELDS and f.method == "screen"
    form = f.scanned_form(qr_payload(serial))
    assert form.serial == serial and f.paper and f.step is Step.CONSENT
    assert all(v is None for v in f.decisions.values())  # rule: CON-2
    assert f.values["name"] == "王秀英" and f.values["mobile"] == "13912340001"
    f.decide("membership", True)
    f.next()
    f.next()
    f.confirm_paper_signed(True)
    mid = f.submit(cipher_for(vault))["id"]
    rec = clerk.db.one("SELECT method, evidence_ref FROM consent_records WHERE member_id = ?", (mid,))
    assert tuple(rec) == ("paper", serial)  # rule: CON-1


def test_a_scanned_form_that_cannot_be_used_stops_on_the_form_step(clerk, vault):
    f = RegistrationFlow(clerk)
    with pytest.raises(ValidationError) as ei:
        f.scanned_form("MEMBERDESK-FORM:BJ-002-261102-00001")
    assert ei.value.key == "member.form_other_store" and f.paper and f.step is Step.FORM
    serial = _form(clerk)
    assert f.scanned_form(serial).serial == serial and f.step is Step.CONSENT


def test_scanning_again_while_entering_a_paper_form(clerk):
    serial, other = _form(clerk), _form(clerk)
    f = RegistrationFlow(clerk, method="paper")
    f.set_form(serial)
    f.next()
    f.decide("membership", True)
    f.next()
    assert f.scanned_form(qr_payload(serial)).serial == serial  # the same form: nothing changes
    assert f.step is Step.FIELDS and f.decisions["membership"] is True
    with pytest.raises(ValidationError) as ei:
        f.scanned_form(qr_payload(other))
    assert ei.value.key == "member.form_other_in_progress" and other in ei.value.message("en")
    assert f.form.serial == serial and f.step is Step.FIELDS
    mid = make_member(clerk)  # re-consent takes paper too (its own tests)
    assert ReconsentFlow(clerk, mid).scanned_form(qr_payload(other)).serial == other
