"""The notice printouts (poster, registration form, the receipt back's full text) carry every NOT-1 element of the
notice the screen shows, and its version and hash (NOT-2); the receipt back's summary (the default) is
tests/app/test_receipt_notice_summary.py."""

import pytest

from app.notices.store import current_notice, ensure_default_stored
from app.printing import layout as L
from app.printing.poster import poster_pdf
from app.printing.receipt_notice import receipt_notice_pdf
from app.printing.registration_form import issue_registration_forms
from tests.app.test_printing_helpers import all_text, norm, page_texts


def not1_elements(notice) -> dict[str, str]:
    """Every element NOT-1 requires, as the notice object (the screen) holds it."""
    out = {
        "controller": notice.controller,
        "contact": notice.contact,
        "how_to_exercise": notice.how_to_exercise,
        "complaint": notice.complaint,
    }
    for i, r in enumerate(notice.rights):
        out[f"right{i}"] = r
    for p in notice.purposes:
        out[f"{p.code}.title"] = p.title
        out[f"{p.code}.purpose"] = p.description
        out[f"{p.code}.method"] = p.method
        out[f"{p.code}.retention"] = p.retention
        out[f"{p.code}.recipients"] = p.recipients
        for j, t in enumerate(p.data_types):
            out[f"{p.code}.type{j}"] = t
        if p.sensitive:
            out[f"{p.code}.necessity"] = p.necessity
            out[f"{p.code}.protection"] = p.protection
    return out


@pytest.fixture
def screen_notice(manager):
    ensure_default_stored(manager)
    return current_notice(manager.db, "zh_CN")


def _documents(manager, notice):
    _, form = issue_registration_forms(manager, notice, 1, store_name="上海南京路店")
    return {
        "poster": poster_pdf(notice, store_name="上海南京路店"),
        "form": form,
        "receipt (full text)": receipt_notice_pdf(notice, store_name="上海南京路店", full=True),
    }


def test_every_notice_printout_carries_every_not1_element(manager, screen_notice):
    elements = not1_elements(screen_notice)
    assert len(elements) > 40
    for kind, pdf in _documents(manager, screen_notice).items():
        text = all_text(pdf)
        missing = [k for k, v in elements.items() if norm(v) not in text]
        assert missing == [], f"{kind} lacks {missing}"  # rule: NOT-1


def test_version_and_hash_on_printouts_equal_the_screen_notice(manager, screen_notice):
    stored_hash = manager.db.scalar(
        "SELECT content_hash FROM notices WHERE version = ? AND lang = 'zh_CN'", (screen_notice.version,)
    )
    assert stored_hash == screen_notice.content_hash
    documents = _documents(manager, screen_notice)
    documents["receipt (summary)"] = receipt_notice_pdf(screen_notice, store_name="上海南京路店")
    for kind, pdf in documents.items():
        text = all_text(pdf)
        assert norm(f"摘要SHA-256{stored_hash}") in text or norm(f"SHA-256{stored_hash}") in text, kind  # rule: NOT-2
        for page in page_texts(pdf):  # every sheet of paper names the exact text it carries
            assert norm(f"告知书版本{screen_notice.version}") in norm(page), kind  # rule: NOT-2
            assert norm(f"校验码{L.short_hash(stored_hash)}") in norm(page), kind  # rule: NOT-2


def test_a_changed_notice_prints_its_own_version_and_hash(manager, screen_notice):
    from app.notices.model import Notice

    data = screen_notice.to_dict()
    data["version"] = "2027.1"
    data["purposes"][1]["retention"] = "至您撤回同意为止，最长两年。"
    changed = Notice.from_dict(data)
    text = all_text(poster_pdf(changed))
    assert norm("至您撤回同意为止，最长两年。") in text
    assert (
        L.short_hash(changed.content_hash) in text and L.short_hash(screen_notice.content_hash) not in text
    )  # rule: NOT-2


def test_form_has_one_checkbox_section_per_kind_and_the_fields(manager, screen_notice):
    serials, pdf = issue_registration_forms(manager, screen_notice, 1)
    pages = page_texts(pdf)
    assert len(pages) == 2  # notice side + consent side, printable double-sided
    consent = norm(pages[1])
    assert (
        consent.index(norm("办理会员所必需"))
        < consent.index(norm("可选处理目的"))
        < consent.index(norm("敏感个人信息单独同意"))
    )
    for p in screen_notice.purposes:
        assert norm(p.title) in consent
    for label in ("姓名", "手机号", "收货地址", "身份证号", "监护人姓名", "监护人签名", "顾客签名", "日期"):
        assert label in consent
    assert serials[0] in norm(pages[0]) and serials[0] in consent


@pytest.mark.parametrize("full", [False, True])
def test_receipt_back_fits_the_72mm_printable_width(screen_notice, full):
    """80 mm paper, nothing printed in the 4 mm at either edge (thermal heads print 72 mm); summary and full text."""
    import io

    from pypdf import PdfReader

    from tests.app.test_printing_helpers import page_image

    pdf = receipt_notice_pdf(screen_notice, store_name="上海南京路店", full=full)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert abs(float(box.width) - 80 / 25.4 * 72) < 0.5
    img = page_image(pdf, 1, 200)
    edge = round(4 / 25.4 * 200) - 1
    w, h = img.size
    left = img.crop((0, 0, edge, h)).getextrema()
    right = img.crop((w - edge, 0, w, h)).getextrema()
    assert left[0] > 200 and right[0] > 200  # only white (anti-aliasing tolerance) outside 72 mm
    middle = img.crop((edge, 0, w - edge, h)).getextrema()
    assert middle[0] < 50  # and the text is there
