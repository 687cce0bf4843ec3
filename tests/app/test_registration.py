import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app.audit import chain
from app.errors import UserError, ValidationError
from app.flows.enrolment import register_member
from app.flows.registration import RegistrationFlow, Step
from app.members.service import MobileExists, cipher_for, get_member
from app.notices import default_notice
from tests.app.regdata import PNG, decisions, id_number, register


def _count(db, table):
    return db.scalar(f"SELECT count(*) FROM {table}")


def test_basic_membership_needs_name_and_mobile_only(clerk, vault):
    res = register(clerk, vault)
    m = clerk.db.one("SELECT * FROM members WHERE id = ?", (res["id"],))
    assert m["name"] == "张伟" and m["mobile"] == "13812345678"  # rule: MIN-1
    assert _count(clerk.db, "member_fields") == 0  # rule: MIN-1
    assert m["member_no"].startswith("M") and len(m["member_no"]) == 11


def test_consent_record_is_complete(clerk, vault):
    res = register(clerk, vault, granted={"marketing": True})
    rec = clerk.db.one("SELECT * FROM consent_records WHERE member_id = ?", (res["id"],))
    notice = default_notice("zh_CN")
    assert rec["notice_version"] == notice.version and rec["notice_hash"] == notice.content_hash  # rule: CON-1
    assert rec["staff_id"] == clerk.staff.id and rec["store_code"] == "SH-001"  # rule: CON-1
    assert rec["terminal"] == "DESK-1" and rec["method"] == "screen" and rec["created_at"]  # rule: CON-1
    items = dict(clerk.db.all("SELECT purpose_code, granted FROM consent_items WHERE record_id = ?", (rec["id"],)))
    assert items["marketing"] == 1 and items["membership"] == 1
    assert items["offers"] == 0 and items["face_payment"] == 0  # rule: CON-1
    assert set(items) == set(notice.codes)  # rule: CON-1
    # the notice text named by the record is stored with that hash (NOT-2)
    stored = clerk.db.one("SELECT content_hash FROM notices WHERE version = ? AND lang = 'zh_CN'", (notice.version,))
    assert stored[0] == rec["notice_hash"]  # rule: NOT-2
    m = clerk.db.one("SELECT marketing_opt_in, offers_opt_in FROM members WHERE id = ?", (res["id"],))
    assert (m[0], m[1]) == (1, 0)


def test_one_transaction_with_audit_and_journal(clerk, vault):
    res = register(clerk, vault)
    audit = clerk.db.one(
        "SELECT details FROM audit_log WHERE action = 'member.register' AND subject_id = ?", (res["id"],)
    )
    details = json.loads(audit[0])
    assert "张伟" not in audit[0] and "13812345678" not in audit[0]  # rule: SEC-2
    assert details["fields"] == ["name", "mobile"]
    assert clerk.db.scalar("SELECT count(*) FROM change_journal WHERE member_id = ?", (res["id"],)) >= 2
    assert chain.verify(clerk.db).ok  # rule: SEC-2


def test_refusing_optional_purposes_never_blocks(clerk, vault):
    res = register(clerk, vault, granted={})  # everything optional refused
    assert res["id"]  # rule: CON-2
    with pytest.raises(UserError) as ei:
        register_member(
            clerk,
            cipher_for(vault),
            notice=default_notice("zh_CN"),
            decisions=decisions(membership=False, marketing=True),
            values={"name": "李娜", "mobile": "13912345678"},
        )
    assert ei.value.key == "consent.required_missing"


def test_fields_only_for_granted_purposes(clerk, vault):
    with pytest.raises(ValidationError) as ei:
        register(clerk, vault, values={"address": "上海市黄浦区南京东路100号"})  # delivery refused
    assert ei.value.field == "address"  # rule: MIN-2
    with pytest.raises(ValidationError):
        register(clerk, vault, values={"id_number": id_number()})  # rule: MIN-3
    assert _count(clerk.db, "members") == 0
    res = register(clerk, vault, granted={"delivery": True}, values={"address": "上海市黄浦区南京东路100号"})
    row = clerk.db.one("SELECT * FROM member_fields WHERE member_id = ?", (res["id"],))
    assert row["field"] == "address" and row["purpose_code"] == "delivery"  # rule: MIN-2


