import copy
import json

import pytest

from app.consent.service import (
    active_purposes,
    consent_active,
    consent_history,
    needs_reconsent,
    record_consent,
    withdraw_consent,
)
from app.errors import PermissionDenied, UserError
from app.members.service import cipher_for
from app.notices import default_notice, import_notice
from tests.app.regdata import PNG, id_number, register


def test_withdraw_marketing_effective_at_once(clerk, vault):
    res = register(clerk, vault, granted={"marketing": True, "offers": True})
    assert consent_active(clerk.db, res["id"], "marketing")
    rid = withdraw_consent(clerk, res["id"], "marketing")
    assert not consent_active(clerk.db, res["id"], "marketing")  # rule: CON-3
    assert clerk.db.scalar("SELECT marketing_opt_in FROM members WHERE id = ?", (res["id"],)) == 0  # rule: CON-3
    assert clerk.db.scalar("SELECT offers_opt_in FROM members WHERE id = ?", (res["id"],)) == 1
    rec = clerk.db.one("SELECT * FROM consent_records WHERE id = ?", (rid,))
    assert rec["kind"] == "withdrawal" and rec["staff_id"] == clerk.staff.id  # rule: CON-3
    assert rec["notice_hash"] and rec["terminal"] == "DESK-1"  # rule: CON-3
    hist = consent_history(clerk.db, res["id"])
    assert [h["kind"] for h in hist] == ["withdrawal", "registration"]
    assert hist[0]["items"] == {"marketing": False}
    with pytest.raises(UserError) as ei:
        withdraw_consent(clerk, res["id"], "marketing")
    assert ei.value.key == "consent.not_granted"
    with pytest.raises(UserError) as ei:
        withdraw_consent(clerk, res["id"], "membership")
    assert ei.value.key == "consent.required_cannot_withdraw"


def test_withdraw_sensitive_erases_its_data(clerk, vault):
    res = register(
        clerk,
        vault,
        granted={"instalment": True, "skin_analysis": True, "delivery": True},
        values={"id_number": id_number(), "skin_notes": "混合性皮肤，轻度敏感", "address": "上海市黄浦区南京东路100号"},
        signatures={"instalment": PNG, "skin_analysis": PNG},
    )
    withdraw_consent(clerk, res["id"], "skin_analysis")
    fields = {r[0] for r in clerk.db.all("SELECT field FROM member_fields WHERE member_id = ?", (res["id"],))}
    assert "skin_notes" not in fields  # rule: SEN-1
    assert fields == {"id_number", "address"}
    withdraw_consent(clerk, res["id"], "delivery")
    assert (
        clerk.db.scalar("SELECT count(*) FROM member_fields WHERE member_id = ? AND field = 'address'", (res["id"],))
        == 0
    )  # rule: MIN-2
    audit = clerk.db.all("SELECT details FROM audit_log WHERE action = 'consent.withdraw'")
    assert json.loads(audit[0][0])["fields_erased"] == 1


def _changed_version(**changes):
    zh, en = default_notice("zh_CN").to_dict(), default_notice("en").to_dict()
    for d in (zh, en):
        d["version"] = "2026.3"
        for p in d["purposes"]:
            p.update(changes.get(p["code"], {}))
    return zh, en


def test_new_notice_flags_reconsent_and_holds_changed_processing(clerk, manager, vault):
    a = register(clerk, vault, granted={"marketing": True, "offers": True})
    b = register(clerk, vault, name="李娜", mobile="13912345678", granted={"marketing": True})
    zh, en = _changed_version(
        offers={"recipients": "合作品牌商家"},
    )
    en["purposes"][2]["recipients"] = "Partner brands"
    res = import_notice(manager, zh, en)
    assert res["flagged"] == 1
    assert clerk.db.scalar("SELECT reconsent_needed FROM members WHERE id = ?", (a["id"],)) == 1  # rule: CON-5
    assert clerk.db.scalar("SELECT reconsent_needed FROM members WHERE id = ?", (b["id"],)) == 0  # rule: CON-5
    assert not consent_active(clerk.db, a["id"], "offers")  # rule: CON-5
    assert consent_active(clerk.db, a["id"], "marketing")  # unchanged purpose keeps running
    assert needs_reconsent(clerk.db, a["id"]) == ["offers"]
    # the member consents to the new version at the next visit
    from app.notices import current_notice

    new = current_notice(clerk.db, "zh_CN")
    with clerk.write("consent.reconsent", "member", a["id"]) as tx:
        record_consent(
            tx,
            clerk,
            a["id"],
            new,
            {p.code: p.code in ("membership", "marketing", "offers") for p in new.purposes},
            kind="reconsent",
            method="screen",
        )
    assert consent_active(clerk.db, a["id"], "offers")  # rule: CON-5
    assert clerk.db.scalar("SELECT reconsent_needed FROM members WHERE id = ?", (a["id"],)) == 0
    assert active_purposes(clerk.db, a["id"]) == {"membership", "marketing", "offers"}


