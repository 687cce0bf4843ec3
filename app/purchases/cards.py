"""Card-number detection (PAY-1): a run of 13–19 digits, optionally grouped by spaces or hyphens,
that passes the Luhn check, is treated as a payment card number and refused. Only the payment
provider's transaction number may be kept."""

from __future__ import annotations

import re
from collections.abc import Sequence

# Digits possibly separated by single spaces/hyphens; bounded so a longer run is seen whole.
_RUN = re.compile(r"(?<![0-9])[0-9](?:[ \-]?[0-9]){12,}(?![0-9])")
# Quick pre-check (C speed): anything with 13 digits in a (grouped) run at all?
_QUICK = re.compile(r"[0-9](?:[ \-]?[0-9]){12}")


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
    return _QUICK.search("\x1f".join(values)) is not None


def card_field(names: Sequence[str], values: Sequence[str]) -> str | None:
    """The first field whose value looks like a card number, or None. One regex pass over the row."""
    joined = "\x1f".join(values)
    for m in _RUN.finditer(joined):
        raw = m.group(0)
        digits = raw.replace(" ", "").replace("-", "")
        if (13 <= len(digits) <= 19 and luhn_ok(digits)) or (
            len(digits) > 19 and raw != digits and looks_like_card(raw)
        ):
            idx = joined.count("\x1f", 0, m.start())
            return names[idx]
    return None
