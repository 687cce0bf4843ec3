"""Re-consent on a signed paper form (CON-5 with CON-1's "signed paper form"): an existing member asked to
consent again to a new notice fills in a paper form instead of the screen. The form must carry the notice in
effect today; the record has method paper and the serial; the form is tied to the member and the record in
the same transaction, so its scan (later, or already waiting in the inbox) is matched, and until then it is on
the unscanned-forms list."""

import datetime as dt
import json

import pytest

from app.consent.service import consent_active, needs_reconsent
from app.errors import UserError, ValidationError
from app.flows.enrolment import grant_consent
from app.flows.registration import ReconsentFlow, Step
from app.members.service import cipher_for
from app.notices import current_notice, default_notice
from app.originals.unscanned import list_unscanned
from app.printing.serials import issue_form_serials, qr_payload
from app.scans import inbox
from app.scans.importer import import_bytes
from tests.app.regdata import decisions, register
from tests.app.test_registration_paper import _publish_2026_3  # 2026.3 in effect from 2026-11-02
from tests.scan_samples import printed_page, to_bytes

TODAY = "2026-11-02"  # the test clock's day; 2026.3 takes effect on it


def _member_needing_reconsent(clerk, manager, vault, **granted) -> str:
    mid = register(clerk, vault, granted={"marketing": True, **granted})["id"]
    _publish_2026_3(manager)
    assert needs_reconsent(clerk.db, mid, TODAY) == ["marketing"]
    return mid


def _current_form(session) -> str:
    return issue_form_serials(session, current_notice(session.db, "zh_CN", TODAY), 1)[0]


def _paper(clerk, mid, serial, **ticks) -> ReconsentFlow:
    f = ReconsentFlow(clerk, mid)
    assert f.choose_mode("paper") is Step.FORM
    f.set_form(serial)
    assert f.next() is Step.CONSENT
    assert all(v is None for v in f.decisions.values())  # nothing pre-ticked
    for code, on in ticks.items():
        f.decide(code, on)
    return f


def _to_review(f, **values):
    assert f.next() is Step.FIELDS
    for k, v in values.items():
        f.set_value(k, v)
    assert f.next() is Step.REVIEW
    return f


def test_reconsent_on_paper_records_method_form_and_links_the_form(clerk, manager, vault):
    mid = _member_needing_reconsent(clerk, manager, vault)
    serial = _current_form(clerk)
    f = _to_review(_paper(clerk, mid, serial, membership=True, marketing=True))
    assert f.review()["form"] == serial and f.review()["notice_version"] == "2026.3"
    with pytest.raises(ValidationError) as ei:
        f.submit(cipher_for(vault))
    assert ei.value.key == "member.paper_unsigned"  # rule: CON-1
    f.confirm_paper_signed(True)
    res = f.submit(cipher_for(vault))
    rec = clerk.db.one(
        "SELECT id, kind, method, evidence_ref, notice_version, notice_hash FROM consent_records"
        " WHERE member_id = ? ORDER BY created_at DESC, rowid DESC",
        (mid,),
    )
    assert rec["id"] == res["record"]
    assert (rec["kind"], rec["method"], rec["evidence_ref"]) == ("reconsent", "paper", serial)  # rule: CON-1
    assert (rec["notice_version"], rec["notice_hash"]) == (
        "2026.3",
        current_notice(clerk.db, "zh_CN", TODAY).content_hash,
    )  # rule: CON-5
    form = clerk.db.one(
        "SELECT matched_member_id, matched_consent_id, matched_scan_id FROM form_serials WHERE serial = ?", (serial,)
    )
    assert tuple(form) == (mid, rec["id"], None)  # rule: CON-1
    assert needs_reconsent(clerk.db, mid, TODAY) == []  # rule: CON-5
    assert consent_active(clerk.db, mid, "marketing", TODAY)
    assert clerk.db.scalar("SELECT reconsent_needed FROM members WHERE id = ?", (mid,)) == 0
    audit = json.loads(clerk.db.scalar("SELECT details FROM audit_log WHERE action = 'consent.reconsent'"))
    assert audit["form"] == serial and audit["method"] == "paper" and audit["scans_matched"] == 0
    # the same form cannot serve twice, for this member or another
    with pytest.raises(ValidationError) as ei:
        ReconsentFlow(clerk, mid, method="paper").set_form(serial)
    assert ei.value.key == "member.form_used"  # rule: CON-1


