"""Flowables rendering an app.notices `Notice`, shared by the poster, the registration form and the
receipt-back notice. Every text comes from the Notice object the screen shows (NOT-2): nothing
here holds notice wording of its own, only headings and labels.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from reportlab.lib import colors
from reportlab.platypus import Table, TableStyle

from app.printing import layout as L
from app.printing.dates import print_date

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle as Style
    from reportlab.platypus import Flowable

    from app.notices.model import Notice, Purpose


def kind_label(p: Purpose) -> str:
    if p.required:
        return "办理会员所必需"
    if p.sensitive:
        return "可选 · 敏感个人信息，需单独同意"
    return "可选"


def hash_line(notice: Notice, *, version: bool = True) -> str:
    """Version, effective date and the full checksum; without the version (the form's header and footer carry it)
    the line fits the form's width at 9 pt."""
    head = f"版本 {notice.version} · " if version else ""
    return f"{head}生效日期 {print_date(notice.effective_date)} · 校验码 SHA-256 {notice.content_hash}"


_ASIDE = re.compile(r"\s*(?:（[^（）]*）|\([^()]*\))")


def without_asides(text: str) -> str:
    """`text` without its bracketed asides — "出生日期（可不填；…）" -> "出生日期", "Birth date (optional; …)" ->
    "Birth date" — and nothing else changed: the receipt-back summary's data types and rights."""
    return _ASIDE.sub("", text).strip()


def purpose_details(p: Purpose, sep: str = "；") -> list[tuple[str, str]]:
    rows = [
        ("处理目的", p.description),
        ("信息类型", sep.join(p.data_types)),
        ("处理方式", p.method),
        ("保存期限", p.retention),
        ("提供给", p.recipients),
    ]
    if p.sensitive:
        rows += [("必要性", p.necessity), ("保护措施", p.protection)]
    return rows


def purpose_paragraph(p: Purpose, style: Style) -> L.Paragraph:
    """All details of a purpose as one flowing paragraph, labels in brackets (dense layouts)."""
    text = "".join(f"<font color='#555555'>【{k}】</font>{L.esc(v)}" for k, v in purpose_details(p))
    return L.Paragraph(text, style)


def purposes_flow_table(
    notice: Notice,
    st: L.Styles,
    width: float,
    *,
    title_style: Style,
    text_style: Style,
    title_width: float = 36 * L.mm,
    kind_style: Style | None = None,
    padding: tuple[float, float] = (2.5, 3),
) -> Table:
    """One row per purpose: [number + title + kind] | [flowing details]; padding: (top, bottom) of a row."""
    kind_style = kind_style or st.small
    rows = [
        [[L.para(f"{i}. {p.title}", title_style), L.para(kind_label(p), kind_style)], purpose_paragraph(p, text_style)]
        for i, p in enumerate(notice.purposes, 1)
    ]
    t = Table(rows, colWidths=[title_width, width - title_width])
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, L.GREY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), padding[0]),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding[1]),
    ]
    style += [("BACKGROUND", (0, i), (0, i), L.LIGHT) for i, p in enumerate(notice.purposes) if p.required]
    t.setStyle(TableStyle(style))
    return t


