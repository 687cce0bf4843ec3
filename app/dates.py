"""Dates as people type them at a Chinese counter.

`parse_date` accepts the usual forms — 1990-05-03, 1990-5-3, 1990/5/3, 1990.5.3, 1990年5月3日 (or 号),
19900503, with full-width digits or spaces — and returns a `datetime.date`; anything else (or an impossible
date such as 1990-02-30) raises ValueError, whose text never echoes the input. `format_date` writes the one
display form (2026-11-28, UX.md).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

__all__ = ["format_date", "parse_date"]

_SEPARATED = re.compile(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*(?:日|号)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(text: str) -> dt.date:
    """Parse one of the accepted date forms; raise ValueError (without the input in its text) otherwise."""
    if not isinstance(text, str):
        raise ValueError("not a date")
    v = unicodedata.normalize("NFKC", text).strip()
    m = _SEPARATED.fullmatch(v) or _COMPACT.fullmatch(v)
    if not m:
        raise ValueError("not a date")
    if m.re is _SEPARATED:
        # one separator style per date: 1990-5/3 is a typing slip, not a date
        seps = re.findall(r"[-/.]|年|月", v)
        if seps not in (["-", "-"], ["/", "/"], [".", "."], ["年", "月"]):
            raise ValueError("not a date")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError("not a date") from None


def format_date(d: dt.date) -> str:
    """The display form: 2026-11-28."""
    return d.isoformat()