def test_a_form_printed_with_an_older_notice_is_refused_for_reconsent(clerk, manager, vault):
    old = issue_form_serials(clerk, default_notice("zh_CN"), 1)[0]  # printed with 2026.2
    mid = _member_needing_reconsent(clerk, manager, vault)
    f = ReconsentFlow(clerk, mid, method="paper")
    with pytest.raises(ValidationError) as ei:
        f.set_form(old)
    assert ei.value.key == "member.form_notice_not_current" and ei.value.field == "serial"  # rule: CON-5
    assert "2026.2" in ei.value.message("zh_CN") and "2026.3" in ei.value.message("en")
    assert f.form is None and f.step is Step.FORM
    with pytest.raises(ValidationError) as ei:  # scanned on the notice step: switched, but refused
        ReconsentFlow(clerk, mid).scanned_form(qr_payload(old))
    assert ei.value.key == "member.form_notice_not_current"  # rule: CON-5
    with pytest.raises(ValidationError) as ei:  # the core refuses it too, whatever the caller
        grant_consent(
            clerk,
            mid,
            decisions(marketing=True),
            notice=default_notice("zh_CN"),
            method="paper",
            evidence_ref=old,
            kind="reconsent",
        )
    assert ei.value.key == "member.form_notice_not_current"  # rule: CON-5
    assert clerk.db.scalar("SELECT matched_member_id FROM form_serials WHERE serial = ?", (old,)) is None
    assert needs_reconsent(clerk.db, mid, TODAY) == ["marketing"]


def test_the_same_refusals_of_the_serial_as_a_registration(clerk, manager, vault):
    mid = _member_needing_reconsent(clerk, manager, vault)
    for text, key in (
        ("", "member.form_needed"),
        ("hello", "member.form_invalid"),
        ("ZZ99-261102-00001", "member.form_other_store"),
        (f"{clerk.store_code}-261102-99999", "member.form_unknown"),
    ):
        with pytest.raises(ValidationError) as ei:
            ReconsentFlow(clerk, mid, method="paper").set_form(text)
        assert (ei.value.key, ei.value.field) == (key, "serial")  # rule: CON-1


def test_sensitive_purpose_on_paper_needs_its_signature_confirmed(clerk, manager, vault):
    mid = _member_needing_reconsent(clerk, manager, vault)
    serial = _current_form(clerk)
    f = _paper(clerk, mid, serial, membership=True, skin_analysis=True)
    with pytest.raises(ValidationError) as ei:
        f.next()
    assert ei.value.key == "member.paper_sensitive_unsigned"  # rule: SEN-1
    notice = current_notice(clerk.db, "zh_CN", TODAY)
    with pytest.raises(ValidationError) as ei:  # the core as well
        grant_consent(
            clerk,
            mid,
            decisions(skin_analysis=True),
            notice=notice,
            method="paper",
            evidence_ref=serial,
            kind="reconsent",
            values={"skin_notes": "干性"},
            cipher=cipher_for(vault),
        )
    assert ei.value.key == "member.paper_sensitive_unsigned"  # rule: SEN-1
    f.confirm_paper_signature("skin_analysis", True)
    _to_review(f, skin_notes="混合性皮肤")
    assert f.review()["signed_on_paper"] == ["skin_analysis"] and f.review()["signatures"] == []
    f.confirm_paper_signed(True)
    f.submit(cipher_for(vault))
    assert consent_active(clerk.db, mid, "skin_analysis", TODAY)  # rule: SEN-1
    assert not consent_active(clerk.db, mid, "marketing", TODAY)  # not ticked on the form: withdrawn
    assert clerk.db.scalar("SELECT count(*) FROM consent_evidence") == 0  # the signature is on the scanned form
    audit = json.loads(clerk.db.scalar("SELECT details FROM audit_log WHERE action = 'consent.reconsent'"))
    assert audit["signed_on_paper"] == ["skin_analysis"]


