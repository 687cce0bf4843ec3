"""NOT-1 (issue #15): the notice tells everything the app does. What the notice must state is derived from the code
(each purpose's fields, each retention rule in the store's database, each third-party recipient, the scanning and
destruction of paper forms, customer-service records, where the data is stored, minors), never from the notice
itself: a new field, rule, recipient or processing step the notice does not mention fails here."""

from __future__ import annotations

import pytest

import app.scans
import app.service_records
import app.sync
from app.disclosures import RECIPIENTS
from app.members.fields import FIELD_PURPOSE, SENSITIVE_FIELDS
from app.notices import current_notice, default_notice
from app.originals.tracking import DESTROY_WITHIN

LANGS = ("zh_CN", "en")

# how a period is written in each language: (value, unit) -> text
UNIT_TEXT = {
    "zh_CN": {"years": "{v}年", "months": "{v}个月", "days": "{v}日"},
    "en": {"years": "{v} years", "months": "{v} months", "days": "{v} days"},
}
# which purpose of the notice a retention category belongs to, and the words that name the records in it
CATEGORY = {
    "purchase": ("membership", {"zh_CN": "消费", "en": "transaction"}),
    "member": ("membership", {"zh_CN": "会员信息", "en": "Member information"}),
    "service_record": ("membership", {"zh_CN": "客户服务记录", "en": "customer-service records"}),
    "id_number": (FIELD_PURPOSE["id_number"], {"zh_CN": "", "en": ""}),
}
RECIPIENT_WORDS = {"logistics": {"zh_CN": "物流", "en": "logistics"}, "insurer": {"zh_CN": "保险", "en": "insur"}}
FIELD_WORDS = {
    "zh_CN": {"name": "姓名", "mobile": "手机号", "delivery_address": "地址", "order_no": "订单号", "product": "商品"},
    "en": {
        "name": "name",
        "mobile": "mobile",
        "delivery_address": "address",
        "order_no": "order number",
        "product": "product",
    },
}


def _all_text(n) -> str:
    parts = [n.intro, n.how_to_exercise, n.complaint, *n.rights]
    for p in n.purposes:
        parts += [p.description, p.method, p.retention, p.recipients, p.necessity, p.protection, *p.data_types]
    return "\n".join(parts)


@pytest.mark.parametrize("lang", LANGS)
def test_every_field_the_code_stores_is_in_its_purpose(lang):
    n = default_notice(lang)
    for field, code in FIELD_PURPOSE.items():
        p = n.purpose(code)
        assert p is not None and field in p.fields, (field, code)  # rule: NOT-1
    for p in n.purposes:
        assert set(p.fields) == {f for f, c in FIELD_PURPOSE.items() if c == p.code}  # rule: NOT-1
        if set(p.fields) & set(SENSITIVE_FIELDS):
            assert p.sensitive and p.necessity and p.protection  # rule: SEN-1


@pytest.mark.parametrize("lang", LANGS)
def test_every_retention_rule_is_stated_with_its_period(manager, lang):
    rules = manager.db.all("SELECT category, period_value, period_unit FROM retention_rules")
    assert {r[0] for r in rules} >= set(CATEGORY)  # the test knows every category the sweep applies
    n = current_notice(manager.db, lang)
    for category, value, unit in rules:
        code, words = CATEGORY[category]
        retention = n.purpose(code).retention
        period = UNIT_TEXT[lang][unit].format(v=value)
        assert period in retention, (category, period)  # rule: NOT-1
        assert words[lang].lower() in retention.lower(), category  # rule: NOT-1


@pytest.mark.parametrize("lang", LANGS)
def test_every_third_party_recipient_is_named_with_what_it_gets(lang):
    n = default_notice(lang)
    internal = default_notice(lang).purpose("membership").recipients  # "internal use only"
    for kind, (code, fields, _auth) in RECIPIENTS.items():
        p = n.purpose(code)
        assert p is not None and p.recipients != internal, kind  # rule: NOT-1
        assert RECIPIENT_WORDS[kind][lang] in p.recipients.lower(), kind  # rule: NOT-1
        described = (p.recipients + " ".join(p.data_types)).lower()
        for f in fields:
            assert FIELD_WORDS[lang][f].lower() in described, (kind, f)  # rule: SHR-1


@pytest.mark.parametrize("lang", LANGS)
def test_scanning_service_records_storage_and_minors_are_told(lang):
    n = default_notice(lang)
    text = _all_text(n).lower()
    words = {
        "zh_CN": {
            "scan": ("扫描", "存档", "销毁", f"{DESTROY_WITHIN}个工作日"),
            "service": ("客户服务记录", "投诉"),
            "storage": ("本公司自有", "数据库", "总部", "境内"),
            "minor": ("十四周岁", "监护人", "单独同意"),
        },
        "en": {
            "scan": ("scanned", "archived", "destroyed", f"{DESTROY_WITHIN} working days"),
            "service": ("customer-service records", "complaints"),
            "storage": ("company's own", "database", "head office", "mainland china"),
            "minor": ("under 14", "guardian", "separate consent"),
        },
    }[lang]
    assert app.scans and app.service_records and app.sync  # the code scans forms, keeps service records, syncs
    for topic, needed in words.items():
        for w in needed:
            assert w.lower() in text, (topic, w)  # rule: NOT-1


def test_the_printed_and_screen_notice_is_the_same_text_in_both_languages():
    zh, en = default_notice("zh_CN"), default_notice("en")
    assert zh.version == en.version and zh.codes == en.codes  # rule: NOT-2
    for a, b in zip(zh.purposes, en.purposes, strict=True):
        assert a.fields == b.fields and a.sensitive == b.sensitive  # rule: NOT-2
