"""Retention that cannot be stretched (RET-1..3): a head-office rule longer than the policy's limit (members
3 years, purchases 5, service records 2) is refused unless it names its legal basis — at the store (sync log
and status; the rest applies) and at head office's publish (service, CLI, console)."""

from __future__ import annotations

import json

import pytest

from app.errors import UserError
from app.messages import render
from app.retention.rules import apply_policy_from_head_office, exceeds_limit, get_rules, validate_rule
from app.sync import sync_log, sync_status
from headoffice import cli
from headoffice.console import publishing
from tests.app.syncutil import client, enrolled, ho, hoc  # noqa: F401  (fixtures)
from tests.factories import verified_feed


def rule(cat: str, value: int, unit: str = "years", **extra) -> dict:
    action = "mask" if cat == "id_number" else "delete"
    return {"category": cat, "period_value": value, "period_unit": unit, "action": action, **extra}


LONG = [rule("purchase", 6), rule("member", 37, "months"), rule("service_record", 731, "days")]
WITHIN = [rule("purchase", 5), rule("member", 36, "months"), rule("service_record", 730, "days")]


def test_limits_every_category_and_unit():
    for r in LONG:
        assert exceeds_limit(validate_rule(r))  # rule: RET-1  rule: RET-2  rule: RET-3
    for r in [*WITHIN, rule("member", 2), rule("purchase", 1, "days")]:
        assert not exceeds_limit(validate_rule(r))
    assert exceeds_limit(validate_rule(rule("member", 1096, "days")))  # 1096 days > 3 years  # rule: RET-2
    assert exceeds_limit(validate_rule(rule("purchase", 1827, "days")))  # rule: RET-1


def test_store_refuses_a_longer_rule_and_applies_the_rest(manager):
    before = get_rules(manager.db)
    after = apply_policy_from_head_office(
        manager, [rule("member", 4), rule("purchase", 4), rule("service_record", 3)], feed=verified_feed()
    )
    assert after["member"] == before["member"]  # rule: RET-2
    assert after["service_record"] == before["service_record"]  # rule: RET-3
    assert after["purchase"].period_value == 4 and after["purchase"].source == "head_office"
    refusal = sync_status(manager.db)["feed_refusal"]
    assert refusal["key"] == "sync.policy_over_limit"
    assert refusal["detail"]["categories"] == ["member", "service_record"]
    log = sync_log(manager.db)[0]
    assert log["outcome"] == "refused" and log["message_key"] == "sync.policy_over_limit"
    assert "政策上限" in render(log["message_key"], "zh_CN") and "policy" in render(log["message_key"], "en")
    longer = apply_policy_from_head_office(manager, [rule("purchase", 6)], feed=verified_feed())
    assert longer["purchase"].period_value == 4  # rule: RET-1


def test_a_named_legal_basis_allows_a_longer_rule(manager):
    got = apply_policy_from_head_office(
        manager, [rule("purchase", 10, legal_basis="会计档案管理办法 第十四条")], feed=verified_feed()
    )
    assert got["purchase"].period_value == 10
    row = manager.db.one("SELECT details FROM audit_log WHERE action = 'retention.policy.head_office'")
    assert "会计档案管理办法" in row[0]
    assert (
        apply_policy_from_head_office(manager, [rule("member", 5, legal_basis="  ")], feed=verified_feed())[
            "member"
        ].period_value
        != 5
    )


def test_refused_through_sync_the_rest_of_the_feed_applies(manager, paths, client, ho):  # noqa: F811
    eng = enrolled(manager, paths, client, ho)
    with ho.storage.tx() as c:  # a head office that skipped its own check (older version, or tampered)
        c.add_feed("retention_policy", json.dumps({"rules": [rule("member", 5)]}), None, ho.clock())
    ho.publish("config", {"sync_interval_minutes": 9})
    eng.sync_once()
    assert get_rules(manager.db)["member"].period_value == 3  # rule: RET-2
    assert sync_status(manager.db)["interval_minutes"] == 9  # the rest of the feed applied
    assert sync_status(manager.db)["inbox"] == 0  # refused for good, not parked for a retry
    assert sync_status(manager.db)["feed_refusal"]["detail"]["categories"] == ["member"]


@pytest.mark.parametrize("bad", LONG)
def test_head_office_publish_refuses(ho, bad, tmp_path, capsys):  # noqa: F811
    with pytest.raises(UserError) as exc:
        ho.publish("retention_policy", {"rules": [bad]})
    assert exc.value.key == "retention.policy_over_limit"  # rule: RET-1  rule: RET-2  rule: RET-3
    with pytest.raises(publishing.PublishError) as perr:
        publishing.parse("retention_policy", {"policy": json.dumps({"rules": [bad]})})
    assert perr.value.key == "publish.policy_over_limit"  # rule: RET-1  rule: RET-2  rule: RET-3
    f = tmp_path / "policy.json"
    f.write_text(json.dumps({"rules": [bad]}))
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert cli.main(["--db", url, "publish-policy", str(f)]) == 2
    assert "legal basis" in capsys.readouterr().err
    with ho.storage.read() as c:
        assert c.scalar("SELECT count(*) FROM feed WHERE kind = 'retention_policy'", (), 0) == 0
    ok = ho.publish("retention_policy", {"rules": [*WITHIN, rule("purchase", 8, legal_basis="税收征管法")]})
    assert ok > 0