def test_the_later_scan_is_matched_and_the_form_is_listed_until_then(clerk, manager, vault, clock):
    mid = _member_needing_reconsent(clerk, manager, vault)
    serial = _current_form(clerk)
    f = _to_review(_paper(clerk, mid, serial, membership=True))
    f.confirm_paper_signed(True)
    rid = f.submit(cipher_for(vault))["record"]
    [item] = list_unscanned(clerk.db, clock.today())
    assert (item.serial, item.member_id, item.kind) == (serial, mid, "reconsent")  # rule: STO-2
    out = import_bytes(clerk, cipher_for(vault), to_bytes(printed_page(clerk, serial, rotate=1, noise=8), "PNG"))
    assert [(d.status, d.serial) for d in out.documents] == [("matched", serial)]  # rule: STO-2
    doc = clerk.db.one("SELECT member_id, consent_id FROM scan_documents WHERE id = ?", (out.documents[0].document_id,))
    assert (doc[0], doc[1]) == (mid, rid)  # rule: CON-1
    assert list_unscanned(clerk.db, clock.today()) == []
    assert clerk.db.scalar("SELECT count(*) FROM originals WHERE serial = ?", (serial,)) == 1  # rule: STO-2


def test_a_scan_waiting_in_the_inbox_is_matched_at_the_reconsent(clerk, manager, vault):
    mid = _member_needing_reconsent(clerk, manager, vault)
    serial = _current_form(clerk)
    early = import_bytes(clerk, cipher_for(vault), to_bytes(printed_page(clerk, serial), "PNG")).documents[0]
    assert (early.status, early.reason) == ("inbox", "member_missing")
    f = ReconsentFlow(clerk, mid)
    assert f.scanned_form(qr_payload(serial)).serial == serial and f.step is Step.CONSENT  # scanned on step 1
    f.decide("membership", True)
    _to_review(f)
    f.confirm_paper_signed(True)
    rid = f.submit(cipher_for(vault))["record"]
    doc = clerk.db.one("SELECT status, member_id, consent_id FROM scan_documents WHERE id = ?", (early.document_id,))
    assert tuple(doc) == ("matched", mid, rid)  # rule: CON-1
    assert inbox.inbox_count(clerk.db) == 0
    assert clerk.db.scalar("SELECT matched_scan_id FROM form_serials WHERE serial = ?", (serial,)) == early.document_id
    assert list_unscanned(clerk.db, dt.date(2026, 12, 31)) == []


def test_a_failing_reconsent_leaves_the_form_unused(clerk, manager, vault, monkeypatch):
    """One transaction: the record, the form's link and the early scan's match stand or fall together."""
    import app.flows.enrolment as enrolment  # the use case calls the scans domain's adopt_waiting_scans

    mid = _member_needing_reconsent(clerk, manager, vault)
    serial = _current_form(clerk)

    def fail(*_a):
        raise RuntimeError("disk full")

    monkeypatch.setattr(enrolment, "adopt_waiting_scans", fail)
    f = _to_review(_paper(clerk, mid, serial, membership=True))
    f.confirm_paper_signed(True)
    with pytest.raises(RuntimeError):
        f.submit(cipher_for(vault))
    assert clerk.db.scalar("SELECT matched_member_id FROM form_serials WHERE serial = ?", (serial,)) is None
    assert clerk.db.scalar("SELECT count(*) FROM consent_records WHERE kind = 'reconsent'") == 0
    assert needs_reconsent(clerk.db, mid, TODAY) == ["marketing"]  # rule: CON-5


def test_paper_is_a_choice_and_screen_stays_the_default(clerk, manager, vault):
    mid = _member_needing_reconsent(clerk, manager, vault)
    f = ReconsentFlow(clerk, mid)
    assert f.step is Step.NOTICE and f.method == "screen" and f.paper_allowed
    f.choose_mode("paper")
    assert f.choose_mode("screen") is Step.NOTICE and f.form is None
    with pytest.raises(UserError):
        f.submit(cipher_for(vault))
