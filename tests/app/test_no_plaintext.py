"""A whole session with a marker as personal data; afterwards no file anywhere holds it (STO-1)."""

import logging
import tempfile

from app.access import backup
from app.audit import chain
from app.logs import redact, setup_logging
from tests.conftest import MANAGER_PW
from tests.factories import make_member

MARKER_NAME = "标记姓名甲乙"
MARKER_MOBILE = "13987654321"
MARKER_ASCII = "ZQXMARKER"


def _files(root):
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_whole_session_leaves_no_personal_data_on_disk(vault, manager, clerk, paths, tmp_path, monkeypatch):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    setup_logging(paths.log_dir)
    log = logging.getLogger("memberdesk.test")
    mid = make_member(clerk, name=MARKER_NAME + MARKER_ASCII, mobile=MARKER_MOBILE)
    clerk.audit_read("member.view", "member", mid)
    log.info("looked at member %s mobile %s name %s", mid, MARKER_MOBILE, MARKER_NAME)  # a careless log line
    try:
        raise ValueError(f"bad mobile {MARKER_MOBILE}")
    except ValueError:
        log.exception("a careless exception")
    vault.lock()
    session = vault.sign_in("manager", MANAGER_PW)
    bundle = backup.create_backup(vault, session)
    assert chain.verify(session.db).ok
    vault.lock()
    files = _files(paths.data_dir) + _files(tmp) + [bundle]
    assert any(p.name == "memberdesk.db" for p in files) and any(p.suffix == ".log" for p in files)
    for p in files:
        data = p.read_bytes()
        for marker in (MARKER_NAME.encode(), MARKER_MOBILE.encode(), MARKER_ASCII.encode()):
            assert marker not in data, f"{marker!r} found in {p.name}"  # rule: STO-1


def test_redaction_masks_mobiles_ids_cards_and_names():
    text = redact("member 张三 13812345678 id 44030119900101123X card 6222020200112233445 ok")
    assert "13812345678" not in text and "44030119900101123X" not in text
    assert "6222020200112233445" not in text and "张三" not in text
    assert "member" in text and "ok" in text


def test_registration_with_sensitive_data_leaves_nothing_readable(
    vault, manager, clerk, paths, tmp_path, monkeypatch, manager_cipher
):
    """Registration with every optional purpose, a view, a manager's reveal, a backup: the files under
    the data folder and the backup hold none of the values, and even the opened DB shows only
    ciphertext for the sensitive fields."""
    from app.members.service import get_member, reveal_field
    from tests.app.regdata import PNG, id_number, register

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    setup_logging(paths.log_dir)
    idn = id_number("11010519850612345")
    address = "北京市朝阳区标记路八十八号"
    skin = "ZQXSKINMARKER油性肌肤"
    values = {"address": address, "id_number": idn, "skin_notes": skin, "birth_date": "1985-06-12"}
    granted = {"delivery": True, "instalment": True, "skin_analysis": True}
    sigs = {"instalment": PNG, "skin_analysis": PNG}
    mid = register(
        clerk, vault, name="标记乙丙", mobile="13698765432", granted=granted, values=values, signatures=sigs
    )["id"]
    get_member(clerk, mid)
    assert reveal_field(manager, mid, "id_number", "customer_request", "顾客本人核对", manager_cipher) == idn
    db_text = " ".join(str(v) for row in manager.db.all("SELECT * FROM member_fields") for v in tuple(row))
    assert idn not in db_text and skin not in db_text and address not in db_text  # rule: SEN-3
    vault.lock()
    session = vault.sign_in("manager", MANAGER_PW)
    bundle = backup.create_backup(vault, session)
    vault.lock()
    for p in _files(paths.data_dir) + _files(tmp) + [bundle]:
        data = p.read_bytes()
        for marker in (idn, address, skin, "标记乙丙", "13698765432"):
            assert marker.encode() not in data, f"marker found in {p.name}"  # rule: STO-1
        assert b"signature-strokes" not in data, f"signature image found in {p.name}"  # rule: SEN-2
