"""Scans page, issue #16: a form page that could not be redacted is held; the page says so and a manager looks at it
(the unredacted page, audited), keeps it or discards it; a quarantined file is exported or discarded."""

from __future__ import annotations

import pytest

from app.scans import quarantine
from tests.app.test_scan_redaction_import import _filled
from tests.conftest import MANAGER_PW
from tests.scan_samples import form_page, to_bytes
from tests.ui.shots import SHOTS_DIR


@pytest.fixture
def ctx(qtbot, vault, manager):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, "zh_CN", runner=SyncRunner())
    c.set_session(manager)
    return c


def test_held_page_and_quarantine_for_a_manager(qtbot, ctx, vault, manager, tmp_path, monkeypatch):
    from app.notices.store import ensure_default_stored
    from app.printing import registration_form as RF
    from app.printing.fonts import choose_font
    from app.printing.serials import issue_form_serials
    from ui.pages.scans_page import ScansPage

    notice = ensure_default_stored(manager)
    [serial] = issue_form_serials(manager, notice, 1)
    marks: list = []
    pdf = RF.registration_form_pdf(notice, [serial], font=choose_font(), marks=marks)
    scan = _filled(pdf, 2, marks, dpi=150)
    foreign = form_page(None, dpi=150, seed=3).resize(scan.size)
    foreign.paste(scan.crop((0, 0, scan.width, 250)), (0, 0))
    f = tmp_path / "held.png"
    f.write_bytes(to_bytes(foreign, "PNG"))
    quarantine.quarantine_bytes(manager, vault.field_cipher(), b"not a scan", reason="scans.not_an_image")

    page = ScansPage(ctx)
    qtbot.addWidget(page)
    page.import_paths([f], "file")
    assert "1 页无法定位身份证号方格" in page.result.text()
    panel = page.held_panel
    assert "暂存的表格页 1 页" in panel.summary.text() and "文件 1 个" in panel.summary.text()
    panel.open_list()
    assert panel.table.rowCount() == 2
    panel.table.selectRow(0)

    def step_up(parent, purpose, fn):  # the manager types their own password: the held page is sealed (SEN-3)
        with ctx.vault.step_up("manager", MANAGER_PW) as up:
            return fn(up)

    ctx.with_step_up = step_up
    panel.view_selected()
    assert page.viewer.page_label.text() == "1 / 1"
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'scan.held.view'") == 1
    panel.decide("keep")
    assert manager.db.scalar("SELECT count(*) FROM scan_held WHERE kept_at IS NOT NULL") == 1
    panel.table.selectRow(1)
    assert panel.export_btn.isEnabled()
    # the quarantined file is sealed too (SEN-3): the export goes through the same step-up
    target = tmp_path / "exported.bin"
    monkeypatch.setattr("ui.widgets.scan_held_panel.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    panel.export_selected()
    assert target.read_bytes() == b"not a scan"
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'scans.quarantine.export'") == 1
    page.clear()
    assert panel.manager is None and panel.table.rowCount() == 0


def test_a_manager_reveals_the_unredacted_page_in_a_step_up(qtbot, ctx, vault, manager, clerk, tmp_path):
    """A form page whose serial has no member yet waits in the inbox, redacted; the bar under the viewer opens the
    unredacted page only through a manager's step-up (SEN-3), audited, and goes back to the redacted page."""
    from app.notices.store import ensure_default_stored
    from app.printing import registration_form as RF
    from app.printing.fonts import choose_font
    from app.printing.serials import issue_form_serials
    from ui.pages.scans_page import ScansPage

    notice = ensure_default_stored(manager)
    [serial] = issue_form_serials(manager, notice, 1)
    marks: list = []
    pdf = RF.registration_form_pdf(notice, [serial], font=choose_font(), marks=marks)
    original = to_bytes(_filled(pdf, 2, marks, dpi=150), "PNG")
    f = tmp_path / "form.png"
    f.write_bytes(original)
    ctx.set_session(clerk)
    page = ScansPage(ctx)
    qtbot.addWidget(page)
    page.import_paths([f], "file")
    page.refresh()
    page.table.selectRow(0)
    bar = page.reveal_bar
    assert not bar.isHidden() and page.viewer.page_label.text() == "1 / 1"
    page.resize(1366, 768)
    page.grab().save(str(SHOTS_DIR / "scans_redacted_clerk.png"))
    redacted = list(page.viewer._pages)
    assert redacted[0] != original  # the clerk sees the redacted page  # rule: SEN-3
    ctx.with_step_up = lambda parent, purpose, fn: None  # cancelled: nothing shown, nothing audited
    bar.reveal()
    assert page.viewer._pages == redacted

    def step_up(parent, purpose, fn):
        with ctx.vault.step_up("manager", MANAGER_PW) as up:
            return fn(up)

    ctx.with_step_up = step_up
    bar.reason.setCurrentIndex(bar.reason.findData("verify_identity"))
    bar.reveal()
    assert page.viewer._pages == [original] and not bar.hide_btn.isHidden()
    page.resize(1366, 768)
    page.grab().save(str(SHOTS_DIR / "scans_reveal_unredacted.png"))
    row = manager.db.one("SELECT staff_id, details FROM audit_log WHERE action = 'scan.reveal'")
    assert row[0] == manager.staff.id and '"verify_identity"' in row[1]  # rule: SEN-3
    bar.show_redacted()
    assert page.viewer._pages == redacted
    page.clear()
    assert bar.isHidden()
