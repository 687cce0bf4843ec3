"""The service-desk poster (A4): the current notice in large type, readable from a metre away
(title 30 pt, text 12.5 pt: cap height about 3 mm), purposes as a table. Fed by the same Notice the screen
shows (NOT-2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib.pagesizes import A4

from app.printing import layout as L, notice_blocks as N
from app.printing.dates import print_date
from app.printing.fonts import FontChoice, choose_font

if TYPE_CHECKING:
    from app.notices.model import Notice

MARGINS = (12 * L.mm, 12 * L.mm, 14 * L.mm, 12 * L.mm)


def poster_pdf(notice: Notice, *, store_name: str = "", font: FontChoice | None = None) -> bytes:
    font = font or choose_font()
    st = L.styles_for(font)
    width = L.frame_width(A4, MARGINS[3], MARGINS[1])
    title = st.custom("poster_title", 30, align=L.TA_CENTER, space_after=2 * L.mm)
    body = st.custom("poster_body", 12.5)
    cell = st.custom("poster_cell", 12.5)
    ptitle = st.custom("poster_ptitle", 13)
    h2 = st.custom("poster_h2", 16, space_before=3 * L.mm, space_after=1 * L.mm)
    effective = print_date(notice.effective_date)
    story = [
        L.para(notice.title, title),
        L.para(
            f"{store_name + ' · ' if store_name else ''}版本 {notice.version} · {effective} 起施行",
            st.custom("poster_sub", 12, align=L.TA_CENTER, color=L.GREY, space_after=3 * L.mm),
        ),
        L.para(notice.intro, body),
        L.spacer(2),
        N.purposes_flow_table(
            notice,
            st,
            width,
            title_style=ptitle,
            text_style=cell,
            title_width=38 * L.mm,
            kind_style=st.custom("poster_kind", 10.5, color=L.GREY),
        ),
    ]
    story += [L.para("您的权利", h2), *L.bullets(st, notice.rights, body)]
    story += [L.para("如何行使权利", h2), L.para(notice.how_to_exercise, body), L.para(notice.complaint, body)]
    story += [L.para("个人信息处理者及联系方式", h2), L.para(notice.controller, body), L.para(notice.contact, body)]
    story += [L.spacer(2), L.para(N.hash_line(notice), st.small)]
    meta = N.notice_meta(notice, notice.title, left=store_name)
    return L.render(story, meta, font=font, margins=MARGINS)
