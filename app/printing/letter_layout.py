"""The letter template every customer- or manager-facing letter uses.

A document module fills a `Letter` (plain data: title, reference rows, sections, signature
lines) and calls `render_letter`. Other issues add a letter the same way: one small module that
turns their plain data into a `Letter`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reportlab.platypus import CondPageBreak

from app.printing import layout as L
from app.printing.dates import print_date, print_time
from app.printing.fonts import FontChoice, choose_font


@dataclass
class StoreInfo:
    """Who sends the letter, and the contact point for the customer's rights (NOT-1, RIG-1)."""

    code: str
    name: str
    address: str = ""
    phone: str = ""
    contact: str = ""  # e.g. "门店服务台" or a privacy contact's email


@dataclass
class Section:
    """One part of a letter: a heading, paragraphs, and optionally a key/value or a grid table."""

    heading: str = ""
    paragraphs: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)  # key/value table
    columns: list[str] = field(default_factory=list)  # grid table header
    grid: list[list[str]] = field(default_factory=list)  # grid table rows
    col_weights: list[float] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    empty_text: str = "（无记录）"


@dataclass
class Letter:
    title: str
    store: StoreInfo
    reference: list[tuple[str, str]] = field(default_factory=list)  # 编号， 日期 ... under the title
    salutation: str = ""
    sections: list[Section] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)  # labels of signature/date lines
    closing: str = ""
    footer_note: str = ""  # grey small text after the signatures
    show_store_contact: bool = True


def store_contact_rows(store: StoreInfo) -> list[tuple[str, str]]:
    rows = [("门店", f"{store.name}（{store.code}）")]
    if store.address:
        rows.append(("地址", store.address))
    if store.phone:
        rows.append(("电话", store.phone))
    if store.contact:
        rows.append(("联系方式", store.contact))
    return rows


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def shown(value: object) -> str:
    """A table value as printed: an ISO time or date (what the database holds) as people write it
    (2026年12月3日 14:05), anything else as given."""
    text = str(value if value is not None else "")
    if _ISO_TIME.match(text):
        return print_time(text)
    if _ISO_DATE.match(text):
        return print_date(text)
    return text


def letter_story(letter: Letter, st: L.Styles, width: float) -> list:
    story = [L.para(letter.title, st.title)]
    if letter.reference:
        story.append(L.kv_table(st, [(k, shown(v)) for k, v in letter.reference], width, label_width=34 * L.mm))
        story.append(L.spacer(4))
    if letter.salutation:
        story.append(L.para(letter.salutation, st.body))
    for sec in letter.sections:
        block = []
        if sec.heading:
            block.append(L.heading(st, sec.heading, 2))
        block += [L.para(p, st.body) for p in sec.paragraphs]
        block += L.bullets(st, sec.bullets)
        if sec.rows:
            block.append(L.kv_table(st, [(k, shown(v)) for k, v in sec.rows], width, label_width=34 * L.mm))
        if sec.columns:
            if sec.grid:
                weights = sec.col_weights or [1.0] * len(sec.columns)
                total = sum(weights)
                grid = [[shown(c) for c in row] for row in sec.grid]
                block.append(L.grid_table(st, sec.columns, grid, [width * w / total for w in weights]))
            else:
                block.append(L.para(sec.empty_text, st.small))
        elif not (sec.rows or sec.paragraphs or sec.bullets):
            block.append(L.para(sec.empty_text, st.small))
        # a heading never ends a page: start a new page when less than 30 mm are left; long tables then
        # split across pages (with their header row repeated) instead of jumping whole to the next page
        if sec.heading:
            story.append(CondPageBreak(30 * L.mm))
        story += block
    if letter.closing:
        story += [L.spacer(2), L.para(letter.closing, st.body)]
    if letter.show_store_contact:
        story += [
            L.spacer(3),
            L.heading(st, "联系我们", 2),
            L.kv_table(st, store_contact_rows(letter.store), width, label_width=34 * L.mm),
        ]
    if letter.signatures:
        story += [L.spacer(6), L.keep(L.signature_lines(st, letter.signatures, width))]
    if letter.footer_note:
        story += [L.spacer(2), L.para(letter.footer_note, st.small)]
    return story


def render_letter(
    letter: Letter, *, notice_version: str | None = None, notice_hash: str | None = None, font: FontChoice | None = None
) -> bytes:
    """The letter as PDF bytes (A4)."""
    font = font or choose_font()
    st = L.styles_for(font)
    width = L.frame_width()
    meta = L.DocMeta(
        title=letter.title, notice_version=notice_version, notice_hash=notice_hash, left=f"{letter.store.name}"
    )
    return L.render(letter_story(letter, st, width), meta, font=font)
