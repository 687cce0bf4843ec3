"""POS import (CAT-2): CSV and JSON export files from the store's POS, column mapping in
docs/pos-import.md.

- Encodings: UTF-8, UTF-8 with BOM and GBK (read as GB18030, its superset) are detected.
- Idempotent on the POS transaction id: a transaction already stored is counted as a duplicate.
- Rejected rows are reported with their line number (CSV; record number for JSON), a reason key
  and the field name — never the row's values (a rejected row may hold a card number, PAY-1).
- Accepted rows are committed in batches, each batch in one transaction with its audit entry and the
  file's checkpoint (pos_imports.line_done), so an interrupted import resumes after the last batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app import crashpoints
from app.clock import iso
from app.errors import UserError, ValidationError
from app.messages import add_messages
from app.purchases.cards import card_field
from app.purchases.pos_read import canon_name, detect_encoding, iter_csv, json_lines, load_json  # noqa: F401
from app.purchases.records import FUTURE_TOLERANCE, PURCHASE_IMPORT, parse_amount_fen, parse_time_iso, record_touches
from app.storage.db import JobStopped
from app.sync.journal import add_purchase_batch

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

log = logging.getLogger("memberdesk.purchases.import")

# A row as read: its line number, {canonical column: value} (None: the row is not usable as it is) and the whole
# row (column names, values) for the card-number check, or the reason a line could not be read.
RawRow = tuple[list[str], list[str]]
ReadRow = tuple[int, dict[str, str] | None, "RawRow | str"]
# A clean row: (txn_id, member_no, time ISO, amount in fen, goods_type, payment_method, payment_ref, coupon)
CleanRow = tuple[str, str, str, int, str, str, str, str]
# Why a row is refused: (reason, field or None)
Problem = tuple[str, str | None]

add_messages(
    {
        "pos.encoding_unknown": (
            "文件编码无法识别（支持 UTF-8、带 BOM 的 UTF-8 和 GBK）。第 {line} 行附近无法读取，未导入该行之后的内容。",
            "The file's encoding is not recognised (UTF-8, UTF-8 with BOM and GBK are supported). "
            "Reading failed near line {line}; nothing after it was imported.",
        ),
        "pos.columns_missing": (
            "文件缺少必需的列：{columns}。请按《收银系统导入说明》导出。",
            "The file lacks required columns: {columns}. Export it as described in the POS import guide.",
        ),
        "pos.format_unknown": (
            "不支持的文件格式，请使用 CSV 或 JSON 文件。",
            "Unsupported file format; use a CSV or JSON file.",
        ),
        "pos.json_invalid": (
            "JSON 文件无法解析(第 {line} 行附近)。",
            "The JSON file cannot be parsed (near line {line}).",
        ),
        "pos.empty": ("文件中没有交易记录。", "The file holds no transactions."),
        "pos.unreadable": (
            "文件无法读取（可能正被收银系统写入），稍后会再试。",
            "The file cannot be read (the POS may still be writing it); it will be tried again.",
        ),
        "pos.reason.missing": ("缺少必填项", "Required value missing"),
        "pos.reason.duplicate_in_file": ("文件内交易号重复", "Transaction number repeated in the file"),
        "pos.reason.amount": ("金额无效", "Invalid amount"),
        "pos.reason.negative": ("金额为负数", "Negative amount"),
        "pos.reason.date": ("交易时间无效", "Invalid date"),
        "pos.reason.future": ("交易时间晚于现在", "The purchase time is in the future"),
        "pos.reason.card_number": ("含类似银行卡号的数字，整行未保存", "Looks like a card number; row not stored"),
        "pos.reason.member_unknown": ("会员号不存在", "Unknown member number"),
        "pos.reason.member_erased": ("会员信息已删除", "Member's information was deleted"),
        "pos.reason.too_long": ("内容过长", "Value too long"),
        "pos.reason.columns": ("列数不对", "Wrong number of columns"),
        "pos.reason.unreadable": ("该行无法解析", "The line cannot be read"),
        "pos.reason.quote": (
            "引号未闭合（该行之后的内容已继续导入）",
            "A quote is never closed (the lines after it were read)",
        ),
        "pos.reason.encoding": ("该行编码无法识别", "The line's encoding is not recognised"),
        "pos.reason.control": ("含控制字符或不可见字符", "Contains control or invisible characters"),
        "pos.json_unparsable": (
            "JSON 文件无法解析（嵌套层数过多或数字过长）。",
            "The JSON file cannot be parsed (nested too deeply, or a number too long).",
        ),
        "pos.file_unreadable": (
            "文件无法读取，未导入。请重新从收银系统导出。",
            "The file cannot be read and was not imported. Export it from the POS again.",
        ),
    }
)

REQUIRED = ("txn_id", "member_no", "time", "amount")
OPTIONAL = ("goods_type", "payment_method", "payment_ref", "coupon")
# Header aliases (lower-cased, spaces removed) -> canonical column.
ALIASES = {
    "txn_id": ("txn_id", "transaction_id", "pos_txn_id", "交易号", "交易流水号", "小票号", "单号"),
    "member_no": ("member_no", "member_number", "member", "会员号", "会员卡号", "会员编号"),
    "time": ("time", "purchased_at", "datetime", "date", "交易时间", "消费时间", "日期时间"),
    "amount": ("amount", "total", "金额", "实收金额", "消费金额"),
    "goods_type": ("goods_type", "category", "商品类别", "品类", "商品类型"),
    "payment_method": ("payment_method", "pay_method", "支付方式", "付款方式"),
    "payment_ref": ("payment_ref", "payment_txn_id", "provider_txn_id", "支付流水号", "支付交易号", "第三方流水号"),
    "coupon": ("coupon", "coupon_code", "优惠券", "优惠券编号", "券号"),
}
_LOOKUP = {alias.lower().replace(" ", ""): canon for canon, names in ALIASES.items() for alias in names}
CHUNK = 5000  # rows per INSERT inside a batch: a waiting write at the counter gets in after at most this many
BATCH = 50000  # rows per transaction: fewer rewrites of the same index pages (a batch holds ~30 MB)


@dataclass
class ImportResult:
    import_id: int
    encoding: str
    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str, str | None]] = field(default_factory=list)  # (line, reason key, field)
    resumed_from: int = 0
    already_done: bool = False

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)


# -- reading (app.purchases.pos_read) --------------------------------------------------------------
def _canon_header(names: list[str]) -> dict[str, int]:
    mapping = {}
    for i, name in enumerate(names):
        canon = _LOOKUP.get(canon_name(name))
        if canon and canon not in mapping:
            mapping[canon] = i
    missing = [c for c in REQUIRED if c not in mapping]
    if missing:
        raise UserError("pos.columns_missing", columns=", ".join(missing))
    return mapping


def _iter_csv(path: Path, encoding: str) -> Iterator[ReadRow]:
    with open(path, "rb") as fh:
        yield from iter_csv(fh, encoding, _LOOKUP, _canon_header)


def _norm_key(key: object) -> str:
    return canon_name(key)


def _json_record(n: int, rec: object) -> ReadRow:
    try:
        return _json_values(n, rec)
    except Exception:  # noqa: BLE001 - a value too deep to write back: this record's problem
        return n, None, "unreadable"


def _json_values(n: int, rec: object) -> ReadRow:
    if not isinstance(rec, dict):
        return n, None, ([], [])
    out: dict[str, str] = {}
    names: list[str] = []
    values: list[str] = []
    for k, v in rec.items():
        text = "" if v is None else (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
        canon = _LOOKUP.get(_norm_key(k))
        if canon and canon not in out:
            out[canon] = text
        names.append(canon or str(k)[:32])
        values.append(text)
    return n, out, (names, values)


def _is_json_lines(path: Path, encoding: str) -> bool:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return True
    with open(path, "rb") as fh:
        for _n, obj, problem, _text in json_lines(fh, encoding):
            if problem:
                return False
            return isinstance(obj, dict) and "transactions" not in obj and "records" not in obj
    return False


def _iter_json(path: Path, encoding: str) -> Iterator[ReadRow]:
    """A list of objects, {"transactions": [...]} (read whole) or JSON Lines (streamed, numbered by physical
    line; a line that does not parse is a rejected line, not the end). Arrays are numbered by record (1-based)."""
    if _is_json_lines(path, encoding):
        checked = False
        with open(path, "rb") as fh:
            for n, rec, problem, text in json_lines(fh, encoding):
                if problem == "unreadable":
                    yield n, None, (["line"], [text])  # card numbers in it are still looked for (PAY-1)
                    continue
                if problem:
                    yield n, None, problem
                    continue
                if not checked and isinstance(rec, dict):
                    _canon_header(list(rec))  # a file without the required keys is refused as a whole
                    checked = True
                yield _json_record(n, rec)
        if not checked:
            raise UserError("pos.empty")
        return
    data = load_json(path.read_bytes(), encoding)
    records = data.get("transactions", data.get("records")) if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise UserError("pos.json_invalid", line=1)
    first = next((r for r in records if isinstance(r, dict)), None)
    if first is None:
        raise UserError("pos.empty")
    keys: set[str] = set()
    for r in records[:1000]:
        if isinstance(r, dict):
            keys.update(r)
    _canon_header(list(keys))
    for n, rec in enumerate(records, 1):
        yield _json_record(n, rec)


# -- validation ---------------------------------------------------------------------------------------
def _check_row(
    vals: dict[str, str], raw: RawRow, latest: dt.datetime | None = None
) -> tuple[CleanRow, None] | tuple[None, Problem]:
    """vals: {canon: str}; raw: (column names, values) of the whole row.
    -> ((txn_id, member_no, time ISO, fen, goods_type, payment_method, payment_ref, coupon), None)
    or (None, (reason, field))."""
    # Full-width digits and letters read as their plain forms (NFKC): "Ｔ１" and "T1" are one transaction,
    # and a card number typed in full-width digits is still a card number.
    raw = (raw[0], [_nfkc(v) for v in raw[1]])
    # PAY-1 first: a card number in any column refuses the whole row, before anything else is looked at.
    bad = card_field(*raw)
    if bad is not None:
        return None, ("card_number", bad)
    vals = {k: _nfkc(v) for k, v in vals.items()}
    txn, no, when, amount = (vals[name].strip() for name in REQUIRED)
    for name, v in zip(REQUIRED, (txn, no, when, amount), strict=True):
        if not v:
            return None, ("missing", name)
    for name in (*REQUIRED, *OPTIONAL):
        if _CONTROL.search((vals.get(name) or "").strip()):
            return None, ("control", name)  # a NUL or zero-width character would make a different id
    try:
        fen = parse_amount_fen(amount)
    except ValidationError as exc:
        return None, ("negative" if exc.key == "purchase.amount_negative" else "amount", "amount")
    try:
        when = parse_time_iso(when)
    except ValidationError:
        return None, ("date", "time")
    if latest is not None and dt.datetime.fromisoformat(when) > latest:
        return None, ("future", "time")  # as at the counter (RET-2: a future row would keep the member forever)
    get = vals.get
    goods, paym, pref, coupon = ((get(name) or "").strip() for name in OPTIONAL)
    for name, v, limit in (
        ("txn_id", txn, 64),
        ("member_no", no, 32),
        ("goods_type", goods, 64),
        ("payment_method", paym, 32),
        ("payment_ref", pref, 64),
        ("coupon", coupon, 32),
    ):
        if len(v) > limit:
            return None, ("too_long", name)
    return (txn, no, when, fen, goods, paym, pref, coupon), None


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def _nfkc(v: str) -> str:
    return v if v.isascii() else unicodedata.normalize("NFKC", v)


def file_format(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in (".csv", ".txt"):
        return "csv"
    if ext in (".json", ".jsonl", ".ndjson"):
        return "json"
    raise UserError("pos.format_unknown")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def page_cache(db: Queries, kib: int = 131072) -> Iterator[None]:
    """A bigger page cache (decrypted pages, in memory only) for a bulk job: index pages of a large purchase
    table are then decrypted once, not once per row. Restored afterwards."""
    before = db.scalar("PRAGMA cache_size")
    db.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {int(before)}")


def import_pos_file(
    session: Session, path: str | os.PathLike[str], *, batch_size: int = BATCH, stop_after_batches: int | None = None
) -> ImportResult:
    """Import one POS export file. Re-running it resumes after the last committed batch;
    a finished file is reported as already imported. `stop_after_batches` simulates an interruption (tests)."""
    session.require(PURCHASE_IMPORT)
    with page_cache(session.db):
        return _import(session, path, batch_size, stop_after_batches)


def _import(
    session: Session,
    path: str | os.PathLike[str],
    batch_size: int,
    stop_after_batches: int | None,
    force_encoding: str | None = None,
) -> ImportResult:
    path = Path(path)
    fmt = file_format(path)
    digest = _sha256(path)
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    if not head.strip():
        raise UserError("pos.empty")
    encoding = force_encoding or detect_encoding(head)
    db = session.db
    row = db.one("SELECT * FROM pos_imports WHERE file_sha256 = ?", (digest,))
    now = iso(session.clock.now())
    if row is None:
        with session.write("purchase.import.start", "pos_import", None, {"format": fmt, "encoding": encoding}) as tx:
            import_id = tx.execute(
                "INSERT INTO pos_imports(file_sha256, file_format, encoding, started_at, updated_at, staff_id,"
                " file_name) VALUES (?,?,?,?,?,?,?)",
                (digest, fmt, encoding, now, now, session.staff.id, path.name[:200]),
            ).lastrowid
        row = db.one("SELECT * FROM pos_imports WHERE id = ?", (import_id,))
    assert row is not None  # inserted just above, in this connection
    result = ImportResult(
        import_id=row["id"],
        encoding=encoding,
        resumed_from=row["line_done"],
        accepted=row["accepted"],
        duplicates=row["duplicates"],
    )
    result.rejected = [
        (r["line_no"], r["reason"], r["field"])
        for r in db.all(
            "SELECT line_no, reason, field FROM pos_import_rejects WHERE import_id = ? ORDER BY line_no", (row["id"],)
        )
    ]
    if row["finished_at"]:
        result.already_done = True
        return result
    line_done = row["line_done"]
    rows = _guarded(_iter_csv(path, encoding) if fmt == "csv" else _iter_json(path, encoding))
    seen_in_file: set[str] = set()
    if line_done:
        # txn ids of lines already committed count as "seen" for the in-file duplicate check
        seen_in_file.update(r[0] for r in db.all("SELECT pos_txn_id FROM purchases WHERE import_id = ?", (row["id"],)))
    latest = session.clock.now() + FUTURE_TOLERANCE
    batch = _Batch(latest)
    batches = 0
    any_row = False
    try:
        for line, values, raw in rows:
            any_row = True
            if line <= line_done:
                continue
            batch.add(line, values, raw, seen_in_file)
            if batch.size >= batch_size:
                _commit_batch(session, result, batch)
                batch = _Batch(latest)
                batches += 1
                if stop_after_batches is not None and batches >= stop_after_batches:
                    return result
    except UserError as exc:
        if exc.key != "pos.encoding_unknown":
            raise
        if batch.size:  # the rows read before the bad bytes are kept (nothing lost)
            _commit_batch(session, result, batch)
        if encoding == "utf-8":
            # The first megabyte looked like UTF-8 (plain ASCII), a later line is GBK: continue as GB18030
            # from the checkpoint (ASCII lines read the same in both).
            with session.db.transaction() as conn:
                conn.execute("UPDATE pos_imports SET encoding = 'gb18030' WHERE id = ?", (result.import_id,))
            return _import(session, path, batch_size, stop_after_batches, force_encoding="gb18030")
        raise
    if not any_row and not line_done:
        raise UserError("pos.empty")
    _commit_batch(session, result, batch, final=True)
    log.info(
        "pos import finished: import=%s accepted=%s duplicates=%s rejected=%s",
        result.import_id,
        result.accepted,
        result.duplicates,
        result.rejected_count,
    )
    return result


def _guarded(rows: Iterator[ReadRow]) -> Iterator[ReadRow]:
    """The reading side's boundary (issue #17): a line's problems are rejected lines already (pos_read); anything
    else the reading raises refuses the file with a reason, never an exception class the caller does not know.
    What the commits raise (the store's faults) is not the file's problem and passes through."""
    try:
        yield from rows
    except (UserError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001
        log.warning("pos import: file refused: %s", type(exc).__name__)
        raise UserError("pos.file_unreadable") from None


class _Batch:
    """Rows read since the last commit, checked as they are read: only the clean values are kept."""

    __slots__ = ("checked", "last_line", "latest", "rejects", "size")

    def __init__(self, latest: dt.datetime | None = None):
        self.latest = latest  # purchases after this time are refused (the clock's now + FUTURE_TOLERANCE)
        self.checked: list[tuple[int, CleanRow]] = []
        self.rejects: list[tuple[int, str, str | None]] = []
        self.last_line: int | None = None
        self.size = 0

    def add(self, line: int, values: dict[str, str] | None, raw: RawRow | str, seen_in_file: set[str]) -> None:
        self.size += 1
        self.last_line = line
        if isinstance(raw, str):  # a line that could not be read (pos_read): its reason
            self.rejects.append((line, raw, None))
            return
        if values is None:
            bad = card_field(*raw) if raw[1] else None
            kind = "unreadable" if raw[0] == ["line"] else "columns"
            self.rejects.append((line, "card_number", bad) if bad else (line, kind, None))
            return
        try:
            clean, problem = _check_row(values, raw, self.latest)
        except Exception as exc:  # noqa: BLE001 - whatever one row does is that row's problem
            log.warning("pos import: a row could not be checked: %s", type(exc).__name__)
            clean, problem = None, ("unreadable", None)
        if problem or clean is None:
            reason, fld = problem or ("unreadable", None)
            self.rejects.append((line, reason, fld))
            return
        if clean[0] in seen_in_file:
            self.rejects.append((line, "duplicate_in_file", "txn_id"))
            return
        seen_in_file.add(clean[0])
        self.checked.append((line, clean))


def _members_by_no(db: Queries, nos: list[str]) -> dict[str, str]:
    """member number -> member id, from the covering index (one query per 500 numbers)."""
    out: dict[str, str] = {}
    for i in range(0, len(nos), 500):
        part = nos[i : i + 500]
        out.update(
            db.all(
                f"SELECT member_no, id FROM members INDEXED BY members_no_id"
                f" WHERE member_no IN ({','.join('?' * len(part))})",
                part,
            )
        )
    return out


def _restricted(db: Queries, ids: list[str]) -> set[str]:
    """The members among `ids` whose processing is restricted (RIG-5: stored only)."""
    out: set[str] = set()
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        marks = ",".join("?" * len(part))
        out.update(r[0] for r in db.all(f"SELECT id FROM members WHERE restricted = 1 AND id IN ({marks})", part))
    return out


def _commit_batch(session: Session, result: ImportResult, batch: _Batch, final: bool = False) -> None:
    db = session.db
    store = session.store_code
    checked, rejects = batch.checked, batch.rejects
    # members by number (erased members are gone from members: refused as unknown), existing txns are duplicates
    members = _members_by_no(db, sorted({c[1] for _, c in checked}))
    txns = [c[0] for _, c in checked]
    existing: set[str] = set()
    for i in range(0, len(txns), 500):
        part = txns[i : i + 500]
        existing.update(
            r[0]
            for r in db.all(
                "SELECT pos_txn_id FROM purchases WHERE store_code = ? AND pos_txn_id IN"
                f" ({','.join('?' * len(part))})",
                [store, *part],
            )
        )
    now = iso(session.clock.now())
    # RIG-5: a restricted member's purchases are kept (RET-1: tax and audit) but not linked to the member
    restricted = _restricted(db, sorted(set(members.values())))
    inserts, ins_lines, dup_lines = [], [], []
    for line, (txn, no, when, fen, goods, paym, pref, coupon) in checked:
        mid = members.get(no)
        if mid is None:
            rejects.append((line, "member_unknown", "member_no"))
            continue
        if mid in restricted:
            mid = None
        if txn in existing:
            dup_lines.append(line)
            continue
        inserts.append(
            (
                store,
                txn,
                mid,
                when,
                fen,
                goods,
                paym,
                pref or None,
                coupon or None,
                when if coupon else None,
                "pos",
                result.import_id,
                now,
                session.staff.id,
            )
        )
        ins_lines.append(line)
    rejects.sort()
    # One transaction for the batch — unless a write at the counter is waiting for this connection's turn
    # (Database.ui_write_waiting): then what is inserted so far is committed with its checkpoint, the counter's
    # write goes in, and the rest of the batch follows in a new transaction.
    pos, r_pos, d_pos, n = 0, 0, 0, len(inserts)
    while True:
        first = pos
        with session.write("purchase.import.batch", "pos_import", str(result.import_id)) as tx:
            max_before = int(tx.scalar("SELECT coalesce(max(id), 0) FROM purchases")) if pos < n else 0
            while pos < n:
                chunk = inserts[pos : pos + CHUNK]
                tx.executemany(
                    "INSERT INTO purchases(store_code, pos_txn_id, member_id, purchased_at, amount_fen, goods_type,"
                    " payment_method, payment_ref, coupon_code, coupon_used_at, source, import_id, created_at,"
                    " created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    chunk,
                )
                pos += len(chunk)
                if pos < n and db.ui_write_waiting:
                    break
            done = inserts[first:pos]
            if done:
                if tx.scalar("SELECT max(id) FROM purchases") != max_before + len(done):
                    raise RuntimeError(
                        "purchase ids of an import batch are not consecutive"
                    )  # never journal a wrong range
                # one journal row for these rows, expanded into a row per purchase when uploaded (app.sync)
                add_purchase_batch(
                    tx,
                    ts=now,
                    store_code=store,
                    import_id=result.import_id,
                    first_id=max_before + 1,
                    last_id=max_before + len(done),
                )
                # last purchase: noted per member in purchase_touch, folded into members by the retention sweep
                latest: dict[str, str] = {}
                for row in done:
                    if row[2] is not None and row[3] > latest.get(row[2], ""):
                        latest[row[2]] = row[3]
                record_touches(tx, latest)
            # every line before the next row still to insert is done (inserted, rejected or a duplicate)
            last = batch.last_line if pos >= n else ins_lines[pos] - 1
            r_end = r_pos
            while r_end < len(rejects) and (last is None or rejects[r_end][0] <= last):
                r_end += 1
            d_end = d_pos
            while d_end < len(dup_lines) and (last is None or dup_lines[d_end] <= last):
                d_end += 1
            rejected_here = rejects[r_pos:r_end]
            if rejected_here:
                tx.executemany(
                    "INSERT OR REPLACE INTO pos_import_rejects(import_id, line_no, reason, field) VALUES (?,?,?,?)",
                    [(result.import_id, ln, reason, fld) for ln, reason, fld in rejected_here],
                )
            finished = final and pos >= n
            tx.execute(
                "UPDATE pos_imports SET line_done = coalesce(?, line_done), accepted = accepted + ?,"
                " duplicates = duplicates + ?, rejected = rejected + ?, updated_at = ?, finished_at = ? WHERE id = ?",
                (last, len(done), d_end - d_pos, len(rejected_here), now, now if finished else None, result.import_id),
            )
            tx.details = {
                "import_id": result.import_id,
                "accepted": len(done),
                "duplicates": d_end - d_pos,
                "rejected": len(rejected_here),
                "final": finished,
            }
            crashpoints.hit("import.batch_before_commit")
        crashpoints.hit("import.after_batch")
        result.accepted += len(done)
        result.duplicates += d_end - d_pos
        result.rejected.extend(rejected_here)
        r_pos, d_pos = r_end, d_end
        if pos >= n:
            break


def import_history(db: Queries, limit: int = 50) -> list[dict]:
    return [
        dict(r)
        for r in db.all(
            "SELECT id, file_format, encoding, started_at, finished_at, line_done, accepted, duplicates, rejected"
            " FROM pos_imports ORDER BY id DESC LIMIT ?",
            (limit,),
        )
    ]


POS_SUFFIXES = (".csv", ".txt", ".json", ".jsonl", ".ndjson")


SETTLE_SECONDS = 20  # a file changed more recently than this may still be being written by the POS


def import_pos_folder(
    session: Session, folder: str | os.PathLike[str], *, settle_seconds: float = SETTLE_SECONDS
) -> list[tuple[str, ImportResult | None, str | None]]:
    """Import every POS export file dropped in `folder` (the POS writes there). Files already imported
    completely (same content hash) are skipped; an interrupted one resumes; a file changed in the last
    `settle_seconds` is left for the next run (the POS may still be writing it: importing it now would
    report its cut-off last line as rejected). Files are only read, never moved or deleted (they belong
    to the POS). Returns (file name, result or None, error key or None) per file imported or failed now."""
    session.require(PURCHASE_IMPORT)
    folder = Path(folder)
    out: list[tuple[str, ImportResult | None, str | None]] = []
    if not folder.is_dir():
        return out
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in POS_SUFFIXES):
        try:
            st = path.stat()
            if st.st_size == 0 or time.time() - st.st_mtime < settle_seconds:
                continue
            digest = _sha256(path)
            done = session.db.one("SELECT finished_at FROM pos_imports WHERE file_sha256 = ?", (digest,))
            if done is not None and done[0]:
                continue
            out.append((path.name, import_pos_file(session, path), None))
        except JobStopped:
            raise  # the app is locking: the run stops, the checkpoint is kept
        except UserError as exc:
            log.warning("pos folder import: a file failed: %s", exc.key)
            out.append((path.name, None, exc.key))
        except OSError:
            log.warning("pos folder import: a file could not be read")
            out.append((path.name, None, "pos.unreadable"))
        except Exception as exc:  # noqa: BLE001 - one file never stops the folder (issue #17)
            log.warning("pos folder import: a file failed: %s", type(exc).__name__)
            out.append((path.name, None, "pos.file_unreadable"))
    return out
