"""Registering a member from a signed paper registration form (CON-1 "signed paper form", STO-2): the
flow's paper mode, the service's checks, and the scan of that form matched to the member afterwards."""

import json

import pytest

from app.errors import UserError, ValidationError
from app.flows.enrolment import register_member
from app.flows.registration import RegistrationFlow, Step
from app.members.paper_form import normalise_serial
from app.members.service import cipher_for
from app.notices import default_notice, import_notice
from app.printing.serials import issue_form_serials, qr_payload
from app.scans.importer import import_bytes
from tests.app.regdata import decisions, id_number
from tests.scan_samples import printed_page, to_bytes


def _form(session, notice=None) -> str:
    return issue_form_serials(session, notice or default_notice("zh_CN"), 1)[0]


def _paper_flow(session, serial, **ticks):
    """A paper flow past the form step with the ticks copied from the form."""
    f = RegistrationFlow(session, method="paper")
    assert f.step is Step.FORM
    f.set_form(serial)
    assert f.next() is Step.CONSENT
    assert all(v is None for v in f.decisions.values())  # nothing pre-ticked
    for code, on in ticks.items():
        f.decide(code, on)
    return f


def _to_review(f, name="王秀英", mobile="13912340001", **values):
    assert f.next() is Step.FIELDS
    f.set_value("name", name)
    f.set_value("mobile", mobile)
    f.set_under_14(False)  # no birth date: the under-14 question is answered (CON-4)
    for k, v in values.items():
        f.set_value(k, v)
    assert f.next() is Step.REVIEW
    return f


def _refusal(session, text):
    with pytest.raises(ValidationError) as ei:
        RegistrationFlow(session, method="paper").set_form(text)
    assert ei.value.field == "serial"
    return ei.value


def test_paper_mode_refuses_what_is_not_an_unused_form_of_this_store(clerk, vault):
    assert _refusal(clerk, "").key == "member.form_needed"
    bad = _refusal(clerk, "13912345678")  # a mobile typed into the serial field
    assert bad.key == "member.form_invalid"
    assert "13912345678" not in bad.message("zh_CN") and "SH-001-261102-00001" in bad.message("en")
    other = _refusal(clerk, "BJ-002-261102-00001")
    assert other.key == "member.form_other_store"
    assert "BJ-002" in other.message("zh_CN") and "other store" in other.message("en")
    assert _refusal(clerk, "SH-001-261102-09999").key == "member.form_unknown"
    serial = _form(clerk)
    f = _to_review(_paper_flow(clerk, serial, membership=True))
    f.confirm_paper_signed(True)
    f.submit(cipher_for(vault))
    used = _refusal(clerk, serial)
    assert used.key == "member.form_used" and serial in used.message("en")
    # every case has its own text in both languages, none of them the generic one
    for e in (bad, other, used, _refusal(clerk, "")):
        zh, en = e.message("zh_CN"), e.message("en")
        assert zh and en and zh != en and "操作未完成" not in zh
    # the service refuses a used form too (a second terminal racing the first)
    with pytest.raises(UserError) as ei:
        register_member(
            clerk,
            cipher_for(vault),
            notice=default_notice("zh_CN"),
            decisions=decisions(),
            values={"name": "李娜", "mobile": "13912340002"},
            method="paper",
            evidence_ref=serial,
        )
    assert ei.value.key == "member.form_used"
    assert clerk.db.scalar("SELECT count(*) FROM members") == 1


def test_a_form_whose_printed_notice_is_not_stored_is_refused(clerk):
    serial = _form(clerk)
    with clerk.write("forms.test") as tx:
        tx.execute("UPDATE form_serials SET notice_hash = ? WHERE serial = ?", ("0" * 64, serial))
    e = _refusal(clerk, serial)
    assert e.key == "member.form_notice_unknown" and "2026.2" in e.message("zh_CN")  # rule: NOT-2


def test_scanner_input_and_typing_variants_name_the_same_form(clerk):
    serial = _form(clerk)
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in serial.lower())
    for text in (qr_payload(serial), qr_payload(serial).lower(), f"  {serial} ", full_width):
        assert normalise_serial(text) == serial
        assert RegistrationFlow(clerk, method="paper").set_form(text).serial == serial


