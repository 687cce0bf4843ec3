"""The store manager's evidence pack (issue #19): settings page button → dialog → build, view, save."""

from __future__ import annotations

import zipfile

import pytest

from app.evidence.bundle import verify_bundle
from tests.factories import make_member
from tests.ui.shots import SHOTS_DIR


@pytest.fixture
def ctx(qtbot, vault, manager, clerk):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, "zh_CN", runner=SyncRunner())
    c.set_session(manager)
    return c


def test_manager_builds_views_and_saves_the_pack(qtbot, ctx, manager, tmp_path, printer_accepts):
    from ui.dialogs.evidence_pack_dialog import EvidencePackDialog

    make_member(manager, "欧阳秀华", "13987654321")
    dlg = EvidencePackDialog(ctx, manager)
    qtbot.addWidget(dlg)
    assert dlg.date_from.text() == "2026-01-01" and dlg.date_to.text() == "2026-11-02"
    assert not dlg.save_button.isEnabled()
    dlg.build()
    assert dlg.result_pack is not None and "已生成" in dlg.status.text()
    dlg.view_pdf()
    assert len(printer_accepts) == 1  # the PDF in the preview
    target = tmp_path / "pack.zip"
    assert dlg.save_bundle(str(target))
    data = target.read_bytes()
    assert verify_bundle(data) == []
    with zipfile.ZipFile(target) as z:
        assert "欧阳秀华".encode() not in b"".join(z.read(n) for n in z.namelist())
    dlg.show()
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    dlg.grab().save(str(SHOTS_DIR / "evidence-pack-dialog.png"))


def test_bad_period_is_said_on_the_dialog(qtbot, ctx, manager):
    from ui.dialogs.evidence_pack_dialog import EvidencePackDialog

    dlg = EvidencePackDialog(ctx, manager)
    qtbot.addWidget(dlg)
    dlg.date_from.setText("2026-12-01")
    dlg.date_to.setText("2026-01-01")
    dlg.build()
    assert dlg.result_pack is None and dlg.status.text()
    dlg.date_from.setText("tomorrow")
    dlg.build()
    assert dlg.result_pack is None


def test_settings_page_asks_a_clerk_for_a_manager(qtbot, vault, clerk, monkeypatch):
    from ui.context import AppContext
    from ui.pages.settings_page import SettingsPage
    from ui.workers import SyncRunner

    c = AppContext(vault, "zh_CN", runner=SyncRunner())
    c.set_session(clerk)
    asked = []
    monkeypatch.setattr(c, "manager_session", lambda parent, purpose="": asked.append(purpose))
    page = SettingsPage(c)
    qtbot.addWidget(page)
    page.evidence_button.click()
    assert asked == ["证据包"]  # a clerk gets no pack without a manager's sign-in  # rule: SEC-1
