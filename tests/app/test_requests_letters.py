"""Receipt and result letters of a request (RIG-2, RIG-4) through the printing templates."""

import io

from pypdf import PdfReader

from app import requests as R
from app.printing.dates import print_date
from app.requests import letters
from tests.factories import make_member


def text_of(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_receipt_states_number_and_due_date(manager, clerk):
    mid = make_member(clerk, name="回执甲")
    rid = R.open_request(clerk, "delete", mid, identity_method="id_card_sighted")
    req = R.get_request(clerk.db, rid)
    text = text_of(letters.receipt_pdf(clerk, rid))
    assert req["request_no"] in text and "受理回执" in text
    assert print_date(req["due_on"]) in text and "15 个工作日" in text  # rule: RIG-2
    assert "回执甲" in text and "查验身份证件" in text
    assert [e["event"] for e in R.timeline(clerk.db, rid)][-1] == "printed"


def test_refusal_letter_has_reason_basis_and_remedies(manager, clerk):
    mid = make_member(clerk, name="拒绝乙")
    rid = R.open_request(clerk, "delete", mid, identity_method="id_card_sighted")
    R.refuse(manager, rid, "您的分期付款合同尚未履行完毕", "《个人信息保护法》第四十七条第一款第（一）项")
    text = text_of(letters.result_letter_bytes(manager, rid))
    assert "您的分期付款合同尚未履行完毕" in text  # rule: RIG-4
    assert "第四十七条" in text  # rule: RIG-4
    assert "投诉" in text and "人民法院提起诉讼" in text  # rule: RIG-4


def test_not_found_and_delete_letters(manager, clerk):
    rid = R.open_request(clerk, "access", None, customer_found=False, identity_method="id_card_sighted")
    R.close_not_found(clerk, rid)
    text = text_of(letters.result_letter_bytes(clerk, rid, applicant="申请人丙"))
    assert "未保存与您有关的个人信息" in text and "申请人丙" in text  # rule: RIG-2
    mid = make_member(clerk, name="删除丁")
    rid2 = R.open_request(clerk, "delete", mid, identity_method="id_card_sighted")
    R.execute_delete(manager, rid2)
    text = text_of(letters.result_letter_bytes(manager, rid2))
    assert "已删除您的个人信息" in text and "删除丁" not in text  # rule: RIG-3
    assert "购买记录" in text  # rule: RIG-5


def test_withdrawal_letter_names_purposes_in_chinese(vault, manager, clerk):
    from tests.app.test_requests import _register

    mid = _register(clerk, vault)
    rid = R.open_request(clerk, "withdraw", mid, identity_method="sms_code")
    R.execute_withdraw(clerk, rid, ["marketing"])
    text = text_of(letters.result_letter_bytes(clerk, rid))
    assert "已撤回您对以下处理目的的同意" in text and "marketing" not in text  # rule: CON-3
