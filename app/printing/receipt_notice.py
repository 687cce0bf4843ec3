"""The notice for the back of 80 mm thermal receipts (72 mm printable width): the same Notice the
screen shows (NOT-2), every element of NOT-1, in 7.5 pt type, one page as long as it needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.platypus import HRFlowable

from app.printing import layout as L, notice_blocks as N
from app.printing.dates import print_date
from app.printing.fonts import FontChoice, choose_font

if TYPE_CHECKING:
    from app.notices.model import Notice


def receipt_notice_pdf(notice: Notice, *, store_name: str = "", font: FontChoice | None = None) -> bytes:
    font = font or choose_font()
    st = L.styles_for(font)
    text = st.custom("rc_text", 7.5, leading=10)
    head = st.custom("rc_head", 8.5, leading=11.5, space_before=1.6 * L.mm)
    title = st.custom("rc_title", 11, align=L.TA_CENTER, space_after=0.8 * L.mm)
    small = st.custom("rc_small", 6.5, leading=8.5, align=L.TA_CENTER)
    effective = print_date(notice.effective_date)
    story = [
        L.para(notice.title, title),
        L.para(
            f"{store_name + ' · ' if store_name else ''}版本 {notice.version} · {effective} 起施行",
            small,
        ),
        HRFlowable(width="100%", thickness=0.6, spaceBefore=1 * L.mm, spaceAfter=1 * L.mm),
        L.para(notice.intro, text),
    ]
    for i, p in enumerate(notice.purposes, 1):
        story.append(L.para(f"{i}. {p.title}（{N.kind_label(p)}）", head))
        story.append(N.purpose_paragraph(p, text))
    story.append(L.para("您的权利", head))
    story.append(L.para("；".join(notice.rights) + "。", text))
    story += [
        L.para("如何行使权利", head),
        L.para(notice.how_to_exercise, text),
        L.para(notice.complaint, text),
        L.para("个人信息处理者及联系方式", head),
        L.para(notice.controller, text),
        L.para(notice.contact, text),
        HRFlowable(width="100%", thickness=0.6, spaceBefore=1.5 * L.mm, spaceAfter=1 * L.mm),
        L.para(f"告知书版本 {notice.version} · 校验码 {L.short_hash(notice.content_hash)}", small),
        L.para(f"SHA-256 {notice.content_hash}", st.custom("rc_hash", 5.2, leading=7, align=L.TA_CENTER)),
    ]
    meta = N.notice_meta(notice, notice.title, left=store_name)
    return L.render_strip(story, meta, font=font)
