"""Translations are complete: every UI string is in resources/i18n/memberdesk_en.ts with an English
translation free of Chinese, placeholders survive translation, and every core message has both
languages. A new self.tr("…") without its English fails here (run `tools/i18n.py update`, translate)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import i18n  # noqa: E402  (tools/i18n.py)

from app.messages import all_keys  # noqa: E402

PLACEHOLDER = re.compile(r"%n|%L?\d|\{[A-Za-z_0-9]*\}")


@pytest.fixture(scope="module")
def entries():
    found = [e for e in i18n.read_ts() if e.kind not in ("vanished", "obsolete")]
    assert found, "resources/i18n/memberdesk_en.ts is empty or missing"
    return found


def test_every_ts_entry_is_translated(entries):
    missing = [f"[{e.context}] {e.source}" for e in entries if e.kind == "unfinished" or not e.translation.strip()]
    assert missing == [], f"{len(missing)} untranslated (tools/i18n.py check):\n" + "\n".join(missing[:40])


def test_no_chinese_left_in_the_english_ui(entries):
    left = [f"[{e.context}] {e.source} -> {e.translation}" for e in entries if i18n.CJK.search(e.translation)]
    assert left == [], "\n".join(left[:40])


def test_every_ui_string_is_in_the_ts(entries):
    have = {(e.context, e.source) for e in entries}
    found, _problems = i18n.source_strings()
    assert len(found) > 100  # the scanner really sees the UI
    missing = sorted({f"[{f.context}] {f.source} ({f.where})" for f in found if (f.context, f.source) not in have})
    assert missing == [], "not in the .ts (run tools/i18n.py update and translate):\n" + "\n".join(missing[:40])


def test_every_translated_call_can_be_found_at_run_time():
    """self.tr(f"…") never matches a .ts entry; other.tr("…") is looked up under other's runtime class."""
    _, problems = i18n.source_strings()
    assert problems == [], "\n".join(problems)


def test_placeholders_survive_translation(entries):
    wrong = []
    for e in entries:
        src = sorted(set(PLACEHOLDER.findall(e.source)))
        dst = sorted(set(PLACEHOLDER.findall(e.translation)))
        if src != dst:
            wrong.append(f"[{e.context}] {e.source} -> {e.translation}: {src} != {dst}")
    assert wrong == [], "\n".join(wrong[:40])


def test_page_titles_are_translated(entries):
    found, _ = i18n.source_strings()
    titles = {f.source for f in found if f.context == i18n.NAV}
    assert {"首页", "设置"} <= titles
    nav = {e.source: e.translation for e in entries if e.context == i18n.NAV}
    assert all(nav.get(t) for t in titles), sorted(t for t in titles if not nav.get(t))


def test_core_messages_have_both_languages():
    from app.domains import load_all

    load_all()
    import app.demo.demo_store
    import app.selftest  # noqa: F401

    table = all_keys()
    assert len(table) > 50
    bad = []
    for key, (zh, en) in table.items():
        if not zh.strip() or not en.strip():
            bad.append(f"{key}: a language is empty")
        elif i18n.CJK.search(en):
            bad.append(f"{key}: Chinese in the English text: {en}")
        elif not i18n.CJK.search(zh):
            bad.append(f"{key}: the Chinese text is not Chinese: {zh}")
        elif set(re.findall(r"\{(\w*)\}", zh)) != set(re.findall(r"\{(\w*)\}", en)):
            bad.append(f"{key}: placeholders differ")
    assert bad == [], "\n".join(bad)


def test_the_scanner_catches_a_new_untranslated_string(tmp_path):
    ui = tmp_path / "ui"
    ui.mkdir()
    (ui / "new_page.py").write_text(
        "class NewPage:\n"
        "    def build(self):\n"
        "        self.tr('一个新按钮')\n"
        "        self.tr(f'坏的 {x}')\n"
        "register_page(PageSpec('new', '新页面', NewPage))\n",
        "utf-8",
    )
    found, problems = i18n.source_strings(ui)
    assert ("NewPage", "一个新按钮") in {(f.context, f.source) for f in found}
    assert (i18n.NAV, "新页面") in {(f.context, f.source) for f in found}
    assert len(problems) == 1 and "f-string" in problems[0]
    (ui / "helper.py").write_text("def label(widget):\n    return widget.tr('今天到期')\n", "utf-8")
    _, problems = i18n.source_strings(ui)
    assert any("widget.tr('今天到期')" in p for p in problems)


def test_the_english_qm_builds_and_translates(tmp_path):
    pytest.importorskip("PySide6")
    import shutil

    from PySide6.QtCore import QTranslator

    ts = tmp_path / "memberdesk_en.ts"
    shutil.copy(i18n.TS, ts)
    qm = i18n.release(ts)
    tr = QTranslator()
    assert tr.load(str(qm))
    assert tr.translate("SignInWidget", "登录") == "Sign in"
    assert tr.translate("nav", "设置") == "Settings"
