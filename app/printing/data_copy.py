"""The customer's copy of their data on paper (RIG-6, PIPL Art. 45): one section per data
category (CAT-1..CAT-4) plus consents, scans and requests, whatever the caller collected."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.printing.dates import print_time
from app.printing.fonts import FontChoice
from app.printing.letter_layout import Letter, Section, StoreInfo, render_letter

CATEGORY_TITLES = {
    "CAT-1": "基本信息",
    "CAT-2": "交易记录",
    "CAT-3": "互动信息（评价、反馈、问卷）",
    "CAT-4": "衍生信息（偏好、客服记录、投诉、满意度）",
    "consent": "同意记录",
    "sensitive": "敏感个人信息",
    "disclosures": "向第三方提供的记录",
    "originals": "纸质原件及扫描件",
}


@dataclass
class CopySection:
    category: str  # CAT-1 ... or another key of CATEGORY_TITLES, or a title
    rows: list[tuple[str, str]] = field(default_factory=list)  # key/value data (basic info)
    columns: list[str] = field(default_factory=list)  # or a table (transactions ...)
    grid: list[list[str]] = field(default_factory=list)
    col_weights: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def title(self) -> str:
        return CATEGORY_TITLES.get(self.category, self.category)


@dataclass
class DataCopy:
    request_no: str
    member_no: str
    applicant: str
    generated_at: dt.datetime | str
    store: StoreInfo
    prepared_by: str
    sections: list[CopySection]
    machine_readable: str = ""  # e.g. "已同时提供机器可读文件 copy-R2026....json(SHA-256 …)"
    chain_wide: bool = False  # the other stores' part is included (issue #18), one section per store


def data_copy_pdf(data: DataCopy, *, font: FontChoice | None = None) -> bytes:
    ref = [
        ("受理编号", data.request_no),
        ("会员号", data.member_no),
        ("申请人", data.applicant),
        ("生成时间", print_time(data.generated_at)),
        ("经办人", data.prepared_by),
    ]
    intro = (
        "以下是本公司各门店在 MemberDesk 中保存的您的个人信息副本：本门店的信息按信息类别列出，"
        "其他门店的信息按门店分别列出（由总部汇总）。请妥善保管本副本。"
        if data.chain_wide
        else "以下是本门店在 MemberDesk 中保存的您的个人信息副本，按信息类别列出。请妥善保管本副本。"
    )
    sections = [Section(paragraphs=[intro])]
    for i, cs in enumerate(data.sections, 1):
        sections.append(
            Section(
                heading=f"{i}. {cs.title}",
                rows=cs.rows,
                columns=cs.columns,
                grid=cs.grid,
                col_weights=cs.col_weights,
                paragraphs=[cs.note] if cs.note else [],
            )
        )
    if data.machine_readable:
        sections.append(Section(heading="机器可读副本", paragraphs=[data.machine_readable]))
    letter = Letter(
        title="个人信息副本",
        store=data.store,
        reference=ref,
        sections=sections,
        signatures=["经办人签字", "申请人签收", "日期"],
    )
    return render_letter(letter, font=font)
