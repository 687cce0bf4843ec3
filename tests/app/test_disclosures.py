"""Disclosures to third parties: only what the service needs (SHR-1), every one logged (SHR-2)."""

import json

import pytest

from app.disclosures import disclose, export_disclosures, list_disclosures
from app.erasure import erase_member
from app.errors import ValidationError
from tests.factories import make_member
from tests.retention_helpers import grant_consent


def test_logistics_gets_delivery_address_only(clerk, manager):
    mid = make_member(manager)
    grant_consent(manager, mid, "delivery")
    did = disclose(clerk, mid, "logistics", "顺丰速运", ["name", "mobile", "delivery_address"], reference="SO-1")
    with pytest.raises(ValidationError) as exc:
        disclose(clerk, mid, "logistics", "顺丰速运", ["delivery_address", "birth_date"])
    assert exc.value.key == "disclosure.field_not_allowed" and exc.value.field == "birth_date"  # rule: SHR-1
    with pytest.raises(ValidationError):
        disclose(clerk, mid, "logistics", "顺丰速运", ["order_no"])  # rule: SHR-1
    log = list_disclosures(clerk, mid)
    assert len(log) == 1  # rule: SHR-2
    assert (log[0]["recipient"], log[0]["purpose"], log[0]["fields"]) == (
        "顺丰速运",
        "delivery",
        ["name", "mobile", "delivery_address"],
    )  # rule: SHR-2
    assert log[0]["disclosed_at"].startswith("2026-11-02T09:00")  # rule: SHR-2
    audit = manager.db.one("SELECT details FROM audit_log WHERE action = 'disclosure.create'")
    assert json.loads(audit["details"])["disclosure"] == did


def test_logistics_refused_without_delivery_consent(clerk, manager):
    mid = make_member(manager)
    with pytest.raises(ValidationError) as exc:
        disclose(clerk, mid, "logistics", "顺丰速运", ["delivery_address"])
    assert exc.value.key == "disclosure.no_consent"  # rule: SHR-1
    grant_consent(manager, mid, "delivery")
    grant_consent(manager, mid, "delivery", granted=False)  # withdrawn
    with pytest.raises(ValidationError):
        disclose(clerk, mid, "logistics", "顺丰速运", ["delivery_address"])  # rule: CON-3
    assert export_disclosures(manager.db, mid) == []


def test_insurer_only_with_separate_authorisation(clerk, manager):
    mid = make_member(manager)
    with pytest.raises(ValidationError) as exc:
        disclose(clerk, mid, "insurer", "平安保险", ["order_no", "product"], reference="SO-9", authorisation="screen")
    assert exc.value.key == "disclosure.no_consent"  # rule: SHR-1
    grant_consent(manager, mid, "warranty")
    with pytest.raises(ValidationError) as exc:
        disclose(clerk, mid, "insurer", "平安保险", ["order_no", "product"], reference="SO-9")
    assert exc.value.key == "disclosure.no_authorisation"  # rule: SHR-1
    with pytest.raises(ValidationError):
        disclose(
            clerk, mid, "insurer", "平安保险", ["order_no", "delivery_address"], authorisation="screen"
        )  # rule: SHR-1
    assert export_disclosures(manager.db, mid) == []
    refused = manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'disclosure.refused'")
    assert refused == 2
    disclose(
        clerk,
        mid,
        "insurer",
        "平安保险",
        ["order_no", "product"],
        reference="SO-9",
        authorisation="signature",
        evidence="doc:WA-2026-0001",
    )
    log = export_disclosures(manager.db, mid)
    assert (log[0]["recipient_kind"], log[0]["purpose"], log[0]["authorisation"]) == (
        "insurer",
        "warranty",
        "signature",
    )  # rule: SHR-2


def test_disclosure_log_deleted_with_member(manager, paths):
    mid = make_member(manager)
    grant_consent(manager, mid, "delivery")
    disclose(manager, mid, "logistics", "京东物流", ["delivery_address"])
    erase_member(manager, mid, ledger_path=paths.erasure_ledger)
    assert manager.db.scalar("SELECT count(*) FROM disclosures") == 0


def test_changed_delivery_purpose_needs_fresh_consent_before_disclosure(clerk, manager, vault):
    """A new notice that changes the delivery purpose's recipients stops disclosures to logistics for
    members who consented under the old version, until they consent again (CON-5, SHR-1)."""
    from app.disclosures import disclose
    from app.errors import UserError
    from app.notices import default_notice, import_notice
    from tests.app.regdata import register

    m = register(
        clerk,
        vault,
        name="吴九",
        mobile="13500002222",
        granted={"delivery": True},
        values={"address": "上海市黄浦区南京东路一号"},
    )
    assert disclose(clerk, m["id"], "logistics", "顺丰速运", ["name", "mobile", "delivery_address"], "SO-1")
    zh, en = default_notice("zh_CN").to_dict(), default_notice("en").to_dict()
    for d, rec in ((zh, "承运配送的物流企业及其合作的末端驿站"), (en, "The carrier and its partner pick-up points")):
        d["version"] = "2026.9"
        for p in d["purposes"]:
            if p["code"] == "delivery":
                p["recipients"] = rec
    import_notice(manager, zh, en)
    with pytest.raises(UserError):
        disclose(clerk, m["id"], "logistics", "顺丰速运", ["name", "mobile", "delivery_address"], "SO-2")  # rule: CON-5
    assert clerk.db.scalar("SELECT count(*) FROM disclosures WHERE member_id = ?", (m["id"],)) == 1
