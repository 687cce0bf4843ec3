"""Rotating log file in the log folder. Logs carry ids, counts and event names only.

As a second line of defence a filter masks anything shaped like a mobile number, an ID
number or a long digit run (card numbers), and drops CJK text (names) from every record.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_PATTERNS = [
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), "[mobile]"),
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), "[id-number]"),
    (re.compile(r"(?<!\d)\d{12,19}(?!\d)"), "[digits]"),
    (re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+"), "[text]"),
]


def redact(text: str) -> str:
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not break logging
            message = str(record.msg)
        record.msg = redact(message)
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.exc_text = redact(f"{type(exc).__name__}: {exc}")
            record.exc_info = None
        return True


class _LogFile(logging.handlers.RotatingFileHandler):
    _memberdesk = True  # the handler setup_logging installed (replaced when it runs again)


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "memberdesk.log"
    root = logging.getLogger("memberdesk")
    for h in list(root.handlers):
        if getattr(h, "_memberdesk", False):
            root.removeHandler(h)
            h.close()
    handler = _LogFile(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    return path
