"""The enrolment use cases (app.flows.enrolment) and the members domain's writes (app.members.records), issue #13."""

import pytest

import app.members.records as records
from app.consent.service import check_sensitive_signatures, record_consent
from app.errors import UserError, ValidationError
from app.flows.enrolment import grant_consent
from app.members.records import MobileExists
from app.members.service import update_member
from app.notices import default_notice
from tests.app.regdata import PNG, decisions, register


def test_a_mobile_taken_meanwhile_is_found_by_the_constraint_not_the_message(clerk, vault, monkeypatch):
    """Another connection registers the same mobile between the check and the insert: the UNIQUE(mobile)
    violation becomes MobileExists naming that member, found by a query (no error text is read)."""
    first = register(clerk, vault)
    real = records.find_by_mobile
    calls = []

    def not_yet(db, mobile):  # the checks before the insert see no member: the other one committed later
        calls.append(mobile)
        return None if len(calls) <= 2 else real(db, mobile)

    monkeypatch.setattr(records, "find_by_mobile", not_yet)
    import app.flows.enrolment as enrolment

    monkeypatch.setattr(enrolment, "find_by_mobile", not_yet)
    with pytest.raises(MobileExists) as ei:
        register(clerk, vault, name="李娜")
    assert ei.value.member_id == first["id"]
    assert clerk.db.scalar("SELECT count(*) FROM members") == 1


def test_another_constraint_violation_is_not_called_a_duplicate_mobile(clerk, vault):
    first = register(clerk, vault)
    no = clerk.db.scalar("SELECT member_no FROM members WHERE id = ?", (first["id"],))
    with pytest.raises(Exception) as ei, clerk.write("member.test", "member", "x") as tx:
        records.insert_member(
            tx,
            member_id="x",
            member_no=no,
            name="李娜",
            mobile="13900000000",
            registered_at="2026-01-01T00:00:00Z",
            store_code="ST01",
            birth_date=None,
            minor=False,
        )
    assert isinstance(ei.value, records.IntegrityError) and not isinstance(ei.value, MobileExists)


def test_a_correction_to_a_mobile_taken_meanwhile_is_mobile_exists(clerk, vault, monkeypatch):
    a = register(clerk, vault)
    b = register(clerk, vault, name="李娜", mobile="13900000001")
    import app.members.service as svc

    monkeypatch.setattr(svc, "find_by_mobile", lambda db, mobile: None)  # the check before saw nobody
    with pytest.raises(MobileExists) as ei:
        update_member(clerk, b["id"], {"mobile": "13812345678"})
    assert ei.value.member_id == a["id"]


def test_the_sensitive_signature_check(clerk):
    notice = default_notice("zh_CN")
    sensitive = next(p for p in notice.purposes if p.sensitive)
    check_sensitive_signatures(notice, {"membership"}, {})  # nothing sensitive
    check_sensitive_signatures(notice, {sensitive.code}, {sensitive.code: PNG})  # signed on screen
    check_sensitive_signatures(notice, {sensitive.code}, {}, paper_signed={sensitive.code})  # signed on paper
    with pytest.raises(UserError) as ei:
        check_sensitive_signatures(notice, {sensitive.code}, {})
    assert ei.value.key == "consent.sensitive_needs_signature"  # rule: SEN-1
    with pytest.raises(ValidationError) as ei:
        check_sensitive_signatures(notice, {sensitive.code}, {}, paper_signed=set())
    assert ei.value.key == "member.paper_sensitive_unsigned"  # rule: SEN-1


def test_programming_errors_are_value_errors_not_user_errors(clerk, vault):
    mid = register(clerk, vault)["id"]
    with pytest.raises(ValueError):
        grant_consent(clerk, mid, decisions(), kind="withdrawal")
    with pytest.raises(ValueError), clerk.write("consent.test", "member", mid) as tx:
        record_consent(tx, clerk, mid, default_notice("zh_CN"), decisions(), kind="grant", method="telepathy")
