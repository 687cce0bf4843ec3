"""The receipt-back notice's summary (issue #20, the default receipt back): every NOT-1 element of every purpose of
the notice the screen shows, in its purpose's block; the rights, how to exercise them, the complaint right, the
controller and the contact; the same version and checksum as the screen (NOT-2); where the full text is; no wording
of its own; short enough to keep. The full text stays available (`full=True`)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from app.notices.store import current_notice, ensure_default_stored
from app.printing import layout as L, notice_blocks as N
from app.printing.dates import print_date
from app.printing.receipt_notice import FULL_TEXT_AT, receipt_notice_pdf
from tests.app.pdflines import pdf_lines
from tests.app.test_printing_helpers import all_text, norm

STORE = "上海南京路店"
LANGS = ("zh_CN", "en")


@pytest.fixture
def screen(manager):
    """The notice the screen shows, per language."""
    ensure_default_stored(manager)
    return {lang: current_notice(manager.db, lang) for lang in LANGS}


def length_mm(pdf: bytes) -> float:
    return float(PdfReader(io.BytesIO(pdf)).pages[0].mediabox.height) / 72 * 25.4


def purpose_elements(p) -> dict[str, str]:
    """A purpose's NOT-1 elements as the summary states them: data types and nothing else without their asides."""
    out = {"title": p.title, "method": p.method, "retention": p.retention, "recipients": p.recipients}
    for j, t in enumerate(p.data_types):
        out[f"type{j}"] = N.without_asides(t)
    return out


def test_without_asides_drops_only_bracketed_asides():
    assert N.without_asides("出生日期（可不填；用于确认是否需要监护人同意）") == "出生日期"
    assert N.without_asides("Birth date (optional; used to check whether a guardian must consent)") == "Birth date"
    assert N.without_asides("随时撤回您的同意（撤回与给予同意同样方便，撤回后立即停止相应处理）") == "随时撤回您的同意"
    assert N.without_asides("See (a) and copy (b) it") == "See and copy it"
    assert N.without_asides("姓名、手机号") == "姓名、手机号"
    assert N.without_asides("（全部）") == ""


@pytest.mark.parametrize("lang", LANGS)
def test_every_purpose_block_carries_its_not1_elements_in_order(screen, lang):
    notice = screen[lang]
    text = all_text(receipt_notice_pdf(notice, store_name=STORE))
    starts = [text.index(norm(f"{i}. {p.title}")) for i, p in enumerate(notice.purposes, 1)]
    assert starts == sorted(starts) and len(starts) == len(notice.purposes) == 8
    ends = [*starts[1:], text.index(norm("您的权利"))]
    for p, start, end in zip(notice.purposes, starts, ends, strict=True):
        block = text[start:end]
        for key, value in purpose_elements(p).items():
            assert value and norm(value) in block, (p.code, key)  # rule: NOT-1
        # its kind on the heading: required, optional, sensitive (separate consent)
        heading = block[: block.index(norm("【信息类型】"))]
        assert ("必需" in heading) == p.required and ("可选" in heading) == (not p.required)  # rule: NOT-1
        assert ("敏感" in heading and "单独同意" in heading) == p.sensitive  # rule: NOT-1


@pytest.mark.parametrize("lang", LANGS)
def test_rights_how_to_exercise_and_contact_are_on_the_summary(screen, lang):
    notice = screen[lang]
    text = all_text(receipt_notice_pdf(notice, store_name=STORE))
    rights = text[text.index(norm("您的权利")) : text.index(norm("如何行使权利"))]
    for r in notice.rights:
        assert norm(N.without_asides(r)) in rights, r  # rule: NOT-1
    for value in (notice.how_to_exercise, notice.complaint, notice.controller, notice.contact):
        assert norm(value) in text  # rule: NOT-1
    assert norm(FULL_TEXT_AT) in text  # says it is a summary and where the full text is


@pytest.mark.parametrize("lang", LANGS)
def test_summary_names_the_same_version_and_checksum_as_the_screen(manager, screen, lang):
    notice = screen[lang]
    stored = manager.db.scalar(
        "SELECT content_hash FROM notices WHERE version = ? AND lang = ?", (notice.version, notice.lang)
    )
    text = all_text(receipt_notice_pdf(notice, store_name=STORE))
    assert norm(f"SHA-256{stored}") in text  # rule: NOT-2
    assert norm(f"告知书版本{notice.version}·校验码{L.short_hash(stored)}") in text  # rule: NOT-2


@pytest.mark.parametrize("lang", LANGS)
def test_the_summary_has_no_wording_of_its_own(screen, lang):
    """Take away every text drawn from the notice and the headings and labels: punctuation and numbers are left."""
    notice = screen[lang]
    text = all_text(receipt_notice_pdf(notice, store_name=STORE))
    derived = [notice.title, notice.how_to_exercise, notice.complaint, notice.controller, notice.contact]
    derived += [N.without_asides(r) for r in notice.rights]
    for p in notice.purposes:
        derived += list(purpose_elements(p).values())
    labels = ["您的权利", "如何行使权利", "个人信息处理者及联系方式", FULL_TEXT_AT, "告知书版本", "校验码", "SHA-256"]
    labels += [f"【{k}】" for k in ("信息类型", "处理方式", "保存期限", "提供给")]
    labels += ["办理会员所必需", "可选 · 敏感，需单独同意", "可选", "版本", "起施行", STORE]
    labels += [
        print_date(notice.effective_date),
        notice.content_hash,
        L.short_hash(notice.content_hash),
        notice.version,
    ]
    rest = text
    for piece in sorted((norm(x) for x in derived + labels), key=len, reverse=True):
        rest = rest.replace(piece, "\x00")
    assert re.fullmatch(r"[\x00\d.。；;、,·（）()]*", rest), rest.replace("\x00", "|")


def test_the_summary_is_a_receipt_people_keep_and_the_full_text_stays_an_option(screen):
    """Lengths are facts for the docs (docs/guide-manager.*): 24.6 cm (zh) and 32.0 cm (en) for the 2026.2 notice;
    here only a generous ceiling."""
    zh = screen["zh_CN"]
    summary, full = receipt_notice_pdf(zh, store_name=STORE), receipt_notice_pdf(zh, store_name=STORE, full=True)
    assert length_mm(summary) < 300
    assert length_mm(full) > 1.4 * length_mm(summary)
    assert norm(zh.intro) in all_text(full) and norm(zh.intro) not in all_text(summary)


@pytest.mark.parametrize("lang", LANGS)
def test_the_summary_is_never_below_7pt_but_for_the_version_lines(screen, lang):
    notice = screen[lang]
    lines, _ = pdf_lines(receipt_notice_pdf(notice, store_name=STORE))
    assert len(lines) > 60
    small = [ln.text for ln in lines if ln.size < 7 - 0.01]
    # the store · version · date line under the title, the version + 校验码 line and the full SHA-256 at the foot
    assert len(small) == 3 and small[0].startswith(STORE) and small[1].startswith("告知书版本"), small
    assert small[2].startswith("SHA-256")
