"""Dates and times on paper, as people write them: 2026年12月3日 14:05 (Beijing time, no seconds, no ISO "T",
no UTC offset). Every printed document formats its times here."""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8))  # the stores' time (China has one zone and no daylight saving)


def _parse(text: str) -> dt.date | dt.datetime | None:
    s = text.strip()
    if not s:
        return None
    try:
        value = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(s) <= 10:
        return value.date()
    return value


def print_date(value: object) -> str:
    """A date (or the day of a time): 2026年12月3日. Text that is no ISO date is printed as given."""
    d = _parse(value) if isinstance(value, str) else value
    if isinstance(d, dt.datetime):
        d = (d.astimezone(CHINA) if d.tzinfo else d).date()
    if isinstance(d, dt.date):
        return f"{d.year}年{d.month}月{d.day}日"
    return str(value or "")


def print_time(value: object) -> str:
    """A time: 2026年12月3日 14:05 (a date alone: 2026年12月3日). Aware times are shown in Beijing time."""
    d = _parse(value) if isinstance(value, str) else value
    if isinstance(d, dt.datetime):
        if d.tzinfo:
            d = d.astimezone(CHINA)
        return f"{d.year}年{d.month}月{d.day}日 {d:%H:%M}"
    if isinstance(d, dt.date):
        return print_date(d)
    return str(value or "")
