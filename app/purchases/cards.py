"""Card-number detection (PAY-1): a run of 13–19 digits, optionally grouped by spaces or hyphens,
that passes the Luhn check, is treated as a payment card number and refused. Only the payment
provider's transaction number may be kept.

The text is normalised first (issue #15): NFKC (full-width digits, the ideographic space, the full-width
hyphen), every other decimal digit read as its value, every space (Unicode Zs, tabs, line breaks) and dash
(Unicode Pd, the minus sign) as one separator, invisible format characters (zero-width space ...) dropped.
`check_free_text` runs on every free-text field that can reach the database: purchases, the POS import,
service records, disclosures, request texts and notes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache

from app.errors import ValidationError
from app.messages import add_messages

add_messages(
    {
        "card.number_in_text": (
            "“{field}”中有类似银行卡号的数字，未保存。系统不保存银行卡信息，请删去卡号后重试。",
            "“{field}” contains what looks like a card number; nothing was saved. Card details are never "
            "stored: remove the number and try again.",
        ),
    }
)

# Digits possibly separated by single spaces/hyphens; bounded so a longer run is seen whole.
_RUN = re.compile(r"(?<![0-9])[0-9](?:[ \-]?[0-9]){12,}(?![0-9])")
# Quick pre-check (C speed): anything with 13 digits in a (grouped) run at all?
_QUICK = re.compile(r"[0-9](?:[ \-]?[0-9]){12}")


# ASCII pre-check before normalising: 13 digits with any separators between them
_LOOSE = re.compile(r"[0-9](?:[\t\n\r\f\v \-]*[0-9]){12}")
_SEPS = re.compile(r"[ \-]+")
_SEP_CHARS = frozenset(
    "\t\n\r\f\v\u2212\u2043\ufe63\uff0d"
)  # whitespace, minus sign, hyphen bullet, small/full-width hyphen


def normalise(text: str) -> str:
    """The text as the check reads it: ASCII digits, runs of separators as one space or hyphen."""
    s = text
    if not s.isascii():
        s = _NON_ASCII.sub(_map_char, unicodedata.normalize("NFKC", s))
    if _WS_RE.search(s):
        s = s.translate(_WS)
    return _SEPS.sub(lambda m: m.group(0)[0], s) if ("  " in s or "--" in s or " -" in s or "- " in s) else s


# characters outside ASCII that may be a digit, a space or a dash (common Chinese characters never are)
_NON_ASCII = re.compile(r"[^\x00-\x7f\u4e00-\u9fff]")
_WS_RE = re.compile(r"[\t\n\r\f\v]")


@lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    cat = unicodedata.category(ch)
    if cat in ("Zs", "Zl", "Zp") or ch in _SEP_CHARS:
        return " "
    if cat == "Pd":
        return "-"
    if cat == "Cf":
        return ""  # zero-width and other invisible characters
    return ch


def _map_char(m: re.Match[str]) -> str:
    return _char(m.group(0))


_WS = str.maketrans({c: " " for c in "\t\n\r\f\v"})


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def looks_like_card(text: str | None) -> bool:
    if not text:
        return False
    s = str(text)
    if s.isascii() and not _LOOSE.search(s):
        return False
    s = normalise(s)
    if not _QUICK.search(s):
        return False
    for m in _RUN.finditer(s):
        digits = re.sub(r"[ \-]", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            return True
        if len(digits) > 19 and (" " in m.group(0) or "-" in m.group(0)):
            # grouped digits: check each group-aligned 13–19 digit window ("卡号 6222 0202 ... 尾号")
            groups = re.split(r"[ \-]", m.group(0))
            for i in range(len(groups)):
                acc = ""
                for g in groups[i:]:
                    acc += g
                    if len(acc) > 19:
                        break
                    if len(acc) >= 13 and luhn_ok(acc):
                        return True
    return False


def might_hold_card(*values: str) -> bool:
    """Cheap test over several values at once (joined with a separator no run can cross)."""
    joined = "\x1f".join(values)
    if joined.isascii():
        return _LOOSE.search(joined) is not None
    return _QUICK.search(normalise(joined)) is not None


def card_field(names: Sequence[str], values: Sequence[str]) -> str | None:
    """The first field whose value looks like a card number, or None. One regex pass over the row."""
    joined = "\x1f".join(values)
    if joined.isascii() and not _LOOSE.search(joined):
        return None
    joined = normalise(joined)
    for m in _RUN.finditer(joined):
        raw = m.group(0)
        digits = raw.replace(" ", "").replace("-", "")
        if (13 <= len(digits) <= 19 and luhn_ok(digits)) or (
            len(digits) > 19 and raw != digits and looks_like_card(raw)
        ):
            idx = joined.count("\x1f", 0, m.start())
            return names[idx]
    return None


def check_free_text(fields: Mapping[str, str | None]) -> None:
    """PAY-1 on free text: refuse (UserError `card.number_in_text`, the field's name only, never the value)
    when a field holds what looks like a card number."""
    for name, value in fields.items():
        if value is not None and looks_like_card(str(value)):
            raise ValidationError("card.number_in_text", field=name)
