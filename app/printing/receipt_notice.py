"""The notice for the back of 80 mm thermal receipts (72 mm printable width), from the same Notice the screen shows
(NOT-2), in two variants:

- the summary (the default, issue #20): a receipt people keep. Every NOT-1 element of every purpose — number, title,
  kind, data types (without their bracketed asides: "出生日期（可不填；…）" prints as "出生日期"), method, retention
  and recipients verbatim — then the rights on one line (without their asides), how to exercise them, the complaint
  right, the controller and the contact, the version with the short and the full SHA-256 of the notice it
  summarises, and where the full text is (service-desk poster, registration form). Left to the full text: the
  introduction, each purpose's description (its title names it) and the sensitive purposes' necessity and
  protection (the form's notice side and the separate consent screen state them, SEN-1). Body 7.2 pt, purpose
  headings 7.8 pt.
  The shipped 2026.2 notice measures 24.6 cm in Chinese (what the store prints) and 32.0 cm in English.
- the full text (`full=True`): every paragraph of the notice in 7.5 pt; 40.0 cm in Chinese, 55.6 cm in English.

Nothing here holds notice wording: only headings and labels (as app/printing/notice_blocks.py). A layered receipt
notice (summary on the receipt, full text at the desk and on the form) is a decision for compliance to confirm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.platypus import HRFlowable

from app.printing import layout as L, notice_blocks as N
from app.printing.dates import print_date
from app.printing.fonts import FontChoice, choose_font

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from app.notices.model import Notice, Purpose

# Where the customer finds the whole text; the policy (二（二）) lets stores publish the notice on the registration
# form, the receipt back or at the service desk.
FULL_TEXT_AT = "本页为告知书要点；完整告知书见服务台公示或会员登记表。"


def receipt_notice_pdf(
    notice: Notice, *, store_name: str = "", font: FontChoice | None = None, full: bool = False
) -> bytes:
    """The receipt back: the summary (default) or, with `full`, the whole notice."""
    font = font or choose_font()
    st = L.styles_for(font)
    story = _full_story(notice, st, store_name) if full else _summary_story(notice, st, store_name)
    meta = N.notice_meta(notice, notice.title, left=store_name)
    return L.render_strip(story, meta, font=font)


def _zh(notice: Notice) -> bool:
    return notice.lang != "en"


def summary_details(p: Purpose, zh: bool = True) -> list[tuple[str, str]]:
    """What the summary prints of a purpose (besides its number, title and kind): label, text."""
    return [
        ("信息类型", ("、" if zh else "; ").join(_brief(t) for t in p.data_types)),
        ("处理方式", p.method),
        ("保存期限", p.retention),
        ("提供给", p.recipients),
    ]


def summary_kind(p: Purpose) -> str:
    """The purpose's kind in few words (one line with the title on 72 mm)."""
    if p.sensitive and not p.required:
        return "可选 · 敏感，需单独同意"
    return N.kind_label(p)


def summary_rights(notice: Notice) -> list[str]:
    return [_brief(r) for r in notice.rights]


def _brief(text: str) -> str:
    """A data type or a right without its asides; whole when it is nothing but an aside."""
    return N.without_asides(text) or text


def _head_line(notice: Notice, store_name: str) -> str:
    effective = print_date(notice.effective_date)
    return f"{store_name + ' · ' if store_name else ''}版本 {notice.version} · {effective} 起施行"


def _hash_lines(notice: Notice, st: L.Styles, small: L.ParagraphStyle) -> list[Flowable]:
    return [
        L.para(f"告知书版本 {notice.version} · 校验码 {L.short_hash(notice.content_hash)}", small),
        L.para(f"SHA-256 {notice.content_hash}", st.custom("rc_hash", 5.2, leading=7, align=L.TA_CENTER)),
    ]


def _summary_story(notice: Notice, st: L.Styles, store_name: str) -> list[Flowable]:
    size = 7.2
    text = st.custom("rs_text", size, leading=size * 1.25)
    head = st.custom("rs_head", size + 0.6, leading=(size + 0.6) * 1.25, space_before=0.8 * L.mm)
    title = st.custom("rs_title", 10.5, align=L.TA_CENTER, space_after=0.4 * L.mm)
    small = st.custom("rs_small", 6.5, leading=8.3, align=L.TA_CENTER)
    note = st.custom("rs_note", size, leading=size * 1.25, color=L.GREY)
    zh = _zh(notice)
    story: list[Flowable] = [
        L.para(notice.title, title),
        L.para(_head_line(notice, store_name), small),
        HRFlowable(width="100%", thickness=0.6, spaceBefore=0.8 * L.mm, spaceAfter=0.8 * L.mm),
        L.para(FULL_TEXT_AT, note),
    ]
    for i, p in enumerate(notice.purposes, 1):
        story.append(L.para(f"{i}. {p.title}（{summary_kind(p)}）", head))
        body = "".join(f"<font color='#555555'>【{k}】</font>{L.esc(v)}" for k, v in summary_details(p, zh))
        story.append(L.Paragraph(body, text))
    story += [
        L.para("您的权利", head),
        L.para(("；" if zh else "; ").join(summary_rights(notice)) + ("。" if zh else "."), text),
        L.para("如何行使权利", head),
        L.para(notice.how_to_exercise, text),
        L.para(notice.complaint, text),
        L.para("个人信息处理者及联系方式", head),
        L.para(f"{notice.controller}{'。' if zh else '. '}{notice.contact}", text),
        HRFlowable(width="100%", thickness=0.6, spaceBefore=1.2 * L.mm, spaceAfter=0.8 * L.mm),
        *_hash_lines(notice, st, small),
    ]
    return story


def _full_story(notice: Notice, st: L.Styles, store_name: str) -> list[Flowable]:
    text = st.custom("rc_text", 7.5, leading=10)
    head = st.custom("rc_head", 8.5, leading=11.5, space_before=1.6 * L.mm)
    title = st.custom("rc_title", 11, align=L.TA_CENTER, space_after=0.8 * L.mm)
    small = st.custom("rc_small", 6.5, leading=8.5, align=L.TA_CENTER)
    story: list[Flowable] = [
        L.para(notice.title, title),
        L.para(_head_line(notice, store_name), small),
        HRFlowable(width="100%", thickness=0.6, spaceBefore=1 * L.mm, spaceAfter=1 * L.mm),
        L.para(notice.intro, text),
    ]
    for i, p in enumerate(notice.purposes, 1):
        story.append(L.para(f"{i}. {p.title}（{N.kind_label(p)}）", head))
        story.append(N.purpose_paragraph(p, text))
    story += [
        L.para("您的权利", head),
        L.para("；".join(notice.rights) + "。", text),
        L.para("如何行使权利", head),
        L.para(notice.how_to_exercise, text),
        L.para(notice.complaint, text),
        L.para("个人信息处理者及联系方式", head),
        L.para(notice.controller, text),
        L.para(notice.contact, text),
        HRFlowable(width="100%", thickness=0.6, spaceBefore=1.5 * L.mm, spaceAfter=1 * L.mm),
        *_hash_lines(notice, st, small),
    ]
    return story
