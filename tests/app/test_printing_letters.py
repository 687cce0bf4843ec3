"""Letters and records: refusal letters name reason, basis and remedies; the data copy has a section per
category; the destruction record carries the batch hash; the recovery sheet's QR is the key; fonts."""

import builtins
import datetime as dt
import io
import os
from pathlib import Path

import pytest
import zxingcpp

from app.errors import ValidationError
from app.printing import fonts
from app.printing.data_copy import CATEGORY_TITLES, CopySection, DataCopy, data_copy_pdf
from app.printing.destruction_record import DestroyedForm, DestructionRecord, batch_hash, destruction_record_pdf
from app.printing.letter_layout import StoreInfo
from app.printing.recovery_sheet import render_recovery_sheet
from app.printing.request_receipt import RequestReceipt, request_receipt_pdf
from app.printing.result_letter import RIGHTS_REMEDY, ResultLetter, result_letter_pdf
from app.storage.keyslots import parse_recovery_key
from tests.app.test_printing_helpers import all_text, norm, page_image, page_texts

STORE = StoreInfo("SH-001", "上海南京路店", "上海市黄浦区南京东路 100 号", "021-12345678", "门店服务台")
NOW = dt.datetime(2026, 11, 2, 9, 30)


def _refusal(**kw):
    data = dict(
        request_no="R-0012",
        kinds=["delete"],
        received_at=NOW,
        decided_at=NOW + dt.timedelta(days=9),
        outcome="refused",
        applicant="张三",
        store=STORE,
        decided_by="王店长",
        refusal_reason="交易记录仍在法定保存期内",
        legal_basis="《个人信息保护法》第四十七条第二款",
    )
    data.update(kw)
    return ResultLetter(**data)


def test_refusal_letter_states_reason_basis_and_the_right_to_complain_or_sue():
    text = all_text(result_letter_pdf(_refusal()))
    assert "不予办理" in text
    assert norm("交易记录仍在法定保存期内") in text  # rule: RIG-4
    assert norm("《个人信息保护法》第四十七条第二款") in text  # rule: RIG-4
    assert norm("向履行个人信息保护职责的部门投诉、举报") in text  # rule: RIG-4
    assert norm("向人民法院提起诉讼") in text  # rule: RIG-4


def test_refusal_without_reason_or_basis_cannot_be_printed():
    with pytest.raises(ValidationError):
        result_letter_pdf(_refusal(refusal_reason=" "))  # rule: RIG-4
    with pytest.raises(ValidationError):
        result_letter_pdf(_refusal(outcome="partial", legal_basis=""))  # rule: RIG-4
    done = all_text(
        result_letter_pdf(_refusal(outcome="done", refusal_reason="", legal_basis="", actions=["已删除您的会员资料"]))
    )
    assert norm("已删除您的会员资料") in done and norm(RIGHTS_REMEDY) in done


def test_request_receipt_states_the_due_date_and_request_number():
    pdf = request_receipt_pdf(
        RequestReceipt(
            "R-0012", ["access", "delete"], NOW, dt.date(2026, 11, 23), "张*", STORE, "李店员", calendar_missing=True
        )
    )
    text = all_text(pdf)
    assert "R-0012" in text and "查阅、复制、删除" in text
    assert norm("2026年11月23日 前（自受理之日起 15 个工作日内）") in text  # rule: RIG-2 (as people write dates)
    assert norm("所示日期不会晚于实际期限") in text  # rule: RIG-2 (the receipt's wording matches the fallback)


def test_data_copy_has_a_section_per_category():
    sections = [
        CopySection("CAT-1", rows=[("姓名", "张三"), ("手机号", "13800001234")]),
        CopySection("CAT-2", columns=["时间", "金额", "商品"], grid=[["2026-10-01 10:00", "¥1,234.50", "家电"]] * 40),
        CopySection("CAT-3"),
        CopySection("CAT-4", rows=[("偏好", "家电")]),
        CopySection("consent"),
    ]
    pdf = data_copy_pdf(
        DataCopy(
            "R-0013",
            "M000000001",
            "张三",
            NOW,
            STORE,
            "李店员",
            sections,
            machine_readable="已同时提供机器可读文件（JSON）",
        )
    )
    text = all_text(pdf)
    for key in ("CAT-1", "CAT-2", "CAT-3", "CAT-4", "consent"):
        assert norm(CATEGORY_TITLES[key]) in text  # rule: RIG-6
    assert "13800001234" in text and norm("¥1,234.50") in text and "JSON" in text  # rule: RIG-6
    assert "（无记录）" in text  # an empty category is shown as empty, not left out


