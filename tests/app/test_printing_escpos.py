"""Receipts on an 80 mm ESC/POS printer (python-escpos), tested against a fake printer on loopback: a socket
server capturing the bytes a real network printer (port 9100) would receive."""

from __future__ import annotations

import itertools
import os
import socket
import threading

import pytest

import tests.app.printdocs as D
from app import requests as R
from app.errors import UserError, ValidationError
from app.printing import escpos as E, linebreak
from app.printing.printer_setting import SETTING, PrinterAddress, parse_address, validate_setting
from app.requests import letters
from app.settings import get_setting, set_setting
from tests.factories import make_member


@pytest.fixture(autouse=True)
def _escpos_cache(tmp_path_factory, monkeypatch):
    """python-escpos's printer database pickle goes to a test directory, not the user's cache."""
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
        monkeypatch.setenv("ESCPOS_CAPABILITIES_PICKLE_DIR", str(tmp_path_factory.mktemp("escpos")))


class FakePrinter:
    """A TCP server on 127.0.0.1 that stores every byte of each connection (one print job per connection)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.jobs: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                self.jobs.append(data)

    @property
    def address(self) -> PrinterAddress:
        return PrinterAddress("127.0.0.1", self.port)

    def wait(self, n: int = 1, timeout: float = 5.0) -> list[bytes]:
        for _ in range(int(timeout * 100)):
            if len(self.jobs) >= n:
                break
            threading.Event().wait(0.01)
        return self.jobs

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def printer():
    p = FakePrinter()
    yield p
    p.close()


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize("lang", D.LANGS)
def test_the_receipt_reaches_the_printer_initialised_in_gb18030_and_cut(printer, lang):
    data = D._receipt(lang)
    used = E.print_request_receipt(printer.address, data)
    (job,) = printer.wait()
    assert job.startswith(E.INIT + E.CHINESE_MODE)  # ESC @, then FS & (two-byte Chinese characters)
    assert E.CUT in job[-8:]  # GS V after the feed: the receipt is cut
    text = job.decode("gb18030", errors="strict")  # every character encodable and decodable as GB18030
    for word in ("个人信息权利申请受理回执", "受理编号", data.request_no, "2026年12月3日 14:05", "2026年12月24日"):
        assert word in text
    assert "受理编号".encode("gb18030") in job and "受理编号".encode() not in job  # GB18030, not UTF-8
    assert used <= E.MAX_LENGTH_MM  # a receipt people keep: ≤ 20 cm (this long one: see the report)


def test_receipt_lines_fit_48_columns_and_keep_the_break_rules():
    receipt = E.request_receipt_text(D._receipt("zh_CN"))
    lines = receipt.lines()
    assert all(E.columns_of(line) <= E.COLUMNS for line in lines)
    body = [line.strip() for line in lines if line.strip() and not line.startswith("-")]
    for a, b in itertools.pairwise(body):
        assert b[0] not in linebreak.CANNOT_START, (a, b)
        assert a[-1] not in linebreak.CANNOT_END, (a, b)
    assert "440301" not in "".join(lines)  # no ID number on a receipt (the request text is not printed)


def test_the_same_bytes_as_python_escpos_dummy_would_send():
    receipt = E.request_receipt_text(D._receipt("zh_CN"))
    a, b = E.escpos_bytes(receipt), E.escpos_bytes(receipt)
    assert a == b and len(a) < 4000


def test_an_unreachable_printer_is_a_plain_message_without_personal_data():
    address = PrinterAddress("127.0.0.1", _free_port())
    with pytest.raises(UserError) as exc:
        E.print_request_receipt(address, D._receipt("zh_CN"), timeout=2)
    assert exc.value.key == "printing.receipt_printer_unreachable"
    assert "欧阳" not in exc.value.message("zh_CN") and str(address) in exc.value.message("en")


@pytest.mark.parametrize(
    "value,expected",
    [
        ("", ""),
        ("  ", ""),
        ("192.168.1.50", "192.168.1.50:9100"),
        ("192.168.1.50:9100", "192.168.1.50:9100"),
        ("printer-1.store.local:4242", "printer-1.store.local:4242"),
        ("[fe80::1]:9100", "[fe80::1]:9100"),
    ],
)
def test_the_printer_setting_accepts_host_and_port(value, expected):
    assert validate_setting(value) == expected


@pytest.mark.parametrize(
    "value", ["host:0", "host:70000", "ho st:9100", "-host", "http://printer:9100", "a:b:c", ":9100"]
)
def test_the_printer_setting_refuses_what_is_no_address(value):
    with pytest.raises(ValidationError):
        parse_address(value)


def test_a_request_receipt_goes_to_the_receipt_printer_once_it_is_set(manager, printer):
    member_id = make_member(manager, name="回执乙")
    req = R.open_request(manager, "delete", member_id, identity_method="id_card_sighted")
    assert letters.receipt_to_receipt_printer(manager, req) is None  # no printer set: the PDF as before
    with pytest.raises(ValidationError):
        set_setting(manager, SETTING, "not a printer")
    set_setting(manager, SETTING, f"127.0.0.1:{printer.port}")
    assert get_setting(manager.db, SETTING) == f"127.0.0.1:{printer.port}"
    used = letters.receipt_to_receipt_printer(manager, req)
    (job,) = printer.wait()
    text = job.decode("gb18030")
    assert "回执乙" in text and "受理编号" in text and used and used <= E.MAX_LENGTH_MM
    events = [e["event"] for e in R.timeline(manager.db, req)]
    assert events.count("printed") == 1
