"""A whole session with a marker as personal data; afterwards no file anywhere holds it (STO-1)."""
import logging
import tempfile

from app.audit import chain
from app.logs import redact, setup_logging
from app.store import backup
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
    log.info("looked at member %s mobile %s name %s", mid, MARKER_MOBILE, MARKER_NAME)   # a careless log line
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
            assert marker not in data, f"{marker!r} found in {p.name}"      # rule: STO-1


def test_redaction_masks_mobiles_ids_cards_and_names():
    text = redact("member 张三 13812345678 id 44030119900101123X card 6222020200112233445 ok")
    assert "13812345678" not in text and "44030119900101123X" not in text
    assert "6222020200112233445" not in text and "张三" not in text
    assert "member" in text and "ok" in text
