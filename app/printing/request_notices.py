"""Two more letters of a rights request (issue #15), built like request_receipt / result_letter:

- 延期答复告知书 (RIG-2): the one extension of the deadline, told to the customer in writing, with the reason
  and the new due date;
- 个人信息处理规则解释说明 (RIG-1, PIPL Art. 48): the explanation of the processing rules a customer asked for,
  purpose by purpose from the notice in force (data, method, retention, recipients), their rights and the
  contact point.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.errors import ValidationError
from app.messages import add_messages
from app.printing.dates import print_date, print_time
from app.printing.fonts import FontChoice
from app.printing.letter_layout import Letter, Section, StoreInfo, render_letter
from app.printing.request_receipt import CALENDAR_MISSING_NOTE, kind_label
from app.printing.result_letter import RIGHTS_REMEDY

add_messages(
    {
        "printing.extension_incomplete": (
            "延期答复告知书须写明延期理由、延长的工作日数和新的答复期限。",
            "The extension letter needs the reason, the working days added and the new due date.",
        ),
    }
)


@dataclass
class ExtensionLetter:
    request_no: str
    kinds: list[str]
    received_at: dt.datetime | str
    original_due: dt.date | str
    new_due: dt.date | str
    days: int  # working days added (1-15, once)
    reason: str
    applicant: str
    store: StoreInfo
    decided_by: str  # the manager
    member_no: str = ""
    calendar_missing: bool = False


def extension_letter_pdf(data: ExtensionLetter, *, font: FontChoice | None = None) -> bytes:
    if not data.reason.strip() or not 1 <= int(data.days) <= 15 or not data.new_due:
        raise ValidationError("printing.extension_incomplete", field="reason")  # RIG-2
    ref = [("受理编号", data.request_no), ("申请人", data.applicant)]
    if data.member_no:
        ref.append(("会员号", data.member_no))
    ref += [
        ("申请事项", "、".join(kind_label(k) for k in data.kinds)),
        ("受理时间", print_time(data.received_at)),
        ("原答复期限", print_date(data.original_due)),
        ("延长", f"{int(data.days)} 个工作日（仅延长一次）"),
        ("新答复期限", f"{print_date(data.new_due)} 前"),
    ]
    paras = [
        "因下述原因，我们无法在原答复期限内办结您的申请，现将答复期限延长一次。"
        "我们将在新的答复期限内以书面形式告知您处理结果，期限不会再次延长。",
    ]
    if data.calendar_missing:
        paras.append(CALENDAR_MISSING_NOTE)
    letter = Letter(
        title="个人信息权利申请延期答复告知书",
        store=data.store,
        reference=ref,
        salutation=f"尊敬的 {data.applicant}：" if data.applicant else "",
        sections=[
            Section(heading="延期理由", paragraphs=[data.reason.strip()]),
            Section(heading="说明", paragraphs=paras),
            Section(heading="您的权利", paragraphs=[RIGHTS_REMEDY]),
        ],
        signatures=["店长签字", "门店盖章", "日期"],
        closing="特此告知。",
    )
    return render_letter(letter, font=font)


@dataclass
class RuleRow:
    """One purpose of the notice in force, in the customer's words."""

    title: str
    data_types: str
    method: str
    retention: str
    recipients: str
    required: bool


@dataclass
class ExplanationLetter:
    request_no: str
    applicant: str
    store: StoreInfo
    notice_title: str
    notice_version: str
    controller: str
    contact: str
    rules: list[RuleRow] = field(default_factory=list)
    rights: list[str] = field(default_factory=list)
    how_to_exercise: str = ""
    prepared_by: str = ""
    member_no: str = ""


def explanation_letter_pdf(data: ExplanationLetter, *, font: FontChoice | None = None) -> bytes:
    ref = [("受理编号", data.request_no), ("申请人", data.applicant)]
    if data.member_no:
        ref.append(("会员号", data.member_no))
    ref += [("申请事项", kind_label("explain")), ("依据", f"{data.notice_title}（版本 {data.notice_version}）")]
    sections = [
        Section(
            paragraphs=[
                f"应您的要求，现就{data.controller or data.store.name}处理您个人信息的规则解释说明如下"
                "（《中华人民共和国个人信息保护法》第四十八条）。"
            ]
        )
    ]
    for i, r in enumerate(data.rules, 1):
        sections.append(
            Section(
                heading=f"{i}. {r.title}（{'办理会员所必需' if r.required else '可选'}）",
                rows=[
                    ("处理的信息", r.data_types),
                    ("处理方式", r.method),
                    ("保存期限", r.retention),
                    ("向谁提供", r.recipients or "仅内部使用"),
                ],
            )
        )
    if data.rights:
        sections.append(Section(heading="您的权利", bullets=list(data.rights), paragraphs=[data.how_to_exercise]))
    sections.append(Section(heading="联系方式", paragraphs=[data.contact or data.store.contact, RIGHTS_REMEDY]))
    letter = Letter(
        title="个人信息处理规则解释说明",
        store=data.store,
        reference=ref,
        salutation=f"尊敬的 {data.applicant}：" if data.applicant else "",
        sections=sections,
        signatures=["经办人签字", "门店盖章", "日期"],
        closing="特此说明。",
    )
    return render_letter(letter, font=font)
