"""A holiday table file a manager imports (the same table head office sends in its feed):
{"year": 2027, "days": {"2027-01-01": "holiday", ...}} or just {"2027-01-01": "holiday", ...}."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from app.calendar.workdays import import_holiday_table
from app.errors import ValidationError
from app.staff import permissions as P

if TYPE_CHECKING:
    from app.staff.session import Session

if TYPE_CHECKING:
    from app.staff.session import Session

if TYPE_CHECKING:
    from app.staff.session import Session


def parse_holiday_file(data: bytes) -> tuple[int, dict]:
    """The file's bytes -> (year, days). The days are checked by `import_holiday_table`."""
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationError("calendar.table_invalid", detail="JSON") from None
    if isinstance(obj, dict) and "days" in obj:
        try:
            return int(obj.get("year") or 0), obj["days"]
        except (TypeError, ValueError):
            raise ValidationError("calendar.table_invalid", detail="year") from None
    if isinstance(obj, dict) and obj:
        first = str(next(iter(obj)))
        return int(first[:4]) if first[:4].isdigit() else 0, obj
    raise ValidationError("calendar.table_invalid", detail="empty")


def import_holiday_file(session: Session, data: bytes) -> int:
    """Parse and store a manager's holiday table file (manager: settings.change); returns its year."""
    session.require(P.SETTINGS_CHANGE)
    year, days = parse_holiday_file(data)
    import_holiday_table(session, year, days)
    return year