def test_sensitive_needs_separate_signed_consent_and_is_encrypted(clerk, vault):
    with pytest.raises(UserError) as ei:
        register(clerk, vault, granted={"instalment": True}, values={"id_number": id_number()})
    assert ei.value.key == "consent.sensitive_needs_signature"  # rule: SEN-1
    res = register(
        clerk,
        vault,
        granted={"instalment": True, "face_payment": True},
        values={"id_number": id_number(), "face_feature": "0a1b" * 32},
        signatures={"instalment": PNG, "face_payment": PNG},
        method="signature",
    )
    rows = clerk.db.all("SELECT field, value_enc, masked FROM member_fields WHERE member_id = ?", (res["id"],))
    for r in rows:
        assert r["value_enc"].startswith("s1:")  # rule: SEN-3 (sealed to the field public key, issue #14)
        assert id_number() not in r["value_enc"] and "0a1b0a1b" not in r["value_enc"]  # rule: SEN-3
    masked = {r["field"]: r["masked"] for r in rows}
    assert masked["id_number"] == "440301********" + id_number()[-4:]  # rule: SEN-3
    assert "0a1b" not in masked["face_feature"]  # rule: SEN-2
    ev = clerk.db.all("SELECT purpose_code, data FROM consent_evidence WHERE member_id = ?", (res["id"],))
    assert sorted(e[0] for e in ev) == ["face_payment", "instalment"]
    assert all(PNG not in bytes(e[1]) and bytes(e[1]).startswith(b"MDs1") for e in ev)  # rule: SEN-3
    view = get_member(clerk, res["id"])
    assert view.fields["id_number"] == masked["id_number"] and view.mobile_masked == "138****5678"  # rule: SEN-3


def test_under_14_requires_guardian(clerk, vault):
    with pytest.raises(ValidationError) as ei:
        register(clerk, vault, values={"birth_date": "2015-01-01"})
    assert ei.value.key == "member.guardian_required"  # rule: CON-4
    assert _count(clerk.db, "members") == 0  # rule: CON-4
    res = register(
        clerk,
        vault,
        values={"birth_date": "2015-01-01"},
        guardian={"name": "张建国", "relation": "father", "consent": True},
    )
    rec = clerk.db.one(
        "SELECT guardian_name_enc, guardian_relation FROM consent_records WHERE member_id = ?", (res["id"],)
    )
    assert rec[1] == "father" and rec[0].startswith("v1:") and "张建国" not in rec[0]  # rule: CON-4
    assert (
        cipher_for(vault).decrypt(
            rec[0], "consent_records", "guardian_name_enc", clerk.db.scalar("SELECT id FROM consent_records")
        )
        == "张建国"
    )
    assert clerk.db.scalar("SELECT is_minor FROM members WHERE id = ?", (res["id"],)) == 1


def test_duplicate_mobile_opens_existing(clerk, vault):
    first = register(clerk, vault)
    with pytest.raises(MobileExists) as ei:
        register(clerk, vault, name="李娜")
    assert ei.value.member_id == first["id"]
    assert _count(clerk.db, "members") == 1


def test_crash_mid_registration_leaves_nothing(clerk, vault, monkeypatch):
    import app.flows.enrolment as svc

    def boom(*a, **k):
        raise RuntimeError("power cut")

    monkeypatch.setattr(svc, "record_consent", boom)
    with pytest.raises(RuntimeError):
        register(clerk, vault, granted={"delivery": True}, values={"address": "上海市黄浦区南京东路100号"})
    for table in ("members", "member_fields", "consent_records", "member_name_grams"):
        assert _count(clerk.db, table) == 0
    assert clerk.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'member.register'") == 0


# -- the flow, without Qt --------------------------------------------------------------


def _flow_to_fields(clerk, **granted):
    f = RegistrationFlow(clerk)
    assert f.step is Step.NOTICE
    f.next()
    assert f.notice_read  # rule: NOT-1
    assert all(v is None for v in f.decisions.values())  # nothing pre-ticked
    for code, g in granted.items():
        f.decide(code, g)
    return f


