"""Registration-form serials: recorded when issued, printed as a QR that survives a scan, matched later."""

import json

import pytest
import zxingcpp

from app.audit import chain
from app.erasure import erase_member
from app.errors import NotFound, UserError, ValidationError
from app.notices.store import ensure_default_stored
from app.printing import serials as S
from app.printing.registration_form import issue_registration_forms, registration_form_pdf
from tests.app.test_printing_helpers import like_a_scan, page_image
from tests.factories import make_member


@pytest.fixture
def notice(manager):
    return ensure_default_stored(manager)


def test_serials_are_recorded_with_who_when_and_notice_version(manager, clerk, notice, clock):
    first = S.issue_form_serials(clerk, notice, 3)
    assert first == ["SH-001-261102-00001", "SH-001-261102-00002", "SH-001-261102-00003"]
    row = S.get_form_serial(manager.db, first[1])
    assert row["issued_by"] == clerk.staff.id  # rule: CON-1
    assert row["notice_version"] == notice.version and row["notice_hash"] == notice.content_hash  # rule: CON-1
    assert row["issued_at"].startswith("2026-11-02T09:00") and row["printed_count"] == 0
    assert row["matched_member_id"] is None
    more = S.issue_form_serials(manager, notice, 1)
    assert more == ["SH-001-261102-00004"]  # numbering continues within the day
    clock.advance(days=1)
    assert S.issue_form_serials(manager, notice, 1) == ["SH-001-261103-00001"]  # and restarts the next day
    last = manager.db.one("SELECT action, staff_id, details FROM audit_log ORDER BY seq DESC LIMIT 1")
    assert last["action"] == "forms.issue" and json.loads(last["details"])["count"] == 1
    assert chain.verify(manager.db).ok  # rule: SEC-2


def test_count_and_serial_validation(manager, notice):
    with pytest.raises(ValidationError):
        S.issue_form_serials(manager, notice, 0)
    with pytest.raises(ValidationError):
        S.issue_form_serials(manager, notice, S.MAX_PER_ISSUE + 1)
    assert S.parse_serial("sh-001-261102-00042") == ("SH-001", "261102", 42)
    for bad in ("SH001261102", "SH-001-2611-00001", "SH-001-261102-1", ""):
        with pytest.raises(ValidationError):
            S.parse_serial(bad)
    assert S.serial_from_qr("MEMBERDESK-FORM:SH-001-261102-00007") == "SH-001-261102-00007"
    assert S.serial_from_qr("https://example.com/SH-001-261102-00007") is None


def test_mark_printed_counts_each_print(manager, notice):
    serials, pdf = issue_registration_forms(manager, notice, 2)
    assert pdf.startswith(b"%PDF")
    assert S.mark_printed(manager, serials) == 2
    S.mark_printed(manager, serials[:1])
    assert S.get_form_serial(manager.db, serials[0])["printed_count"] == 2
    assert S.get_form_serial(manager.db, serials[1])["printed_count"] == 1


def test_match_ties_form_to_member_and_refuses_reuse_and_erasure_unlinks(manager, notice, paths):
    serial = S.issue_form_serials(manager, notice, 1)[0]
    m1 = make_member(manager, "张三")
    m2 = make_member(manager, "李四")
    with manager.write("test.match") as tx:
        row = S.match_form_serial(tx, serial, member_id=m1, consent_id="c1")
    assert row["matched_member_id"] == m1 and row["matched_consent_id"] == "c1"
    with manager.write("test.match") as tx:
        S.match_form_serial(tx, serial, scan_id="scan1")  # the scan arrives later: kept together
    assert S.get_form_serial(manager.db, serial)["matched_member_id"] == m1
    with pytest.raises(UserError) as e, manager.write("test.match") as tx:
        S.match_form_serial(tx, serial, member_id=m2)
    assert e.value.key == "printing.serial_used"
    with pytest.raises(NotFound), manager.write("test.match") as tx:
        S.match_form_serial(tx, "SH-001-261102-09999", member_id=m2)
    erase_member(manager, m1, ledger_path=paths.erasure_ledger)
    row = S.get_form_serial(manager.db, serial)
    assert row is not None  # the record that the form existed stays
    assert row["matched_member_id"] is None and row["matched_consent_id"] is None  # rule: RIG-3


@pytest.mark.parametrize("dpi", [150, 300])
def test_qr_on_every_page_of_every_form_decodes_to_its_serial(notice, dpi):
    serials = ["SH-001-261102-00001", "SH-001-261102-00002"]
    pdf = registration_form_pdf(notice, serials)
    for page, serial in [(1, serials[0]), (2, serials[0]), (3, serials[1]), (4, serials[1])]:
        img = page_image(pdf, page, dpi)
        found = [r.text for r in zxingcpp.read_barcodes(img)]
        assert found == [S.qr_payload(serial)]
        assert S.serial_from_qr(found[0]) == serial


@pytest.mark.parametrize("dpi,angle", [(100, -3.0), (150, 3.0), (150, -5.0), (300, 2.0), (300, -7.5)])
def test_qr_survives_a_rotated_noisy_scan(notice, dpi, angle):
    serial = "SH-001-261102-00123"
    pdf = registration_form_pdf(notice, [serial])
    scan = like_a_scan(page_image(pdf, 2, dpi), angle, seed=int(angle * 10))
    found = [S.serial_from_qr(r.text) for r in zxingcpp.read_barcodes(scan)]
    assert found == [serial]


def test_a_longer_notice_flows_on_never_below_9pt_and_every_page_keeps_its_qr(notice):
    """A head-office notice may be longer than the shipped one: the notice side never shrinks below 9 pt (issue
    #20; it shrank to 7.1 pt before), it flows on; every page still carries the form's QR and serial, and the
    consent side follows."""
    from app.notices.model import Notice
    from tests.app.test_printing_helpers import page_texts

    data = notice.to_dict()
    data["version"] = "2027.9"
    data["intro"] = notice.intro * 4  # somewhat longer: no longer shrunk, it takes a second notice page
    assert len(page_texts(registration_form_pdf(Notice.from_dict(data), ["SH-001-261102-00320"]))) == 3
    data["intro"] = notice.intro * 16  # much longer: it flows on to a second notice page
    longer = Notice.from_dict(data)
    serial = "SH-001-261102-00321"
    pdf = registration_form_pdf(longer, [serial])
    texts = page_texts(pdf)
    assert len(texts) >= 3
    assert "第二部分" in texts[-1] and all("第二部分" not in t for t in texts[:-1])
    for page in range(1, len(texts) + 1):
        found = [r.text for r in zxingcpp.read_barcodes(page_image(pdf, page, 150))]
        assert found == [S.qr_payload(serial)]
