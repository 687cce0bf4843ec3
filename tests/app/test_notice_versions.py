"""NOT-2: one text per notice version, on every path that stores or publishes a notice (issue #15).

The default notice's text changed in 0.3.0 but kept 2026.1; it ships as 2026.2 now and the 0.2.0 text stays known
as 2026.1. A shipped version can never be stored or published with another text: enumerated over every path that
stores a notice at a store (the default's seeding at sign-in, a consent's first use of the default, a manager's
import, head office's feed, store_notice itself) and every path that publishes one at head office (the service, its
command line, the console's preview and publish). A store that ran 2026.1 adopts 2026.2 and asks for re-consent
only for the purposes whose text changed (CON-5).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from app.clock import iso
from app.config import resource_dir
from app.errors import UserError
from app.notices import (
    SHIPPED_HASHES,
    Notice,
    changed_purposes,
    check_version_text,
    current_notice,
    default_notice,
    ensure_default_stored,
    get_notice,
    import_notice,
    list_versions,
    shipped_notice,
    store_notice,
    unchanged_purposes,
)
from app.sync import feeds
from tests.app.regdata import decisions
from tests.app.syncutil import ho, hoc  # noqa: F401 - fixtures
from tests.factories import verified_feed

ROOT = Path(__file__).resolve().parents[2]


def _edited(version: str, lang: str) -> dict:
    """The shipped text of `version` with one word changed: the mistake NOT-2 forbids."""
    base = shipped_notice(version, lang)
    assert base is not None
    d = base.to_dict()
    d["intro"] = d["intro"] + "（改）"
    return d


def _shipped_pair(version: str) -> tuple[dict, dict]:
    zh, en = shipped_notice(version, "zh_CN"), shipped_notice(version, "en")
    assert zh is not None and en is not None
    return zh.to_dict(), en.to_dict()


# -- the shipped texts ------------------------------------------------------------------------------------
def test_every_shipped_text_is_pinned_and_the_default_is_the_newest():
    files = sorted((Path(resource_dir()) / "notices").rglob("*.json"))
    seen = {}
    for p in files:
        n = Notice.from_json(p.read_text("utf-8"))
        # editing a shipped text under its old number fails here: give the new text a new version (NOT-2)
        assert SHIPPED_HASHES.get((n.version, n.lang)) == n.content_hash, (
            f"{p.name}: new text, new version"
        )  # rule: NOT-2
        seen[(n.version, n.lang)] = p
    assert set(seen) == set(SHIPPED_HASHES)  # every pinned version's text is still shipped (kept forever) # rule: NOT-2
    default = default_notice("zh_CN")
    assert default.version == "2026.2" and default_notice("en").version == "2026.2"
    assert max(v for v, _ in SHIPPED_HASHES) == default.version
    assert seen[("2026.2", "zh_CN")].name == "default.zh_CN.json"
    old = shipped_notice("2026.1", "zh_CN")
    assert old is not None and old.content_hash != default.content_hash  # two texts, two numbers # rule: NOT-2
    assert old.effective_date < default.effective_date


def test_docs_and_readme_name_the_shipped_version():
    texts = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for p in texts:
        t = p.read_text("utf-8")
        for line in t.splitlines():
            if "2026.1" in line and ("告知书" in line or "notice" in line.lower()):
                assert "2026.2" in line or "0.2.0" in line, f"{p.name}: {line.strip()}"


# -- stores: every path that puts a notice into the notices table -----------------------------------------------
def test_only_store_notice_inserts_into_the_notices_table():
    found = []
    for p in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(p.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for sub in ast.walk(node):
                    text = sub.value if isinstance(sub, ast.Constant) and isinstance(sub.value, str) else ""
                    if "INTO notices" in " ".join(text.split()):
                        found.append((p.relative_to(ROOT).as_posix(), node.name))
    assert found == [("app/notices/store.py", "store_notice")]  # rule: NOT-2


@pytest.mark.parametrize("version", sorted({v for v, _ in SHIPPED_HASHES}))
def test_store_notice_refuses_a_shipped_version_with_another_text(manager, version):
    for lang in ("zh_CN", "en"):
        bad = Notice.from_dict(_edited(version, lang))
        with pytest.raises(UserError) as ei, manager.write("test.notice") as tx:
            store_notice(tx, bad, "default", iso(manager.clock.now()), manager.staff.id)
        assert ei.value.key == "notice.version_reused"  # rule: NOT-2
        assert version in ei.value.message("zh_CN") and version in ei.value.message("en")
    assert manager.db.scalar("SELECT count(*) FROM notices WHERE version = ?", (version,)) == 0


@pytest.mark.parametrize("version", sorted({v for v, _ in SHIPPED_HASHES}))
@pytest.mark.parametrize("path", ["manager_import", "head_office_feed"])
def test_import_paths_refuse_a_shipped_version_with_another_text(manager, version, path):
    zh, en = _edited(version, "zh_CN"), _edited(version, "en")
    before = manager.db.scalar("SELECT count(*) FROM notices")
    with pytest.raises(UserError) as ei:
        if path == "manager_import":
            import_notice(manager, zh, en)
        else:
            ctx = feeds.ApplyContext(store_code="SH-001", private_key=None, feed=verified_feed())  # type: ignore[arg-type]
            feeds.apply_notice(manager, {"zh_CN": zh, "en": en}, ctx)
    assert ei.value.key == "notice.version_reused"  # rule: NOT-2
    assert manager.db.scalar("SELECT count(*) FROM notices") == before


def test_the_shipped_2026_1_text_is_still_accepted_from_head_office(manager):
    ensure_default_stored(manager)  # at the first sign-in
    zh, en = _shipped_pair("2026.1")
    res = import_notice(manager, zh, en, source="head_office", feed=verified_feed())
    assert res["new"] and get_notice(manager.db, "2026.1").content_hash == SHIPPED_HASHES[("2026.1", "zh_CN")]
    assert current_notice(manager.db).version == "2026.2"  # an older effective date never takes over


def test_default_seeding_refuses_an_edited_default(manager, monkeypatch):
    """A build whose default file was edited without a new version number cannot seed it (sign-in, consent)."""
    import app.notices.store as store

    edited = {lang: Notice.from_dict(_edited("2026.2", lang)) for lang in ("zh_CN", "en")}
    monkeypatch.setattr(store, "default_notice", lambda lang="zh_CN": edited["en" if lang == "en" else "zh_CN"])
    with pytest.raises(UserError) as ei:
        ensure_default_stored(manager)
    assert ei.value.key == "notice.version_reused"  # rule: NOT-2
    with pytest.raises(UserError) as ei, manager.write("test.consent") as tx:
        store.store_default(tx, iso(manager.clock.now()), manager.staff.id)
    assert ei.value.key == "notice.version_reused"  # rule: NOT-2
    assert manager.db.scalar("SELECT count(*) FROM notices") == 0


def test_a_version_stored_once_keeps_its_text(manager):
    ensure_default_stored(manager)
    zh = default_notice("zh_CN").to_dict()
    zh["version"], zh["effective_date"] = "2026.7", "2026-11-02"
    en = default_notice("en").to_dict()
    en["version"], en["effective_date"] = "2026.7", "2026-11-02"
    import_notice(manager, zh, en)
    zh["intro"] += "（改）"
    with pytest.raises(UserError) as ei:
        import_notice(manager, zh, en)
    assert ei.value.key == "notice.immutable"  # rule: NOT-2


# -- head office: every path that publishes a notice ----------------------------------------------------------
def test_head_office_publish_refuses_a_reused_version(ho):
    zh, en = _edited("2026.2", "zh_CN"), _edited("2026.2", "en")
    with pytest.raises(UserError) as ei:
        ho.publish("notice", {"zh_CN": zh, "en": en})
    assert ei.value.key == "notice.version_reused"  # rule: NOT-2
    z3, e3 = _shipped_pair("2026.2")
    for d in (z3, e3):
        d["version"] = "2027.1"
    ho.publish("notice", {"zh_CN": z3, "en": e3})
    ho.publish("notice", {"zh_CN": z3, "en": e3})  # the same text again: fine
    z3b = dict(z3, intro=z3["intro"] + "（改）")
    with pytest.raises(UserError) as ei:
        ho.publish("notice", {"zh_CN": z3b, "en": e3})  # 2027.1 was published with another text
    assert ei.value.key == "notice.version_reused"  # rule: NOT-2
    zh1, en1 = _shipped_pair("2026.1")
    ho.publish("notice", {"zh_CN": zh1, "en": en1})  # a shipped version with its own text: fine


def test_console_preview_refuses_a_shipped_version_with_another_text():
    from headoffice.console import publishing

    text = json.dumps({"zh_CN": _edited("2026.1", "zh_CN"), "en": _edited("2026.1", "en")}, ensure_ascii=False)
    with pytest.raises(publishing.PublishError) as ei:
        publishing.parse_notice(text)
    assert ei.value.key == "publish.version_reused" and ei.value.params["version"] == "2026.1"  # rule: NOT-2


def test_head_office_command_refuses_a_reused_version(tmp_path, capsys):
    from headoffice import cli

    db = f"sqlite:///{tmp_path / 'ho.db'}"
    f = tmp_path / "notice.json"
    f.write_text(json.dumps({"zh_CN": _edited("2026.2", "zh_CN"), "en": _edited("2026.2", "en")}), "utf-8")
    assert cli.main(["--db", db, "publish-notice", str(f)]) == 2  # rule: NOT-2
    assert "2026.2" in capsys.readouterr().err


# -- a store that ran 2026.1 (0.2.0) -----------------------------------------------------------------------------
def _store_as_0_2_0(manager) -> None:
    with manager.write("notice.publish", "notice", "2026.1") as tx:
        for lang in ("zh_CN", "en"):
            n = shipped_notice("2026.1", lang)
            assert n is not None
            store_notice(tx, n, "default", "2026-11-01T09:00:00+08:00", manager.staff.id)


def test_a_store_on_2026_1_adopts_2026_2_with_re_consent_for_changed_purposes_only(manager, vault, monkeypatch):
    from app.flows.enrolment import register_member
    from app.members.service import cipher_for

    _store_as_0_2_0(manager)
    old = shipped_notice("2026.1")
    assert old is not None
    monkeypatch.setattr("app.notices.store._runs_older_default", lambda db: False)  # as 0.2.0 behaved
    mid = register_member(
        manager,
        cipher_for(vault),
        notice=old,
        decisions=decisions(marketing=True, delivery=True),
        values={"name": "老会员", "mobile": "13800001111", "address": "上海市南京路1号"},
        minor=False,
    )["id"]
    monkeypatch.undo()  # the upgrade to this release
    assert manager.db.scalar("SELECT reconsent_needed FROM members WHERE id = ?", (mid,)) == 0
    assert current_notice(manager.db).version == "2026.2"  # the new text is current before it is even stored
    ensure_default_stored(manager)  # at the next sign-in
    assert [v["version"] for v in list_versions(manager.db)] == ["2026.2", "2026.1"]  # both kept # rule: NOT-2
    assert get_notice(manager.db, "2026.1").content_hash == old.content_hash  # rule: NOT-2
    changed = changed_purposes(old, default_notice("zh_CN"))
    assert set(changed) == {"membership", "delivery"}
    assert manager.db.scalar("SELECT reconsent_needed FROM members WHERE id = ?", (mid,)) == 1  # rule: CON-5
    agreed = {"membership": "2026.1", "marketing": "2026.1", "delivery": "2026.1"}
    assert unchanged_purposes(manager.db, agreed, "2026-11-02") == {"marketing"}  # rule: CON-5
    row = manager.db.one("SELECT details FROM audit_log WHERE action = 'notice.publish' ORDER BY seq DESC LIMIT 1")
    assert json.loads(row[0])["flagged"] == 1
    ensure_default_stored(manager)  # idempotent
    assert manager.db.scalar("SELECT count(*) FROM notices WHERE version = '2026.2'") == 2


def test_a_store_that_published_its_own_notice_keeps_it(manager):
    _store_as_0_2_0(manager)
    zh, en = _shipped_pair("2026.1")
    for d in (zh, en):
        d["version"], d["effective_date"] = "HO-2026-10", "2026-10-15"
    import_notice(manager, zh, en, source="head_office", feed=verified_feed())
    zh["version"] = en["version"] = "HO-2026-11"
    zh["effective_date"] = en["effective_date"] = "2026-11-01"
    import_notice(manager, zh, en, source="head_office", feed=verified_feed())
    assert current_notice(manager.db).version == "HO-2026-11"
    ensure_default_stored(manager)  # head office decides this store's notice: the default does not take over
    assert current_notice(manager.db).version == "HO-2026-11"
    assert manager.db.scalar("SELECT count(*) FROM notices WHERE version = '2026.2'") == 0


def test_check_version_text_knows_every_pinned_version():
    for (version, lang), digest in SHIPPED_HASHES.items():
        n = shipped_notice(version, lang)
        assert n is not None and n.content_hash == digest
        check_version_text(n)  # its own text passes
