"""The blank registration form (A4, two pages per form): page 1 carries the whole notice, page 2 one
check box per purpose in three sections (required / optional / separate consent for sensitive
information), the fields each purpose needs with room for handwriting, the guardian section for
a child under 14, signature and date lines. Both pages carry the form serial as a QR code
("MEMBERDESK-FORM:<serial>") and as text, so a scan of either page can be matched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.platypus import PageBreak, Table, TableStyle
from reportlab.platypus.flowables import DocIf

from app.printing import layout as L, notice_blocks as N
from app.printing.fonts import FontChoice, choose_font
from app.printing.serials import FORMS_ISSUE, issue_form_serials, qr_payload

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from app.notices.model import Notice, Purpose
    from app.staff.session import Session

MARGINS = (35 * L.mm, 12 * L.mm, 13 * L.mm, 12 * L.mm)  # top holds the running header
QR_SIZE = 25 * L.mm

# How each field code of a notice purpose is written on paper: (label, boxes, hint); boxes = number of
# character boxes (0 = a line). None = not handwritten (captured by a device or by the consultant).
FIELD_LAYOUT: dict[str, tuple[str, int, str] | None] = {
    "name": ("姓名", 0, ""),
    "mobile": ("手机号", 11, ""),
    "birth_date": ("出生日期（可不填）", 0, ""),
    "address": ("收货地址", 0, "仅用于送货上门"),
    "id_number": ("身份证号", 18, ""),
    "face_feature": None,
    "skin_notes": None,
}
# Field codes whose boxes hold sensitive data (SEN-3, RET-4): blacked out on the scan before it is archived
# (app.scans.redaction finds them through registration_form_pdf(marks=...)).
SENSITIVE_BOXES = frozenset({"id_number"})
# (page number, field code, (x0, y0, x1, y1) in PDF points) of each sensitive field's boxes, as drawn
BoxMarks = list[tuple[int, str, tuple[float, float, float, float]]]
NOT_HANDWRITTEN = {
    "face_feature": "人脸特征码由刷脸支付终端采集并加密，无需在本表填写。",
    "skin_notes": "皮肤状况由美容顾问检测后录入，无需在本表填写。",
}


def _page_header(notice: Notice, store_name: str, font_name: str) -> L.PageDecor:
    """The running header of every form page, drawn after layout (so it knows the page's serial and part):
    title, notice version, the part of the form, and the serial as QR + text at the top right."""

    def decor(canv: Any, number: int, total: int) -> None:
        serial = getattr(canv, "_md_serial", None)
        if not serial:
            return
        w, h = A4
        left, right, top = MARGINS[3], w - MARGINS[1], h - 9 * L.mm
        canv.saveState()
        canv.setFillColor(L.colors.black)
        canv.setFont(font_name, 19)
        canv.drawString(left, top - 19, "会员登记表")
        canv.setFont(font_name, 8.5)
        line = f"{notice.title} · 版本 {notice.version}" + (f" · {store_name}" if store_name else "")
        canv.drawString(left, top - 33, line)
        canv.setFillColor(L.GREY)
        canv.drawString(left, top - 45, getattr(canv, "_md_part", ""))
        qr = L.QrBlock(qr_payload(serial), QR_SIZE)
        qx, qy = qr_origin()
        qr.drawOn(canv, qx, qy)
        canv.setFillColor(L.colors.black)
        canv.setFont(font_name, 8.5)
        # the serial as text left of the QR, right-aligned: a long store code grows to the left, never off the page
        canv.drawRightString(qx - 1 * L.mm, qy + 2.5 * L.mm, serial)
        canv.setLineWidth(0.8)
        y = h - MARGINS[0] + 1.5 * L.mm
        canv.line(left, y, right, y)
        canv.restoreState()

    return decor


def qr_origin() -> tuple[float, float]:
    """Bottom-left corner of the header's QR block (QR_SIZE square, 4-module quiet zone inside) in PDF points."""
    w, h = A4
    return w - MARGINS[1] - QR_SIZE, h - 9 * L.mm - QR_SIZE + 2 * L.mm


class _Boxes(Table):
    """Character boxes; those of a sensitive field note where they were drawn (absolute page coordinates)."""

    def __init__(self, n: int, box: float, code: str, marks: BoxMarks | None) -> None:
        super().__init__([[""] * n], colWidths=[box] * n, rowHeights=[box + 1.5 * L.mm])
        self.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, L.colors.black)]))
        self._md_code, self._md_marks = code, marks

    def draw(self) -> None:
        if self._md_marks is not None:
            x0, y0 = self.canv.absolutePosition(0, 0)
            x1, y1 = self.canv.absolutePosition(self._width, self._height)
            self._md_marks.append((self.canv.getPageNumber(), self._md_code, (x0, y0, x1, y1)))
        super().draw()


