"""Issue #15 in the request screens: channel and day of receipt in the new-request dialog, the two new types,
a pause that says what it waits for and a resume that records the customer's answer, the extension letter."""

import datetime as dt

from app import requests as R
from tests.conftest import CLERK_PW
from tests.factories import make_member
from tests.ui.shots import SHOTS_DIR
from tests.ui.test_requests_ui import _sign_in, _store

CST = dt.timezone(dt.timedelta(hours=8))


def test_phone_request_transfer_type_pause_answer_and_extension_letter(qtbot, window, clock, monkeypatch):
    ctx, win = window
    clock.set(dt.datetime(2026, 11, 5, 10, tzinfo=CST))
    manager = _store(ctx, clock)
    mid = make_member(manager, name="电话戊", mobile="13700002222")
    ctx.vault.lock()
    win.show()
    _sign_in(win, "clerk", CLERK_PW)
    page = win.open_page("requests")
    from ui.dialogs.new_request_dialog import NewRequestDialog

    dlg = NewRequestDialog(ctx, page)
    qtbot.addWidget(dlg)
    assert dlg.type.findData("transfer") >= 0 and dlg.type.findData("explain") >= 0  # rule: RIG-1
    dlg.type.setCurrentIndex(dlg.type.findData("transfer"))
    assert not dlg.received_on.isEnabled()  # at the desk the day is today
    dlg.channel.setCurrentIndex(dlg.channel.findData("phone"))
    assert dlg.received_on.isEnabled()
    dlg.received_on.setDate(dlg.received_on.date().addDays(-3))
    dlg.query.setText("13700002222")
    dlg.search()
    dlg.identity_buttons["sms_code"].setChecked(True)
    dlg.adjustSize()
    dlg.grab().save(str(SHOTS_DIR / "requests_new_dialog_channel.png"))
    dlg.submit()
    req = R.get_request(ctx.session.db, dlg.request_id)
    assert (req["member_id"], req["type"], req["channel"]) == (mid, "transfer", "phone")  # rule: RIG-1
    assert req["received_on"] == "2026-11-02" and req["due_on"] == "2026-11-23"  # rule: RIG-2

    page.select_request(dlg.request_id)
    det = page.detail
    from ui.dialogs.request_step_dialog import RequestStepDialog

    answers = iter(
        [
            {"reason": "顾客需补充说明要转移的范围", "choice": "clarification"},
            {"choice": "clarified"},
        ]
    )
    monkeypatch.setattr(RequestStepDialog, "exec", lambda self: (setattr(self, "values", next(answers)), 1)[1])
    det.act("pause")
    assert R.get_request(ctx.session.db, dlg.request_id)["pause_waits_for"] == "clarification"  # rule: RIG-2
    det.act("resume")
    assert R.get_request(ctx.session.db, dlg.request_id)["status"] == "verified"
    assert R.timeline(ctx.session.db, dlg.request_id)[-1]["data"]["answer"] == "clarified"  # rule: RIG-2
    assert not det.buttons["ext_letter"].isVisibleTo(det)
    R.extend(ctx.session.as_manager(manager.staff), dlg.request_id, 5, "需核对多家门店的记录")
    det.show_request(dlg.request_id)
    assert det.buttons["ext_letter"].isVisibleTo(det)
    monkeypatch.setattr(det, "_preview", lambda pdf, title: setattr(det, "last_pdf", pdf))
    det.act("ext_letter")
    assert det.last_pdf.startswith(b"%PDF")  # rule: RIG-2 (the extension is told in a letter)
