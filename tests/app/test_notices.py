import copy

import pytest

from app.errors import PermissionDenied, UserError
from app.notices import (
    Notice,
    changed_purposes,
    current_notice,
    default_notice,
    get_notice,
    import_notice,
    list_versions,
)


def _next_version(version="2026.3", **purpose_changes):
    zh = default_notice("zh_CN").to_dict()
    en = default_notice("en").to_dict()
    for d in (zh, en):
        d["version"] = version
        d["effective_date"] = "2026-11-02"
        for p in d["purposes"]:
            for key, value in purpose_changes.get(p["code"], {}).items():
                p[key] = value
    return zh, en


def test_default_notice_has_art17_content():
    for lang in ("zh_CN", "en"):
        n = default_notice(lang)
        assert n.controller and n.contact  # rule: NOT-1
        assert n.rights and n.how_to_exercise and n.complaint  # rule: NOT-1
        assert "15" in n.how_to_exercise  # rule: RIG-2
        for p in n.purposes:
            assert p.data_types and p.method and p.retention and p.recipients  # rule: NOT-1
            if p.sensitive:
                assert p.necessity and p.protection  # rule: SEN-1
    zh = default_notice("zh_CN")
    assert [p.code for p in zh.required_purposes] == ["membership"]
    assert set(zh.purpose("membership").fields) <= {"name", "mobile", "birth_date"}  # rule: MIN-1
    assert zh.purpose("marketing").recipients == "仅企业内部使用"  # rule: NOT-1
    assert zh.purpose("delivery").fields == ("address",)  # rule: MIN-2
    assert zh.purpose("instalment").fields == ("id_number",)  # rule: MIN-3
    assert zh.purpose("face_payment").sensitive and zh.purpose("skin_analysis").sensitive  # rule: SEN-1
    assert "不保存人脸" in "".join(zh.purpose("face_payment").data_types)  # rule: SEN-2
    assert "其他支付方式" in zh.purpose("face_payment").necessity  # rule: SEN-4
    assert "单独授权" in zh.purpose("warranty").recipients  # rule: SHR-1
    assert zh.codes == default_notice("en").codes


def test_hash_is_sha256_of_canonical_json():
    import hashlib

    n = default_notice("zh_CN")
    assert n.content_hash == hashlib.sha256(n.canonical_json().encode()).hexdigest()
    again = Notice.from_json(n.canonical_json())
    assert again.content_hash == n.content_hash and again == n


def test_publish_is_immutable_and_kept(manager):
    zh, en = _next_version()
    res = import_notice(manager, zh, en)
    assert res["new"]
    stored = manager.db.one("SELECT content_hash FROM notices WHERE version='2026.3' AND lang='zh_CN'")
    assert stored[0] == Notice.from_dict(zh).content_hash  # rule: NOT-2
    # identical re-delivery is a no-op
    assert import_notice(manager, zh, en)["new"] is False
    zh2 = copy.deepcopy(zh)
    zh2["intro"] = "改过的文字"
    with pytest.raises(UserError) as ei:
        import_notice(manager, zh2, en)
    assert ei.value.key == "notice.immutable"  # rule: NOT-2
    import app.storage.db as dbmod

    with pytest.raises(dbmod.DatabaseError):
        manager.db.execute("UPDATE notices SET content = '{}' WHERE version = '2026.3'")  # rule: NOT-2
    with pytest.raises(dbmod.DatabaseError):
        manager.db.execute("DELETE FROM notices")  # rule: NOT-2
    assert get_notice(manager.db, "2026.3", "en").content_hash == Notice.from_dict(en).content_hash
    assert current_notice(manager.db, "zh_CN").version == "2026.3"
    assert [v["version"] for v in list_versions(manager.db)] == ["2026.3"]


def test_clerk_cannot_publish(clerk):
    zh, en = _next_version()
    with pytest.raises(PermissionDenied):
        import_notice(clerk, zh, en)  # rule: SEC-1


def test_invalid_notices_refused(manager):
    zh, en = _next_version()
    bad = copy.deepcopy(zh)
    bad["purposes"][6]["necessity"] = ""  # face payment without necessity text
    with pytest.raises(UserError):
        import_notice(manager, bad, en)  # rule: SEN-1
    bad = copy.deepcopy(zh)
    bad["purposes"][1]["required"] = True  # a second required purpose would bundle consent
    with pytest.raises(UserError):
        import_notice(manager, bad, en)  # rule: CON-2
    with pytest.raises(UserError):
        import_notice(manager, zh, dict(en, version="other"))
    with pytest.raises(UserError):
        import_notice(manager, "{not json", en)
    assert manager.db.scalar("SELECT count(*) FROM notices") == 0


def test_changed_purposes():
    old = default_notice("zh_CN")
    zh, _ = _next_version(delivery={"retention": "5年"}, marketing={"title": "短信"}, offers={"recipients": "合作商家"})
    zh["purposes"].append(dict(zh["purposes"][1], code="survey", title="问卷"))
    new = Notice.from_dict(zh)
    changed = changed_purposes(old, new)
    assert changed["delivery"] == ["retention"]  # rule: CON-5
    assert changed["offers"] == ["recipients"]  # rule: CON-5
    assert changed["survey"] == ["added"]
    assert "marketing" not in changed  # title wording only
    assert changed_purposes(old, old) == {}
