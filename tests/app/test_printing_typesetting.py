"""Every printed document, set like a Chinese document (issue #20): each public render function of app/printing
in zh_CN and en with long realistic text; the text lines read back from the PDF (pypdfium2) keep the line-break
rules (禁则), no text box overlaps another, nothing sits in the paper's unprintable edge, the form's notice is
never below 9 pt, the ID boxes touch nothing, times read as people write them, one word for the checksum."""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
import random
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from reportlab.lib.pagesizes import A4

import app.printing
import tests.app.printdocs as D
from app.notices.store import default_notice
from app.printing import layout as L, linebreak, registration_form as RF
from tests.app import typesetting as T
from tests.app.pdflines import pdf_lines

MM = 72 / 25.4
# Building blocks every document goes through, not documents of their own.
BUILDING_BLOCKS = {"app.printing.layout.render", "app.printing.layout.render_strip"}


def render_functions() -> set[str]:
    """Every public function of app/printing returning PDF bytes (a document)."""
    found = set()
    for info in pkgutil.walk_packages(app.printing.__path__, "app.printing."):
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != info.name:
                continue
            if (inspect.signature(fn).return_annotation in (bytes, "bytes") and name.endswith(("_pdf", "_letter"))) or (
                name.startswith("render") and inspect.signature(fn).return_annotation in (bytes, "bytes")
            ):
                found.add(f"{info.name}.{name}")
    return found - BUILDING_BLOCKS


def test_every_render_function_is_in_the_typesetting_test():
    found = render_functions()
    assert len(found) >= 11
    missing = {f for f in found if f.rsplit(".", 1)[1] not in D.documents("zh_CN")}
    assert not missing, f"add these documents to tests/app/printdocs.py: {sorted(missing)}"
    names = {f.rsplit(".", 1)[1] for f in found}
    # and nothing there that is no render function ("name:variant": another variant of one)
    assert {d.split(":")[0] for d in D.documents("zh_CN")} <= names
    assert "receipt_notice_pdf:full" in D.documents("zh_CN")  # the receipt back's summary and its full text


_CACHE: dict[tuple[str, str], bytes] = {}


def _pdf(lang: str, name: str) -> bytes:
    if (lang, name) not in _CACHE:
        _CACHE[lang, name] = D.documents(lang)[name]()
    return _CACHE[lang, name]


def _tokens(lang: str) -> set[str]:
    return T.source_tokens(
        default_notice(lang).to_dict(),
        D.STORES[lang],
        D.LONG[lang],
        D._receipt(lang),
        D._result(lang),
        D._extension(lang),
        D._explanation(lang),
        D._data_copy(lang),
        D._destruction(lang),
        D._recovery(lang),
        ["F-SH001-20261203-0001", "F-SH001-20261203-0002"],
    )


DOCS = [(lang, name) for lang in D.LANGS for name in D.documents(lang)]


@pytest.mark.parametrize("lang,name", DOCS)
def test_line_breaks_keep_the_chinese_rules(lang, name):
    lines, _ = pdf_lines(_pdf(lang, name))
    assert len(lines) > 10
    assert T.break_violations(lines, _tokens(lang)) == []


@pytest.mark.parametrize("lang,name", DOCS)
def test_no_text_collides_and_nothing_sits_in_the_unprintable_edge(lang, name):
    lines, sizes = pdf_lines(_pdf(lang, name))
    assert T.overlaps(lines) == []
    receipt = sizes[0][0] < 100 * MM
    # laser printers leave ~4-5 mm unprinted at each edge; a thermal head prints the middle 72 of 80 mm
    assert T.outside(lines, sizes, 4 * MM - 0.8 if receipt else 6 * MM) == []


@pytest.mark.parametrize("lang,name", DOCS)
def test_times_as_people_write_them_and_one_word_for_the_checksum(lang, name):
    text = "\n".join(line.text for line in pdf_lines(_pdf(lang, name))[0])
    assert not re.search(r"\d{4}-\d{2}-\d{2}T|\d{2}:\d{2}:\d{2}|\+\d{2}:\d{2}|\b\d{4}-\d{2}-\d{2}\b", text), name
    assert "摘要" not in text  # the app says 校验码 (notice checksum, batch checksum)
    if lang == "zh_CN" and name != "recovery_sheet_pdf":
        # one bracket convention: full-width brackets around Chinese text
        assert not re.search(r"[\u4e00-\u9fff]\(|\)[\u4e00-\u9fff]|\([\u4e00-\u9fff]|[\u4e00-\u9fff]\)", text)


