"""处理结果告知书： the written result of a rights request (RIG-2). A refusal states its reason and
legal basis and tells the customer they may complain to the authority or sue in court (RIG-4,
PIPL Art. 50)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.errors import ValidationError
from app.printing.dates import print_time
from app.printing.fonts import FontChoice
from app.printing.letter_layout import Letter, Section, StoreInfo, render_letter
from app.printing.request_receipt import kind_label

OUTCOME_LABELS = {"done": "已办理", "partial": "部分办理", "refused": "不予办理"}

RIGHTS_REMEDY = (
    "如您对本处理结果有异议，可以向我们再次提出；也可以向履行个人信息保护职责的部门投诉、举报，"
    "或者依法向人民法院提起诉讼（《中华人民共和国个人信息保护法》第五十条）。"
)


@dataclass
class ResultLetter:
    request_no: str
    kinds: list[str]
    received_at: dt.datetime | str
    decided_at: dt.datetime | str
    outcome: str  # done | partial | refused
    applicant: str
    store: StoreInfo
    decided_by: str  # manager display name
    actions: list[str] = field(default_factory=list)  # what was done ("已删除会员资料" ...)
    refusal_reason: str = ""  # required when outcome is partial or refused
    legal_basis: str = ""  # required when outcome is partial or refused
    member_no: str = ""


def result_letter_pdf(data: ResultLetter, *, font: FontChoice | None = None) -> bytes:
    if data.outcome not in OUTCOME_LABELS:
        raise ValidationError("printing.outcome_unknown", field="outcome")
    if data.outcome != "done" and not (data.refusal_reason.strip() and data.legal_basis.strip()):
        raise ValidationError("printing.refusal_incomplete", field="refusal_reason")  # RIG-4
    ref = [("受理编号", data.request_no), ("申请人", data.applicant)]
    if data.member_no:
        ref.append(("会员号", data.member_no))
    ref += [
        ("申请事项", "、".join(kind_label(k) for k in data.kinds)),
        ("受理时间", print_time(data.received_at)),
        ("处理结果", OUTCOME_LABELS[data.outcome]),
        ("答复时间", print_time(data.decided_at)),
    ]
    sections = [
        Section(
            heading="处理情况",
            bullets=data.actions or (["您的申请已按要求办理完毕。"] if data.outcome == "done" else []),
            paragraphs=[]
            if data.actions or data.outcome == "done"
            else ["经核查，您的申请不予办理，理由及法律依据见下文。"],
        )
    ]
    if data.outcome != "done":
        sections.append(
            Section(
                heading="拒绝理由及法律依据", rows=[("拒绝理由", data.refusal_reason), ("法律依据", data.legal_basis)]
            )
        )
    sections.append(Section(heading="您的权利", paragraphs=[RIGHTS_REMEDY]))
    letter = Letter(
        title="个人信息权利申请处理结果告知书",
        store=data.store,
        reference=ref,
        salutation=f"尊敬的 {data.applicant}:",
        sections=sections,
        signatures=["店长签字", "门店盖章", "日期"],
        closing="特此告知。",
    )
    return render_letter(letter, font=font)
