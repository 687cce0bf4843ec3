"""The two request types the notice promises (转移 transfer, 解释说明 explain), their letters, the extension letter
and the receipt's wording when a holiday table is missing (RIG-1, RIG-2, issue #15)."""

import datetime as dt
import io
import json

import pytest
from pypdf import PdfReader

from app import requests as R
from app.errors import UserError
from app.printing.dates import print_date
from app.requests import letters
from tests.factories import make_member

CST = dt.timezone(dt.timedelta(hours=8))


def text_of(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "").replace(" ", "")


def test_transfer_gives_a_machine_readable_copy_and_its_letter(manager, clerk):
    mid = make_member(clerk, name="转移甲")
    rid = R.open_request(clerk, "transfer", mid, identity_method="id_card_sighted", channel="online")
    receipt = text_of(letters.receipt_pdf(clerk, rid))
    assert "转移" in receipt and "线上客服" in receipt  # rule: RIG-1
    with pytest.raises(UserError):
        R.build_copy(clerk, rid)  # a full copy is a manager's step
    json_bytes, pdf_bytes, _counts = R.build_copy(manager, rid)
    assert json.loads(json_bytes) and pdf_bytes.startswith(b"%PDF")  # rule: RIG-1
    req = R.get_request(manager.db, rid)
    assert req["status"] == "completed" and req["type"] == "transfer"
    letter = text_of(letters.result_letter_bytes(manager, rid))
    assert "转移" in letter and "JSON" in letter and "其他个人信息处理者" in letter  # rule: RIG-1


def test_explain_prints_the_rules_of_the_notice_in_force(manager, clerk):
    rid = R.open_request(clerk, "explain", None, customer_found=False, channel="phone")
    pdf = letters.explanation_letter_bytes(clerk, rid, applicant="来电乙")
    text = text_of(pdf)
    assert "个人信息处理规则解释说明" in text and "保存期限" in text and "第四十八条" in text  # rule: RIG-1
    assert "办理会员所必需" in text and "人民法院提起诉讼" in text
    req = R.execute_explain(clerk, rid)
    assert req["status"] == "completed" and req["result_summary"]["notice_version"]  # rule: RIG-1
    assert "解释说明" in text_of(letters.result_letter_bytes(clerk, rid, applicant="来电乙"))
    with pytest.raises(UserError):
        R.execute_explain(clerk, rid)  # closed
    other = R.open_request(clerk, "access", None, customer_found=False)
    with pytest.raises(UserError):
        R.execute_explain(clerk, other)
    with pytest.raises(UserError):
        letters.explanation_letter_bytes(clerk, other)


def test_the_extension_is_told_in_a_letter(manager, clerk, clock):
    clock.set(dt.datetime(2026, 11, 2, 10, tzinfo=CST))
    mid = make_member(clerk, name="延期丙")
    rid = R.open_request(clerk, "correct", mid, identity_method="id_card_sighted")
    with pytest.raises(UserError):
        letters.extension_letter_bytes(manager, rid)  # nothing extended yet
    R.extend(manager, rid, 10, "需向总部调取历史消费记录")
    text = text_of(letters.extension_letter_bytes(manager, rid))
    req = R.get_request(manager.db, rid)
    assert "延期答复告知书" in text and "需向总部调取历史消费记录" in text  # rule: RIG-2
    assert (
        print_date(req["base_due_on"]) in text and print_date(req["due_on"]) in text
    )  # rule: RIG-2 (as people write dates)
    assert "仅延长一次" in text  # rule: RIG-2
    assert R.timeline(manager.db, rid)[-1]["data"] == {"document": "extension_letter"}


def test_receipt_queue_and_reminders_flag_a_due_date_from_the_fallback_calendar(manager, clerk, clock):
    from app.reminders import collect

    clock.set(dt.datetime(2027, 3, 1, 10, tzinfo=CST))
    rid = R.open_request(clerk, "access", make_member(clerk), identity_method="sms_code")
    req = R.get_request(clerk.db, rid)
    assert req["table_missing"] == "2027"  # rule: RIG-2 (flag on the request)
    text = text_of(letters.receipt_pdf(clerk, rid))
    assert "所示日期不会晚于实际期限" in text and "最多可能提前13天" in text  # rule: RIG-2 (the receipt's words)
    rows = R.list_requests(clerk, dt.date(2027, 3, 1))
    assert rows[0]["table_missing"] and R.counts(rows)["table_missing"] == 1  # rule: RIG-2 (the queue)
    keys = [r.key for r in collect(manager.db, dt.date(2027, 3, 1))]
    assert "reminder.requests_table_missing" in keys  # rule: RIG-2 (the reminders)