def test_flow_confirm_depends_only_on_required(clerk):
    f = _flow_to_fields(clerk)
    assert not f.can_confirm_consent()
    for p in f.notice.optional_purposes:
        f.decide(p.code, True)
    assert not f.can_confirm_consent()  # rule: CON-2
    with pytest.raises(UserError):
        f.next()
    for p in f.notice.optional_purposes:
        f.decide(p.code, False)
    f.decide("membership", True)
    assert f.can_confirm_consent()  # rule: CON-2
    assert f.next() is Step.FIELDS
    assert f.visible_fields() == ["name", "mobile", "birth_date"]  # rule: MIN-1


def test_flow_full_path_with_sensitive(clerk, vault):
    f = _flow_to_fields(clerk, membership=True, delivery=True, face_payment=True, skin_analysis=True)
    assert f.next() is Step.SENSITIVE and f.current_sensitive() == "face_payment"
    with pytest.raises(UserError):
        f.next()  # no signature yet  # rule: SEN-1
    f.sign("face_payment", PNG)
    f.next()
    assert f.current_sensitive() == "skin_analysis"
    f.decline_sensitive()  # refused on its own screen
    assert f.step is Step.FIELDS and f.decisions["skin_analysis"] is False
    assert "skin_notes" not in f.visible_fields() and "face_feature" in f.visible_fields()
    assert f.set_value("mobile", "12345") is not None
    f.set_value("name", "王芳")
    f.set_value("mobile", "13712345678")
    f.set_under_14(False)  # no birth date: the under-14 question is answered (CON-4)
    f.set_value("address", "北京市朝阳区建国路88号")
    f.set_value("face_feature", "ff" * 40)
    assert f.next() is Step.REVIEW
    assert f.back() is Step.FIELDS and f.values["address"] == "北京市朝阳区建国路88号"  # back keeps the text
    f.decide("delivery", False)  # typed, then refused: never stored
    f.next()
    res = f.submit(cipher_for(vault))
    assert f.step is Step.DONE
    fields = {r[0] for r in clerk.db.all("SELECT field FROM member_fields WHERE member_id = ?", (res["id"],))}
    assert fields == {"face_feature"}  # rule: MIN-2
    rec = clerk.db.one("SELECT method FROM consent_records WHERE member_id = ?", (res["id"],))
    assert rec[0] == "signature"


def test_flow_minor_and_existing(clerk, vault):
    first = register(clerk, vault, mobile="13612345678")
    f = _flow_to_fields(clerk, membership=True)
    f.next()
    f.set_value("name", "小明")
    f.set_value("mobile", "13612345679")
    f.set_value("birth_date", "2016-05-01")
    assert f.is_minor()
    with pytest.raises(ValidationError):
        f.next()  # rule: CON-4
    f.set_guardian("王建国", "father", confirmed=True)
    assert f.next() is Step.REVIEW
    f.back()
    f.set_value("mobile", "13612345678")
    assert f.next() is Step.EXISTING and f.existing_member_id == first["id"]


names = st.text(alphabet=st.sampled_from(list("张王李赵欧阳娜·ab -'1\n<")), max_size=12)
mobiles = st.one_of(st.text(alphabet="0123456789 +-", max_size=14), st.just("13800001111"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names, mobile=mobiles, birth=st.text(max_size=12), addr=st.text(max_size=20))
def test_fuzzed_flow_stores_nothing_invalid(clerk, vault, name, mobile, birth, addr):
    before = _count(clerk.db, "members")
    f = _flow_to_fields(clerk, membership=True, delivery=True)
    f.next()
    for k, v in (("name", name), ("mobile", mobile), ("birth_date", birth), ("address", addr)):
        f.set_value(k, v)
    try:
        f.next()
        if f.step is Step.REVIEW:
            f.submit(cipher_for(vault))
            assert _count(clerk.db, "members") == before + 1
            clerk.db.execute("DELETE FROM members")
            return
    except UserError as exc:
        assert exc.message("zh_CN") and exc.message("en")
    assert _count(clerk.db, "members") == before
