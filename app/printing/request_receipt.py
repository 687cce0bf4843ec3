"""受理回执： the acknowledgement receipt handed to the customer when a rights request is taken
(RIG-1, RIG-2: it states the due date, 15 working days)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.printing.dates import print_date, print_time
from app.printing.fonts import FontChoice
from app.printing.letter_layout import Letter, Section, StoreInfo, render_letter

# request kinds (keys used by the requests issue) -> the words of UX.md
KIND_LABELS = {
    "access": "查阅、复制",
    "copy": "查阅、复制",
    "transfer": "转移",
    "explain": "解释说明",
    "correct": "更正、补充",
    "delete": "删除",
    "restrict": "限制处理",
    "withdraw": "撤回同意",
    "cancel": "注销会员",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def _date(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "")


@dataclass
class RequestReceipt:
    request_no: str
    kinds: list[str]  # keys of KIND_LABELS (or already-Chinese labels)
    received_at: dt.datetime | str
    due_date: dt.date | str  # 15 working days (app.calendar)
    applicant: str  # the customer's name as written on the request (may be masked)
    store: StoreInfo
    received_by: str  # staff display name
    identity_check: str = "已核验身份"
    member_no: str = ""
    details: str = ""  # what exactly was asked, in the customer's words (no ID numbers)
    calendar_missing: bool = False  # holiday table missing: due date from the never-later fallback calendar
    channel: str = ""  # 门店服务台 / 客服热线 / 线上客服 (RIG-1); empty: not printed


# RIG-2: the wording matches app.calendar's fallback (weekends within two weeks of a statutory holiday count as
# working days, so the date shown is never later than the true one and at most 13 calendar days earlier).
CALENDAR_MISSING_NOTE = (
    "注：答复期限所在年份的节假日安排尚未导入，期限按保守方法计算"
    "（法定节假日前后两周内的周末也计为工作日），所示日期不会晚于实际期限，最多可能提前 13 天。"
)


def request_receipt_pdf(data: RequestReceipt, *, font: FontChoice | None = None) -> bytes:
    ref = [("受理编号", data.request_no), ("申请人", data.applicant)]
    if data.member_no:
        ref.append(("会员号", data.member_no))
    ref += [
        ("申请事项", "、".join(kind_label(k) for k in data.kinds)),
        ("受理时间", print_time(data.received_at)),
        *([("申请渠道", data.channel)] if data.channel else []),
        ("答复期限", f"{print_date(data.due_date)} 前（自受理之日起 15 个工作日内）"),
        ("身份核验", data.identity_check),
        ("受理人", data.received_by),
    ]
    sections = []
    if data.details:
        sections.append(Section(heading="申请内容", paragraphs=[data.details]))
    paras = [
        "我们已收到您的个人信息权利申请，将在上述答复期限内以书面形式告知您处理结果。",
        "如需补充材料或进一步核验身份，我们会及时与您联系；补充材料不影响您已提出的申请。",
        "请妥善保管本回执，查询进度或领取处理结果告知书时请出示受理编号。",
    ]
    if data.calendar_missing:
        paras.append(CALENDAR_MISSING_NOTE)
    sections.append(Section(heading="说明", paragraphs=paras))
    letter = Letter(
        title="个人信息权利申请受理回执",
        store=data.store,
        reference=ref,
        sections=sections,
        signatures=["受理人签字", "申请人签字", "日期"],
    )
    return render_letter(letter, font=font)