def _boxes(n: int, box: float = 6.2 * L.mm, code: str = "", marks: BoxMarks | None = None) -> Table:
    """n character boxes of `box` mm (a sensitive field's note where they were drawn in `marks`)."""
    return _Boxes(n, box, code, marks if code in SENSITIVE_BOXES else None)


def _field_rows(codes: Iterable[str], st: L.Styles, width: float, marks: BoxMarks | None = None) -> list[Flowable]:
    """A write-in line or character boxes per field code, `width` wide. Boxes that do not fit beside their label
    go under it (a separate consent's ID number, next to the signature column), never past `width`."""
    out: list[Flowable] = []
    label_w = 36 * L.mm
    for code in codes:
        layout = FIELD_LAYOUT.get(code, ("其他信息", 0, ""))
        if layout is None:
            out.append(L.para(NOT_HANDWRITTEN.get(code, ""), _form_text(st)))
            continue
        label, boxes, hint = layout
        if boxes:
            box = min(6.2 * L.mm, (width - 1) / boxes)
            beside = label_w + boxes * box <= width
            cells = [L.para(label, st.cellhead), _boxes(boxes, box, code=code, marks=marks)]
            row = (
                Table([cells], colWidths=[label_w, width - label_w], rowHeights=[9.5 * L.mm])
                if beside
                else Table([[cells[0]], [cells[1]]], colWidths=[width], rowHeights=[6 * L.mm, box + 2.5 * L.mm])
            )
            row.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0 if not beside else 6),
                        ("LEFTPADDING", (1, 0), (1, 0), 0),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ]
                )
            )
            out.append(row)
        else:
            hint_style = st.custom("form_hint", 9, color=L.GREY)
            out.append(
                L.write_in_table(
                    st, [(label, hint)], width, label_width=label_w, row_height=9 * L.mm, hint_style=hint_style
                )
            )
    return out


def _form_text(st: L.Styles) -> L.ParagraphStyle:
    """What the customer reads on the consent side: never below 9 pt."""
    return st.custom("form_text", 9)


def _purpose_row(
    p: Purpose,
    index: int,
    st: L.Styles,
    width: float,
    text: str,
    signature: str = "",
    fields: Callable[[float], list[Flowable]] | None = None,
) -> Table:
    """[check box] [title + what is agreed (+ the purpose's fields)] (+ [a signature cell for a separate
    consent, its line at the bottom of the row, beside the fields and never above them])."""
    box = L.CheckBox(5.2 * L.mm)
    sig_w = 46 * L.mm if signature else 0
    body_w = width - 10 * L.mm - sig_w
    body: list[Flowable] = [L.para(f"{index}. {p.title}", st.cellhead), L.para(text, _form_text(st))]
    if fields is not None:
        body += [L.spacer(1.5), *fields(body_w - 8)]
    row = [box, body] + ([[L.para(signature, _form_text(st)), L.spacer(9)]] if signature else [])
    widths = [10 * L.mm, body_w] + ([sig_w] if signature else [])
    t = Table([row], colWidths=widths)
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (0, 0), 1),
        ("RIGHTPADDING", (1, 0), (1, 0), 2),
    ]
    if signature:
        style += [("LINEBELOW", (2, 0), (2, 0), 0.6, L.colors.black), ("LEFTPADDING", (2, 0), (2, 0), 8)]
    t.setStyle(TableStyle(style))
    return t


def _guardian(st: L.Styles, width: float) -> Table:
    labels = ["监护人姓名", "与未成年人关系", "监护人签名", "日期"]
    weights = [1.0, 0.8, 1.1, 0.7]
    total = sum(weights)
    gap = 5 * L.mm
    widths, head = [], []
    for i, lab in enumerate(labels):
        if i:
            widths.append(gap)
            head.append("")
        widths.append((width - gap * (len(labels) - 1)) * weights[i] / total)
        head.append(L.para(lab, st.cellhead))
    t = Table([head, [""] * len(head)], colWidths=widths, rowHeights=[6 * L.mm, 9 * L.mm])
    t.setStyle(
        TableStyle(
            [("LINEBELOW", (2 * i, 1), (2 * i, 1), 0.6, L.colors.black) for i in range(len(labels))]
            + [("LEFTPADDING", (0, 0), (-1, -1), 2)]
        )
    )
    return t


def _section(st: L.Styles, title: str, note: str) -> list[Flowable]:
    """Section title with its note in small grey type on the same line."""
    style = st.custom("form_h", 11.5, space_before=2 * L.mm, space_after=0.3 * L.mm)
    return [L.Paragraph(f"{L.esc(title)}  <font size='9' color='#555555'>{L.esc(note)}</font>", style)]