def _record(**kw):
    forms = [
        DestroyedForm(f"SH-001-261102-{i:05d}", "2026-11-02T09:00:00+08:00", f"{i:02x}" * 32) for i in range(1, 26)
    ]
    data = dict(
        batch_id="D20261130-ABC123",
        store=STORE,
        forms=forms,
        method="shred",
        destroyed_at="2026-11-30T16:00:00+08:00",
        manager="王店长",
        witness="李店员",
        manager_id="m1",
        witness_id="w1",
    )
    data.update(kw)
    return DestructionRecord(**data)


def test_destruction_record_carries_batch_forms_method_people_and_hash():
    rec = _record()
    text = all_text(destruction_record_pdf(rec))
    digest = batch_hash(rec)
    assert digest in text  # rule: STO-3
    for f in rec.forms:
        assert f.serial in text  # rule: STO-3
    for word in ("D20261130-ABC123", "碎纸机粉碎", norm("2026年11月30日 16:00"), "王店长", "李店员"):
        assert word in text  # rule: STO-3
    # the hash ties the paper to the archive: any change to a form's scan or the batch changes it
    changed = _record()
    changed.forms[3] = DestroyedForm(changed.forms[3].serial, changed.forms[3].scanned_at, "ff" * 32)
    assert batch_hash(changed) != digest  # rule: STO-3
    assert batch_hash(_record(witness_id="w2")) != digest  # rule: STO-3
    assert batch_hash(_record(forms=list(reversed(rec.forms)))) == digest  # order of listing does not matter


def test_recovery_sheet_key_text_and_qr(manager):
    key = manager.recovery_key
    pdf = render_recovery_sheet(recovery_key=key, store_code="SH-001", store_name="上海南京路店", created="2026-11-02")
    text = all_text(pdf)
    for group in key.split("-"):
        assert group in text
    found = [r.text for r in zxingcpp.read_barcodes(page_image(pdf, 1, 150))]
    assert found == [key]
    assert parse_recovery_key(found[0]) == parse_recovery_key(key)
    assert "保险柜" in text and "上海南京路店" in text


def test_rendering_writes_no_file(monkeypatch, tmp_path):
    """Documents with personal data are rendered in memory: no temp file, nothing written (STO-1)."""
    writes = []
    real_open = builtins.open

    def guarded(file, mode="r", *a, **kw):
        if any(m in mode for m in "wax+"):
            writes.append(str(file))
        return real_open(file, mode, *a, **kw)

    monkeypatch.setattr(builtins, "open", guarded)
    monkeypatch.setattr(io, "open", guarded)
    before = set(os.listdir(os.environ.get("TMPDIR", "/tmp")))
    data_copy_pdf(
        DataCopy("R1", "M1", "张三", NOW, STORE, "李店员", [CopySection("CAT-1", rows=[("手机号", "13800001234")])])
    )
    result_letter_pdf(_refusal())
    after = set(os.listdir(os.environ.get("TMPDIR", "/tmp")))
    assert writes == []  # rule: STO-1
    assert {n for n in after - before if "tmp" in n.lower()} == set()  # rule: STO-1


def test_font_found_on_this_system_is_embedded_truetype():
    choice = fonts.choose_font()
    assert not choice.fallback and choice.path and Path(choice.path).is_file()


def test_fallback_font_when_no_truetype_cjk_font(tmp_path):
    fake_noto = tmp_path / "NotoSansCJK-Regular.ttc"
    fake_noto.write_bytes(b"OTTO" + b"\0" * 64)  # CFF outlines: must be skipped, never embedded
    choice = fonts.choose_font(None, candidates=[(fake_noto, 0), (tmp_path / "missing.ttf", 0)])
    assert choice.fallback and choice.name == fonts.FALLBACK_CID and choice.path is None
    pdf = result_letter_pdf(_refusal(), font=choice)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    assert norm("向人民法院提起诉讼") in all_text(pdf)


def test_configured_font_path_is_used_and_a_bad_one_is_reported(tmp_path):
    system = fonts.choose_font()
    configured = fonts.choose_font(system.path)
    assert configured.path == system.path and not configured.configured_failed
    bad = tmp_path / "not-a-font.ttf"
    bad.write_bytes(b"\0" * 100)
    choice = fonts.choose_font(str(bad))
    assert choice.configured_failed and not choice.fallback  # fell back to the system font, and says so


def test_no_tofu_every_printed_character_is_in_the_embedded_font(manager):
    """Every character on every document has a glyph in the embedded font (no empty boxes)."""
    from bench.bench_printing import docs

    font = fonts.choose_font()
    cmap = fonts.TTFont("probe", font.path, subfontIndex=font.subfont).face.charToGlyph
    missing = {}
    for name, fn in docs():
        text = "".join(page_texts(fn()))
        gaps = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
        if gaps:
            missing[name] = sorted(gaps)
    assert missing == {}
