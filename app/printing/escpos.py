"""Receipts on an 80 mm ESC/POS thermal printer (python-escpos), besides the PDF for the system printer.

The setting "receipt_printer" names the printer on the network as "host:port" (port 9100 when left out);
empty means none: receipts go to the PDF preview and the system printer as before. A receipt is built as
ESC/POS bytes with python-escpos's Dummy printer (no device needed, testable) and then sent in one write
over TCP with its Network printer:

    ESC @ (initialise) · FS & (Chinese character mode) · text in GB18030 · GS V (cut after a feed)

An 80 mm head prints 576 dots: 48 columns of font A (12×24 dots), 24 Chinese characters a line. Lines are
broken with the same Chinese rules as the PDFs (app.printing.linebreak). A receipt is kept short (≤ 20 cm:
`length_mm`); the rights request's full letter stays an A4 document.
"""

from __future__ import annotations

import logging
import os
import unicodedata
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from app.config import resolve_paths
from app.errors import UserError
from app.printing import linebreak
from app.printing.dates import print_date, print_time
from app.printing.printer_setting import PrinterAddress
from app.printing.request_receipt import CALENDAR_MISSING_NOTE, RequestReceipt, kind_label

log = logging.getLogger(__name__)
COLUMNS = 48  # font A on 80 mm paper (576 dots)
DOTS_PER_MM = 8  # 203 dpi
LINE_DOTS = 30  # ESC 2: 1/6 inch per line (24-dot characters + spacing)
FEED_LINES = 6  # python-escpos feeds 6 lines before the cut
MAX_LENGTH_MM = 200

INIT = b"\x1b\x40"
CHINESE_MODE = b"\x1c\x26"  # FS &: two-byte (GB18030 / GBK) characters
CUT = b"\x1dV"  # GS V: what follows is the cut mode


def _escpos() -> tuple[ModuleType, Any]:
    """python-escpos's printers and its DeviceNotFoundError, imported on first use: its import loads a 1 MB
    printer database (~1 s) and caches it as a pickle in ESCPOS_CAPABILITIES_PICKLE_DIR, else in a new temporary
    directory on every run; point it at our cache directory (no personal data in it) so later imports take ms."""
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
        cache = resolve_paths().cache_dir / "escpos"
        cache.mkdir(parents=True, exist_ok=True)
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache)
    import escpos.exceptions
    import escpos.printer

    return escpos.printer, escpos.exceptions.DeviceNotFoundError


def columns_of(text: str) -> int:
    """Printed width in font-A columns: Chinese (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, columns: int = COLUMNS, indent: int = 0) -> list[str]:
    """The text in lines of `columns` columns, broken by the Chinese rules; continuation lines indented."""
    out: list[str] = []
    for para in text.split("\n"):
        widths = [float(columns_of(c)) for c in para]
        spans = linebreak.break_lines(para, widths, [columns, columns - indent]) if para else [(0, 0, 0.0)]
        for n, (a, b, _) in enumerate(spans):
            out.append((" " * indent if n else "") + para[a:b].rstrip())
    return out


@dataclass
class ReceiptText:
    """What a receipt says: a title, label/value rows, paragraphs, a closing line."""

    title: str
    rows: list[tuple[str, str]]
    paragraphs: list[str]
    closing: str = ""

    def lines(self, columns: int = COLUMNS) -> list[str]:
        """The body as printed (under the title)."""
        out: list[str] = []
        label_w = max(columns_of(k) for k, _ in self.rows) if self.rows else 0
        for k, v in self.rows:
            pad = " " * (label_w - columns_of(k))
            out += wrap(f"{k}{pad}  {v}", columns, indent=label_w + 2)
        out.append("-" * columns)
        for p in self.paragraphs:
            out += wrap(p, columns)
        if self.closing:
            out += ["", *wrap(self.closing, columns)]
        return out


def request_receipt_text(data: RequestReceipt) -> ReceiptText:
    """受理回执 on a receipt: the request number, what was asked, when, the due date (RIG-1, RIG-2)."""
    rows = [("受理编号", data.request_no), ("申请人", data.applicant)]
    if data.member_no:
        rows.append(("会员号", data.member_no))
    rows += [
        ("申请事项", "、".join(kind_label(k) for k in data.kinds)),
        ("受理时间", print_time(data.received_at)),
        *([("申请渠道", data.channel)] if data.channel else []),
        ("答复期限", f"{print_date(data.due_date)} 前（15 个工作日内）"),
        ("受理人", data.received_by),
        ("门店", f"{data.store.name}（{data.store.code}）"),
    ]
    if data.store.phone:
        rows.append(("电话", data.store.phone))
    paragraphs = [
        "我们将在答复期限内以书面形式告知您处理结果。查询进度或领取处理结果告知书时，请出示本回执或受理编号。"
    ]
    if data.calendar_missing:
        paragraphs.append(CALENDAR_MISSING_NOTE)
    return ReceiptText("个人信息权利申请受理回执", rows, paragraphs, closing="请妥善保管本回执。")


def escpos_bytes(receipt: ReceiptText) -> bytes:
    """The receipt as ESC/POS bytes: initialise, Chinese mode, the title large and centred, the body, cut."""
    printers, _ = _escpos()
    p = printers.Dummy()
    p.hw("INIT")
    p._raw(CHINESE_MODE)
    p.set(align="center", bold=True, double_height=True, double_width=True)
    for line in wrap(receipt.title, COLUMNS // 2):
        p._raw(line.encode("gb18030") + b"\n")
    p.set(align="left", bold=False, normal_textsize=True)
    p._raw(b"\n")
    for line in receipt.lines():
        p._raw(line.encode("gb18030") + b"\n")
    p.cut()
    return bytes(p.output)


def length_mm(receipt: ReceiptText) -> float:
    """Paper used: the title's double-height lines, the body, the feed before the cut."""
    title = len(wrap(receipt.title, COLUMNS // 2)) * 2
    lines = title + 1 + len(receipt.lines()) + FEED_LINES
    return lines * LINE_DOTS / DOTS_PER_MM


def send(address: PrinterAddress, data: bytes, timeout: float = 8.0) -> None:
    """Send the bytes to the printer in one connection; UserError (printing.receipt_printer_unreachable)."""
    printers, not_found = _escpos()
    printer = printers.Network(address.host, address.port, timeout=timeout)
    try:
        printer.open()
        if not printer.device:
            raise OSError("no connection")
        printer._raw(data)
    except (OSError, not_found) as exc:
        raise UserError("printing.receipt_printer_unreachable", printer=str(address)) from exc
    finally:
        try:
            printer.close()
        except OSError:
            log.debug("closing the receipt printer's connection failed")


def print_request_receipt(address: PrinterAddress, data: RequestReceipt, timeout: float = 8.0) -> float:
    """Print the acknowledgement receipt on the receipt printer; returns the paper length in mm."""
    receipt = request_receipt_text(data)
    send(address, escpos_bytes(receipt), timeout)
    return length_mm(receipt)