def test_paper_registration_records_method_form_and_matches_the_form(clerk, vault):
    serial = _form(clerk)
    f = _paper_flow(clerk, qr_payload(serial), membership=True, marketing=True)
    f.decide("offers", False)
    _to_review(f)
    assert f.review()["form"] == serial
    with pytest.raises(ValidationError) as ei:
        f.submit(cipher_for(vault))  # the signature on the form not confirmed
    assert ei.value.key == "member.paper_unsigned" and f.step is Step.REVIEW
    assert clerk.db.scalar("SELECT count(*) FROM members") == 0
    f.confirm_paper_signed(True)
    res = f.submit(cipher_for(vault))
    rec = clerk.db.one("SELECT * FROM consent_records WHERE member_id = ?", (res["id"],))
    assert (rec["method"], rec["evidence_ref"]) == ("paper", serial)  # rule: CON-1
    notice = default_notice("zh_CN")
    assert rec["notice_hash"] == notice.content_hash and rec["staff_id"] == clerk.staff.id  # rule: CON-1
    items = dict(clerk.db.all("SELECT purpose_code, granted FROM consent_items WHERE record_id = ?", (rec["id"],)))
    assert items == {p.code: int(p.code in ("membership", "marketing")) for p in notice.purposes}  # rule: CON-1
    form = clerk.db.one("SELECT matched_member_id, matched_consent_id FROM form_serials WHERE serial = ?", (serial,))
    assert (form[0], form[1]) == (res["id"], rec["id"])
    audit = json.loads(clerk.db.scalar("SELECT details FROM audit_log WHERE action = 'member.register'"))
    assert audit["method"] == "paper" and audit["form"] == serial
    journal = [json.loads(r[0]) for r in clerk.db.all("SELECT payload FROM change_journal WHERE entity = 'consent'")]
    assert journal[-1]["evidence_ref"] == serial and journal[-1]["method"] == "paper"


def test_refusing_optional_purposes_on_paper_still_registers(clerk, vault):
    f = _paper_flow(clerk, _form(clerk), marketing=True)
    with pytest.raises(UserError) as ei:
        f.next()
    assert ei.value.key == "consent.required_missing"  # membership not ticked on the form
    f.decide("marketing", False)
    f.decide("membership", True)
    _to_review(f)
    f.confirm_paper_signed(True)
    res = f.submit(cipher_for(vault))
    assert res["id"]  # rule: CON-2
    granted = clerk.db.all("SELECT purpose_code FROM consent_items WHERE granted = 1")
    assert [r[0] for r in granted] == ["membership"]  # rule: CON-2
    assert clerk.db.scalar("SELECT count(*) FROM consent_items WHERE granted = 0") == len(f.notice.purposes) - 1


def test_sensitive_purpose_on_paper_needs_its_separate_signature(clerk, vault):
    serial = _form(clerk)
    f = _paper_flow(clerk, serial, membership=True, instalment=True, skin_analysis=True)
    with pytest.raises(ValidationError) as ei:
        f.next()
    assert ei.value.key == "member.paper_sensitive_unsigned"  # rule: SEN-1
    assert ei.value.field == "paper_sensitive_instalment"
    f.confirm_paper_signature("instalment", True)
    with pytest.raises(ValidationError) as ei:
        f.next()
    assert ei.value.field == "paper_sensitive_skin_analysis"  # rule: SEN-1
    f.decide("skin_analysis", False)  # no signature on paper: not consented
    _to_review(f, id_number=id_number())
    assert f.review()["signed_on_paper"] == ["instalment"] and f.review()["signatures"] == []
    f.confirm_paper_signed(True)
    res = f.submit(cipher_for(vault))
    items = dict(clerk.db.all("SELECT purpose_code, granted FROM consent_items"))
    assert items["instalment"] == 1 and items["skin_analysis"] == 0
    audit = json.loads(clerk.db.scalar("SELECT details FROM audit_log WHERE action = 'member.register'"))
    assert audit["signed_on_paper"] == ["instalment"]  # rule: SEN-1
    assert clerk.db.scalar("SELECT count(*) FROM consent_evidence") == 0  # the signature is on the paper
    assert clerk.db.scalar("SELECT value_enc FROM member_fields WHERE member_id = ?", (res["id"],)) != id_number()
    # the core refuses a paper consent to a sensitive purpose nobody confirmed, and a form number is not
    # a separate consent for an on-screen registration
    for kw in (dict(method="paper", evidence_ref=_form(clerk)), dict(method="screen", evidence_ref=_form(clerk))):
        with pytest.raises(UserError) as ei:
            register_member(
                clerk,
                cipher_for(vault),
                notice=default_notice("zh_CN"),
                decisions=decisions(instalment=True),
                values={"name": "李娜", "mobile": "13912340003"},
                **kw,
            )
        assert ei.value.key in ("member.paper_sensitive_unsigned", "consent.sensitive_needs_signature")  # rule: SEN-1
    assert clerk.db.scalar("SELECT count(*) FROM members") == 1


