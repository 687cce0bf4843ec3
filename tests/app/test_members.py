import json

import pytest

from app.audit import chain
from app.erasure import erase_member
from app.errors import PermissionDenied, UserError, ValidationError
from app.members.service import MobileExists, cipher_for, get_member, reveal_field, update_member
from app.requests.export import export_member
from tests.app.regdata import PNG, id_number, register


def test_view_is_audited_and_masked(clerk, vault):
    res = register(clerk, vault)
    v = get_member(clerk, res["id"])
    assert v.mobile_masked == "138****5678" and "13812345678" not in repr(v)  # rule: SEN-3
    row = clerk.db.one("SELECT staff_id FROM audit_log WHERE action = 'member.view' AND subject_id = ?", (res["id"],))
    assert row[0] == clerk.staff.id  # rule: SEC-1


def test_restricted_member_hidden_from_clerk(clerk, manager, vault):
    res = register(clerk, vault)
    clerk.db.execute("UPDATE members SET restricted = 1 WHERE id = ?", (res["id"],))
    with pytest.raises(UserError) as ei:
        get_member(clerk, res["id"])
    assert ei.value.key == "member.restricted"  # rule: RIG-5
    assert get_member(manager, res["id"]).restricted


def test_update_audits_field_names_only(clerk, vault):
    res = register(clerk, vault, granted={"delivery": True}, values={"address": "上海市黄浦区南京东路100号"})
    changed = update_member(
        clerk, res["id"], {"name": "张伟强", "address": "上海市静安区南京西路200号"}, cipher=cipher_for(vault)
    )
    assert changed == ["address", "name"]
    row = clerk.db.one("SELECT details FROM audit_log WHERE action = 'member.update'")
    assert json.loads(row[0]) == {"fields": ["address", "name"]}  # rule: SEC-2
    assert "张伟强" not in row[0] and "静安" not in row[0]  # rule: SEC-2
    with pytest.raises(UserError) as ei:
        update_member(clerk, res["id"], {"name": "张伟强"})
    assert ei.value.key == "member.no_changes"
    with pytest.raises(ValidationError):
        update_member(clerk, res["id"], {"id_number": id_number()}, cipher=cipher_for(vault))  # rule: MIN-3
    other = register(clerk, vault, name="李娜", mobile="13912345678")
    with pytest.raises(MobileExists):
        update_member(clerk, other["id"], {"mobile": "13812345678"})
    assert chain.verify(clerk.db).ok


def test_reveal_manager_only_with_reason_audited(clerk, manager, vault, manager_cipher):
    res = register(
        clerk,
        vault,
        granted={"instalment": True, "face_payment": True},
        values={"id_number": id_number(), "face_feature": "ab" * 40},
        signatures={"instalment": PNG, "face_payment": PNG},
    )
    c = cipher_for(vault)
    with pytest.raises(PermissionDenied):
        reveal_field(clerk, res["id"], "id_number", "customer_request", "顾客要求核对", c)  # rule: SEN-3
    with pytest.raises(ValidationError):
        reveal_field(manager, res["id"], "id_number", "customer_request", "", c)
    assert (
        reveal_field(manager, res["id"], "id_number", "finance_service", "办理分期核验", manager_cipher) == id_number()
    )
    rows = clerk.db.all("SELECT staff_id, details FROM audit_log WHERE action = 'member.reveal'")
    assert len(rows) == 1 and rows[0][0] == manager.staff.id  # rule: SEN-3
    assert json.loads(rows[0][1])["field"] == "id_number" and id_number() not in rows[0][1]  # rule: SEN-3
    with pytest.raises(UserError):
        reveal_field(manager, res["id"], "face_feature", "other", "测试原因", c)  # rule: SEN-2


def test_export_for_data_copy(clerk, vault, manager_cipher):
    res = register(
        clerk,
        vault,
        granted={"delivery": True, "face_payment": True},
        values={"address": "上海市黄浦区南京东路100号", "face_feature": "ab" * 40},
        signatures={"face_payment": PNG},
    )
    out = export_member(clerk.db, res["id"], manager_cipher)
    assert out["member"]["name"] == "张伟" and out["fields"]["address"]["value"] == "上海市黄浦区南京东路100号"
    assert "abab" not in json.dumps(out)  # rule: SEN-2
    assert out["consents"]["delivery"] and out["consent_history"][0]["kind"] == "registration"


def test_erasure_removes_registration_data(clerk, manager, vault, paths):
    res = register(
        clerk,
        vault,
        granted={"instalment": True},
        values={"id_number": id_number()},
        signatures={"instalment": PNG},
        guardian=None,
    )
    counts = erase_member(manager, res["id"], ledger_path=paths.erasure_ledger)
    assert counts["registration"] > 0
    for table in (
        "member_fields",
        "consent_records",
        "consent_items",
        "member_consents",
        "consent_evidence",
        "member_name_grams",
    ):
        assert manager.db.scalar(f"SELECT count(*) FROM {table}") == 0  # rule: RIG-3


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["name", "mobile", "birth_date", "address"]), value=st.text(max_size=25))
def test_fuzzed_update_stores_nothing_invalid(clerk, vault, field, value):
    if not clerk.db.scalar("SELECT count(*) FROM members"):
        register(clerk, vault, granted={"delivery": True}, values={"address": "上海市黄浦区南京东路100号"})
    mid = clerk.db.scalar("SELECT id FROM members")
    before = dict(clerk.db.one("SELECT name, mobile, birth_date FROM members WHERE id = ?", (mid,)))
    audits = clerk.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'member.update'")
    try:
        update_member(clerk, mid, {field: value}, cipher=cipher_for(vault))
    except UserError as exc:
        assert exc.message("zh_CN") and exc.message("en")
        assert dict(clerk.db.one("SELECT name, mobile, birth_date FROM members WHERE id = ?", (mid,))) == before
        assert clerk.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'member.update'") == audits