def consent_page(notice: Notice, st: L.Styles, width: float, marks: BoxMarks | None = None) -> list[Flowable]:
    index = {p.code: i for i, p in enumerate(notice.purposes, 1)}
    story: list[Flowable] = []
    story += _section(
        st, "一、办理会员所必需", "勾选并填写下列信息即可办理会员；其他各项均为可选，不勾选不影响办理会员。"
    )
    for p in notice.required_purposes:
        story.append(
            _purpose_row(p, index[p.code], st, width, "我已阅读告知书，同意为办理会员处理：" + "；".join(p.data_types))
        )
        story += _field_rows(p.fields, st, width, marks)
    optional = [p for p in notice.optional_purposes if not p.sensitive]
    if optional:
        story += _section(st, "二、可选处理目的（每项单独勾选）", "只勾选您同意的项目；不勾选即为不同意。")
        for p in optional:
            block = [_purpose_row(p, index[p.code], st, width, "同意：" + p.description)]
            block += _field_rows(p.fields, st, width, marks)
            story.append(L.keep(*block))
    sensitive = [p for p in notice.purposes if p.sensitive and not p.required]
    if sensitive:
        story += _section(
            st,
            "三、敏感个人信息单独同意（每项单独勾选并签名）",
            "以下各项涉及敏感个人信息；必要性和保护措施见告知书对应条目。不同意不影响办理会员和其他服务。",
        )
        for p in sensitive:
            story.append(
                _purpose_row(
                    p,
                    index[p.code],
                    st,
                    width,
                    f"我单独同意处理：{'；'.join(p.data_types)}（告知书第 {index[p.code]} 项）",
                    signature="本项单独同意签名",
                    fields=lambda w, p=p: _field_rows(p.fields, st, w, marks),  # type: ignore[misc]
                )
            )
    story += _section(st, "四、不满十四周岁的未成年人", "顾客不满十四周岁的，须由其监护人阅读告知书、代为勾选并签名。")
    story.append(_guardian(st, width))
    story += _section(st, "五、签名确认", "本人已阅读并理解告知书全部内容，以上勾选为本人真实意愿。")
    story.append(L.signature_lines(st, ["顾客签名", "日期", "经办店员"], width))
    return story


_FIT_CACHE: dict[tuple[str, str], float] = {}  # (notice hash, font) -> notice size on the form

PART_1 = "第一部分：告知书（请先阅读，再填写背面）"
PART_2 = "第二部分：同意及填写（逐项勾选）"


def _form_story(notice_story: list[Flowable], consent_story: list[Flowable], serial: str) -> list[Flowable]:
    return [
        L.SectionMark(f"表单编号 {serial}"),
        L.PageState(serial=serial, part=PART_1),
        *notice_story,
        PageBreak(),
        L.PageState(part=PART_2),
        *consent_story,
    ]


class _BlankBackIfOdd(DocIf):
    """Between two forms: when a form ended on an odd page (its notice took two pages), a blank back page, so
    that every form starts on the front of a sheet when printed double-sided."""

    def __init__(self, st: L.Styles) -> None:
        super().__init__("", [PageBreak(), L.para("（本页空白）", _form_text(st))])

    def funcWrap(self, aw: float, ah: float) -> bool:  # noqa: N802  (reportlab's name)
        return bool(self._doctemplateAttr("page") % 2 == 1)


def registration_form_pdf(
    notice: Notice,
    serials: list[str],
    *,
    store_name: str = "",
    font: FontChoice | None = None,
    marks: BoxMarks | None = None,
) -> bytes:
    """One form per serial (each starts on a new page and numbers its own pages) in one PDF. `marks`, when
    given, collects (page number, field code, (x0, y0, x1, y1)) of every sensitive field's boxes."""
    if not serials:
        raise ValueError("no serials")
    font = font or choose_font()
    st = L.styles_for(font)
    width = L.frame_width(A4, MARGINS[3], MARGINS[1])
    height = A4[1] - MARGINS[0] - MARGINS[2] - 12 - 2 * L.mm  # frame padding and a little slack
    key = (notice.content_hash, font.name)
    size = _FIT_CACHE.get(key)
    if size is None:
        size = _FIT_CACHE[key] = N.fit_notice_size(notice, st, width, height)
    story: list[Flowable] = []
    for i, serial in enumerate(serials):
        if i:
            story += [_BlankBackIfOdd(st), PageBreak()]
        # fresh flowables per form (they carry layout state), all from the same Notice
        story += _form_story(
            N.full_notice(notice, st, width, compact=True, size=size), consent_page(notice, st, width, marks), serial
        )
    meta = N.notice_meta(notice, "会员登记表", left=store_name)
    meta.page_decor = _page_header(notice, store_name, font.name)
    return L.render(story, meta, font=font, pagesize=A4, margins=MARGINS)


def issue_registration_forms(
    session: Session, notice: Notice, count: int, *, store_name: str = "", font: FontChoice | None = None
) -> tuple[list[str], bytes]:
    """Reserve `count` serials in the DB (who, when, which notice version) and render the forms.
    Call serials.mark_printed(session, serials) once they were printed or saved."""
    session.require(FORMS_ISSUE)
    serials = issue_form_serials(session, notice, count)
    return serials, registration_form_pdf(notice, serials, store_name=store_name, font=font)
