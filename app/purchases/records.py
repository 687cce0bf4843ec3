"""Purchases (CAT-2): manual entry at the counter, coupon use, last purchase date, POS import
(`app.purchases.pos_import`). Only the payment provider's transaction number is kept; anything
that looks like a card number is refused and never stored (PAY-1).

On a member's erasure purchases are not deleted (5-year tax rule, RET-1) but unlinked: member_id
becomes NULL and the row is storage-only (RIG-5)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

from app.clock import iso
from app.datacopy import register_exporter
from app.erasure import is_erased, register_eraser
from app.errors import NotFound, ValidationError
from app.members.records import fold_purchase_touches, raise_last_purchase
from app.messages import add_messages
from app.purchases.cards import looks_like_card
from app.staff import permissions as P
from app.sync.journal import register_expander

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.db import Queries

# A purchase time later than now by more than this (the till's and the PC's clocks differ a little) is refused,
# at the counter and in the POS import alike: one future-dated row would keep its member from RET-2 forever.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)

PURCHASE_CREATE = P.grant("purchase.create", P.CLERK, P.MANAGER)
PURCHASE_IMPORT = P.grant("purchase.import", P.CLERK, P.MANAGER)
PURCHASE_VIEW = P.grant("purchase.view", P.CLERK, P.MANAGER)

add_messages(
    {
        "purchase.card_number": (
            "填写的内容中有类似银行卡号的数字，未保存。系统不保存银行卡信息，只能填写支付机构的交易流水号。",
            "What was entered contains what looks like a card number; nothing was saved. Card details "
            "are never stored: enter only the payment provider's transaction number.",
        ),
        "purchase.amount_invalid": (
            "金额无效，请输入不小于 0 的金额，例如 128.50。",
            "The amount is not valid. Enter an amount of 0 or more, e.g. 128.50.",
        ),
        "purchase.amount_negative": (
            "金额不能为负数（退货请在收银系统处理）。",
            "The amount cannot be negative (returns are handled in the POS).",
        ),
        "purchase.date_invalid": (
            "交易时间无效，请使用 2026-11-28 14:30 这样的格式。",
            "The purchase time is not valid. Use a format like 2026-11-28 14:30.",
        ),
        "purchase.date_future": ("交易时间不能晚于现在。", "The purchase time cannot be in the future."),
        "purchase.txn_required": ("请填写交易号。", "Enter the transaction number."),
        "purchase.duplicate": (
            "该交易号已录入过，未重复保存。",
            "This transaction number is already recorded; nothing was added.",
        ),
        "purchase.member_unknown": ("未找到该会员。", "Member not found."),
        "purchase.member_restricted": (
            "该会员的个人信息已限制处理（仅存储），不能再关联新的消费记录。",
            "This member's information is restricted (storage only); no new purchase can be linked to them.",
        ),
        "purchase.member_erased": (
            "该会员的个人信息已删除，不能再关联消费记录。",
            "This member's information was deleted; purchases can no longer be linked to them.",
        ),
        "purchase.coupon_invalid": (
            "优惠券编号为 1–32 位字母、数字或减号。",
            "A coupon code has 1–32 letters, digits or hyphens.",
        ),
        "purchase.text_too_long": (
            "填写的内容过长(最多 {max} 个字符)。",
            "A value is too long (at most {max} characters).",
        ),
    }
)

TZ_CN = dt.timezone(dt.timedelta(hours=8))
_COUPON = re.compile(r"^[0-9A-Za-z\-]{1,32}$")


# -- parsing helpers shared with the POS import -------------------------------------------
_SIMPLE_AMOUNT = re.compile(r"^(\d{1,10})(?:\.(\d{1,2}))?$")
_SIMPLE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$")


def parse_amount_fen(text: object) -> int:
    """'¥1,234.50' / '1234.5' / 88 -> fen. Raises ValidationError (negative, malformed)."""
    if isinstance(text, str):
        m = _SIMPLE_AMOUNT.match(text)
        if m:  # fast path: plain "128.50"
            frac = m.group(2) or ""
            return int(m.group(1)) * 100 + (int(frac.ljust(2, "0")) if frac else 0)
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = Decimal(str(text))
    else:
        s = str(text or "").strip().replace(",", "").replace("¥", "").replace("￥", "").replace("元", "").strip()
        if not s:
            raise ValidationError("purchase.amount_invalid", field="amount")
        try:
            value = Decimal(s)
        except InvalidOperation:
            raise ValidationError("purchase.amount_invalid", field="amount") from None
    if not value.is_finite():
        raise ValidationError("purchase.amount_invalid", field="amount")
    if value < 0:
        raise ValidationError("purchase.amount_negative", field="amount")
    fen = value * 100
    if fen != fen.to_integral_value() or fen > 10**12:
        raise ValidationError("purchase.amount_invalid", field="amount")
    return int(fen)


_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y%m%d%H%M%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
)


def parse_time(text: object, tz: dt.tzinfo = TZ_CN) -> dt.datetime:
    """POS time -> aware datetime (naive times are the store's local time, UTC+8)."""
    value: dt.datetime | None
    if isinstance(text, dt.datetime):
        value = text
    else:
        s = str(text or "").strip()
        if not s:
            raise ValidationError("purchase.date_invalid", field="time")
        value = None
        try:
            value = dt.datetime.fromisoformat(s)
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    value = dt.datetime.strptime(s, fmt)
                    break
                except ValueError:
                    continue
        if value is None:
            raise ValidationError("purchase.date_invalid", field="time")
    assert value is not None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    if not 2000 <= value.year <= 2100:
        raise ValidationError("purchase.date_invalid", field="time")
    return value


def parse_time_iso(text: object) -> str:
    """parse_time(...) as an ISO string; fast path for the usual POS format 'YYYY-MM-DD HH:MM:SS'."""
    if isinstance(text, str) and _SIMPLE_TIME.match(text):
        value = parse_time(text)  # validates (month 13, 31 Feb ...)
        if value.tzinfo is TZ_CN:
            return text[:10] + "T" + text[11:19] + "+08:00"
        return iso(value)
    return iso(parse_time(text))


def check_no_card(fields: dict) -> None:
    for name, value in fields.items():
        if value is not None and looks_like_card(str(value)):
            raise ValidationError("purchase.card_number", field=name)  # the field name only, never the value


def check_len(name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise ValidationError("purchase.text_too_long", field=name, max=limit)


def _member_ok(db: Queries, member_id: str) -> None:
    if is_erased(db, member_id):
        raise ValidationError("purchase.member_erased", field="member")
    row = db.one("SELECT restricted FROM members WHERE id = ?", (member_id,))
    if row is None:
        raise NotFound("purchase.member_unknown")
    if row[0]:  # RIG-5: stored only; the POS keeps the sale unlinked, the counter does not add one
        raise ValidationError("purchase.member_restricted", field="member")


# -- a member's purchases: by month, then member ----------------------------------------------
# purchases are indexed on (purchase month, member) so that a day's POS import writes into one small
# region of the index (migration 0008). A query for one member names the months that hold purchases.
def purchase_months(conn: Queries, since: str | None = None) -> list[str]:
    """'YYYY-MM' of every month from the oldest purchase (or `since`, an ISO time) to the newest. Two
    lookups in the purchase-time index; about 62 months in a store that keeps 5 years."""
    lo = conn.scalar("SELECT min(purchased_at) FROM purchases")
    hi = conn.scalar("SELECT max(purchased_at) FROM purchases")
    if lo is None or hi is None:
        return []
    if since is not None and since > lo:
        lo = since
    y, m = int(lo[:4]), int(lo[5:7])
    end = (int(hi[:4]), int(hi[5:7]))
    out = []
    while (y, m) <= end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def member_filter(conn: Queries, alias: str = "", since: str | None = None) -> tuple[str, list[str]]:
    """(SQL condition, its parameters) selecting one member's purchases through the month index; the
    member id is the next parameter after these: f"... WHERE {sql}", (*params, member_id)."""
    col = f"{alias}." if alias else ""
    months = purchase_months(conn, since)
    if not months:
        return f"{col}member_id = ? AND 0", []
    return (f"substr({col}purchased_at, 1, 7) IN ({','.join('?' * len(months))}) AND {col}member_id = ?", months)


def touch_last_purchase(tx: Tx, member_ids: Iterable[str | None]) -> None:
    """members.last_purchase_at = the latest purchase (never moves backwards). Manual entry; the POS
    import records touches in purchase_touch instead (see fold_touches)."""
    for mid in set(m for m in member_ids if m):
        cond, params = member_filter(tx)
        latest = tx.scalar(f"SELECT max(purchased_at) FROM purchases WHERE {cond}", (*params, mid))
        if latest:
            raise_last_purchase(tx, mid, latest)


def record_touches(tx: Tx, latest: dict[str, str]) -> None:
    """The import's note of each member's newest purchase (member id -> ISO time), in purchase_touch:
    a small table, so the import does not rewrite a random member row per purchase."""
    tx.executemany(
        "INSERT INTO purchase_touch(member_id, last_at) VALUES (?, ?) ON CONFLICT(member_id)"
        " DO UPDATE SET last_at = max(last_at, excluded.last_at)",
        sorted(latest.items()),
    )


def fold_touches(conn: Queries) -> int:
    """Move purchase_touch into members.last_purchase_at (the retention sweep does this first, inside
    its transaction). Returns how many members moved."""
    n = fold_purchase_touches(conn)
    conn.execute("DELETE FROM purchase_touch")
    return n


# -- manual entry at the counter --------------------------------------------------------------
def record_purchase(
    session: Session,
    member_id: str,
    *,
    amount: object,
    purchased_at: object = None,
    goods_type: str = "",
    payment_method: str = "",
    payment_ref: str | None = None,
    coupon_code: str | None = None,
    pos_txn_id: str | None = None,
) -> int:
    """A purchase keyed at the counter. Returns the purchase id."""
    session.require(PURCHASE_CREATE)
    goods_type = (goods_type or "").strip()
    payment_method = (payment_method or "").strip()
    payment_ref = (payment_ref or "").strip() or None
    coupon_code = (coupon_code or "").strip() or None
    pos_txn_id = (pos_txn_id or "").strip() or None
    check_no_card(
        {
            "pos_txn_id": pos_txn_id,
            "goods_type": goods_type,
            "payment_method": payment_method,
            "payment_ref": payment_ref,
            "coupon_code": coupon_code,
        }
    )
    for name, value, limit in (
        ("goods_type", goods_type, 64),
        ("payment_method", payment_method, 32),
        ("payment_ref", payment_ref, 64),
        ("pos_txn_id", pos_txn_id, 64),
    ):
        check_len(name, value, limit)
    if coupon_code and not _COUPON.match(coupon_code):
        raise ValidationError("purchase.coupon_invalid", field="coupon_code")
    fen = parse_amount_fen(amount)
    when = parse_time(purchased_at) if purchased_at is not None else session.clock.now()
    if when > session.clock.now() + FUTURE_TOLERANCE:
        raise ValidationError("purchase.date_future", field="time")
    _member_ok(session.db, member_id)
    txn = pos_txn_id or f"MAN-{secrets.token_hex(6)}"
    if session.db.one("SELECT 1 FROM purchases WHERE store_code = ? AND pos_txn_id = ?", (session.store_code, txn)):
        raise ValidationError("purchase.duplicate", field="pos_txn_id")
    now = iso(session.clock.now())
    with session.write("purchase.create", "member", member_id, {"source": "manual", "coupon": bool(coupon_code)}) as tx:
        cur = tx.execute(
            "INSERT INTO purchases(store_code, pos_txn_id, member_id, purchased_at, amount_fen, goods_type,"
            " payment_method, payment_ref, coupon_code, coupon_used_at, source, created_at, created_by)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                session.store_code,
                txn,
                member_id,
                iso(when),
                fen,
                goods_type,
                payment_method,
                payment_ref,
                coupon_code,
                now if coupon_code else None,
                "manual",
                now,
                session.staff.id,
            ),
        )
        pid = cur.lastrowid
        tx.journal(
            "purchase",
            f"{session.store_code}:{txn}",
            "upsert",
            _journal_payload(txn, member_id, iso(when), fen, goods_type, payment_method, coupon_code),
            member_id=member_id,
        )
        touch_last_purchase(tx, [member_id])
    return cast(int, pid)  # an INSERT's rowid


def _journal_payload(
    txn: str,
    member_id: str | None,
    when: str,
    fen: int,
    goods_type: str | None,
    payment_method: str | None,
    coupon_code: str | None,
) -> dict[str, Any]:
    return {
        "pos_txn_id": txn,
        "member_id": member_id,
        "purchased_at": when,
        "amount_fen": fen,
        "goods_type": goods_type,
        "payment_method": payment_method,
        "coupon_code": coupon_code,
    }


def record_coupon_use(session: Session, purchase_id: int, coupon_code: str) -> None:
    """Record that a coupon was used on a purchase (CAT-2 "coupon use")."""
    session.require(PURCHASE_CREATE)
    coupon_code = (coupon_code or "").strip()
    if not _COUPON.match(coupon_code):
        raise ValidationError("purchase.coupon_invalid", field="coupon_code")
    check_no_card({"coupon_code": coupon_code})
    row = session.db.one("SELECT member_id, pos_txn_id FROM purchases WHERE id = ?", (purchase_id,))
    if row is None:
        raise NotFound()
    with session.write("purchase.coupon", "purchase", str(purchase_id), {"coupon": True}) as tx:
        tx.execute(
            "UPDATE purchases SET coupon_code = ?, coupon_used_at = ? WHERE id = ?",
            (coupon_code, iso(session.clock.now()), purchase_id),
        )
        tx.journal(
            "purchase",
            f"{session.store_code}:{row['pos_txn_id']}",
            "upsert",
            {"coupon_code": coupon_code},
            member_id=row["member_id"],
        )


def list_purchases(session: Session, member_id: str, limit: int = 200) -> list[dict]:
    session.require(PURCHASE_VIEW)
    session.audit_read("purchase.list", "member", member_id)
    cond, params = member_filter(session.db)
    rows = session.db.all(
        "SELECT id, pos_txn_id, purchased_at, amount_fen, goods_type, payment_method, payment_ref, coupon_code, source "
        f"FROM purchases WHERE {cond} ORDER BY purchased_at DESC LIMIT ?",
        (*params, member_id, limit),
    )
    return [dict(r) for r in rows]


def last_purchase(db: Queries, member_id: str) -> str | None:
    """The member's latest purchase: members.last_purchase_at, or a newer one the import noted since the
    last sweep (purchase_touch)."""
    row = db.one(
        "SELECT max(coalesce(m.last_purchase_at, ''), coalesce(t.last_at, '')) FROM members m"
        " LEFT JOIN purchase_touch t ON t.member_id = m.id WHERE m.id = ?",
        (member_id,),
    )
    return (row[0] or None) if row else None


def purchase_summary(db: Queries, member_id: str) -> tuple[int, int, str | None]:
    """(number of purchases, total in fen, latest purchase time) of one member."""
    cond, params = member_filter(db)
    n, fen, last = db.one(
        f"SELECT count(*), coalesce(sum(amount_fen), 0), max(purchased_at) FROM purchases WHERE {cond}",
        (*params, member_id),
    ) or (0, 0, None)  # an aggregate: always one row
    return int(n), int(fen), last


def format_amount(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


def export_purchases(db: Queries, member_id: str) -> list[dict]:
    """The member's purchases for their data copy (RIG-6); no internal ids beyond the POS number."""
    cond, params = member_filter(db)
    rows = db.all(
        "SELECT pos_txn_id, purchased_at, amount_fen, goods_type, payment_method, payment_ref, coupon_code,"
        f" coupon_used_at, source FROM purchases WHERE {cond} ORDER BY purchased_at",
        (*params, member_id),
    )
    return [dict(r) for r in rows]


# -- erasure: unlink, keep for the tax period (RIG-5) -------------------------------------------------
def _erase_purchases(tx: Tx, member_id: str) -> int:
    tx.execute("DELETE FROM purchase_touch WHERE member_id = ?", (member_id,))
    cond, params = member_filter(tx)
    return tx.execute(
        f"UPDATE purchases SET member_id = NULL, storage_only = 1 WHERE {cond}", (*params, member_id)
    ).rowcount


register_eraser("purchases", _erase_purchases)

register_exporter("purchases", export_purchases)  # the customer's data copy (RIG-6)


def _expand_purchase_batch(db: Queries, row: dict[str, Any], lo: int, hi: int) -> list[dict[str, Any]]:
    """Sequence numbers lo..hi of a purchase_batch span (app.sync.journal.add_purchase_batch): purchase
    first_id + (s - seq) for each s, read as the purchases are now."""
    p, seq = row["payload"], int(row["seq"])
    import_id, first = int(p["import_id"]), int(p["first_id"])
    store = str(row["entity_id"]).split(":", 1)[0]
    a, b = first + lo - seq, first + hi - seq
    found = {
        r[0]: r
        for r in db.all(
            "SELECT id, store_code, pos_txn_id, member_id, purchased_at, amount_fen, goods_type, payment_method,"
            " coupon_code, storage_only FROM purchases WHERE id BETWEEN ? AND ? AND import_id = ?",
            (a, b, import_id),
        )
    }
    out = []
    for pid in range(a, b + 1):
        r = found.get(pid)
        base = {"seq": seq + pid - first, "ts": row["ts"], "entity": "purchase"}
        if r is not None and r[3] is not None and not r[9]:
            out.append(
                {
                    **base,
                    "entity_id": f"{r[1]}:{r[2]}",
                    "op": "upsert",
                    "member_id": r[3],
                    "payload": _journal_payload(r[2], r[3], r[4], r[5], r[6], r[7], r[8]),
                }
            )
        else:  # deleted by retention, or its member erased (RIG-3): nothing of it travels
            out.append(
                {**base, "entity_id": f"{store}:{import_id}:{pid}", "op": "scrubbed", "payload": {}, "member_id": None}
            )
    return out


register_expander("purchase_batch", _expand_purchase_batch)  # the POS import journals its batches as spans
