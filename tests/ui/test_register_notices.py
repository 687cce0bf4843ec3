"""告知书 page: published versions with their hashes, the text in effect, a manager's import."""

import json

import pytest

from app.notices import default_notice
from tests.app.regdata import register
from tests.ui.shots import SHOTS_DIR

SHOTS = SHOTS_DIR


@pytest.fixture
def ctx(qtbot, vault, manager):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, lang="zh_CN", runner=SyncRunner())
    c.set_session(manager)
    return c


def test_import_new_version_flags_members(qtbot, ctx, tmp_path):
    from ui import messagebox
    from ui.pages.notices_page import NoticesPage

    a = register(ctx.session, ctx.vault, granted={"delivery": True}, values={"address": "上海市黄浦区南京东路100号"})
    files = []
    for lang in ("zh_CN", "en"):
        d = default_notice(lang).to_dict()
        d["version"] = "2026.3"
        d["effective_date"] = "2026-11-02"
        d["purposes"][3]["recipients"] += " (2026.3)"
        p = tmp_path / f"notice-2026.3.{lang}.json"
        p.write_text(json.dumps(d, ensure_ascii=False), "utf-8")
        files.append(str(p))
    page = NoticesPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    assert page.table.rowCount() == 1  # the shipped default, stored at first registration
    messagebox.set_next_answer(True)
    res = page.import_files(files)
    assert res["new"] and res["flagged"] == 1  # rule: CON-5
    assert page.table.rowCount() == 2 and page.table.item(0, 0).text() == "2026.3"  # rule: NOT-2
    assert page.table.item(1, 4).text() == default_notice("zh_CN").content_hash  # rule: NOT-2
    assert ctx.session.db.scalar("SELECT reconsent_needed FROM members WHERE id = ?", (a["id"],)) == 1
    assert page.view.notice.version == "2026.3"
    page.grab().save(str(SHOTS / "notices_page.png"))
    messagebox.set_next_answer(True)
    assert page.import_files(files)["new"] is False  # the same text again: nothing changes


def test_clerk_needs_manager_sign_in(qtbot, vault, clerk, tmp_path, monkeypatch):
    from ui.context import AppContext
    from ui.pages.notices_page import NoticesPage
    from ui.workers import SyncRunner

    c = AppContext(vault, lang="zh_CN", runner=SyncRunner())
    c.set_session(clerk)
    monkeypatch.setattr(c, "manager_session", lambda parent, purpose="": None)  # the manager cancels
    page = NoticesPage(c)
    qtbot.addWidget(page)
    p = tmp_path / "x.json"
    p.write_text("{}", "utf-8")
    assert page.import_files([str(p)]) is None
    assert clerk.db.scalar("SELECT count(*) FROM notices") == 0  # rule: SEC-1