def test_time_formats_on_paper():
    from app.printing.dates import print_date, print_time

    assert print_time("2026-12-03T06:05:37+00:00") == "2026年12月3日 14:05"  # UTC -> Beijing time
    assert print_time("2026-12-03T14:05:37+08:00") == "2026年12月3日 14:05"
    assert print_time("2026-12-03 14:05") == "2026年12月3日 14:05"
    assert print_time("2026-12-03") == print_date("2026-12-03") == "2026年12月3日"
    assert print_time(D.NOW) == "2026年12月3日 14:05"
    assert print_time("见附件") == "见附件" and print_time(None) == ""


@pytest.mark.parametrize("lang", D.LANGS)
def test_the_notice_and_the_consent_side_of_the_form_never_below_9pt(lang):
    """DESIGN 2026-12-03: never below 9 pt for text a customer must read (the notice shrank to 7.1 pt before)."""
    pdf = _pdf(lang, "registration_form_pdf")
    lines, sizes = pdf_lines(pdf)
    top = A4[1] - RF.MARGINS[0]
    bottom = RF.MARGINS[2]
    body = [ln for ln in lines if bottom < ln.box[1] and ln.box[3] < top]
    assert len(body) > 60
    small = [(ln.page, ln.size, ln.text[:20]) for ln in body if ln.size < 9 - 0.01]
    assert small == []
    if lang == "zh_CN":
        assert len(sizes) == 4  # two forms of two sides each: the shipped notice fits one side at 9 pt


def _paths(pdf: bytes, page: int) -> list[tuple[float, float, float, float]]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [o.get_bounds() for o in doc[page - 1].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH])]
    finally:
        doc.close()


@pytest.mark.parametrize("lang", D.LANGS)
def test_the_id_number_boxes_touch_no_other_line_box_or_text(lang):
    """The ID-number boxes ran under the separate-consent signature column and touched the next check box."""
    marks: RF.BoxMarks = []
    pdf = RF.registration_form_pdf(default_notice(lang), ["SH-HUANGPU-00001-261203-00001"], marks=marks)
    assert marks
    lines, _ = pdf_lines(pdf)
    gap = 1.5 * MM
    for page, _code, (x0, y0, x1, y1) in marks:
        near = (x0 - gap, y0 - gap, x1 + gap, y1 + gap)
        for ln in lines:
            if ln.page == page:
                b = ln.box
                assert not (b[0] < near[2] and near[0] < b[2] and b[1] < near[3] and near[1] < b[3]), ln.text
        for px0, py0, px1, py1 in _paths(pdf, page):
            inside = px0 >= x0 - 1 and py0 >= y0 - 1 and px1 <= x1 + 1 and py1 <= y1 + 1
            if inside:
                continue  # the boxes' own grid
            touches = px0 < near[2] and near[0] < px1 and py0 < near[3] and near[1] < py1
            assert not touches, ((px0, py0, px1, py1), (x0, y0, x1, y1))


@pytest.mark.parametrize("lang", D.LANGS)
def test_every_form_starts_on_the_front_of_a_sheet(lang):
    """Printed double-sided, a form whose notice takes two pages gets a blank back page before the next form."""
    pdf = _pdf(lang, "registration_form_pdf")
    lines, _ = pdf_lines(pdf)
    first = {}
    for ln in lines:
        for serial in ("F-SH001-20261203-0001", "F-SH001-20261203-0002"):
            if serial in ln.text:
                first.setdefault(serial, ln.page)
    assert first["F-SH001-20261203-0001"] == 1 and first["F-SH001-20261203-0002"] % 2 == 1


