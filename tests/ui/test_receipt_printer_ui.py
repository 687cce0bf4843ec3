"""The receipt printer at the counter (issue #20): the setting on the settings page (saved, refused when it is no
address) and the request's 受理回执 going to the 80 mm printer when one is set, the PDF preview otherwise or when
the printer cannot be reached. A loopback fake printer stands in for the real one."""

from __future__ import annotations

import pytest

from app import requests as R
from app.messages import render
from app.settings import get_setting, set_setting
from tests.app.test_printing_escpos import FakePrinter, _escpos_cache, _free_port  # noqa: F401  (fixture)
from tests.factories import make_member


def _ctx(vault, session):
    from ui.context import AppContext
    from ui.workers import SyncRunner

    c = AppContext(vault, "zh_CN", runner=SyncRunner())
    c.set_session(session)
    return c


@pytest.fixture
def printer():
    p = FakePrinter()
    yield p
    p.close()


def test_the_setting_is_saved_or_refused_with_the_reason(qtbot, vault, manager):
    from ui.pages.settings_page import SettingsPage

    page = SettingsPage(_ctx(vault, manager))
    qtbot.addWidget(page)
    assert page.receipt_printer.text() == "" and page.receipt_printer.isEnabled()
    page.receipt_printer.setText("http://printer")
    assert not page.save_receipt_printer()
    assert page.receipt_note.text() == render("printing.receipt_printer_invalid", "zh_CN")
    assert get_setting(manager.db, "receipt_printer") == ""
    page.receipt_printer.setText(" 192.168.1.50 ")
    assert page.save_receipt_printer()
    assert page.receipt_printer.text() == "192.168.1.50:9100" == get_setting(manager.db, "receipt_printer")


def test_the_request_receipt_prints_on_the_receipt_printer_or_as_pdf(qtbot, vault, manager, printer, monkeypatch):
    from ui import messagebox
    from ui.pages.request_detail import RequestDetail

    ctx = _ctx(vault, manager)
    mid = make_member(manager, name="小票丙")
    rid = R.open_request(manager, "delete", mid, identity_method="id_card_sighted")
    det = RequestDetail(ctx)
    qtbot.addWidget(det)
    det.show_request(rid)
    shown = []
    monkeypatch.setattr(det, "_preview", lambda pdf, title: shown.append(pdf))
    assert det._do_receipt() and len(shown) == 1 and shown[0].startswith(b"%PDF")  # no printer: the PDF
    set_setting(manager, "receipt_printer", f"127.0.0.1:{printer.port}")
    assert det._do_receipt() and len(shown) == 1  # no preview: it went to the printer
    (job,) = printer.wait()
    assert "小票丙".encode("gb18030") in job
    set_setting(manager, "receipt_printer", f"127.0.0.1:{_free_port()}")  # printer off
    messagebox.set_next_answer(True)
    assert det._do_receipt() and len(shown) == 2  # told, then the PDF