def _publish_2026_3(manager):
    zh, en = default_notice("zh_CN").to_dict(), default_notice("en").to_dict()
    for d in (zh, en):
        d["version"], d["effective_date"] = "2026.3", "2026-11-02"
        for p in d["purposes"]:
            if p["code"] == "marketing":
                p["retention"] = p["retention"] + " (2)"
    import_notice(manager, zh, en)


def test_the_notice_is_the_version_printed_on_the_form(clerk, manager, vault):
    old_form = _form(clerk)  # printed with 2026.2
    _publish_2026_3(manager)
    assert RegistrationFlow(clerk).notice.version == "2026.3"  # on screen: today's notice
    f = _paper_flow(clerk, old_form, membership=True, marketing=True)
    assert f.notice.version == "2026.2" and f.form_outdated() == "2026.3"
    _to_review(f)
    f.confirm_paper_signed(True)
    res = f.submit(cipher_for(vault))
    rec = clerk.db.one("SELECT notice_version, notice_hash FROM consent_records WHERE member_id = ?", (res["id"],))
    assert tuple(rec) == ("2026.2", default_notice("zh_CN").content_hash)  # rule: NOT-2
    # marketing changed since that version: the member is asked again on the next visit (CON-5)
    assert clerk.db.scalar("SELECT reconsent_needed FROM members WHERE id = ?", (res["id"],)) == 1  # rule: CON-5
    new_form = _form(clerk, RegistrationFlow(clerk).notice)
    assert RegistrationFlow(clerk, method="paper").set_form(new_form).notice.version == "2026.3"


def test_mode_switch_starts_afresh_and_back_keeps_the_form(clerk):
    serial = _form(clerk)
    f = RegistrationFlow(clerk)
    assert f.step is Step.NOTICE and f.method == "screen"
    assert f.choose_mode("paper") is Step.FORM
    with pytest.raises(ValidationError):
        f.next()  # no form given yet
    f.set_form(serial)
    f.next()
    f.decide("membership", True)
    assert f.back() is Step.FORM and f.form.serial == serial
    f.set_form(serial)  # the same form again: ticks kept
    assert f.decisions["membership"] is True
    assert f.choose_mode("screen") is Step.NOTICE
    assert f.form is None and all(v is None for v in f.decisions.values())
    f.next()
    with pytest.raises(UserError):
        f.choose_mode("paper")  # only on the first step


def test_clerk_in_english_sees_the_printed_version_in_english(clerk):
    f = _paper_flow(clerk, _form(clerk))
    shown = f.display_notice("en")
    assert shown.lang == "en" and shown.version == f.notice.version and f.notice.lang == "zh_CN"


def test_paper_under_14_needs_the_guardian(clerk, vault):
    f = _paper_flow(clerk, _form(clerk), membership=True)
    f.next()
    f.set_value("name", "刘小雨")
    f.set_value("mobile", "13912340004")
    f.set_under_14(False)  # no birth date: the under-14 question is answered (CON-4)
    f.set_value("birth_date", "2016-03-01")
    with pytest.raises(ValidationError) as ei:
        f.next()
    assert ei.value.key == "member.guardian_required"  # rule: CON-4
    f.set_guardian("刘强", "father", True)
    assert f.next() is Step.REVIEW
    f.confirm_paper_signed(True)
    res = f.submit(cipher_for(vault))
    relation = clerk.db.scalar("SELECT guardian_relation FROM consent_records WHERE member_id = ?", (res["id"],))
    assert relation == "father"


def test_the_scan_of_the_form_arriving_later_finds_the_member(clerk, vault):
    serial = _form(clerk)
    f = _to_review(_paper_flow(clerk, serial, membership=True))
    f.confirm_paper_signed(True)
    res = f.submit(cipher_for(vault))
    rid = clerk.db.scalar("SELECT id FROM consent_records WHERE member_id = ?", (res["id"],))
    out = import_bytes(clerk, cipher_for(vault), to_bytes(printed_page(clerk, serial, rotate=2, noise=10), "PNG"))
    assert [(d.status, d.serial) for d in out.documents] == [("matched", serial)]  # rule: STO-2
    doc = clerk.db.one("SELECT member_id, consent_id FROM scan_documents WHERE id = ?", (out.documents[0].document_id,))
    assert (doc[0], doc[1]) == (res["id"], rid)  # rule: CON-1
    assert (
        clerk.db.scalar("SELECT matched_scan_id FROM form_serials WHERE serial = ?", (serial,))
        == out.documents[0].document_id
    )
    assert clerk.db.scalar("SELECT count(*) FROM originals WHERE serial = ?", (serial,)) == 1  # rule: STO-2