def purposes_table(
    notice: Notice,
    st: L.Styles,
    width: float,
    *,
    title_style: Style | None = None,
    cell_style: Style | None = None,
    label_style: Style | None = None,
    label_width: float = 20 * L.mm,
    title_width: float = 38 * L.mm,
) -> Table:
    """One row per purpose: [title + kind] | [label: text lines]."""
    title_style = title_style or st.cellhead
    cell_style = cell_style or st.cell
    label_style = label_style or st.cell
    rows = []
    for i, p in enumerate(notice.purposes, 1):
        details = Table(
            [[L.para(k, label_style), L.para(v, cell_style)] for k, v in purpose_details(p)],
            colWidths=[label_width, width - title_width - label_width - 1],
        )
        details.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                    ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                ]
            )
        )
        head = [L.para(f"{i}. {p.title}", title_style), L.para(kind_label(p), st.small)]
        rows.append([head, details])
    t = Table(rows, colWidths=[title_width, width - title_width], repeatRows=0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, L.GREY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for i, p in enumerate(notice.purposes):
        if p.required:
            style.append(("BACKGROUND", (0, i), (0, i), L.LIGHT))
    t.setStyle(TableStyle(style))
    return t


def rights_block(notice: Notice, st: L.Styles, style: Style | None = None, heading_level: int = 2) -> list[Flowable]:
    style = style or st.body
    out = [L.heading(st, "您的权利", heading_level)]
    out += L.bullets(st, notice.rights, style)
    out += [
        L.heading(st, "如何行使权利", heading_level),
        L.para(notice.how_to_exercise, style),
        L.para(notice.complaint, style),
    ]
    return out


def contact_block(notice: Notice, st: L.Styles, style: Style | None = None, heading_level: int = 2) -> list[Flowable]:
    style = style or st.body
    return [
        L.heading(st, "个人信息处理者及联系方式", heading_level),
        L.para(notice.controller, style),
        L.para(notice.contact, style),
    ]


def notice_meta(notice: Notice, title: str, left: str = "", extra: str = "") -> L.DocMeta:
    return L.DocMeta(
        title=title, notice_version=notice.version, notice_hash=notice.content_hash, left=left, extra=extra
    )


def full_notice(
    notice: Notice, st: L.Styles, width: float, *, compact: bool = False, size: float = 8.3
) -> list[Flowable]:
    """The whole notice: intro, purposes, rights, how to exercise, complaint, controller and contact.
    compact: dense layout in `size` pt (the registration form's notice side)."""
    if not compact:
        story = [L.para(notice.intro, st.body), purposes_table(notice, st, width)]
        story += rights_block(notice, st, st.body)
        story += contact_block(notice, st, st.body)
        story.append(L.para(hash_line(notice), st.small))
        return story
    lead = 1.26  # a little tighter than the 1.38 of letters: the whole notice on one side of the form
    body = st.custom(f"fine_{size}", size + 0.2, leading=(size + 0.2) * lead)
    cell = st.custom(f"cell_{size}", size, leading=size * lead)
    h = st.custom(f"h_{size}", size + 1.2, space_before=1.2 * L.mm, space_after=0.3 * L.mm)
    story = [
        L.para(notice.intro, body),
        purposes_flow_table(
            notice,
            st,
            width,
            title_style=st.custom(f"ptitle_{size}", size + 0.5, leading=(size + 0.5) * lead),
            text_style=cell,
            title_width=25 * L.mm,
            kind_style=st.custom(f"kind_{size}", size, leading=size * lead, color=L.GREY),
            padding=(1.2, 2),
        ),
    ]
    nums = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
    rights = " ".join(f"{nums[i] if i < len(nums) else str(i + 1) + '.'}{r}；" for i, r in enumerate(notice.rights))
    story += [
        L.para("您的权利", h),
        L.para(rights, body),
        L.para("如何行使权利", h),
        L.para(notice.how_to_exercise, body),
        L.para(notice.complaint, body),
        L.para("个人信息处理者及联系方式", h),
        L.para(notice.controller + "。" + notice.contact, body),
        L.para(hash_line(notice, version=False), st.custom(f"hash_{size}", size, leading=size * lead, color=L.GREY)),
    ]
    return story


def fit_notice_size(
    notice: Notice, st: L.Styles, width: float, height: float, sizes: tuple[float, ...] = (9.0,)
) -> float:
    """The largest compact size (down to 7.1 pt) at which the whole notice fits `height`; a notice too long
    even then flows on to another page (the form's running header carries the QR on every page)."""
    for size in sizes:
        if L.story_height(full_notice(notice, st, width, compact=True, size=size), width) <= height:
            return size
    return sizes[-1]


__all__ = [
    "colors",
    "contact_block",
    "fit_notice_size",
    "full_notice",
    "hash_line",
    "kind_label",
    "notice_meta",
    "purpose_details",
    "purposes_table",
    "rights_block",
    "without_asides",
]