def test_consent_record_rejects_foreign_notice_text(clerk, vault):
    res = register(clerk, vault)
    forged = copy.deepcopy(default_notice("zh_CN").to_dict())
    forged["intro"] = "不同的文字"
    from app.notices import Notice

    with pytest.raises(UserError) as ei, clerk.write("consent.grant", "member", res["id"]) as tx:
        record_consent(
            tx, clerk, res["id"], Notice.from_dict(forged), {"marketing": True}, kind="grant", method="screen"
        )
    assert ei.value.key == "consent.notice_mismatch"  # rule: NOT-2


def test_reconsent_flow_after_notice_change(clerk, manager, vault):
    from app.flows.registration import ReconsentFlow, Step

    a = register(clerk, vault, granted={"marketing": True, "offers": True})
    zh, en = _changed_version(offers={"retention": "偏好信息保存2年"})
    en["purposes"][2]["retention"] = "Preferences kept 2 years"
    import_notice(manager, zh, en)
    assert needs_reconsent(clerk.db, a["id"]) == ["offers"]  # rule: CON-5
    f = ReconsentFlow(clerk, a["id"])
    assert f.notice.version == "2026.3"
    f.next()
    assert all(v is None for v in f.decisions.values())  # nothing pre-ticked
    f.decide("membership", True)
    f.decide("offers", True)
    f.decide("delivery", True)
    assert f.next() is Step.FIELDS and f.visible_fields() == ["address"]
    f.set_value("address", "上海市黄浦区南京东路100号")
    assert f.next() is Step.REVIEW
    f.submit(cipher_for(vault))
    assert needs_reconsent(clerk.db, a["id"]) == []  # rule: CON-5
    assert consent_active(clerk.db, a["id"], "offers")
    assert not consent_active(clerk.db, a["id"], "marketing")  # not ticked this time: withdrawn
    rec = clerk.db.one("SELECT kind, notice_version FROM consent_records ORDER BY created_at DESC, rowid DESC")
    assert tuple(rec) == ("reconsent", "2026.3")  # rule: CON-1
    assert clerk.db.scalar("SELECT count(*) FROM member_fields WHERE field = 'address'") == 1


def test_grant_sensitive_later_needs_signature(clerk, vault):
    from app.flows.enrolment import grant_consent

    a = register(clerk, vault)
    with pytest.raises(UserError):
        grant_consent(
            clerk, a["id"], {"skin_analysis": True}, values={"skin_notes": "干性"}, cipher=cipher_for(vault)
        )  # rule: SEN-1
    grant_consent(
        clerk,
        a["id"],
        {"skin_analysis": True},
        values={"skin_notes": "干性"},
        signatures={"skin_analysis": PNG},
        cipher=cipher_for(vault),
    )
    assert consent_active(clerk.db, a["id"], "skin_analysis")
    assert clerk.db.scalar("SELECT count(*) FROM consent_evidence") == 1


@pytest.mark.parametrize("who", ["clerk", "manager"])
def test_only_head_office_s_orders_date_a_decision_other_than_now(who, clerk, manager, vault):
    """A backdated withdrawal would lose to every grant made meanwhile elsewhere in the chain (newest decision
    wins): a person's session cannot date one; head office's orders and merges (the feed session) can."""
    session = {"clerk": clerk, "manager": manager}[who]
    res = register(clerk, vault, granted={"marketing": True})
    with pytest.raises(PermissionDenied):
        withdraw_consent(session, res["id"], "marketing", decided_at="2020-01-01T00:00:00+08:00")
    notice = default_notice("zh_CN")
    with pytest.raises(PermissionDenied), session.write("consent.withdraw", "member", res["id"]) as tx:
        record_consent(
            tx,
            session,
            res["id"],
            notice,
            {"marketing": False},
            kind="withdrawal",
            method="desk",
            decided_at="2020-01-01T00:00:00+08:00",
        )
    assert consent_active(clerk.db, res["id"], "marketing")  # nothing changed  # rule: CON-3
    withdraw_consent(session, res["id"], "marketing")  # at the desk, now: allowed
    assert not consent_active(clerk.db, res["id"], "marketing")
