"""Originals page and destruction dialog: colours, counts, holiday import, witnessed destruction."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.scans.importer import import_bytes
from app.storage.fieldcrypt import FieldCipher
from tests.conftest import CLERK_PW, MANAGER_PW
from tests.factories import make_member
from tests.scan_samples import form_page, issue_serial, to_bytes

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def ctx(qtbot, vault, manager, clerk):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, "zh_CN", runner=SyncRunner())
    c.set_session(manager)
    return c


def _scan(session, vault, seed):
    serial = issue_serial(session, make_member(session))
    import_bytes(session, FieldCipher(vault.data_key()), to_bytes(form_page(serial, seed=seed), "PNG"))
    return serial


def test_register_colours_counts_and_holiday_warning(qtbot, ctx, manager, vault, clock, tmp_path):
    from ui.pages.originals_page import AMBER, RED, OriginalsPage

    clock.set(dt.datetime(2026, 9, 24, 10, 0, tzinfo=CST))
    late = _scan(manager, vault, 1)  # due 2026-11-12
    clock.set(dt.datetime(2026, 12, 10, 10, 0, tzinfo=CST))
    missing = _scan(manager, vault, 2)  # due 2027-01-21, counted without a 2027 table
    clock.set(dt.datetime(2027, 1, 18, 10, 0, tzinfo=CST))
    page = OriginalsPage(ctx)
    qtbot.addWidget(page)
    rows = {page.table.item(r, 0).text(): r for r in range(page.table.rowCount())}
    assert page.table.item(rows[late], 2).foreground().color().name() == RED  # rule: STO-2
    assert page.table.item(rows[missing], 2).foreground().color().name() == AMBER  # rule: STO-2
    assert page.tiles["overdue"].text() == "1" and page.tiles["due_soon"].text() == "1"
    assert not page.warning.isHidden() and "2027" in page.warning.text()
    page.select_due()
    assert sorted(o.serial for o in page.selected()) == sorted([late, missing]) and page.destroy_btn.isEnabled()
    f = tmp_path / "2027.json"
    f.write_text(json.dumps({"year": 2027, "days": {"2027-01-01": "holiday"}}), "utf-8")
    from ui import messagebox

    messagebox.set_next_answer(True)
    page.import_holiday_file(manager, f)
    assert page.warning.isHidden()
    assert page.table.item(rows[missing], 2).text() == "2027-01-22"  # rule: STO-2


def test_destroy_dialog_needs_another_witness(qtbot, ctx, manager, vault, tmp_path, monkeypatch):
    from ui.dialogs.destroy_originals_dialog import DestroyOriginalsDialog
    from ui.pages.originals_page import OriginalsPage

    serials = [_scan(manager, vault, i) for i in (1, 2)]
    page = OriginalsPage(ctx)
    qtbot.addWidget(page)
    page.table.selectAll()
    assert page.destroy_btn.isEnabled()
    dlg = DestroyOriginalsDialog(ctx, manager, page.selected(), page)
    qtbot.addWidget(dlg)
    assert dlg.ok.isDefault()
    dlg.witness_user.setText("manager")
    dlg.witness_pw.setText(MANAGER_PW)
    dlg.confirm()
    assert dlg.destruction_id is None and "监销人不能是" in dlg.error.text()  # rule: STO-2
    assert dlg.witness_pw.text() == ""
    dlg.method.setCurrentIndex(dlg.method.findData("vendor"))
    dlg.witness_user.setText("clerk")
    dlg.witness_pw.setText(CLERK_PW)
    dlg.confirm()
    assert "销毁证明编号" in dlg.error.text()
    dlg.vendor.setText("某某销毁公司")
    dlg.certificate.setText("XH-118")
    dlg.witness_pw.setText(CLERK_PW)
    dlg.confirm()
    assert dlg.destruction_id
    assert manager.db.scalar("SELECT count(*) FROM originals WHERE status = 'destroyed'") == 2  # rule: STO-2
    out = tmp_path / "record.pdf"
    monkeypatch.setattr("ui.pages.originals_page.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), ""))
    page.save_record(dlg.destruction_id)
    assert out.read_bytes().startswith(b"%PDF")  # rule: STO-3
    page.refresh()
    assert page.tiles["destroyed"].text() == "2" and serials


def test_checked_out_past_return_date_is_red(qtbot, ctx, manager, vault, clock):
    from app.originals import tracking as R
    from ui.pages.originals_page import RED, OriginalsPage

    serial = _scan(manager, vault, 3)
    oid = manager.db.scalar("SELECT id FROM originals WHERE serial = ?", (serial,))
    R.check_out(manager, oid, "会员申请查阅原件", clock.today() + dt.timedelta(days=2))
    clock.advance(days=3)
    page = OriginalsPage(ctx)
    qtbot.addWidget(page)
    cell = page.table.item(0, 6)
    assert "逾期未还" in cell.text() and cell.foreground().color().name() == RED
