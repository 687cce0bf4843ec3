"""Every printed document of app/printing, built with long realistic data in zh_CN and en (the notice's
language; letters carry the customer's and the store's own words), for the typesetting tests and for
looking at the pages (`python -m tests.app.printdocs OUTDIR` renders PNGs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from app.notices.store import default_notice
from app.printing.data_copy import CopySection, DataCopy, data_copy_pdf
from app.printing.destruction_record import DestroyedForm, DestructionRecord, destruction_record_pdf
from app.printing.letter_layout import Letter, Section, StoreInfo, render_letter
from app.printing.poster import poster_pdf
from app.printing.receipt_notice import receipt_notice_pdf
from app.printing.recovery_sheet import RecoverySheet, recovery_sheet_pdf, render_recovery_sheet
from app.printing.registration_form import registration_form_pdf
from app.printing.request_notices import (
    ExplanationLetter,
    ExtensionLetter,
    RuleRow,
    explanation_letter_pdf,
    extension_letter_pdf,
)
from app.printing.request_receipt import RequestReceipt, request_receipt_pdf
from app.printing.result_letter import ResultLetter, result_letter_pdf

LANGS = ("zh_CN", "en")
NOW = dt.datetime(2026, 12, 3, 14, 5, 37)

STORES = {
    "zh_CN": StoreInfo(
        "SH-001",
        "上海南京路旗舰店（黄浦区第一分店）",
        "上海市黄浦区南京东路 1000 号新世界城购物中心 B1 层 B1-018 室（近地铁 2 号线出口）",
        "021-63512345 转 8001",
        "门店服务台（每日 10:00–22:00），隐私联系人 privacy.sh001@example-retail.cn",
    ),
    "en": StoreInfo(
        "SH-001",
        "Nanjing Road Flagship Store (Huangpu District Branch No. 1)",
        "Room B1-018, Level B1, New World Mall, 1000 East Nanjing Road, Huangpu District, Shanghai",
        "+86 21 6351 2345 ext. 8001",
        "Service desk (daily 10:00-22:00), privacy contact privacy.sh001@example-retail.cn",
    ),
}
LONG = {
    "zh_CN": (
        "本人于 2026 年 11 月 28 日在贵店购买的商品（订单号 POS-20261128-000123456789）涉及的会员积分记录、"
        "消费明细及《会员服务协议》中约定的个性化推荐信息，请一并删除；身份证号 440301********1234 的"
        "复印件请当面销毁。如有疑问请拨打手机 138****5678（工作日 9:00–18:00）联系本人。"
    ),
    "en": (
        "Please delete the loyalty points history, the purchase details (order POS-20261128-000123456789) and "
        "the personalised recommendations described in the Membership Service Agreement, and destroy the copy "
        "of ID number 440301********1234 in my presence. Questions: mobile 138****5678 (weekdays 9:00-18:00)."
    ),
}


def _receipt(lang: str) -> RequestReceipt:
    return RequestReceipt(
        request_no="R-SH001-20261203-0042",
        kinds=["access", "correct", "delete", "restrict", "withdraw"],
        received_at=NOW,
        due_date=dt.date(2026, 12, 24),
        applicant="欧阳**华" if lang == "zh_CN" else "Alexandra M*******-Smith",
        store=STORES[lang],
        received_by="王*明（店员）",
        member_no="M0000123456789",
        details=LONG[lang],
        calendar_missing=True,
        channel="门店服务台",
    )


def _result(lang: str) -> ResultLetter:
    return ResultLetter(
        request_no="R-SH001-20261203-0042",
        kinds=["delete", "cancel"],
        received_at=NOW,
        decided_at=NOW + dt.timedelta(days=9, hours=3),
        outcome="partial",
        applicant="欧阳**华" if lang == "zh_CN" else "Alexandra M*******-Smith",
        store=STORES[lang],
        decided_by="李*红（店长）",
        actions=[LONG[lang], "已删除会员资料、同意记录及纸质登记表扫描件（表单编号 F-SH001-20261203-0001）。"],
        refusal_reason=LONG[lang],
        legal_basis="《中华人民共和国个人信息保护法》第四十七条第二款、《中华人民共和国会计法》第二十三条",
        member_no="M0000123456789",
    )


def _extension(lang: str) -> ExtensionLetter:
    return ExtensionLetter(
        request_no="R-SH001-20261203-0042",
        kinds=["access", "transfer"],
        received_at=NOW,
        original_due=dt.date(2026, 12, 24),
        new_due=dt.date(2027, 1, 15),
        days=15,
        reason=LONG[lang],
        applicant="欧阳**华",
        store=STORES[lang],
        decided_by="李*红",
        member_no="M0000123456789",
        calendar_missing=True,
    )


def _explanation(lang: str) -> ExplanationLetter:
    notice = default_notice(lang)
    return ExplanationLetter(
        request_no="R-SH001-20261203-0042",
        applicant="欧阳**华",
        store=STORES[lang],
        notice_title=notice.title,
        notice_version=notice.version,
        controller=notice.controller,
        contact=notice.contact,
        rules=[
            RuleRow(p.title, "；".join(p.data_types), p.method, p.retention, p.recipients, p.required)
            for p in notice.purposes
        ],
        rights=list(notice.rights),
        how_to_exercise=notice.how_to_exercise,
        prepared_by="王*明",
        member_no="M0000123456789",
    )


def _data_copy(lang: str) -> DataCopy:
    rows = [
        ("姓名", "欧阳**华"),
        ("手机号", "138****5678"),
        ("收货地址", STORES[lang].address),
        ("身份证号", "440301********1234"),
    ]
    purchases = [
        [
            f"2026-{m:02d}-{d:02d} 1{d % 10}:0{m % 6}",
            f"POS-2026{m:02d}{d:02d}-00012345678{d}",
            "¥1,234.50",
            LONG[lang][:40],
        ]
        for m in range(1, 13)
        for d in (3, 17)
    ]
    return DataCopy(
        request_no="R-SH001-20261203-0042",
        member_no="M0000123456789",
        applicant="欧阳**华",
        generated_at=NOW,
        store=STORES[lang],
        prepared_by="王*明",
        sections=[
            CopySection("CAT-1", rows=rows, note=LONG[lang]),
            CopySection(
                "CAT-2", columns=["时间", "交易号", "金额", "商品"], grid=purchases, col_weights=[1.6, 2.6, 1.0, 3.0]
            ),
            CopySection("consent", rows=[("同意记录", LONG[lang])]),
        ],
        machine_readable="已同时提供机器可读文件 copy-R-SH001-20261203-0042.json（SHA-256 "
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08）",
    )


def _destruction(lang: str) -> DestructionRecord:
    forms = [
        DestroyedForm(
            f"F-SH001-20261{(i % 2) + 1}{(i % 28) + 1:02d}-{i:04d}", NOW - dt.timedelta(days=40 + i), f"{i:02x}" * 32, 2
        )
        for i in range(1, 40)
    ]
    forms.append(DestroyedForm("F-SH001-20261101-0100", "2026-11-01T09:30:00+08:00", "ab" * 32, 2))
    return DestructionRecord(
        batch_id="D-SH001-20261203-01",
        store=STORES[lang],
        forms=forms,
        method="crosscut",
        destroyed_at=NOW,
        manager="李*红",
        witness="张*（监销人）",
        manager_id="st-0001",
        witness_id="st-0002",
    )


def _recovery(lang: str) -> RecoverySheet:
    return RecoverySheet(
        recovery_key="ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789",
        store_code="SH-001",
        store_name=STORES[lang].name,
        created_at=NOW,
        created_by="李*红（店长）",
        terminal="COUNTER-PC-01（服务台左侧）",
    )


def _letter(lang: str) -> Letter:
    return Letter(
        title="测试信函" if lang == "zh_CN" else "A letter",
        store=STORES[lang],
        reference=[("受理编号", "R-SH001-20261203-0042"), ("日期", "2026年12月3日")],
        salutation="尊敬的 欧阳**华：",
        sections=[Section(heading="说明", paragraphs=[LONG[lang]] * 3, bullets=[LONG[lang]])],
        signatures=["店长签字", "门店盖章", "日期"],
        closing="特此告知。",
        footer_note=LONG[lang],
    )


def documents(lang: str) -> dict[str, Callable[[], bytes]]:
    """Name -> a function rendering that document (every public render function of app/printing); "name:variant"
    is another variant of the same function (the receipt back's full text)."""
    notice = default_notice(lang)
    store = STORES[lang].name
    serials = ["F-SH001-20261203-0001", "F-SH001-20261203-0002"]
    return {
        "poster_pdf": lambda: poster_pdf(notice, store_name=store),
        "receipt_notice_pdf": lambda: receipt_notice_pdf(notice, store_name=store),
        "receipt_notice_pdf:full": lambda: receipt_notice_pdf(notice, store_name=store, full=True),
        "registration_form_pdf": lambda: registration_form_pdf(notice, serials, store_name=store),
        "request_receipt_pdf": lambda: request_receipt_pdf(_receipt(lang)),
        "result_letter_pdf": lambda: result_letter_pdf(_result(lang)),
        "extension_letter_pdf": lambda: extension_letter_pdf(_extension(lang)),
        "explanation_letter_pdf": lambda: explanation_letter_pdf(_explanation(lang)),
        "data_copy_pdf": lambda: data_copy_pdf(_data_copy(lang)),
        "destruction_record_pdf": lambda: destruction_record_pdf(_destruction(lang)),
        "recovery_sheet_pdf": lambda: recovery_sheet_pdf(_recovery(lang)),
        "render_recovery_sheet": lambda: render_recovery_sheet(
            recovery_key=_recovery(lang).recovery_key, store_code="SH-001", store_name=store, created=NOW
        ),
        "render_letter": lambda: render_letter(_letter(lang)),
    }


if __name__ == "__main__":  # pragma: no cover - a look at the pages
    import sys
    from pathlib import Path

    from tests.pdfrender import render_page

    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    import pypdfium2 as pdfium

    for lang in LANGS:
        for name, fn in documents(lang).items():
            if len(sys.argv) > 2 and name not in sys.argv[2:]:
                continue
            pdf = fn()
            n = len(pdfium.PdfDocument(pdf))
            for page in range(1, n + 1):
                render_page(pdf, page, 110, "RGB").save(out / f"{name}-{lang}-{page}.png")
            print(name, lang, n, "pages")
