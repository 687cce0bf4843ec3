"""The register of personal-information incidents (PIPL Art. 57), at head office.

One row per incident in `incidents` (headoffice/storage.py): what happened, when it happened and
when it was found, which stores and which kinds of data, an estimate of the people affected, the
measures taken, and whether and when the authority (履行个人信息保护职责的部门) and the people
affected were told. PIPL Art. 57 says "立即" (immediately) and the company policy names no number of
hours, so the register's deadline clock runs against an internal target, `NOTIFY_HOURS` after the
incident was found (a company decision to confirm; docs/headoffice.md).

These functions are the only way to change the register: the console and the admin command
(`memberdesk-headoffice incident …`) both call them, with the same checks, and every change is one
row in ho_audit (no free text in the audit row: the field names only). The register is meant to hold
no customer's personal data (kinds of data and counts); its free-text fields are sealed at rest all the
same, as head office seals records (STO-1), in case someone types one in.
All times are epoch seconds (UTC); the console shows them in Beijing time.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Mapping
from typing import Any, Protocol

from app.errors import ValidationError
from app.messages import add_messages
from headoffice import atrest

NOTIFY_HOURS = 72
MAX_TEXT = 4000
MAX_TITLE = 200
DATA_KINDS = ("name", "mobile", "id_number", "birth_date", "address", "purchases", "consent", "scans", "sensitive")
BEIJING = dt.timezone(dt.timedelta(hours=8))
SEALED = ("title", "description", "measures", "authority", "people_told_how")  # free text: sealed at rest (STO-1)
FIELDS = (
    "id",
    "title",
    "description",
    "occurred_at",
    "found_at",
    "stores",
    "data_kinds",
    "people_affected",
    "measures",
    "authority_told_at",
    "authority",
    "people_told_at",
    "people_told_how",
    "people_decided_at",
    "closed_at",
    "recorded_by",
    "recorded_at",
    "updated_at",
)

add_messages(
    {
        "incident.bad_text": (
            "请填写此项，且不超过 {limit} 个字符（{field}）。",
            "Fill this in, at most {limit} characters ({field}).",
        ),
        "incident.bad_time": ("时间不正确（{field}）。", "The time is not valid ({field})."),
        "incident.future_time": ("时间不能晚于现在（{field}）。", "The time cannot be in the future ({field})."),
        "incident.before_found": (
            "告知时间不能早于发现时间。",
            "A notification cannot be earlier than the incident was found.",
        ),
        "incident.bad_store": ("没有这个门店：{store}。", "No such store: {store}."),
        "incident.bad_kind": ("不认识的数据类型：{kind}。", "Unknown kind of data: {kind}."),
        "incident.bad_count": ("受影响人数必须是 0 或正整数。", "The number of people affected must be 0 or more."),
        "incident.unknown": ("没有这个事件。", "No such incident."),
        "incident.closed": ("事件已结案，不能再修改。", "The incident is closed and cannot be changed."),
        "incident.not_told": (
            "结案前须记录已告知主管部门和受影响的个人（或不告知个人的理由）。",
            "Before closing, record that the authority and the people affected were told (or why the people were not).",
        ),
    }
)


class _Storage(Protocol):
    def tx(self) -> Any: ...

    def read(self) -> Any: ...


class _HeadOffice(Protocol):
    storage: Any
    keys: Any

    def _seal(self, c: Any, value: Any, aad: str) -> str: ...

    def clock(self) -> float: ...

    def _audit(
        self,
        c: Any,
        actor: str,
        action: str,
        store: str | None = ...,
        subject: str | None = ...,
        details: dict | None = ...,
    ) -> None: ...


def _text(value: object, field: str, limit: int = MAX_TEXT, required: bool = True) -> str | None:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if not text and not required:
        return None
    if not text or len(text) > limit or any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise ValidationError("incident.bad_text", field=field, limit=limit)
    return text


def _time(ho: _HeadOffice, value: object, field: str, required: bool = True) -> float | None:
    if value is None or value == "":
        if required:
            raise ValidationError("incident.bad_time", field=field)
        return None
    try:
        ts = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError("incident.bad_time", field=field) from None
    if ts != ts or ts < 946684800:  # NaN or before 2000
        raise ValidationError("incident.bad_time", field=field)
    if ts > ho.clock() + 300:
        raise ValidationError("incident.future_time", field=field)
    return ts


def parse_beijing(text: str) -> float:
    """`2027-01-15 10:00` or `2027-01-15T10:00` (a datetime-local field) in Beijing time → epoch seconds."""
    try:
        when = dt.datetime.fromisoformat(str(text).strip().replace(" ", "T"))
    except ValueError:
        raise ValidationError("incident.bad_time", field="time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=BEIJING)
    return when.timestamp()


def _stores(c: Any, stores: list[str] | None) -> list[str]:
    out = sorted({str(s).strip().upper() for s in (stores or []) if str(s).strip()})
    for code in out:
        if c.one("SELECT 1 FROM stores WHERE code = ?", (code,)) is None:
            raise ValidationError("incident.bad_store", field="stores", store=code[:32])
    return out


def _kinds(kinds: list[str] | None) -> list[str]:
    out = sorted({str(k).strip() for k in (kinds or []) if str(k).strip()})
    for k in out:
        if k not in DATA_KINDS:
            raise ValidationError("incident.bad_kind", field="data_kinds", kind=k[:32])
    return out


def _count(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        n = int(str(value))
    except ValueError:
        raise ValidationError("incident.bad_count", field="people_affected") from None
    if n < 0:
        raise ValidationError("incident.bad_count", field="people_affected")
    return n


def record(
    ho: _HeadOffice,
    actor: str,
    *,
    title: str,
    description: str,
    found_at: float,
    occurred_at: float | None = None,
    stores: list[str] | None = None,
    data_kinds: list[str] | None = None,
    people_affected: int | str | None = None,
    measures: str | None = None,
) -> int:
    """Record an incident; its id. `stores` empty means the whole chain (or head office itself)."""
    t = _text(title, "title", MAX_TITLE)
    d = _text(description, "description")
    m = _text(measures, "measures", required=False)
    found = _time(ho, found_at, "found")
    occurred = _time(ho, occurred_at, "occurred", required=False)
    kinds, n = _kinds(data_kinds), _count(people_affected)
    now = ho.clock()
    with ho.storage.tx() as c:
        codes = _stores(c, stores)
        t, d, m = (_seal(ho, c, f, v) for f, v in (("title", t), ("description", d), ("measures", m)))
        values = (t, d, occurred, found, json.dumps(codes), json.dumps(kinds), n, m, actor, now, now)
        sql = (
            "INSERT INTO incidents(title, description, occurred_at, found_at, stores, data_kinds, people_affected,"
            " measures, recorded_by, recorded_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        )
        if c.pg:
            iid = int(c.one(sql + " RETURNING id", values)[0])
        else:
            iid = int(c.execute(sql, values).lastrowid)
        ho._audit(c, actor, "incident.record", None, str(iid), {"stores": codes, "data_kinds": kinds})
    return iid


def _change(ho: _HeadOffice, actor: str, iid: int | str, action: str, sets: Mapping[str, object], check=None) -> None:
    with ho.storage.tx() as c:
        row = _row(ho, c, iid)
        if row is None:
            raise ValidationError("incident.unknown", field="id")
        if row["closed_at"] is not None:
            raise ValidationError("incident.closed", field="id")
        if check is not None:
            check(row)
        cols = ", ".join(f"{k} = ?" for k in sets)
        values = [_seal(ho, c, k, v) if k in SEALED else v for k, v in sets.items()]
        c.execute(f"UPDATE incidents SET {cols}, updated_at = ? WHERE id = ?", (*values, ho.clock(), int(iid)))
        ho._audit(c, actor, action, None, str(iid), {"fields": sorted(sets)})


def update_measures(ho: _HeadOffice, actor: str, iid: int | str, measures: str) -> None:
    """Replace the measures taken (remedial steps; PIPL Art. 57 (二))."""
    _change(ho, actor, iid, "incident.measures", {"measures": _text(measures, "measures")})


def _not_before_found(when: float):
    def check(row: dict) -> None:
        if when < float(row["found_at"]) - 86400:  # a day's slack for a clock entered loosely
            raise ValidationError("incident.before_found", field="time")

    return check


def mark_authority_told(ho: _HeadOffice, actor: str, iid: int | str, when: float, authority: str) -> None:
    """The authority was told (when, which authority)."""
    ts = _time(ho, when, "authority_told")
    assert ts is not None
    sets = {"authority_told_at": ts, "authority": _text(authority, "authority", MAX_TITLE)}
    _change(ho, actor, iid, "incident.authority_told", sets, _not_before_found(ts))


def mark_people_told(ho: _HeadOffice, actor: str, iid: int | str, when: float | None, how: str) -> None:
    """The people affected were told (when and how), or — `when` None — why they were not (Art. 57: the
    measures avoided harm; the authority may still require it)."""
    ts = _time(ho, when, "people_told", required=False)
    sets = {"people_told_at": ts, "people_told_how": _text(how, "people_told_how"), "people_decided_at": ho.clock()}
    _change(ho, actor, iid, "incident.people_told", sets, _not_before_found(ts) if ts is not None else None)


def close(ho: _HeadOffice, actor: str, iid: int | str) -> None:
    """Close an incident: only after the authority and the people (or the reason they were not told) are recorded."""

    def check(row: dict) -> None:
        if row["authority_told_at"] is None or not row["people_told_how"]:
            raise ValidationError("incident.not_told", field="id")

    _change(ho, actor, iid, "incident.close", {"closed_at": ho.clock()}, check)


def _seal(ho: _HeadOffice, c: Any, field: str, value: Any) -> Any:
    return None if value is None else ho._seal(c, value, f"incidents|{field}")


def _row(ho: _HeadOffice, c: Any, iid: int | str) -> dict | None:
    try:
        key = int(iid)
    except (TypeError, ValueError):
        return None
    if not 0 < key < 2**62:
        return None
    r = c.one(f"SELECT {', '.join(FIELDS)} FROM incidents WHERE id = ?", (key,))
    return None if r is None else _dict(ho, c, r)


def _dict(ho: _HeadOffice, c: Any, r: Any) -> dict:
    d = dict(zip(FIELDS, r, strict=True))
    for f in SEALED:
        if d[f] is not None:
            d[f] = atrest.open_json(ho.keys, c, d[f], f"incidents|{f}")
    d["stores"], d["data_kinds"] = json.loads(d["stores"]), json.loads(d["data_kinds"])
    return d


def clock(row: dict, now: float) -> dict:
    """The deadline clock of one incident: due time, hours left (negative: late), and for each of the
    authority and the people whether they were told in time, late, or are still waiting."""
    due = float(row["found_at"]) + NOTIFY_HOURS * 3600

    def state(told_at: float | None, done: bool) -> str:
        if done:
            return "late" if told_at is not None and told_at > due else "in_time"
        return "overdue" if now > due else "waiting"

    return {
        "deadline_at": due,
        "hours_left": round((due - now) / 3600, 1),
        "authority_state": state(row["authority_told_at"], row["authority_told_at"] is not None),
        "people_state": state(row["people_told_at"] or row["people_decided_at"], bool(row["people_told_how"])),
    }


def _with_clock(rows: list[dict], now: float) -> list[dict]:
    return [{**r, **clock(r, now)} for r in rows]


def get(ho: _HeadOffice, iid: int | str) -> dict | None:
    with ho.storage.read() as c:
        row = _row(ho, c, iid)
    return None if row is None else _with_clock([row], ho.clock())[0]


def list_incidents(ho: _HeadOffice, *, open_only: bool = False, limit: int = 200) -> list[dict]:
    """Newest first; open incidents (not closed) first of all."""
    sql = f"SELECT {', '.join(FIELDS)} FROM incidents"
    sql += " WHERE closed_at IS NULL" if open_only else ""
    sql += " ORDER BY (CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END), found_at DESC, id DESC LIMIT ?"
    with ho.storage.read() as c:
        rows = [_dict(ho, c, r) for r in c.all(sql, (int(limit),))]
    return _with_clock(rows, ho.clock())


def _bound(value: dt.date | dt.datetime | float, end: bool) -> float:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=BEIJING)).timestamp()
    if isinstance(value, dt.date):
        day = value + dt.timedelta(days=1) if end else value
        return dt.datetime(day.year, day.month, day.day, tzinfo=BEIJING).timestamp()
    return float(value)


def incidents_for_period(
    ho: _HeadOffice,
    start: dt.date | dt.datetime | float,
    end: dt.date | dt.datetime | float,
    stores: list[str] | None = None,
) -> list[dict]:
    """Incidents an evidence pack for [start, end) names, as plain dicts (FIELDS + the deadline clock as it
    stood at `end`): found in the period, or found before it and not closed before it starts. Dates are
    Beijing calendar days, both included; epoch seconds and datetimes are a half-open interval.
    `stores`: None = every incident; else incidents naming one of them or naming no store (chain-wide)."""
    lo, hi = _bound(start, False), _bound(end, True)
    with ho.storage.read() as c:
        rows = [
            _dict(ho, c, r)
            for r in c.all(
                f"SELECT {', '.join(FIELDS)} FROM incidents"
                " WHERE found_at < ? AND (closed_at IS NULL OR closed_at >= ?) ORDER BY found_at, id",
                (hi, lo),
            )
        ]
    if stores is not None:
        want = {s.upper() for s in stores}
        rows = [r for r in rows if not r["stores"] or want & set(r["stores"])]
    return _with_clock(rows, min(hi, ho.clock()))