def test_a_long_store_code_keeps_the_serial_beside_the_qr_and_on_the_page():
    serial = "SH-HUANGPU-00001-261203-00001"
    pdf = RF.registration_form_pdf(default_notice("zh_CN"), [serial])
    lines, sizes = pdf_lines(pdf)
    qx, _ = RF.qr_origin()
    for ln in lines:
        if ln.text == serial:
            assert ln.box[2] < qx and ln.box[0] > 10 * MM
            break
    else:
        raise AssertionError("serial text not found")
    assert T.overlaps(lines) == [] and T.outside(lines, sizes, 6 * MM) == []


# -- the breaker itself, on every class of input -------------------------------------------------------------
def _spans(text: str, width_chars: float) -> list[tuple[int, int, float]]:
    widths = [1.0 if ord(c) >= 0x2E80 else 0.55 for c in text]
    return linebreak.break_lines(text, widths, [width_chars])


def _lines_of(text: str, width_chars: float) -> list[str]:
    return [text[a:b].rstrip() for a, b, _ in _spans(text, width_chars)]


@pytest.mark.parametrize(
    "text",
    [
        "个人信息（生物识别信息）。刷脸支付可以提升结账效率，但不是必需的：您随时可以选择扫码。",
        "业务完成后立即脱敏显示（如 440301********1234），原始号码在30日内删除。【提供给】仅企业内部使用",
        "【处理目的】识别您的会员身份。【信息类型】姓名；手机号【处理方式】由店员录入【保存期限】3年",
        "请拨打 021-63512345 转 8001 或发邮件至 privacy.sh001@example-retail.cn。——谢谢……",
        "Please delete the loyalty points history (order POS-20261128-000123456789) in my presence.",
    ],
)
@pytest.mark.parametrize("width", [5, 7, 9.5, 12, 17, 23])
def test_break_lines_keeps_the_rules_at_every_width(text, width):
    spans = _spans(text, width)
    lines = [text[a:b].rstrip() for a, b, _ in spans]
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost, nothing doubled
    assert all(used <= width + 1e-9 or " " not in text[a:b].strip() for a, b, used in spans)
    longest = max([len(t) for t in re.findall(r"[A-Za-z0-9*+\-.:/@_%#()]+", text)] + [0]) * 0.55
    for (_, end, _), (start, _, _) in itertools.pairwise(spans):
        a, b = text[end - 1], text[start]
        assert b not in linebreak.CANNOT_START, (text[:end], text[start:])
        assert a not in linebreak.CANNOT_END, (text[:end], text[start:])
        if longest <= width:  # a number, a mask, an address, a word: whole when it fits a line
            assert not (linebreak._is_token(a) and linebreak._is_token(b)), (text[:end], text[start:])
        if width >= 6:  # a label wider than the line breaks inside (still not before its 】)
            assert text[:end].rfind("【") <= text[:end].rfind("】"), (text[:end], text[start:])


def test_break_lines_on_random_mixed_text_never_loses_text_and_keeps_the_rules():
    rnd = random.Random(20)
    alphabet = list("会员信息处理目的同意撤回") + list("，。、；：？！）》】") + list("（《【") + list("0123456789ab -")
    for _ in range(400):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 80)))
        width = rnd.choice([3, 6, 10, 20])
        lines = _lines_of(text, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        ok = linebreak.allowed_breaks(text)
        pos = 0
        for line in lines[:-1]:
            pos = text.index(line, pos) + len(line)
            while pos < len(text) and text[pos] == " ":
                pos += 1
            # a break at a forbidden place only when the piece is wider than the line (progress)
            if not ok[pos]:
                start = text.rfind(line, 0, pos)
                assert not any(ok[k] for k in range(start + 1, pos)), (text, lines)


def test_the_letters_short_paragraph_path_and_the_footer_use_the_same_rules():
    st = L.styles_for()
    p = L.para("（" + "很长的中文" * 7 + "）。" + "再来" * 3, st.body)
    p.wrap(100, 1000)
    texts = ["".join(w if isinstance(w, str) else w.text for w in ln[1]) for ln in p.blPara.lines]
    assert all(t[0] not in linebreak.CANNOT_START for t in texts[1:]) and len(texts) > 2
    size, lines = L.footer_lines("上海南京路旗舰店（黄浦区第一分店）" * 4, "第 1 页 / 共 2 页", st.font.name, 500)
    assert size == 6.5 and len(lines) >= 2
