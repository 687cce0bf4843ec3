"""The receipt-printer setting ("receipt_printer": "host:port", empty = none): parsed and validated here,
without python-escpos (app.printing.escpos prints)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import ValidationError
from app.messages import add_messages
from app.settings import register_validator

add_messages(
    {
        "printing.receipt_printer_invalid": (
            "小票打印机地址应为主机名或 IP 地址加端口号，例如 192.168.1.50:9100；留空表示不使用小票打印机。",
            "The receipt printer is given as host:port, e.g. 192.168.1.50:9100; leave it empty for none.",
        ),
        "printing.receipt_printer_unreachable": (
            "无法连接小票打印机 {printer}，请检查打印机电源、网线和地址；也可以改用普通打印机打印。",
            "The receipt printer {printer} cannot be reached: check its power, cable and address, "
            "or print on the office printer instead.",
        ),
    }
)

SETTING = "receipt_printer"
DEFAULT_PORT = 9100
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$")


@dataclass(frozen=True)
class PrinterAddress:
    host: str
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_address(text: object) -> PrinterAddress | None:
    """ "host:port" (or "host") -> the address; empty -> None (no receipt printer). ValidationError otherwise."""
    value = str(text or "").strip()
    if not value:
        return None
    host, port = value, DEFAULT_PORT
    m = re.match(r"^(.*):(\d{1,5})$", value)
    if m and not (value.count(":") > 1 and not value.startswith("[")):
        host, port = m[1], int(m[2])
    if not _HOST.match(host) or not 0 < port < 65536:
        raise ValidationError("printing.receipt_printer_invalid", field=SETTING)
    return PrinterAddress(host.strip("[]") if host.startswith("[") else host, port)


def validate_setting(value: object) -> str:
    """The settings validator: the address as it will be stored ("" = none)."""
    address = parse_address(value)
    return str(address) if address else ""


register_validator(SETTING, validate_setting)
